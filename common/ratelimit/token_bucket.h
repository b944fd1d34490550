// A token bucket for vendor call limits (e.g. GetChatData 4000 calls/min).
#pragma once

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/time/clock.h"

namespace wecom {

// Holds up to `burst` tokens, refilled at `tokens_per_second`; starts full.
// Thread-safe. Callers reserve tokens and then wait themselves (on their own
// clock and cancellation flag), so the bucket never blocks:
//
//   clock->SleepFor(bucket->Reserve(), &mu, &cancel);
class TokenBucket {
 public:
  TokenBucket(double tokens_per_second, double burst, Clock* clock);

  // `calls` per minute, evenly spaced (a burst of one), so that any 60 s
  // window holds at most calls + 1 of them.
  static std::unique_ptr<TokenBucket> PerMinute(int calls, Clock* clock);

  // Takes `n` tokens now, going into debt if needed, and returns how long the
  // caller must wait before using them. Later callers queue behind earlier
  // reservations, so concurrent callers are served in order.
  absl::Duration Reserve(double n = 1);

  // Takes `n` tokens if they are available now, without debt.
  bool TryAcquire(double n = 1);

 private:
  // Adds the tokens earned since the last refill, up to `burst_`.
  void Refill() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const double tokens_per_second_;
  const double burst_;
  Clock* const clock_;
  absl::Mutex mu_;
  double tokens_ ABSL_GUARDED_BY(mu_);  // Negative while reservations are queued.
  absl::Time last_refill_ ABSL_GUARDED_BY(mu_);
};

}  // namespace wecom
