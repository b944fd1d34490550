// The clock as an interface, so pacing, retries and lag are testable with a
// fake clock instead of sleeps.
#pragma once

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace wecom {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() = 0;
  // Blocks until Now() >= deadline, or until *cancel is true (the caller sets
  // it while holding `mu`, which wakes the sleeper). `cancel` may be null.
  // Returns false when cancelled. `mu` is released while waiting.
  virtual bool SleepUntil(absl::Time deadline, absl::Mutex* mu, const bool* cancel)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) = 0;
  bool SleepFor(absl::Duration d, absl::Mutex* mu, const bool* cancel)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    return SleepUntil(Now() + d, mu, cancel);
  }
};

// Wall-clock time.
class RealClock final : public Clock {
 public:
  static RealClock* Get();
  absl::Time Now() override { return absl::Now(); }
  bool SleepUntil(absl::Time deadline, absl::Mutex* mu, const bool* cancel) override
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
};

// Time that moves only when a test advances it.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time start = absl::UnixEpoch() + absl::Hours(24 * 365 * 50))
      : now_(start) {}
  absl::Time Now() override;
  void Advance(absl::Duration d);
  bool SleepUntil(absl::Time deadline, absl::Mutex* mu, const bool* cancel) override
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // Number of threads blocked in SleepUntil, so a test can wait for a sleeper
  // before advancing time.
  int sleepers();

 private:
  absl::Mutex clock_mu_;
  absl::Time now_ ABSL_GUARDED_BY(clock_mu_);
  int sleepers_ ABSL_GUARDED_BY(clock_mu_) = 0;
};

}  // namespace wecom
