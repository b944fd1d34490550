// SendPacer on a FakeClock: the account interval, the corp's hourly limit and
// the escalating cool-down.
#include "services/robot-gateway/outbox/send_pacer.h"

#include "common/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace wecom::robot {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

constexpr char kAccount[] = "quntool:wxA";
constexpr char kOther[] = "quntool:wxB";
constexpr char kCorp[] = "ww-corp-1";

class SendPacerTest : public ::testing::Test {
 protected:
  PacingOptions Options() {
    PacingOptions options;
    options.corp_hourly_limit = 3;
    return options;
  }

  FakeClock clock_;
};

TEST_F(SendPacerTest, SpacesAnAccountsCallsByTheInterval) {
  SendPacer pacer(Options(), &clock_);
  const absl::Time start = clock_.Now();
  // A previous process may have just sent for it.
  SendPacer::Slot first = pacer.NextSlot(kAccount, kCorp, clock_.Now());
  EXPECT_EQ(first.at, start + absl::Milliseconds(500));
  EXPECT_EQ(first.reason, SendPacer::kAccountInterval);

  clock_.Advance(absl::Milliseconds(500));
  EXPECT_EQ(pacer.NextSlot(kAccount, kCorp, clock_.Now()).reason, "");
  pacer.RecordDispatch(kCorp);
  pacer.RecordCall(kAccount);
  clock_.Advance(absl::Milliseconds(499));
  const SendPacer::Slot held = pacer.NextSlot(kAccount, kCorp, clock_.Now());
  EXPECT_EQ(held.at, start + absl::Milliseconds(1000));
  EXPECT_EQ(held.reason, SendPacer::kAccountInterval);
  // Another account is not held by it.
  EXPECT_EQ(pacer.NextSlot(kOther, kCorp, clock_.Now()).reason, "");
  clock_.Advance(absl::Milliseconds(1));
  EXPECT_EQ(pacer.NextSlot(kAccount, kCorp, clock_.Now()).reason, "");
}

TEST_F(SendPacerTest, HoldsACorpAtItsHourlyLimitUntilTheOldestSendLeavesTheHour) {
  SendPacer pacer(Options(), &clock_);
  clock_.Advance(absl::Seconds(1));
  const absl::Time first = clock_.Now();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(pacer.NextSlot(kOther, kCorp, clock_.Now()).reason, "");
    pacer.RecordDispatch(kCorp);
    clock_.Advance(absl::Minutes(10));
  }
  const SendPacer::Slot held = pacer.NextSlot(kAccount, kCorp, clock_.Now());
  EXPECT_EQ(held.at, first + absl::Hours(1));
  EXPECT_EQ(held.reason, SendPacer::kCorpHourlyLimit);
  EXPECT_EQ(pacer.NextSlot(kAccount, "ww-corp-2", clock_.Now()).reason, "");

  clock_.Advance(first + absl::Hours(1) - clock_.Now());
  EXPECT_EQ(pacer.NextSlot(kAccount, kCorp, clock_.Now()).reason, "");
  pacer.RecordDispatch(kCorp);
  EXPECT_EQ(pacer.NextSlot(kAccount, kCorp, clock_.Now()).at, first + absl::Minutes(70));
}

TEST_F(SendPacerTest, AForgottenDispatchNoLongerCounts) {
  SendPacer pacer(Options(), &clock_);
  clock_.Advance(absl::Seconds(1));
  const absl::Time first = pacer.RecordDispatch(kCorp);
  EXPECT_EQ(first, clock_.Now());
  clock_.Advance(absl::Minutes(10));
  const absl::Time refused = pacer.RecordDispatch(kCorp);
  clock_.Advance(absl::Minutes(10));
  pacer.RecordDispatch(kCorp);
  EXPECT_EQ(pacer.NextSlot(kAccount, kCorp, clock_.Now()).reason, SendPacer::kCorpHourlyLimit);

  pacer.ForgetDispatch(kCorp, refused);
  EXPECT_EQ(pacer.NextSlot(kAccount, kCorp, clock_.Now()).reason, "");
  // Only that one: the next dispatch fills the hour again, until the first
  // one leaves it.
  pacer.RecordDispatch(kCorp);
  pacer.ForgetDispatch(kCorp, refused);
  pacer.ForgetDispatch("ww-corp-2", first);
  const SendPacer::Slot held = pacer.NextSlot(kAccount, kCorp, clock_.Now());
  EXPECT_EQ(held.reason, SendPacer::kCorpHourlyLimit);
  EXPECT_EQ(held.at, first + absl::Hours(1));
}

TEST_F(SendPacerTest, RestoredDispatchesCountForTheCorpsHour) {
  clock_.Advance(absl::Hours(2));
  SendPacer pacer(Options(), &clock_);
  const absl::Time now = clock_.Now();
  // In any order; a dispatch that already left the hour does not count.
  pacer.RestoreDispatches(kCorp, now - absl::Minutes(30), 2);
  pacer.RestoreDispatches(kCorp, now - absl::Minutes(50), 1);
  pacer.RestoreDispatches(kCorp, now - absl::Minutes(70), 5);
  const SendPacer::Slot held = pacer.NextSlot(kAccount, kCorp, now);
  EXPECT_EQ(held.at, now + absl::Minutes(10));
  EXPECT_EQ(held.reason, SendPacer::kCorpHourlyLimit);
  EXPECT_EQ(pacer.NextSlot(kAccount, "ww-corp-2", now).reason, SendPacer::kAccountInterval);
}

TEST_F(SendPacerTest, EachThrottleInARowDoublesTheCooldownUpToTheMaximum) {
  PacingOptions options = Options();
  options.max_cooldown = absl::Minutes(30);
  SendPacer pacer(options, &clock_);
  const absl::Time start = clock_.Now();

  const AccountPause first = pacer.RecordThrottle(kAccount);
  EXPECT_EQ(first.paused_until, start + absl::Minutes(5));
  EXPECT_EQ(first.consecutive_throttles, 1);
  const SendPacer::Slot held = pacer.NextSlot(kAccount, kCorp, clock_.Now());
  EXPECT_EQ(held.at, start + absl::Minutes(5));
  EXPECT_EQ(held.reason, SendPacer::kCooldown);
  EXPECT_THAT(pacer.ActivePauses(), ElementsAre(Pair(kAccount, start + absl::Minutes(5))));

  EXPECT_EQ(pacer.RecordThrottle(kAccount).paused_until, start + absl::Minutes(10));
  EXPECT_EQ(pacer.RecordThrottle(kAccount).paused_until, start + absl::Minutes(20));
  const AccountPause capped = pacer.RecordThrottle(kAccount);
  EXPECT_EQ(capped.paused_until, start + absl::Minutes(30));
  EXPECT_EQ(capped.consecutive_throttles, 4);
  EXPECT_EQ(capped.throttles, 4);

  clock_.Advance(absl::Minutes(30));
  EXPECT_THAT(pacer.ActivePauses(), IsEmpty());
  EXPECT_EQ(pacer.NextSlot(kAccount, kCorp, clock_.Now()).reason, "");

  // A confirmed send starts the escalation over; the count of throttles stays.
  const std::optional<AccountPause> reset = pacer.RecordConfirmed(kAccount);
  ASSERT_TRUE(reset.has_value());
  EXPECT_EQ(reset->consecutive_throttles, 0);
  EXPECT_FALSE(pacer.RecordConfirmed(kAccount).has_value());
  const AccountPause again = pacer.RecordThrottle(kAccount);
  EXPECT_EQ(again.paused_until, clock_.Now() + absl::Minutes(5));
  EXPECT_EQ(again.throttles, 5);
}

TEST_F(SendPacerTest, RestoresAStoredPause) {
  SendPacer pacer(Options(), &clock_);
  AccountPause stored;
  stored.paused_until = clock_.Now() + absl::Minutes(20);
  stored.consecutive_throttles = 3;
  stored.throttles = 7;
  pacer.Restore(kAccount, stored);
  EXPECT_EQ(pacer.NextSlot(kAccount, kCorp, clock_.Now()).reason, SendPacer::kCooldown);
  EXPECT_EQ(pacer.Pause(kAccount).consecutive_throttles, 3);
  EXPECT_EQ(pacer.RecordThrottle(kAccount).paused_until, clock_.Now() + absl::Minutes(40));
}

}  // namespace
}  // namespace wecom::robot
