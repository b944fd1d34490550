#include "common/retry/backoff.h"

#include <algorithm>
#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace wecom {
namespace {

TEST(BackoffTest, DelaysStayWithinTheGrowingCeiling) {
  const BackoffPolicy policy{
      .initial = absl::Milliseconds(100), .max = absl::Seconds(5), .multiplier = 2.0};
  for (uint64_t seed = 0; seed < 50; ++seed) {
    Backoff backoff(policy, seed);
    for (int n = 0; n < 12; ++n) {
      const absl::Duration ceiling =
          std::min(policy.max, policy.initial * std::pow(policy.multiplier, n));
      const absl::Duration delay = backoff.Next();
      EXPECT_GE(delay, absl::ZeroDuration()) << "attempt " << n;
      EXPECT_LE(delay, ceiling) << "attempt " << n;
    }
  }
}

TEST(BackoffTest, DelaysGrowWithAttempts) {
  // Full jitter makes single delays random; the largest of many draws at an
  // attempt approaches that attempt's ceiling.
  const BackoffPolicy policy{
      .initial = absl::Milliseconds(100), .max = absl::Seconds(100), .multiplier = 2.0};
  absl::Duration largest_first = absl::ZeroDuration();
  absl::Duration largest_fifth = absl::ZeroDuration();
  for (uint64_t seed = 0; seed < 200; ++seed) {
    Backoff backoff(policy, seed);
    largest_first = std::max(largest_first, backoff.Next());
    for (int n = 1; n < 4; ++n) backoff.Next();
    largest_fifth = std::max(largest_fifth, backoff.Next());
  }
  EXPECT_GT(largest_first, absl::Milliseconds(80));
  // The fifth ceiling is 1.6 s; the first is 100 ms.
  EXPECT_GT(largest_fifth, absl::Milliseconds(800));
}

TEST(BackoffTest, CeilingStopsAtMax) {
  const BackoffPolicy policy{.initial = absl::Seconds(1), .max = absl::Seconds(2)};
  absl::Duration largest = absl::ZeroDuration();
  for (uint64_t seed = 0; seed < 100; ++seed) {
    Backoff backoff(policy, seed);
    for (int n = 0; n < 200; ++n) largest = std::max(largest, backoff.Next());
  }
  EXPECT_LE(largest, absl::Seconds(2));
  EXPECT_GT(largest, absl::Milliseconds(1500));
}

TEST(BackoffTest, SameSeedGivesSameDelays) {
  Backoff a(BackoffPolicy{}, 7);
  Backoff b(BackoffPolicy{}, 7);
  for (int n = 0; n < 10; ++n) EXPECT_EQ(a.Next(), b.Next());
}

TEST(BackoffTest, ResetStartsOver) {
  const BackoffPolicy policy{.initial = absl::Milliseconds(10), .max = absl::Seconds(100)};
  Backoff backoff(policy, 1);
  for (int n = 0; n < 10; ++n) backoff.Next();
  EXPECT_EQ(backoff.attempts(), 10);
  backoff.Reset();
  EXPECT_EQ(backoff.attempts(), 0);
  EXPECT_LE(backoff.Next(), absl::Milliseconds(10));
}

TEST(BackoffTest, MaxAttemptsCountsTheFirstTry) {
  Backoff backoff(BackoffPolicy{.max_attempts = 3}, 1);
  EXPECT_FALSE(backoff.Exhausted());  // After try 1.
  backoff.Next();
  EXPECT_FALSE(backoff.Exhausted());  // After try 2.
  backoff.Next();
  EXPECT_TRUE(backoff.Exhausted());  // After try 3.
}

TEST(BackoffTest, ZeroMaxAttemptsIsUnlimited) {
  Backoff backoff(BackoffPolicy{.max_attempts = 0}, 1);
  for (int n = 0; n < 1000; ++n) backoff.Next();
  EXPECT_FALSE(backoff.Exhausted());
}

}  // namespace
}  // namespace wecom
