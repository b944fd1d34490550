// The vendor's per-minute call limits (GetChatData 4000/min, GetMediaData
// 25000/min, get_robot_info 600/min), enforced over a sliding minute.
#pragma once

#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/ratelimit/sliding_window.h"

namespace wecom::emulator {

// Admits at most `calls_per_minute` calls in any 60-second window. Rejected
// calls are not counted. Thread-safe.
class CallsPerMinuteLimit {
 public:
  explicit CallsPerMinuteLimit(int64_t calls_per_minute)
      : limit_(calls_per_minute), admitted_(absl::Minutes(1)) {}

  // Counts the call and returns true if it is within the limit at `now`.
  bool TryAdmit(absl::Time now);

 private:
  const int64_t limit_;
  absl::Mutex mu_;
  SlidingWindow admitted_ ABSL_GUARDED_BY(mu_);
};

}  // namespace wecom::emulator
