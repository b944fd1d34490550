// Reading what a test's metrics recorded, from the Prometheus registry they
// were registered in.
#pragma once

#include <map>
#include <string>

#include "prometheus/registry.h"

namespace wecom::testing {

// The sum of the samples of the counter or gauge family `name` whose labels
// include `labels` (all of its labels: one sample's value; none: the family's
// total). 0 when there is no such sample.
double MetricValue(const prometheus::Registry& registry, const std::string& name,
                   const std::map<std::string, std::string>& labels = {});

}  // namespace wecom::testing
