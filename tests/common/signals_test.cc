#include "common/grpc/signals.h"

#include <signal.h>
#include <unistd.h>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"

namespace wecom {
namespace {

TEST(SignalWatcherTest, HupReloadsAndTermShutsDown) {
  absl::Mutex mu;
  int reloads = 0;
  SignalWatcher watcher([&] {
    absl::MutexLock lock(&mu);
    ++reloads;
  });
  ASSERT_EQ(kill(getpid(), SIGHUP), 0);
  {
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(
        +[](int* n) { return *n == 1; }, &reloads));
  }
  ASSERT_EQ(kill(getpid(), SIGHUP), 0);
  {
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(
        +[](int* n) { return *n == 2; }, &reloads));
  }
  ASSERT_EQ(kill(getpid(), SIGTERM), 0);
  watcher.WaitForShutdown();
  // Still running: SIGTERM did not kill the process.
  absl::MutexLock lock(&mu);
  EXPECT_EQ(reloads, 2);
}

TEST(SignalWatcherTest, IntShutsDown) {
  SignalWatcher watcher(nullptr);
  ASSERT_EQ(kill(getpid(), SIGINT), 0);
  watcher.WaitForShutdown();
  SUCCEED();
}

}  // namespace
}  // namespace wecom
