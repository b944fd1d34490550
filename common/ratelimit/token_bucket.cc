#include "common/ratelimit/token_bucket.h"

#include <algorithm>

namespace wecom {

TokenBucket::TokenBucket(double tokens_per_second, double burst, Clock* clock)
    : tokens_per_second_(tokens_per_second),
      burst_(burst),
      clock_(clock),
      tokens_(burst),
      last_refill_(clock->Now()) {}

std::unique_ptr<TokenBucket> TokenBucket::PerMinute(int calls, Clock* clock) {
  return std::make_unique<TokenBucket>(calls / 60.0, 1.0, clock);
}

void TokenBucket::Refill() {
  const absl::Time now = clock_->Now();
  if (now > last_refill_) {
    tokens_ =
        std::min(burst_, tokens_ + absl::ToDoubleSeconds(now - last_refill_) * tokens_per_second_);
    last_refill_ = now;
  }
}

absl::Duration TokenBucket::Reserve(double n) {
  absl::MutexLock lock(&mu_);
  Refill();
  tokens_ -= n;
  if (tokens_ >= 0) return absl::ZeroDuration();
  if (tokens_per_second_ <= 0) return absl::InfiniteDuration();
  return absl::Seconds(-tokens_ / tokens_per_second_);
}

bool TokenBucket::TryAcquire(double n) {
  absl::MutexLock lock(&mu_);
  Refill();
  if (tokens_ < n) return false;
  tokens_ -= n;
  return true;
}

}  // namespace wecom
