#include "common/time/clock.h"

#include <thread>

#include "gtest/gtest.h"

namespace wecom {
namespace {

// Yields until `clock` has `n` sleepers; the sleeper registers before waiting.
void AwaitSleepers(FakeClock& clock, int n) {
  while (clock.sleepers() != n) std::this_thread::yield();
}

TEST(FakeClockTest, AdvanceMovesNow) {
  FakeClock clock;
  const absl::Time start = clock.Now();
  clock.Advance(absl::Seconds(5));
  EXPECT_EQ(clock.Now() - start, absl::Seconds(5));
}

TEST(FakeClockTest, SleepReturnsOnceFakeTimeReachesDeadline) {
  FakeClock clock;
  absl::Mutex mu;
  bool cancel = false;
  bool slept = false;
  std::thread sleeper([&] {
    absl::MutexLock lock(&mu);
    slept = clock.SleepFor(absl::Minutes(10), &mu, &cancel);
  });
  AwaitSleepers(clock, 1);
  clock.Advance(absl::Minutes(9));
  // Not yet due: the sleeper is still there.
  EXPECT_EQ(clock.sleepers(), 1);
  clock.Advance(absl::Minutes(1));
  sleeper.join();
  EXPECT_TRUE(slept);
  EXPECT_EQ(clock.sleepers(), 0);
}

TEST(FakeClockTest, CancelWakesSleeper) {
  FakeClock clock;
  absl::Mutex mu;
  bool cancel = false;
  bool slept = true;
  std::thread sleeper([&] {
    absl::MutexLock lock(&mu);
    slept = clock.SleepFor(absl::Hours(1), &mu, &cancel);
  });
  AwaitSleepers(clock, 1);
  {
    absl::MutexLock lock(&mu);
    cancel = true;
  }
  sleeper.join();
  EXPECT_FALSE(slept);
}

TEST(RealClockTest, CancelWakesSleeper) {
  absl::Mutex mu;
  bool cancel = false;
  bool sleeping = false;
  bool slept = true;
  std::thread sleeper([&] {
    absl::MutexLock lock(&mu);
    sleeping = true;
    slept = RealClock::Get()->SleepFor(absl::Hours(1), &mu, &cancel);
  });
  {
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(&sleeping));
    cancel = true;
  }
  sleeper.join();
  EXPECT_FALSE(slept);
}

TEST(RealClockTest, PastDeadlineReturnsAtOnce) {
  absl::Mutex mu;
  absl::MutexLock lock(&mu);
  EXPECT_TRUE(RealClock::Get()->SleepUntil(absl::Now() - absl::Seconds(1), &mu, nullptr));
}

}  // namespace
}  // namespace wecom
