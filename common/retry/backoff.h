// Exponential backoff with full jitter, for retrying vendor and peer calls.
#pragma once

#include <cstdint>
#include <random>

#include "absl/time/time.h"

namespace wecom {

struct BackoffPolicy {
  absl::Duration initial = absl::Milliseconds(200);
  absl::Duration max = absl::Seconds(30);
  double multiplier = 2.0;
  // Total tries allowed, counting the first one; 0 = unlimited.
  int max_attempts = 0;
};

// Delays between retries: the n-th delay (n from 0) is uniform in
// [0, min(max, initial * multiplier^n)] ("full jitter", so that many clients
// failing together do not retry in lockstep). Not thread-safe: one per retry
// loop.
//
//   Backoff backoff(policy);
//   while (!(status = Call()).ok() && !backoff.Exhausted()) {
//     clock->SleepFor(backoff.Next(), &mu, &cancel);
//   }
class Backoff {
 public:
  explicit Backoff(BackoffPolicy policy);  // Randomly seeded.
  Backoff(BackoffPolicy policy, uint64_t seed);

  // The delay before the next try; counts one more attempt.
  absl::Duration Next();
  // Starts over from `initial`, e.g. after a success.
  void Reset();
  // Delays handed out since construction or Reset().
  int attempts() const { return attempts_; }
  // True when the tries made so far (attempts() + 1) reach max_attempts.
  bool Exhausted() const;

 private:
  BackoffPolicy policy_;
  std::mt19937_64 random_;
  int attempts_ = 0;
};

}  // namespace wecom
