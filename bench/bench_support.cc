#include "bench/bench_support.h"

#include <errno.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace wecom::bench {

void Fail(const absl::Status& status) {
  std::cerr << "bench/" << absl::StripSuffix(program_invocation_short_name, "_bench") << ": "
            << status << "\n";
  std::exit(1);
}

double PercentileMs(std::vector<absl::Duration> samples, double p) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  const size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(samples.size())));
  return absl::ToDoubleMilliseconds(samples[std::max<size_t>(rank, 1) - 1]);
}

std::string Distribution(const std::vector<absl::Duration>& samples) {
  return absl::StrFormat("p10 %.3f  p50 %.3f  p90 %.3f  p99 %.3f  max %.3f",
                         PercentileMs(samples, 0.10), PercentileMs(samples, 0.50),
                         PercentileMs(samples, 0.90), PercentileMs(samples, 0.99),
                         PercentileMs(samples, 1.0));
}

double PeakRssMb(pid_t pid) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      std::vector<std::string> parts = absl::StrSplit(line, ' ', absl::SkipEmpty());
      double kb = 0;
      if (parts.size() >= 2 && absl::SimpleAtod(parts[1], &kb)) return kb / 1024.0;
    }
  }
  return 0;
}

absl::Duration CpuTime(pid_t pid) {
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // The command name, in parentheses, may hold spaces: count fields after it.
  const size_t paren = text.rfind(')');
  if (paren == std::string::npos) return absl::ZeroDuration();
  std::vector<std::string> fields = absl::StrSplit(text.substr(paren + 1), ' ', absl::SkipEmpty());
  // After the name: state is field 3 of proc(5), utime 14 and stime 15.
  double utime = 0;
  double stime = 0;
  if (fields.size() < 13 || !absl::SimpleAtod(fields[11], &utime) ||
      !absl::SimpleAtod(fields[12], &stime)) {
    return absl::ZeroDuration();
  }
  return absl::Seconds((utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK)));
}

}  // namespace wecom::bench
