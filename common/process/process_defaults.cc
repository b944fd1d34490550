#include "common/process/process_defaults.h"

#include "absl/synchronization/mutex.h"

namespace wecom {

void ApplyServiceProcessDefaults() {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}

}  // namespace wecom
