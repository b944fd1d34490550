#include "common/ratelimit/token_bucket.h"

#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace wecom {
namespace {

TEST(TokenBucketTest, BurstIsAvailableAtOnce) {
  FakeClock clock;
  TokenBucket bucket(/*tokens_per_second=*/1, /*burst=*/3, &clock);
  EXPECT_TRUE(bucket.TryAcquire());
  EXPECT_TRUE(bucket.TryAcquire());
  EXPECT_TRUE(bucket.TryAcquire());
  EXPECT_FALSE(bucket.TryAcquire());
}

TEST(TokenBucketTest, RefillsAtRate) {
  FakeClock clock;
  TokenBucket bucket(/*tokens_per_second=*/10, /*burst=*/1, &clock);
  EXPECT_TRUE(bucket.TryAcquire());
  EXPECT_FALSE(bucket.TryAcquire());
  clock.Advance(absl::Milliseconds(50));
  EXPECT_FALSE(bucket.TryAcquire());
  clock.Advance(absl::Milliseconds(50));
  EXPECT_TRUE(bucket.TryAcquire());
}

TEST(TokenBucketTest, RefillStopsAtBurst) {
  FakeClock clock;
  TokenBucket bucket(/*tokens_per_second=*/100, /*burst=*/2, &clock);
  clock.Advance(absl::Hours(1));
  EXPECT_TRUE(bucket.TryAcquire(2));
  EXPECT_FALSE(bucket.TryAcquire());
}

TEST(TokenBucketTest, ReservationsQueueBehindEachOther) {
  FakeClock clock;
  TokenBucket bucket(/*tokens_per_second=*/2, /*burst=*/1, &clock);
  EXPECT_EQ(bucket.Reserve(), absl::ZeroDuration());
  EXPECT_EQ(bucket.Reserve(), absl::Milliseconds(500));
  EXPECT_EQ(bucket.Reserve(), absl::Seconds(1));
  // Queued reservations hold the tokens: nothing is free to take.
  EXPECT_FALSE(bucket.TryAcquire());
  clock.Advance(absl::Seconds(1));
  // The debt is paid; the next reservation waits one interval.
  EXPECT_EQ(bucket.Reserve(), absl::Milliseconds(500));
}

TEST(TokenBucketTest, ConcurrentReservationsGetDistinctSlots) {
  FakeClock clock;
  TokenBucket bucket(/*tokens_per_second=*/10, /*burst=*/1, &clock);
  constexpr int kThreads = 8;
  std::vector<absl::Duration> waits(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] { waits[i] = bucket.Reserve(); });
  }
  for (std::thread& thread : threads) thread.join();
  std::vector<absl::Duration> expected;
  for (int i = 0; i < kThreads; ++i) expected.push_back(absl::Milliseconds(100) * i);
  EXPECT_THAT(waits, ::testing::UnorderedElementsAreArray(expected));
}

TEST(TokenBucketTest, PerMinuteSpacesCallsEvenly) {
  FakeClock clock;
  std::unique_ptr<TokenBucket> bucket = TokenBucket::PerMinute(600, &clock);
  EXPECT_EQ(bucket->Reserve(), absl::ZeroDuration());
  EXPECT_EQ(bucket->Reserve(), absl::Milliseconds(100));
  // A minute allows 600 calls: the 601st reservation from the start waits 60 s.
  for (int i = 2; i < 600; ++i) bucket->Reserve();
  EXPECT_EQ(bucket->Reserve(), absl::Seconds(60));
}

}  // namespace
}  // namespace wecom
