#include "emulators/finance-sdk/calls_per_minute_limit.h"

namespace wecom::emulator {

bool CallsPerMinuteLimit::TryAdmit(absl::Time now) {
  absl::MutexLock lock(&mu_);
  while (!admitted_.empty() && admitted_.front() <= now - absl::Minutes(1)) admitted_.pop_front();
  if (static_cast<int64_t>(admitted_.size()) >= limit_) return false;
  admitted_.push_back(now);
  return true;
}

}  // namespace wecom::emulator
