#include "common/time/clock.h"

namespace wecom {
namespace {

// A condition that is true once *cancel is; never true without a flag.
absl::Condition CancelledCondition(const bool* cancel) {
  static constexpr bool kNeverCancelled = false;
  return absl::Condition(cancel != nullptr ? cancel : &kNeverCancelled);
}

bool IsCancelled(const bool* cancel) { return cancel != nullptr && *cancel; }

}  // namespace

RealClock* RealClock::Get() {
  static RealClock* const clock = new RealClock();
  return clock;
}

bool RealClock::SleepUntil(absl::Time deadline, absl::Mutex* mu, const bool* cancel) {
  mu->AwaitWithDeadline(CancelledCondition(cancel), deadline);
  return !IsCancelled(cancel);
}

absl::Time FakeClock::Now() {
  absl::MutexLock lock(&clock_mu_);
  return now_;
}

void FakeClock::Advance(absl::Duration d) {
  absl::MutexLock lock(&clock_mu_);
  now_ += d;
}

int FakeClock::sleepers() {
  absl::MutexLock lock(&clock_mu_);
  return sleepers_;
}

bool FakeClock::SleepUntil(absl::Time deadline, absl::Mutex* mu, const bool* cancel) {
  // Advance() cannot signal the caller's mutex, so poll the fake time in short
  // real waits; cancellation still wakes the sleeper at once.
  constexpr absl::Duration kPollInterval = absl::Milliseconds(1);
  {
    absl::MutexLock lock(&clock_mu_);
    ++sleepers_;
  }
  while (!IsCancelled(cancel) && Now() < deadline) {
    mu->AwaitWithTimeout(CancelledCondition(cancel), kPollInterval);
  }
  absl::MutexLock lock(&clock_mu_);
  --sleepers_;
  return !IsCancelled(cancel);
}

}  // namespace wecom
