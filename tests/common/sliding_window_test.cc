#include "common/ratelimit/sliding_window.h"

#include "gtest/gtest.h"

namespace wecom {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);

TEST(SlidingWindowTest, AnEventLeavesTheWindowExactlyOneWindowLater) {
  SlidingWindow window(absl::Minutes(1));
  window.Add(kStart);
  EXPECT_EQ(window.CountAt(kStart + absl::Seconds(59)), 1);
  EXPECT_EQ(window.CountAt(kStart + absl::Minutes(1)), 0);
}

TEST(SlidingWindowTest, TryAddAdmitsUpToTheLimitAndDoesNotCountRefusals) {
  SlidingWindow window(absl::Minutes(1));
  EXPECT_TRUE(window.TryAdd(kStart, 2));
  EXPECT_TRUE(window.TryAdd(kStart + absl::Seconds(30), 2));
  EXPECT_FALSE(window.TryAdd(kStart + absl::Seconds(40), 2));
  EXPECT_EQ(window.CountAt(kStart + absl::Seconds(40)), 2);
  // The first event left: one place is free, and the refused one never took it.
  EXPECT_TRUE(window.TryAdd(kStart + absl::Seconds(60), 2));
  EXPECT_FALSE(window.TryAdd(kStart + absl::Seconds(61), 2));
}

TEST(SlidingWindowTest, FreeAtIsWhenTheOldestEventOverTheLimitLeaves) {
  SlidingWindow window(absl::Hours(1));
  window.Add(kStart);
  window.Add(kStart + absl::Minutes(10));
  window.Add(kStart + absl::Minutes(20));
  const absl::Time now = kStart + absl::Minutes(30);
  EXPECT_EQ(window.FreeAt(now, 4), absl::InfinitePast());
  EXPECT_EQ(window.FreeAt(now, 3), kStart + absl::Hours(1));
  EXPECT_EQ(window.FreeAt(now, 2), kStart + absl::Minutes(70));
  EXPECT_EQ(window.FreeAt(now, 1), kStart + absl::Minutes(80));
  EXPECT_EQ(window.FreeAt(now, 0), absl::InfiniteFuture());
}

TEST(SlidingWindowTest, OlderEventsAddedLaterKeepTimeOrder) {
  SlidingWindow window(absl::Hours(1));
  window.Add(kStart + absl::Minutes(20));
  // A restart restores three events from before the one just added.
  window.Add(kStart, 3);
  EXPECT_EQ(window.CountAt(kStart + absl::Minutes(30)), 4);
  EXPECT_EQ(window.FreeAt(kStart + absl::Minutes(30), 2), kStart + absl::Hours(1));
  EXPECT_EQ(window.CountAt(kStart + absl::Minutes(60)), 1);
}

TEST(SlidingWindowTest, RemoveTakesBackOneEventAtThatTime) {
  SlidingWindow window(absl::Minutes(1));
  window.Add(kStart, 2);
  EXPECT_TRUE(window.Remove(kStart));
  EXPECT_EQ(window.CountAt(kStart), 1);
  EXPECT_FALSE(window.Remove(kStart + absl::Seconds(1)));
  EXPECT_TRUE(window.Remove(kStart));
  EXPECT_FALSE(window.Remove(kStart));
  EXPECT_EQ(window.CountAt(kStart), 0);
}

}  // namespace
}  // namespace wecom
