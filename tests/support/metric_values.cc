#include "tests/support/metric_values.h"

#include <algorithm>

namespace wecom::testing {
namespace {

bool HasLabels(const prometheus::ClientMetric& sample,
               const std::map<std::string, std::string>& labels) {
  return std::all_of(labels.begin(), labels.end(), [&](const auto& wanted) {
    return std::any_of(sample.label.begin(), sample.label.end(),
                       [&](const prometheus::ClientMetric::Label& label) {
                         return label.name == wanted.first && label.value == wanted.second;
                       });
  });
}

}  // namespace

double MetricValue(const prometheus::Registry& registry, const std::string& name,
                   const std::map<std::string, std::string>& labels) {
  double sum = 0;
  for (const prometheus::MetricFamily& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const prometheus::ClientMetric& sample : family.metric) {
      if (!HasLabels(sample, labels)) continue;
      sum +=
          family.type == prometheus::MetricType::Gauge ? sample.gauge.value : sample.counter.value;
    }
  }
  return sum;
}

}  // namespace wecom::testing
