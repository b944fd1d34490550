#include "common/retry/backoff.h"

#include <algorithm>
#include <cmath>

namespace wecom {

Backoff::Backoff(BackoffPolicy policy) : Backoff(policy, std::random_device{}()) {}

Backoff::Backoff(BackoffPolicy policy, uint64_t seed) : policy_(policy), random_(seed) {}

absl::Duration Backoff::Next() {
  // Computed in seconds as a double so large attempt counts saturate at `max`
  // instead of overflowing.
  const double ceiling_seconds =
      std::min(absl::ToDoubleSeconds(policy_.max),
               absl::ToDoubleSeconds(policy_.initial) * std::pow(policy_.multiplier, attempts_));
  ++attempts_;
  // 53 random bits give a uniform double in [0, 1).
  const double fraction = static_cast<double>(random_() >> 11) / static_cast<double>(1ULL << 53);
  return absl::Seconds(std::max(0.0, ceiling_seconds) * fraction);
}

void Backoff::Reset() { attempts_ = 0; }

bool Backoff::Exhausted() const {
  return policy_.max_attempts > 0 && attempts_ + 1 >= policy_.max_attempts;
}

}  // namespace wecom
