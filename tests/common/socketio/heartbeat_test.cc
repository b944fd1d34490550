#include "common/socketio/heartbeat.h"

#include "common/time/clock.h"
#include "gtest/gtest.h"

namespace wecom::socketio {
namespace {

using Action = Heartbeat::Action;

constexpr absl::Duration kInterval = absl::Milliseconds(300);
constexpr absl::Duration kTimeout = absl::Milliseconds(200);

TEST(HeartbeatV3Test, ClientPingsEveryIntervalWhileTheServerAnswers) {
  FakeClock clock;
  const absl::Time start = clock.Now();
  Heartbeat heartbeat(EngineIoVersion::kV3, kInterval, kTimeout, &clock);
  EXPECT_EQ(heartbeat.NextDeadline(), start + kInterval);
  EXPECT_EQ(heartbeat.Poll(), Action::kNone);

  for (int round = 1; round <= 5; ++round) {
    clock.Advance(kInterval - absl::Milliseconds(1));
    EXPECT_EQ(heartbeat.Poll(), Action::kNone) << round;
    clock.Advance(absl::Milliseconds(1));
    EXPECT_EQ(heartbeat.Poll(), Action::kSendPing) << round;
    EXPECT_EQ(heartbeat.NextDeadline(), clock.Now() + kTimeout) << round;
    // Sent once: polling again before the pong does not ping again.
    EXPECT_EQ(heartbeat.Poll(), Action::kNone) << round;
    heartbeat.OnPong();
    EXPECT_EQ(heartbeat.NextDeadline(), start + round * kInterval + kInterval) << round;
  }
}

TEST(HeartbeatV3Test, DeadWhenThePongIsLate) {
  FakeClock clock;
  Heartbeat heartbeat(EngineIoVersion::kV3, kInterval, kTimeout, &clock);
  clock.Advance(kInterval);
  ASSERT_EQ(heartbeat.Poll(), Action::kSendPing);
  clock.Advance(kTimeout - absl::Milliseconds(1));
  EXPECT_EQ(heartbeat.Poll(), Action::kNone);
  clock.Advance(absl::Milliseconds(1));
  EXPECT_EQ(heartbeat.Poll(), Action::kDead);
  // A pong after the verdict changes nothing.
  heartbeat.OnPong();
  EXPECT_EQ(heartbeat.Poll(), Action::kDead);
  EXPECT_EQ(heartbeat.NextDeadline(), absl::InfiniteFuture());
}

TEST(HeartbeatV3Test, ServerPingsDoNotCount) {
  FakeClock clock;
  Heartbeat heartbeat(EngineIoVersion::kV3, kInterval, kTimeout, &clock);
  clock.Advance(kInterval);
  ASSERT_EQ(heartbeat.Poll(), Action::kSendPing);
  clock.Advance(kTimeout / 2);
  heartbeat.OnPing();
  clock.Advance(kTimeout / 2);
  EXPECT_EQ(heartbeat.Poll(), Action::kDead);
}

TEST(HeartbeatV4Test, AliveWhileTheServerPings) {
  FakeClock clock;
  Heartbeat heartbeat(EngineIoVersion::kV4, kInterval, kTimeout, &clock);
  for (int round = 0; round < 5; ++round) {
    EXPECT_EQ(heartbeat.NextDeadline(), clock.Now() + kInterval + kTimeout) << round;
    clock.Advance(kInterval + kTimeout - absl::Milliseconds(1));
    EXPECT_EQ(heartbeat.Poll(), Action::kNone) << round;
    heartbeat.OnPing();
  }
}

TEST(HeartbeatV4Test, NeverPingsAndIsDeadAfterIntervalPlusTimeoutOfSilence) {
  FakeClock clock;
  Heartbeat heartbeat(EngineIoVersion::kV4, kInterval, kTimeout, &clock);
  clock.Advance(kInterval);
  EXPECT_EQ(heartbeat.Poll(), Action::kNone);
  heartbeat.OnPing();
  clock.Advance(kInterval + kTimeout - absl::Milliseconds(1));
  EXPECT_EQ(heartbeat.Poll(), Action::kNone);
  // Pongs are what v4 clients send, not what keeps them alive.
  heartbeat.OnPong();
  clock.Advance(absl::Milliseconds(1));
  EXPECT_EQ(heartbeat.Poll(), Action::kDead);
  heartbeat.OnPing();
  EXPECT_EQ(heartbeat.Poll(), Action::kDead);
}

TEST(HeartbeatV4Test, DeadWhenNoPingEverArrives) {
  FakeClock clock;
  Heartbeat heartbeat(EngineIoVersion::kV4, kInterval, kTimeout, &clock);
  clock.Advance(kInterval + kTimeout);
  EXPECT_EQ(heartbeat.Poll(), Action::kDead);
}

}  // namespace
}  // namespace wecom::socketio
