#include "emulators/finance-sdk/calls_per_minute_limit.h"

namespace wecom::emulator {

bool CallsPerMinuteLimit::TryAdmit(absl::Time now) {
  absl::MutexLock lock(&mu_);
  return admitted_.TryAdd(now, limit_);
}

}  // namespace wecom::emulator
