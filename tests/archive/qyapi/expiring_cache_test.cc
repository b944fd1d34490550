#include "services/archive/qyapi/expiring_cache.h"

#include <string>

#include "common/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace wecom::archive {
namespace {

using ::testing::Eq;
using ::testing::Optional;

TEST(ExpiringCacheTest, ServesAValueUntilItsTtlPasses) {
  FakeClock clock;
  ExpiringCache<std::string> cache(absl::Minutes(10), 10, &clock);
  cache.Put("wb1", "robot one");

  clock.Advance(absl::Minutes(10) - absl::Seconds(1));
  EXPECT_THAT(cache.Get("wb1"), Optional(Eq("robot one")));
  clock.Advance(absl::Seconds(1));
  EXPECT_EQ(cache.Get("wb1"), std::nullopt);
}

TEST(ExpiringCacheTest, PutReplacesAndRestartsTheTtl) {
  FakeClock clock;
  ExpiringCache<std::string> cache(absl::Minutes(10), 10, &clock);
  cache.Put("wr1", "old");
  clock.Advance(absl::Minutes(9));
  cache.Put("wr1", "new");
  clock.Advance(absl::Minutes(9));
  EXPECT_THAT(cache.Get("wr1"), Optional(Eq("new")));
}

TEST(ExpiringCacheTest, MissingKeyIsEmpty) {
  FakeClock clock;
  ExpiringCache<std::string> cache(absl::Minutes(10), 10, &clock);
  EXPECT_EQ(cache.Get("absent"), std::nullopt);
}

TEST(ExpiringCacheTest, WhenFullExpiredEntriesMakeRoomBeforeLiveOnes) {
  FakeClock clock;
  ExpiringCache<std::string> cache(absl::Minutes(10), 2, &clock);
  cache.Put("expired", "a");
  clock.Advance(absl::Minutes(6));
  cache.Put("fresh", "b");
  clock.Advance(absl::Minutes(5));  // "expired" is past its ttl, "fresh" is not.
  cache.Put("third", "c");
  EXPECT_THAT(cache.Get("fresh"), Optional(Eq("b")));
  EXPECT_THAT(cache.Get("third"), Optional(Eq("c")));
}

TEST(ExpiringCacheTest, WhenFullOfLiveEntriesDropsTheOldest) {
  FakeClock clock;
  ExpiringCache<std::string> cache(absl::Minutes(10), 2, &clock);
  cache.Put("oldest", "a");
  clock.Advance(absl::Seconds(1));
  cache.Put("newer", "b");
  clock.Advance(absl::Seconds(1));
  cache.Put("newest", "c");
  EXPECT_EQ(cache.Get("oldest"), std::nullopt);
  EXPECT_THAT(cache.Get("newer"), Optional(Eq("b")));
  EXPECT_THAT(cache.Get("newest"), Optional(Eq("c")));
}

}  // namespace
}  // namespace wecom::archive
