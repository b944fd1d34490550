// OutboxDispatcher on a real outbox, a FakeClock and a scripted platform:
// pacing measured on the fake clock, throttles, unknown outcomes, retries,
// the callback race and a restart mid-queue.
#include "services/robot-gateway/outbox/outbox_dispatcher.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status/vendor_error.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "services/robot-gateway/metrics/gateway_metrics.h"
#include "tests/robot-gateway/outbox/dispatcher_fixture.h"
#include "tests/robot-gateway/outbox/outbox_test_env.h"
#include "tests/support/metric_values.h"

namespace wecom::robot::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using wecom::testing::IsOk;
using wecom::testing::MetricValue;
using wecom::testing::StatusIs;

constexpr absl::Duration kInterval = absl::Milliseconds(500);

class OutboxDispatcherTest : public DispatcherFixture {
 protected:
  void SetUp() override {
    DispatcherFixture::SetUp();
    platform_ = std::make_unique<ScriptedPlatform>(&env_->clock());
  }

  void Start(DispatchOptions options = DispatchOptions()) {
    dispatcher_ = std::make_unique<OutboxDispatcher>(
        &env_->outbox(),
        [this](v1::Vendor vendor) -> RobotPlatform* {
          return vendor == v1::VENDOR_QUNTOOL ? platform_.get() : nullptr;
        },
        &metrics_, &clock(), options);
    ASSERT_THAT(dispatcher_->Start(), IsOk());
    Settle();
  }

  std::unique_ptr<ScriptedPlatform> platform_;
};

// No two calls of one account closer than the interval.
void ExpectSpaced(const std::vector<ScriptedPlatform::Call>& calls, absl::Duration interval) {
  for (size_t i = 1; i < calls.size(); ++i) {
    EXPECT_GE(calls[i].at - calls[i - 1].at, interval)
        << calls[i].account_id << " calls " << i - 1 << " and " << i;
  }
}

TEST_F(OutboxDispatcherTest, PacesEachAccountWhileAccountsInterleave) {
  Start();
  std::vector<std::string> a_ids;
  std::vector<std::string> b_ids;
  for (int i = 0; i < 5; ++i) {
    a_ids.push_back(Accept(TextSend(kAccountA, absl::StrCat("a", i))).send_id());
    b_ids.push_back(Accept(TextSend(kAccountB, absl::StrCat("b", i))).send_id());
  }
  Run(absl::Seconds(3), absl::Milliseconds(50));

  const std::vector<ScriptedPlatform::Call> a_calls = platform_->CallsOf(kAccountA);
  const std::vector<ScriptedPlatform::Call> b_calls = platform_->CallsOf(kAccountB);
  ASSERT_THAT(a_calls, SizeIs(5));
  ASSERT_THAT(b_calls, SizeIs(5));
  ExpectSpaced(a_calls, kInterval);
  ExpectSpaced(b_calls, kInterval);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(a_calls[i].send_id, a_ids[i]);
    EXPECT_EQ(b_calls[i].send_id, b_ids[i]);
    // The accounts go side by side, not one after the other.
    EXPECT_EQ(a_calls[i].at, b_calls[i].at);
  }
  EXPECT_EQ(Stored(a_ids[4]).state(), v1::SEND_STATE_SENT);
  EXPECT_EQ(Stored(a_ids[4]).transport(), v1::SEND_TRANSPORT_MQTT);
  EXPECT_EQ(MetricValue(registry_, "robot_gateway_sends_total",
                        {{"vendor", "quntool"}, {"state", "queued"}}),
            10);
  EXPECT_EQ(MetricValue(registry_, "robot_gateway_sends_total",
                        {{"vendor", "quntool"}, {"state", "sent"}}),
            10);
  EXPECT_GT(MetricValue(registry_, "robot_gateway_pacing_wait_seconds_total",
                        {{"vendor", "quntool"}, {"reason", "account_interval"}}),
            0);
}

TEST_F(OutboxDispatcherTest, TheIntervalCountsFromTheVendorsAnswer) {
  // The vendor measures arrivals: a request that took long to be answered may
  // have arrived late, so the next one waits the interval after the answer.
  constexpr absl::Duration kSlowAnswer = absl::Milliseconds(300);
  Start();
  platform_->set_answer([this](const OutgoingMessage&, int call) -> absl::StatusOr<std::string> {
    clock().Advance(kSlowAnswer);
    return absl::StrCat("msg-", call);
  });
  for (int i = 0; i < 3; ++i) Accept(TextSend(kAccountA, absl::StrCat("a", i)));
  Run(absl::Seconds(3), absl::Milliseconds(50));

  const std::vector<ScriptedPlatform::Call> calls = platform_->CallsOf(kAccountA);
  ASSERT_THAT(calls, SizeIs(3));
  ExpectSpaced(calls, kSlowAnswer + kInterval);
}

TEST_F(OutboxDispatcherTest, CorpHourlyLimitHoldsTheFourthSendUntilTheHourPassed) {
  DispatchOptions options;
  options.pacing.corp_hourly_limit = 3;
  Start(options);
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    ids.push_back(Accept(TextSend(absl::StrCat("quntool:wx", i), "hello")).send_id());
  }
  const v1::Send other_corp = Accept(TextSend("quntool:wxOther", "hello"), "ww-corp-2");
  Run(absl::Seconds(1));
  const absl::Time first = platform_->calls().at(0).at;
  EXPECT_THAT(platform_->calls(), SizeIs(4));
  EXPECT_EQ(platform_->CallCount(ids[3]), 0);
  EXPECT_EQ(platform_->CallCount(other_corp.send_id()), 1);

  Run(absl::Minutes(59), absl::Minutes(1));
  EXPECT_EQ(platform_->CallCount(ids[3]), 0);
  EXPECT_EQ(dispatcher_->Pacing("quntool:wx3").queued_sends(), 1);
  EXPECT_EQ(MetricValue(registry_, "robot_gateway_outbox_queued_sends"), 1);
  // The held send is the oldest unfinished one (the others wait for callbacks).
  EXPECT_GE(MetricValue(registry_, "robot_gateway_outbox_oldest_age_seconds"), 59 * 60);
  Run(absl::Seconds(61), absl::Seconds(1));
  ASSERT_EQ(platform_->CallCount(ids[3]), 1);
  EXPECT_GE(platform_->calls().back().at, first + absl::Hours(1));
  EXPECT_GT(MetricValue(registry_, "robot_gateway_pacing_wait_seconds_total",
                        {{"vendor", "quntool"}, {"reason", "corp_hourly_limit"}}),
            3500);
}

TEST_F(OutboxDispatcherTest, TheCorpHourlyLimitHoldsAcrossARestart) {
  DispatchOptions options;
  options.pacing.corp_hourly_limit = 3;
  Start(options);
  for (int i = 0; i < 3; ++i) Accept(TextSend(absl::StrCat("quntool:wx", i), "hello"));
  Run(absl::Seconds(1));
  ASSERT_THAT(platform_->calls(), SizeIs(3));
  const absl::Time first = platform_->calls()[0].at;
  dispatcher_.reset();
  ASSERT_THAT(env_->Reopen(), IsOk());

  Start(options);
  const v1::Send fourth = Accept(TextSend("quntool:wx3", "hello"));
  Run(absl::Minutes(59), absl::Minutes(1));
  EXPECT_EQ(platform_->CallCount(fourth.send_id()), 0);
  Run(absl::Minutes(2), absl::Seconds(1));
  ASSERT_EQ(platform_->CallCount(fourth.send_id()), 1);
  // Counted per minute: no earlier than the hour, at most a minute later.
  EXPECT_GE(platform_->calls().back().at, first + absl::Hours(1));
  EXPECT_LE(platform_->calls().back().at, first + absl::Hours(1) + absl::Minutes(1));
}

TEST_F(OutboxDispatcherTest, ASentSendWhoseEchoNeverComesStopsAgeingTheOutbox) {
  DispatchOptions options;
  options.sent_confirmation_timeout = absl::Minutes(10);
  Start(options);
  const v1::Send send = Accept(TextSend(kAccountA, "hello"));
  Run(kInterval);
  ASSERT_EQ(Stored(send.send_id()).state(), v1::SEND_STATE_SENT);
  Run(absl::Minutes(9), absl::Minutes(1));
  EXPECT_GE(MetricValue(registry_, "robot_gateway_outbox_oldest_age_seconds"), 9 * 60);
  EXPECT_EQ(
      MetricValue(registry_, "robot_gateway_sends_echo_overdue_total", {{"vendor", "quntool"}}), 0);
  Run(absl::Minutes(2), absl::Seconds(10));
  EXPECT_EQ(MetricValue(registry_, "robot_gateway_outbox_oldest_age_seconds"), 0);
  EXPECT_EQ(Stored(send.send_id()).state(), v1::SEND_STATE_SENT);
  EXPECT_EQ(
      MetricValue(registry_, "robot_gateway_sends_echo_overdue_total", {{"vendor", "quntool"}}), 1);

  // A late echo still confirms it.
  absl::StatusOr<std::optional<v1::Send>> confirmed =
      dispatcher_->OnVendorOutcome(OutcomeFor(send, Stored(send.send_id()).vendor_msg_id(), 0));
  ASSERT_THAT(confirmed, IsOk());
  ASSERT_TRUE(confirmed->has_value());
  EXPECT_EQ((*confirmed)->state(), v1::SEND_STATE_CONFIRMED);
}

TEST_F(OutboxDispatcherTest, AThrottlePausesTheAccountWithAnEscalatingCooldown) {
  DispatchOptions options;
  options.max_attempts = 10;
  Start(options);
  const v1::Send first = Accept(TextSend(kAccountA, "one"));
  const v1::Send second = Accept(TextSend(kAccountA, "two"));
  const v1::Send other = Accept(TextSend(kAccountB, "other"));
  Run(kInterval);
  ASSERT_EQ(platform_->CallCount(first.send_id()), 1);

  const auto throttle = [&](const std::string& msg_id) {
    absl::StatusOr<std::optional<v1::Send>> applied = dispatcher_->OnVendorOutcome(
        OutcomeFor(first, msg_id, kVendorThrottledCode, "Abnormal request frequency"));
    ASSERT_THAT(applied, IsOk());
    ASSERT_TRUE(applied->has_value());
    EXPECT_EQ((*applied)->state(), v1::SEND_STATE_QUEUED);
    Settle();
  };
  throttle(Stored(first.send_id()).vendor_msg_id());
  absl::Time throttled_at = clock().Now();
  v1::AccountPacing pacing = dispatcher_->Pacing(kAccountA);
  EXPECT_TRUE(pacing.paused());
  EXPECT_EQ(pacing.paused_until_ms(), absl::ToUnixMillis(throttled_at + absl::Minutes(5)));
  EXPECT_EQ(pacing.consecutive_throttles(), 1);
  EXPECT_EQ(pacing.queued_sends(), 2);
  EXPECT_EQ(
      MetricValue(registry_, "robot_gateway_account_throttles_total", {{"vendor", "quntool"}}), 1);
  EXPECT_EQ(MetricValue(registry_, "robot_gateway_paused_accounts",
                        {{"vendor", "quntool"}, {"reason", "throttled"}}),
            1);

  // Nothing goes for A during the cool-down; B is not held.
  const v1::Send other_later = Accept(TextSend(kAccountB, "other later"));
  Run(absl::Minutes(5) - absl::Seconds(1), absl::Seconds(10));
  EXPECT_THAT(platform_->CallsOf(kAccountA), SizeIs(1));
  EXPECT_EQ(platform_->CallCount(other_later.send_id()), 1);
  Run(absl::Seconds(1));
  std::vector<ScriptedPlatform::Call> a_calls = platform_->CallsOf(kAccountA);
  ASSERT_THAT(a_calls, SizeIs(2));
  EXPECT_EQ(a_calls[1].send_id, first.send_id());
  EXPECT_GE(a_calls[1].at, throttled_at + absl::Minutes(5));

  // A second throttle in a row doubles the cool-down.
  throttle(Stored(first.send_id()).vendor_msg_id());
  throttled_at = clock().Now();
  pacing = dispatcher_->Pacing(kAccountA);
  EXPECT_EQ(pacing.paused_until_ms(), absl::ToUnixMillis(throttled_at + absl::Minutes(10)));
  EXPECT_EQ(pacing.consecutive_throttles(), 2);
  Run(absl::Minutes(10) - absl::Seconds(1), absl::Seconds(10));
  EXPECT_THAT(platform_->CallsOf(kAccountA), SizeIs(2));
  Run(absl::Seconds(1));
  a_calls = platform_->CallsOf(kAccountA);
  ASSERT_THAT(a_calls, SizeIs(3));
  EXPECT_EQ(a_calls[2].send_id, first.send_id());
  EXPECT_GE(a_calls[2].at, throttled_at + absl::Minutes(10));

  // A confirmed send resets the escalation; the queue goes on in order.
  ASSERT_THAT(
      dispatcher_->OnVendorOutcome(OutcomeFor(first, Stored(first.send_id()).vendor_msg_id(), 0)),
      IsOk());
  pacing = dispatcher_->Pacing(kAccountA);
  EXPECT_FALSE(pacing.paused());
  EXPECT_EQ(pacing.consecutive_throttles(), 0);
  Run(kInterval);
  a_calls = platform_->CallsOf(kAccountA);
  ASSERT_THAT(a_calls, SizeIs(4));
  EXPECT_EQ(a_calls[3].send_id, second.send_id());
  EXPECT_EQ(Stored(first.send_id()).state(), v1::SEND_STATE_CONFIRMED);
  EXPECT_EQ(Stored(first.send_id()).attempts(), 3);
  EXPECT_EQ(MetricValue(registry_, "robot_gateway_paused_accounts",
                        {{"vendor", "quntool"}, {"reason", "throttled"}}),
            0);

  // The stream shows each throttle once, numbered per account.
  std::vector<std::string> throttle_events;
  for (const v1::Event& event : env_->Events()) {
    if (!event.has_account_throttled()) continue;
    throttle_events.push_back(event.event_id());
    EXPECT_EQ(event.vendor_type(), "gateway.account_throttled");
    EXPECT_EQ(event.account_id(), kAccountA);
  }
  EXPECT_THAT(throttle_events,
              ElementsAre("gateway:throttle:quntool:wxA:1", "gateway:throttle:quntool:wxA:2"));
  EXPECT_EQ(platform_->CallCount(other.send_id()), 1);
}

TEST_F(OutboxDispatcherTest, AThrottleOutlivesARestart) {
  Start();
  const v1::Send first = Accept(TextSend(kAccountA, "one"));
  Run(kInterval);
  ASSERT_THAT(dispatcher_->OnVendorOutcome(OutcomeFor(first, "msg-1", kVendorThrottledCode)),
              IsOk());
  const absl::Time throttled_at = clock().Now();
  dispatcher_.reset();
  ASSERT_THAT(env_->Reopen(), IsOk());

  Start();
  EXPECT_TRUE(dispatcher_->Pacing(kAccountA).paused());
  EXPECT_EQ(dispatcher_->Pacing(kAccountA).consecutive_throttles(), 1);
  Run(absl::Minutes(5) - absl::Seconds(1), absl::Seconds(10));
  EXPECT_THAT(platform_->calls(), SizeIs(1));
  Run(absl::Seconds(2));
  ASSERT_THAT(platform_->calls(), SizeIs(2));
  EXPECT_GE(platform_->calls()[1].at, throttled_at + absl::Minutes(5));
}

TEST_F(OutboxDispatcherTest, AThrottleOfASendNotOursStillPausesTheAccount) {
  Start();
  VendorSendOutcome by_hand =
      OutcomeFor(TextSend(kAccountA, "by hand"), "foreign-1", kVendorThrottledCode);
  EXPECT_THAT(dispatcher_->OnVendorOutcome(by_hand),
              wecom::testing::IsOkAndHolds(::testing::Eq(std::nullopt)));
  EXPECT_TRUE(dispatcher_->Pacing(kAccountA).paused());
}

TEST_F(OutboxDispatcherTest, ATimedOutSendIsNeverResentAndIsReconciledByACallback) {
  Start();
  platform_->set_answer([](const OutgoingMessage&, int call) -> absl::StatusOr<std::string> {
    if (call == 1) return absl::DeadlineExceededError("no answer in 10s");
    return absl::StrCat("msg-", call);
  });
  const v1::Send lost = Accept(TextSend(kAccountA, "lost"));
  const v1::Send next = Accept(TextSend(kAccountA, "next"));
  Run(absl::Seconds(5));
  EXPECT_EQ(Stored(lost.send_id()).state(), v1::SEND_STATE_OUTCOME_UNKNOWN);
  EXPECT_EQ(platform_->CallCount(lost.send_id()), 1);
  EXPECT_EQ(platform_->CallCount(next.send_id()), 1);

  // The callback carries a msgId the gateway never saw.
  absl::StatusOr<std::optional<v1::Send>> reconciled =
      dispatcher_->OnVendorOutcome(OutcomeFor(lost, "vendor-77", 0));
  ASSERT_THAT(reconciled, IsOk());
  ASSERT_TRUE(reconciled->has_value());
  EXPECT_EQ((*reconciled)->send_id(), lost.send_id());
  EXPECT_EQ((*reconciled)->state(), v1::SEND_STATE_CONFIRMED);
  EXPECT_EQ((*reconciled)->vendor_msg_id(), "vendor-77");
  Run(absl::Minutes(20), absl::Minutes(1));
  EXPECT_EQ(platform_->CallCount(lost.send_id()), 1);
  EXPECT_THAT(
      env_->StatesOf(lost.send_id()),
      ElementsAre(v1::SEND_STATE_QUEUED, v1::SEND_STATE_OUTCOME_UNKNOWN, v1::SEND_STATE_CONFIRMED));
}

TEST_F(OutboxDispatcherTest, AnUnreconciledUnknownOutcomeExpiresToFailed) {
  DispatchOptions options;
  options.unknown_outcome_timeout = absl::Minutes(10);
  Start(options);
  platform_->set_answer([](const OutgoingMessage&, int) -> absl::StatusOr<std::string> {
    return absl::DeadlineExceededError("no answer in 10s");
  });
  const v1::Send lost = Accept(TextSend(kAccountA, "lost"));
  Run(kInterval);
  EXPECT_EQ(Stored(lost.send_id()).state(), v1::SEND_STATE_OUTCOME_UNKNOWN);
  Run(absl::Minutes(9), absl::Minutes(1));
  EXPECT_EQ(Stored(lost.send_id()).state(), v1::SEND_STATE_OUTCOME_UNKNOWN);
  Run(absl::Minutes(3), absl::Seconds(30));
  const v1::Send failed = Stored(lost.send_id());
  EXPECT_EQ(failed.state(), v1::SEND_STATE_FAILED);
  EXPECT_THAT(failed.error().message(), HasSubstr("outcome unknown"));
  EXPECT_EQ(platform_->CallCount(lost.send_id()), 1);
}

TEST_F(OutboxDispatcherTest, AnUnreachableVendorIsRetriedThenTheSendFails) {
  DispatchOptions options;
  options.max_attempts = 3;
  options.unavailable_retry_delay = absl::Seconds(5);
  Start(options);
  platform_->set_answer([](const OutgoingMessage&, int) -> absl::StatusOr<std::string> {
    return absl::UnavailableError("connection refused");
  });
  const v1::Send send = Accept(TextSend(kAccountA, "hello"));
  Run(absl::Seconds(30), absl::Milliseconds(500));

  const std::vector<ScriptedPlatform::Call> calls = platform_->calls();
  ASSERT_THAT(calls, SizeIs(3));
  ExpectSpaced(calls, absl::Seconds(5));
  const v1::Send failed = Stored(send.send_id());
  EXPECT_EQ(failed.state(), v1::SEND_STATE_FAILED);
  EXPECT_EQ(failed.attempts(), 3);
  EXPECT_EQ(failed.error().vendor(), "quntool");
  EXPECT_EQ(failed.error().message(), "connection refused");
  EXPECT_TRUE(failed.error().retryable());
  EXPECT_THAT(env_->StatesOf(send.send_id()),
              ElementsAre(v1::SEND_STATE_QUEUED, v1::SEND_STATE_QUEUED, v1::SEND_STATE_QUEUED,
                          v1::SEND_STATE_FAILED));
}

TEST_F(OutboxDispatcherTest, ARefusalFailsTheSendWithTheVendorsError) {
  Start();
  platform_->set_answer([](const OutgoingMessage&, int) -> absl::StatusOr<std::string> {
    wecom::common::v1::VendorError error;
    error.set_vendor("quntool");
    error.set_code(-1);
    error.set_message("conversationId不存在");
    return VendorFailure(absl::StatusCode::kFailedPrecondition, error);
  });
  const v1::Send send = Accept(TextSend(kAccountA, "hello"));
  Run(kInterval);
  const v1::Send failed = Stored(send.send_id());
  EXPECT_EQ(failed.state(), v1::SEND_STATE_FAILED);
  EXPECT_EQ(failed.error().code(), -1);
  EXPECT_EQ(failed.error().message(), "conversationId不存在");
  EXPECT_EQ(platform_->calls().size(), 1u);
  EXPECT_FALSE(dispatcher_->Pacing(kAccountA).offline());
}

// The vendor's answer for an account that is not logged in.
absl::Status OfflineAnswer() {
  wecom::common::v1::VendorError error;
  error.set_vendor("quntool");
  error.set_code(-1);
  error.set_message("企微不在线");
  absl::Status offline = VendorFailure(absl::StatusCode::kFailedPrecondition, error);
  SetAccountOffline(offline);
  return offline;
}

TEST_F(OutboxDispatcherTest, AnOfflineAccountsSendsWaitWithoutUsingAttemptsUntilAProbeGoesThrough) {
  DispatchOptions options;
  options.max_attempts = 2;
  Start(options);
  std::atomic<bool> a_offline = true;
  platform_->set_answer(
      [&a_offline](const OutgoingMessage& message, int call) -> absl::StatusOr<std::string> {
        if (message.account.account_id == kAccountA && a_offline) return OfflineAnswer();
        return absl::StrCat("msg-", call);
      });
  const v1::Send first = Accept(TextSend(kAccountA, "one"));
  const v1::Send second = Accept(TextSend(kAccountA, "two"));
  const v1::Send other = Accept(TextSend(kAccountB, "other"));
  Run(kInterval);
  ASSERT_THAT(platform_->CallsOf(kAccountA), SizeIs(1));
  v1::Send held = Stored(first.send_id());
  EXPECT_EQ(held.state(), v1::SEND_STATE_QUEUED);
  EXPECT_EQ(held.attempts(), 0);
  EXPECT_EQ(held.error().message(), "企微不在线");
  v1::AccountPacing pacing = dispatcher_->Pacing(kAccountA);
  EXPECT_TRUE(pacing.offline());
  EXPECT_FALSE(pacing.paused());
  EXPECT_EQ(pacing.queued_sends(), 2);
  EXPECT_EQ(Stored(other.send_id()).state(), v1::SEND_STATE_SENT);
  EXPECT_FALSE(dispatcher_->Pacing(kAccountB).offline());
  EXPECT_EQ(MetricValue(registry_, "robot_gateway_paused_accounts",
                        {{"vendor", "quntool"}, {"reason", "offline"}}),
            1);
  EXPECT_EQ(MetricValue(registry_, "robot_gateway_paused_accounts",
                        {{"vendor", "quntool"}, {"reason", "throttled"}}),
            0);

  // One probe a minute, each refused: more than max_attempts, and none counts.
  Run(absl::Minutes(3), absl::Seconds(1));
  std::vector<ScriptedPlatform::Call> a_calls = platform_->CallsOf(kAccountA);
  ASSERT_THAT(a_calls, SizeIs(4));
  for (size_t i = 1; i < a_calls.size(); ++i) {
    EXPECT_EQ(a_calls[i].send_id, first.send_id());
    EXPECT_GE(a_calls[i].at - a_calls[i - 1].at, absl::Minutes(1));
    EXPECT_LE(a_calls[i].at - a_calls[i - 1].at, absl::Minutes(1) + absl::Seconds(1));
  }
  held = Stored(first.send_id());
  EXPECT_EQ(held.state(), v1::SEND_STATE_QUEUED);
  EXPECT_EQ(held.attempts(), 0);
  // Each minute before a probe is time the send waited for the account.
  EXPECT_GE(MetricValue(registry_, "robot_gateway_pacing_wait_seconds_total",
                        {{"vendor", "quntool"}, {"reason", "offline"}}),
            3 * 60 - 1);

  // Back online: the next probe goes through and the queue follows in order.
  a_offline = false;
  Run(absl::Minutes(1) + absl::Seconds(1), absl::Seconds(1));
  a_calls = platform_->CallsOf(kAccountA);
  ASSERT_THAT(a_calls, SizeIs(6));
  EXPECT_EQ(a_calls[4].send_id, first.send_id());
  EXPECT_EQ(a_calls[5].send_id, second.send_id());
  const v1::Send sent = Stored(first.send_id());
  EXPECT_EQ(sent.state(), v1::SEND_STATE_SENT);
  EXPECT_EQ(sent.attempts(), 1);
  EXPECT_FALSE(dispatcher_->Pacing(kAccountA).offline());
  EXPECT_EQ(MetricValue(registry_, "robot_gateway_paused_accounts",
                        {{"vendor", "quntool"}, {"reason", "offline"}}),
            0);
  // The stream shows the hold once, not every probe.
  EXPECT_THAT(env_->StatesOf(first.send_id()),
              ElementsAre(v1::SEND_STATE_QUEUED, v1::SEND_STATE_QUEUED, v1::SEND_STATE_SENT));
}

TEST_F(OutboxDispatcherTest, ALoginEndsTheHoldAtOnce) {
  Start();
  std::atomic<bool> offline = true;
  platform_->set_answer(
      [&offline](const OutgoingMessage&, int call) -> absl::StatusOr<std::string> {
        if (offline) return OfflineAnswer();
        return absl::StrCat("msg-", call);
      });
  const v1::Send send = Accept(TextSend(kAccountA, "hello"));
  Run(kInterval);
  ASSERT_TRUE(dispatcher_->Pacing(kAccountA).offline());

  offline = false;
  dispatcher_->OnAccountPresence(kAccountA, /*online=*/true);
  Settle();
  EXPECT_FALSE(dispatcher_->Pacing(kAccountA).offline());
  Run(kInterval);
  const std::vector<ScriptedPlatform::Call> calls = platform_->calls();
  ASSERT_THAT(calls, SizeIs(2));
  EXPECT_EQ(calls[1].at - calls[0].at, kInterval);
  EXPECT_EQ(Stored(send.send_id()).state(), v1::SEND_STATE_SENT);
}

TEST_F(OutboxDispatcherTest, AnOfflineCallbackHoldsTheAccountBeforeAnySendFails) {
  Start();
  dispatcher_->OnAccountPresence(kAccountA, /*online=*/false);
  Settle();
  EXPECT_TRUE(dispatcher_->Pacing(kAccountA).offline());
  const v1::Send held = Accept(TextSend(kAccountA, "held"));
  const v1::Send other = Accept(TextSend(kAccountB, "other"));
  Run(absl::Seconds(30), absl::Seconds(1));
  EXPECT_THAT(platform_->CallsOf(kAccountA), SizeIs(0));
  EXPECT_EQ(platform_->CallCount(other.send_id()), 1);
  // A second offline callback does not put the probe off.
  dispatcher_->OnAccountPresence(kAccountA, /*online=*/false);

  // The vendor took it back without a login callback reaching us: the probe
  // a minute after the hold finds out.
  Run(absl::Seconds(29), absl::Seconds(1));
  EXPECT_THAT(platform_->CallsOf(kAccountA), SizeIs(0));
  Run(absl::Seconds(2), absl::Seconds(1));
  ASSERT_THAT(platform_->CallsOf(kAccountA), SizeIs(1));
  EXPECT_EQ(Stored(held.send_id()).state(), v1::SEND_STATE_SENT);
  EXPECT_FALSE(dispatcher_->Pacing(kAccountA).offline());
}

TEST_F(OutboxDispatcherTest, ProbesOfAnOfflineAccountDoNotUseUpTheCorpsHourlyLimit) {
  DispatchOptions options;
  options.pacing.corp_hourly_limit = 2;
  Start(options);
  platform_->set_answer(
      [](const OutgoingMessage& message, int call) -> absl::StatusOr<std::string> {
        if (message.account.account_id == kAccountA) return OfflineAnswer();
        return absl::StrCat("msg-", call);
      });
  Accept(TextSend(kAccountA, "held"));
  // The first try and two probes: more calls than the limit.
  Run(absl::Minutes(3), absl::Seconds(1));
  EXPECT_THAT(platform_->CallsOf(kAccountA), SizeIs(3));

  // None of them reached WeCom: the corp's hour is still free.
  const v1::Send b = Accept(TextSend(kAccountB, "b"));
  const v1::Send c = Accept(TextSend("quntool:wxC", "c"));
  Run(kInterval);
  EXPECT_EQ(platform_->CallCount(b.send_id()), 1);
  EXPECT_EQ(platform_->CallCount(c.send_id()), 1);
}

TEST_F(OutboxDispatcherTest, ALoginHandledBeforeAnEarlierOfflineAnswerEndsTheHold) {
  Start();
  std::atomic<bool> offline = true;
  platform_->set_answer(
      [this, &offline](const OutgoingMessage& message, int call) -> absl::StatusOr<std::string> {
        if (!offline) return absl::StrCat("msg-", call);
        // The account logs in while the vendor's answer from before is on its way.
        offline = false;
        dispatcher_->OnAccountPresence(message.account.account_id, /*online=*/true);
        return OfflineAnswer();
      });
  const v1::Send send = Accept(TextSend(kAccountA, "hello"));
  Run(kInterval);
  EXPECT_FALSE(dispatcher_->Pacing(kAccountA).offline());
  Run(kInterval);
  const std::vector<ScriptedPlatform::Call> calls = platform_->calls();
  ASSERT_THAT(calls, SizeIs(2));
  EXPECT_EQ(calls[1].at - calls[0].at, kInterval);
  EXPECT_EQ(Stored(send.send_id()).state(), v1::SEND_STATE_SENT);
}

TEST_F(OutboxDispatcherTest, ATransportFailureDoesNotEndAHoldButAVendorRefusalDoes) {
  Start();
  platform_->set_answer([](const OutgoingMessage&, int call) -> absl::StatusOr<std::string> {
    if (call == 1) return absl::UnavailableError("connection refused");
    if (call == 2) return absl::DeadlineExceededError("no answer in 10s");
    wecom::common::v1::VendorError error;
    error.set_vendor("quntool");
    error.set_code(-1);
    error.set_message("conversationId不存在");
    return VendorFailure(absl::StatusCode::kFailedPrecondition, error);
  });
  dispatcher_->OnAccountPresence(kAccountA, /*online=*/false);
  const v1::Send first = Accept(TextSend(kAccountA, "one"));
  const v1::Send second = Accept(TextSend(kAccountA, "two"));

  // The probe finds the vendor unreachable: the account may still be offline.
  Run(absl::Minutes(1), absl::Seconds(1));
  ASSERT_THAT(platform_->calls(), SizeIs(1));
  EXPECT_EQ(Stored(first.send_id()).state(), v1::SEND_STATE_QUEUED);
  EXPECT_TRUE(dispatcher_->Pacing(kAccountA).offline());
  // Retried after the delay, its answer lost.
  Run(absl::Seconds(5), absl::Seconds(1));
  ASSERT_THAT(platform_->calls(), SizeIs(2));
  EXPECT_EQ(Stored(first.send_id()).state(), v1::SEND_STATE_OUTCOME_UNKNOWN);
  EXPECT_TRUE(dispatcher_->Pacing(kAccountA).offline());
  // The vendor refuses the next send for a reason of its own: the account is
  // logged in.
  Run(kInterval);
  ASSERT_THAT(platform_->calls(), SizeIs(3));
  EXPECT_EQ(Stored(second.send_id()).state(), v1::SEND_STATE_FAILED);
  EXPECT_FALSE(dispatcher_->Pacing(kAccountA).offline());
}

TEST_F(OutboxDispatcherTest, AnOfflineHoldWithNothingQueuedEndsAtItsProbeTime) {
  Start();
  platform_->set_answer(
      [](const OutgoingMessage&, int) -> absl::StatusOr<std::string> { return OfflineAnswer(); });
  dispatcher_->OnAccountPresence(kAccountA, /*online=*/false);
  Settle();
  EXPECT_TRUE(dispatcher_->Pacing(kAccountA).offline());
  // It holds no sends.
  EXPECT_EQ(MetricValue(registry_, "robot_gateway_paused_accounts",
                        {{"vendor", "quntool"}, {"reason", "offline"}}),
            0);
  Run(absl::Minutes(1) - absl::Seconds(1), absl::Seconds(1));
  EXPECT_TRUE(dispatcher_->Pacing(kAccountA).offline());
  Run(absl::Seconds(1));
  EXPECT_FALSE(dispatcher_->Pacing(kAccountA).offline());

  // A later send is tried at once, and holds the account again.
  Accept(TextSend(kAccountA, "hello"));
  Settle();
  ASSERT_THAT(platform_->CallsOf(kAccountA), SizeIs(1));
  EXPECT_TRUE(dispatcher_->Pacing(kAccountA).offline());
  EXPECT_EQ(MetricValue(registry_, "robot_gateway_paused_accounts",
                        {{"vendor", "quntool"}, {"reason", "offline"}}),
            1);
}

TEST_F(OutboxDispatcherTest, ASecondStartIsRefusedAndRestoresNothingTwice) {
  DispatchOptions options;
  options.pacing.corp_hourly_limit = 3;
  Start(options);
  Accept(TextSend(kAccountA, "before the restart"));
  Run(kInterval);
  ASSERT_THAT(platform_->calls(), SizeIs(1));
  dispatcher_.reset();
  ASSERT_THAT(env_->Reopen(), IsOk());

  Start(options);
  EXPECT_THAT(dispatcher_->Start(), StatusIs(absl::StatusCode::kFailedPrecondition));
  // One dispatch restored, not two: two more fit the corp's hour.
  const v1::Send b = Accept(TextSend(kAccountB, "b"));
  const v1::Send c = Accept(TextSend("quntool:wxC", "c"));
  Run(kInterval);
  EXPECT_EQ(platform_->CallCount(b.send_id()), 1);
  EXPECT_EQ(platform_->CallCount(c.send_id()), 1);
}

TEST_F(OutboxDispatcherTest, ACallbackBeforeTheSendCallsAnswerLeavesTheSendConfirmed) {
  Start();
  platform_->set_answer(
      [this](const OutgoingMessage& message, int call) -> absl::StatusOr<std::string> {
        const std::string msg_id = absl::StrCat("msg-", call);
        absl::StatusOr<v1::Send> send = env_->outbox().Get(message.send_id);
        if (!send.ok()) return send.status();
        // The vendor's callback overtakes the answer to the send call.
        absl::StatusOr<std::optional<v1::Send>> applied =
            dispatcher_->OnVendorOutcome(OutcomeFor(*send, msg_id, 0));
        if (!applied.ok()) return applied.status();
        return msg_id;
      });
  const v1::Send send = Accept(TextSend(kAccountA, "hello"));
  Run(kInterval);
  const v1::Send confirmed = Stored(send.send_id());
  EXPECT_EQ(confirmed.state(), v1::SEND_STATE_CONFIRMED);
  EXPECT_EQ(confirmed.vendor_msg_id(), "msg-1");
  EXPECT_THAT(env_->StatesOf(send.send_id()),
              ElementsAre(v1::SEND_STATE_QUEUED, v1::SEND_STATE_CONFIRMED));
  EXPECT_EQ(MetricValue(registry_, "robot_gateway_sends_total",
                        {{"vendor", "quntool"}, {"state", "confirmed"}}),
            1);
}

TEST_F(OutboxDispatcherTest, TheSameIdempotencyKeySendsOnce) {
  Start();
  const v1::Send first = Accept(TextSend(kAccountA, "hello", "key-1"));
  absl::StatusOr<SendOutbox::Accepted> again =
      dispatcher_->Accept(TextSend(kAccountA, "hello", "key-1"), kCorp);
  ASSERT_THAT(again, IsOk());
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->send.send_id(), first.send_id());
  EXPECT_THAT(dispatcher_->Accept(TextSend(kAccountA, "other", "key-1"), kCorp),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("idempotency_key")));
  Run(absl::Seconds(2));
  EXPECT_THAT(platform_->calls(), SizeIs(1));
  absl::StatusOr<v1::Send> by_key = dispatcher_->GetByIdempotencyKey(kAccountA, "key-1");
  ASSERT_THAT(by_key, IsOk());
  EXPECT_EQ(by_key->state(), v1::SEND_STATE_SENT);
}

TEST_F(OutboxDispatcherTest, RefusesAVendorWithoutPlatform) {
  Start();
  EXPECT_THAT(dispatcher_->Accept(TextSend("yjiyun:robot1", "hello"), kCorp),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("yjiyun")));
}

TEST_F(OutboxDispatcherTest, ARestartMidQueueSendsEveryAcceptedSendExactlyOnce) {
  constexpr int kAccounts = 10;
  constexpr int kPerAccount = 106;
  DispatchOptions options;
  options.max_concurrent_sends = 4;
  Start(options);
  std::vector<std::string> ids;
  for (int i = 0; i < kPerAccount; ++i) {
    for (int a = 0; a < kAccounts; ++a) {
      ids.push_back(
          Accept(TextSend(absl::StrCat("quntool:wx", a), absl::StrCat("m", i))).send_id());
    }
  }
  Run(5 * kInterval);
  ASSERT_THAT(platform_->calls(), SizeIs(50));
  dispatcher_.reset();

  // The process dies during a vendor call.
  absl::StatusOr<std::vector<SendOutbox::Due>> due = env_->outbox().NextPerAccount();
  ASSERT_THAT(due, IsOk());
  ASSERT_FALSE(due->empty());
  const std::string in_flight = (*due)[0].send.send_id();
  ASSERT_THAT(env_->outbox().BeginAttempt(in_flight), IsOk());
  EXPECT_EQ(env_->outbox().QueuedCount(), kAccounts * kPerAccount - 51);
  ASSERT_GE(env_->outbox().QueuedCount(), 1000);
  ASSERT_THAT(env_->Reopen(), IsOk());

  EXPECT_EQ(env_->outbox().Get(in_flight)->state(), v1::SEND_STATE_OUTCOME_UNKNOWN);
  Start(options);
  for (int step = 0; step < 200 && env_->outbox().QueuedCount() > 0; ++step) {
    clock().Advance(kInterval);
    Settle();
  }
  EXPECT_EQ(env_->outbox().QueuedCount(), 0);

  std::map<std::string, int> calls_per_send;
  for (const ScriptedPlatform::Call& call : platform_->calls()) ++calls_per_send[call.send_id];
  for (const std::string& id : ids) {
    if (id == in_flight) {
      EXPECT_EQ(calls_per_send[id], 0) << id;
      EXPECT_EQ(Stored(id).state(), v1::SEND_STATE_OUTCOME_UNKNOWN);
    } else {
      EXPECT_EQ(calls_per_send[id], 1) << id;
    }
  }
  EXPECT_THAT(platform_->calls(), SizeIs(ids.size() - 1));
  for (int a = 0; a < kAccounts; ++a) {
    ExpectSpaced(platform_->CallsOf(absl::StrCat("quntool:wx", a)), kInterval);
  }
}

}  // namespace
}  // namespace wecom::robot::testing
