// SendOutbox on a real RocksDB: the state machine and its events, idempotency,
// queue order, restart, callbacks and expiry.
#include "services/robot-gateway/outbox/send_outbox.h"

#include <algorithm>
#include <atomic>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/storage/big_endian.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/utilities/stackable_db.h"
#include "rocksdb/write_batch.h"
#include "tests/robot-gateway/outbox/outbox_test_env.h"

namespace wecom::robot::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Pair;
using ::testing::SizeIs;
using wecom::testing::IsOk;
using wecom::testing::IsOkAndHolds;
using wecom::testing::StatusIs;

class SendOutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<OutboxEnv>> env = OutboxEnv::Create();
    ASSERT_THAT(env, IsOk());
    env_ = *std::move(env);
  }

  SendOutbox& outbox() { return env_->outbox(); }

  v1::Send Accept(const v1::Send& send) {
    absl::StatusOr<SendOutbox::Accepted> accepted = outbox().Accept(send, kCorp);
    EXPECT_THAT(accepted, IsOk());
    return accepted.ok() ? accepted->send : v1::Send();
  }

  // Accepts a send and starts its vendor call.
  v1::Send AcceptAndBegin(const v1::Send& send) {
    const v1::Send accepted = Accept(send);
    absl::StatusOr<v1::Send> begun = outbox().BeginAttempt(accepted.send_id());
    EXPECT_THAT(begun, IsOk());
    return begun.ok() ? *begun : v1::Send();
  }

  v1::Send Stored(const std::string& send_id) {
    absl::StatusOr<v1::Send> send = outbox().Get(send_id);
    EXPECT_THAT(send, IsOk());
    return send.ok() ? *send : v1::Send();
  }

  // Expire with ten minutes for unknown outcomes and for echoes.
  absl::StatusOr<SendOutbox::Expired> Expire() {
    return outbox().Expire(absl::Minutes(10), absl::Minutes(10));
  }

  std::vector<std::string> DueIds() {
    absl::StatusOr<std::vector<SendOutbox::Due>> due = outbox().NextPerAccount();
    EXPECT_THAT(due, IsOk());
    std::vector<std::string> ids;
    if (due.ok()) {
      for (const SendOutbox::Due& head : *due) ids.push_back(head.send.send_id());
    }
    return ids;
  }

  std::unique_ptr<OutboxEnv> env_;
};

TEST_F(SendOutboxTest, AcceptStoresAQueuedSendWithItsEvent) {
  v1::Send request = TextSend(kAccountA, "hello");
  request.set_transport(v1::SEND_TRANSPORT_MQTT);
  const v1::Send send = Accept(request);
  EXPECT_THAT(send.send_id(), ::testing::StartsWith("snd_"));
  EXPECT_EQ(send.state(), v1::SEND_STATE_QUEUED);
  EXPECT_EQ(send.transport(), v1::SEND_TRANSPORT_MQTT);
  EXPECT_EQ(send.accepted_at_ms(), absl::ToUnixMillis(env_->clock().Now()));
  EXPECT_EQ(send.content().text().content(), "hello");
  EXPECT_EQ(outbox().QueuedCount(kAccountA), 1);

  const std::vector<v1::Event> events = env_->Events();
  ASSERT_THAT(events, SizeIs(1));
  EXPECT_EQ(events[0].event_id(), "gateway:send:" + send.send_id() + ":1");
  EXPECT_EQ(events[0].vendor_type(), "gateway.send_status");
  EXPECT_EQ(events[0].vendor(), v1::VENDOR_QUNTOOL);
  EXPECT_EQ(events[0].account_id(), kAccountA);
  EXPECT_EQ(events[0].send_status().send().send_id(), send.send_id());
}

TEST_F(SendOutboxTest, SendIdsStayUniqueAcrossRestarts) {
  const v1::Send first = Accept(TextSend(kAccountA, "one"));
  ASSERT_THAT(env_->Reopen(), IsOk());
  const v1::Send second = Accept(TextSend(kAccountA, "two"));
  EXPECT_NE(first.send_id(), second.send_id());
  EXPECT_EQ(Stored(first.send_id()).content().text().content(), "one");
  EXPECT_THAT(DueIds(), ElementsAre(first.send_id()));
}

TEST_F(SendOutboxTest, RefusesAMalformedAccountId) {
  EXPECT_THAT(outbox().Accept(TextSend("wxA", "hello"), kCorp),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("account_id")));
}

TEST_F(SendOutboxTest, EachTransitionAppearsOnceInOrder) {
  const v1::Send begun = AcceptAndBegin(TextSend(kAccountA, "hello"));
  EXPECT_EQ(begun.attempts(), 1);
  EXPECT_EQ(outbox().QueuedCount(kAccountA), 0);

  absl::StatusOr<v1::Send> sent = outbox().MarkSent(begun.send_id(), "m1");
  ASSERT_THAT(sent, IsOk());
  EXPECT_EQ(sent->state(), v1::SEND_STATE_SENT);
  EXPECT_EQ(sent->vendor_msg_id(), "m1");
  EXPECT_GT(sent->sent_at_ms(), 0);

  VendorSendOutcome confirm = OutcomeFor(begun, "m1", 0);
  absl::StatusOr<std::optional<v1::Send>> confirmed = outbox().ApplyVendorOutcome(confirm);
  ASSERT_THAT(confirmed, IsOk());
  ASSERT_TRUE(confirmed->has_value());
  EXPECT_EQ((*confirmed)->state(), v1::SEND_STATE_CONFIRMED);
  EXPECT_EQ((*confirmed)->server_id(), "server-m1");
  EXPECT_GT((*confirmed)->completed_at_ms(), 0);

  // A redelivered callback and a late answer change nothing.
  ASSERT_THAT(outbox().ApplyVendorOutcome(confirm), IsOk());
  EXPECT_EQ(outbox().MarkSent(begun.send_id(), "m1")->state(), v1::SEND_STATE_CONFIRMED);
  EXPECT_EQ(outbox().MarkFailed(begun.send_id(), {})->state(), v1::SEND_STATE_CONFIRMED);

  EXPECT_THAT(env_->StatesOf(begun.send_id()),
              ElementsAre(v1::SEND_STATE_QUEUED, v1::SEND_STATE_SENT, v1::SEND_STATE_CONFIRMED));
  std::vector<std::string> ids;
  for (const v1::Event& event : env_->Events()) ids.push_back(event.event_id());
  const std::string prefix = "gateway:send:" + begun.send_id() + ":";
  EXPECT_THAT(ids, ElementsAre(prefix + "1", prefix + "2", prefix + "3"));
}

TEST_F(SendOutboxTest, SameIdempotencyKeyReturnsTheSameSend) {
  const v1::Send first = Accept(TextSend(kAccountA, "hello", "key-1"));
  absl::StatusOr<SendOutbox::Accepted> again =
      outbox().Accept(TextSend(kAccountA, "hello", "key-1"), kCorp);
  ASSERT_THAT(again, IsOk());
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->send.send_id(), first.send_id());
  EXPECT_EQ(outbox().QueuedCount(kAccountA), 1);
  EXPECT_THAT(env_->Events(), SizeIs(1));

  absl::StatusOr<v1::Send> by_key = outbox().GetByIdempotencyKey(kAccountA, "key-1");
  ASSERT_THAT(by_key, IsOk());
  EXPECT_EQ(by_key->send_id(), first.send_id());
  EXPECT_THAT(outbox().GetByIdempotencyKey(kAccountB, "key-1"),
              StatusIs(absl::StatusCode::kNotFound));

  // The key is the account's: another account's send with it is new.
  absl::StatusOr<SendOutbox::Accepted> other =
      outbox().Accept(TextSend(kAccountB, "hello", "key-1"), kCorp);
  ASSERT_THAT(other, IsOk());
  EXPECT_FALSE(other->duplicate);
  EXPECT_NE(other->send.send_id(), first.send_id());
}

TEST_F(SendOutboxTest, SameIdempotencyKeyWithOtherContentIsAlreadyExists) {
  Accept(TextSend(kAccountA, "hello", "key-1"));
  EXPECT_THAT(outbox().Accept(TextSend(kAccountA, "goodbye", "key-1"), kCorp),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("idempotency_key")));
  EXPECT_THAT(outbox().Accept(TextSend(kAccountA, "hello", "key-1", "R:room-2"), kCorp),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("idempotency_key")));
  EXPECT_EQ(outbox().QueuedCount(kAccountA), 1);
}

TEST_F(SendOutboxTest, QueuesPerAccountInAcceptanceOrderAndRequeuesAtTheHead) {
  const v1::Send a1 = Accept(TextSend(kAccountA, "a1"));
  const v1::Send b1 = Accept(TextSend(kAccountB, "b1"));
  const v1::Send a2 = Accept(TextSend(kAccountA, "a2"));
  EXPECT_THAT(DueIds(), ElementsAre(a1.send_id(), b1.send_id()));
  EXPECT_EQ(outbox().QueuedCount(), 3);

  // Only an account's next send may go.
  EXPECT_THAT(outbox().BeginAttempt(a2.send_id()), StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_THAT(outbox().BeginAttempt(a1.send_id()), IsOk());
  EXPECT_THAT(outbox().BeginAttempt(a1.send_id()), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(DueIds(), ElementsAre(b1.send_id(), a2.send_id()));

  wecom::common::v1::VendorError unreachable;
  unreachable.set_vendor("quntool");
  unreachable.set_message("connection refused");
  absl::StatusOr<v1::Send> requeued = outbox().Requeue(a1.send_id(), unreachable, absl::Seconds(5));
  ASSERT_THAT(requeued, IsOk());
  EXPECT_EQ(requeued->state(), v1::SEND_STATE_QUEUED);
  EXPECT_EQ(requeued->attempts(), 1);
  EXPECT_EQ(requeued->error().message(), "connection refused");

  absl::StatusOr<std::vector<SendOutbox::Due>> due = outbox().NextPerAccount();
  ASSERT_THAT(due, IsOk());
  ASSERT_THAT(*due, SizeIs(2));
  EXPECT_EQ((*due)[0].send.send_id(), a1.send_id());
  EXPECT_EQ((*due)[0].not_before, env_->clock().Now() + absl::Seconds(5));
  EXPECT_EQ((*due)[0].corp_id, kCorp);
  EXPECT_EQ(outbox().QueuedCount(kAccountA), 2);
}

TEST_F(SendOutboxTest, ASendInFlightAtRestartBecomesOutcomeUnknown) {
  const v1::Send begun = AcceptAndBegin(TextSend(kAccountA, "hello"));
  const v1::Send next = Accept(TextSend(kAccountA, "next"));
  ASSERT_THAT(env_->Reopen(), IsOk());

  const v1::Send reopened = Stored(begun.send_id());
  EXPECT_EQ(reopened.state(), v1::SEND_STATE_OUTCOME_UNKNOWN);
  EXPECT_EQ(reopened.attempts(), 1);
  EXPECT_THAT(env_->StatesOf(begun.send_id()),
              ElementsAre(v1::SEND_STATE_QUEUED, v1::SEND_STATE_OUTCOME_UNKNOWN));
  // Never resent blindly; the account's next send goes on.
  EXPECT_THAT(DueIds(), ElementsAre(next.send_id()));
  EXPECT_EQ(outbox().QueuedCount(kAccountA), 1);
  ASSERT_THAT(env_->Reopen(), IsOk());
  EXPECT_THAT(env_->StatesOf(begun.send_id()), SizeIs(2));
}

TEST_F(SendOutboxTest, ACallbackReconcilesTheOldestMatchingUnknownSend) {
  const v1::Send older = AcceptAndBegin(TextSend(kAccountA, "one"));
  ASSERT_THAT(outbox().MarkOutcomeUnknown(older.send_id()), IsOk());
  const v1::Send newer = AcceptAndBegin(TextSend(kAccountA, "two"));
  ASSERT_THAT(outbox().MarkOutcomeUnknown(newer.send_id()), IsOk());

  // Another conversation or message type is not about them.
  VendorSendOutcome elsewhere = OutcomeFor(older, "m7", 0);
  elsewhere.conversation_id = "R:room-9";
  EXPECT_THAT(outbox().ApplyVendorOutcome(elsewhere), IsOkAndHolds(::testing::Eq(std::nullopt)));
  VendorSendOutcome image = OutcomeFor(older, "m7", 0);
  image.echo_type = v1::MESSAGE_TYPE_IMAGE;
  EXPECT_THAT(outbox().ApplyVendorOutcome(image), IsOkAndHolds(::testing::Eq(std::nullopt)));

  absl::StatusOr<std::optional<v1::Send>> first =
      outbox().ApplyVendorOutcome(OutcomeFor(older, "m7", 0));
  ASSERT_THAT(first, IsOk());
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ((*first)->send_id(), older.send_id());
  EXPECT_EQ((*first)->state(), v1::SEND_STATE_CONFIRMED);
  EXPECT_EQ((*first)->vendor_msg_id(), "m7");

  // Without a msgId at all.
  absl::StatusOr<std::optional<v1::Send>> second =
      outbox().ApplyVendorOutcome(OutcomeFor(newer, "", -3, "contact deleted"));
  ASSERT_THAT(second, IsOk());
  ASSERT_TRUE(second->has_value());
  EXPECT_EQ((*second)->send_id(), newer.send_id());
  EXPECT_EQ((*second)->state(), v1::SEND_STATE_FAILED);
  EXPECT_EQ((*second)->error().vendor(), "quntool");
  EXPECT_EQ((*second)->error().code(), -3);
  EXPECT_EQ((*second)->error().message(), "contact deleted");

  // m7 now names its send.
  absl::StatusOr<std::optional<v1::Send>> again =
      outbox().ApplyVendorOutcome(OutcomeFor(older, "m7", 0));
  ASSERT_THAT(again, IsOk());
  ASSERT_TRUE(again->has_value());
  EXPECT_EQ((*again)->send_id(), older.send_id());
  EXPECT_THAT(env_->StatesOf(older.send_id()), SizeIs(3));
}

TEST_F(SendOutboxTest, ACallbackBeforeTheSendCallsAnswerConfirmsTheSend) {
  const v1::Send begun = AcceptAndBegin(TextSend(kAccountA, "hello"));
  absl::StatusOr<std::optional<v1::Send>> confirmed =
      outbox().ApplyVendorOutcome(OutcomeFor(begun, "m1", 0));
  ASSERT_THAT(confirmed, IsOk());
  ASSERT_TRUE(confirmed->has_value());
  EXPECT_EQ((*confirmed)->state(), v1::SEND_STATE_CONFIRMED);

  absl::StatusOr<v1::Send> answered = outbox().MarkSent(begun.send_id(), "m1");
  ASSERT_THAT(answered, IsOk());
  EXPECT_EQ(answered->state(), v1::SEND_STATE_CONFIRMED);
  EXPECT_THAT(env_->StatesOf(begun.send_id()),
              ElementsAre(v1::SEND_STATE_QUEUED, v1::SEND_STATE_CONFIRMED));
}

TEST_F(SendOutboxTest, AThrottleRequeuesUntilMaxAttempts) {
  const v1::Send first = AcceptAndBegin(TextSend(kAccountA, "hello"));
  ASSERT_THAT(outbox().MarkSent(first.send_id(), "m1"), IsOk());
  absl::StatusOr<std::optional<v1::Send>> throttled = outbox().ApplyVendorOutcome(
      OutcomeFor(first, "m1", kVendorThrottledCode, "Abnormal request frequency"), 2);
  ASSERT_THAT(throttled, IsOk());
  ASSERT_TRUE(throttled->has_value());
  EXPECT_EQ((*throttled)->state(), v1::SEND_STATE_QUEUED);
  EXPECT_EQ((*throttled)->error().code(), kVendorThrottledCode);
  EXPECT_TRUE((*throttled)->error().retryable());
  EXPECT_THAT(DueIds(), ElementsAre(first.send_id()));

  // A redelivery about the first attempt changes nothing, before or after
  // the second attempt.
  VendorSendOutcome stale = OutcomeFor(first, "m1", kVendorThrottledCode);
  EXPECT_EQ((*outbox().ApplyVendorOutcome(stale, 2))->state(), v1::SEND_STATE_QUEUED);
  ASSERT_THAT(outbox().BeginAttempt(first.send_id()), IsOk());
  ASSERT_THAT(outbox().MarkSent(first.send_id(), "m2"), IsOk());
  EXPECT_EQ((*outbox().ApplyVendorOutcome(stale, 2))->state(), v1::SEND_STATE_SENT);

  absl::StatusOr<std::optional<v1::Send>> failed =
      outbox().ApplyVendorOutcome(OutcomeFor(first, "m2", kVendorThrottledCode), 2);
  ASSERT_THAT(failed, IsOk());
  EXPECT_EQ((*failed)->state(), v1::SEND_STATE_FAILED);
  EXPECT_EQ((*failed)->attempts(), 2);
  EXPECT_THAT(env_->StatesOf(first.send_id()),
              ElementsAre(v1::SEND_STATE_QUEUED, v1::SEND_STATE_SENT, v1::SEND_STATE_QUEUED,
                          v1::SEND_STATE_SENT, v1::SEND_STATE_FAILED));
}

TEST_F(SendOutboxTest, UnknownOutcomesExpireToFailed) {
  const v1::Send begun = AcceptAndBegin(TextSend(kAccountA, "hello"));
  ASSERT_THAT(outbox().MarkOutcomeUnknown(begun.send_id()), IsOk());
  EXPECT_EQ(outbox().OldestPendingAcceptedAt(), absl::FromUnixMillis(begun.accepted_at_ms()));

  env_->clock().Advance(absl::Minutes(9));
  absl::StatusOr<SendOutbox::Expired> none = Expire();
  ASSERT_THAT(none, IsOk());
  EXPECT_THAT(none->failed, IsEmpty());

  env_->clock().Advance(absl::Minutes(1));
  absl::StatusOr<SendOutbox::Expired> expired = Expire();
  ASSERT_THAT(expired, IsOk());
  ASSERT_THAT(expired->failed, SizeIs(1));
  EXPECT_EQ(expired->failed[0].state(), v1::SEND_STATE_FAILED);
  EXPECT_THAT(expired->failed[0].error().message(), HasSubstr("outcome unknown"));
  EXPECT_THAT(expired->unconfirmed, IsEmpty());
  EXPECT_EQ(Stored(begun.send_id()).state(), v1::SEND_STATE_FAILED);
  EXPECT_EQ(outbox().OldestPendingAcceptedAt(), std::nullopt);
}

TEST_F(SendOutboxTest, TransitionListenerSeesEveryStoredTransitionOnce) {
  std::vector<v1::SendState> seen;
  outbox().SetTransitionListener([&seen](const v1::Send& send) { seen.push_back(send.state()); });
  const v1::Send begun = AcceptAndBegin(TextSend(kAccountA, "hello"));
  ASSERT_THAT(outbox().MarkSent(begun.send_id(), "m1"), IsOk());
  ASSERT_THAT(outbox().MarkSent(begun.send_id(), "m1"), IsOk());
  ASSERT_THAT(outbox().ApplyVendorOutcome(OutcomeFor(begun, "m1", 0)), IsOk());
  ASSERT_THAT(outbox().ApplyVendorOutcome(OutcomeFor(begun, "m1", 0)), IsOk());
  outbox().SetTransitionListener(nullptr);
  EXPECT_THAT(seen,
              ElementsAre(v1::SEND_STATE_QUEUED, v1::SEND_STATE_SENT, v1::SEND_STATE_CONFIRMED));
}

TEST_F(SendOutboxTest, PausesSurviveARestartWithTheirEvent) {
  AccountPause pause;
  pause.paused_until = env_->clock().Now() + absl::Minutes(5);
  pause.consecutive_throttles = 1;
  pause.throttles = 3;
  v1::Event event;
  event.set_event_id("gateway:throttle:quntool:wxA:3");
  event.mutable_account_throttled()->set_consecutive_throttles(1);
  ASSERT_THAT(outbox().StorePause(kAccountA, pause, event), IsOk());
  ASSERT_THAT(env_->Reopen(), IsOk());

  absl::StatusOr<std::map<std::string, AccountPause>> pauses = outbox().LoadPauses();
  ASSERT_THAT(pauses, IsOk());
  ASSERT_THAT(*pauses, SizeIs(1));
  const AccountPause& loaded = pauses->at(kAccountA);
  EXPECT_EQ(loaded.paused_until, pause.paused_until);
  EXPECT_EQ(loaded.consecutive_throttles, 1);
  EXPECT_EQ(loaded.throttles, 3);
  ASSERT_THAT(env_->Events(), SizeIs(1));
  EXPECT_EQ(env_->Events()[0].event_id(), "gateway:throttle:quntool:wxA:3");
}

TEST_F(SendOutboxTest, ASentSendWithoutEchoStopsBeingPendingYetALateEchoConfirmsIt) {
  const v1::Send begun = AcceptAndBegin(TextSend(kAccountA, "hello"));
  const absl::Time accepted = absl::FromUnixMillis(begun.accepted_at_ms());
  EXPECT_EQ(outbox().OldestPendingAcceptedAt(), accepted);
  ASSERT_THAT(outbox().MarkSent(begun.send_id(), "m1"), IsOk());
  EXPECT_EQ(outbox().OldestPendingAcceptedAt(), accepted);

  env_->clock().Advance(absl::Minutes(9));
  absl::StatusOr<SendOutbox::Expired> early = Expire();
  ASSERT_THAT(early, IsOk());
  EXPECT_THAT(early->unconfirmed, IsEmpty());
  EXPECT_EQ(outbox().OldestPendingAcceptedAt(), accepted);

  env_->clock().Advance(absl::Minutes(1));
  absl::StatusOr<SendOutbox::Expired> expired = Expire();
  ASSERT_THAT(expired, IsOk());
  EXPECT_THAT(expired->unconfirmed, ElementsAre(Pair("quntool", 1)));
  EXPECT_THAT(expired->failed, IsEmpty());
  EXPECT_EQ(outbox().OldestPendingAcceptedAt(), std::nullopt);
  EXPECT_EQ(Stored(begun.send_id()).state(), v1::SEND_STATE_SENT);

  // Durably: a restart does not count it again.
  ASSERT_THAT(env_->Reopen(), IsOk());
  EXPECT_EQ(outbox().OldestPendingAcceptedAt(), std::nullopt);
  EXPECT_THAT(Expire()->unconfirmed, IsEmpty());

  absl::StatusOr<std::optional<v1::Send>> late =
      outbox().ApplyVendorOutcome(OutcomeFor(begun, "m1", 0));
  ASSERT_THAT(late, IsOk());
  ASSERT_TRUE(late->has_value());
  EXPECT_EQ((*late)->state(), v1::SEND_STATE_CONFIRMED);
  EXPECT_THAT(env_->StatesOf(begun.send_id()),
              ElementsAre(v1::SEND_STATE_QUEUED, v1::SEND_STATE_SENT, v1::SEND_STATE_CONFIRMED));
}

TEST_F(SendOutboxTest, AnUnsentSendGoesBackToTheHeadWithoutUsingAnAttempt) {
  const v1::Send first = AcceptAndBegin(TextSend(kAccountA, "one"));
  const v1::Send second = Accept(TextSend(kAccountA, "two"));
  EXPECT_THAT(DueIds(), ElementsAre(second.send_id()));
  wecom::common::v1::VendorError offline;
  offline.set_vendor("quntool");
  offline.set_code(-1);
  offline.set_message("企微不在线");

  absl::StatusOr<v1::Send> returned = outbox().ReturnUnsent(first.send_id(), offline);
  ASSERT_THAT(returned, IsOk());
  EXPECT_EQ(returned->state(), v1::SEND_STATE_QUEUED);
  EXPECT_EQ(returned->attempts(), 0);
  EXPECT_EQ(returned->error().message(), "企微不在线");
  EXPECT_THAT(DueIds(), ElementsAre(first.send_id()));
  EXPECT_EQ(outbox().QueuedCount(kAccountA), 2);

  // Refused again (a probe): the same state, so no second event.
  ASSERT_THAT(outbox().BeginAttempt(first.send_id()), IsOk());
  ASSERT_THAT(outbox().ReturnUnsent(first.send_id(), offline), IsOk());
  // Only a send in flight goes back.
  EXPECT_EQ(outbox().ReturnUnsent(first.send_id(), {})->error().message(), "企微不在线");
  EXPECT_THAT(env_->StatesOf(first.send_id()),
              ElementsAre(v1::SEND_STATE_QUEUED, v1::SEND_STATE_QUEUED));

  ASSERT_THAT(env_->Reopen(), IsOk());
  EXPECT_EQ(Stored(first.send_id()).attempts(), 0);
  EXPECT_EQ(Stored(first.send_id()).state(), v1::SEND_STATE_QUEUED);
  EXPECT_THAT(DueIds(), ElementsAre(first.send_id()));
}

TEST_F(SendOutboxTest, CorpDispatchesAreCountedPerMinuteKeptAcrossRestartsForAnHour) {
  // The fake clock starts on a minute.
  const absl::Time minute = env_->clock().Now();
  ASSERT_EQ(absl::ToUnixSeconds(minute) % 60, 0);
  AcceptAndBegin(TextSend(kAccountA, "one"));
  env_->clock().Advance(absl::Seconds(59));
  AcceptAndBegin(TextSend(kAccountB, "two"));
  env_->clock().Advance(absl::Seconds(1));
  absl::StatusOr<SendOutbox::Accepted> other =
      outbox().Accept(TextSend(kAccountA, "three"), "ww-corp-2");
  ASSERT_THAT(other, IsOk());
  ASSERT_THAT(outbox().BeginAttempt(other->send.send_id()), IsOk());
  // Only sends handed over count.
  Accept(TextSend(kAccountB, "queued"));

  const auto expect_counts = [&](bool first_minute_kept) {
    const std::map<std::string, std::vector<SendOutbox::MinuteCount>> counts =
        outbox().CorpDispatches();
    ASSERT_EQ(counts.contains(kCorp), first_minute_kept);
    if (first_minute_kept) {
      ASSERT_THAT(counts.at(kCorp), SizeIs(1));
      EXPECT_EQ(counts.at(kCorp)[0].minute, minute);
      EXPECT_EQ(counts.at(kCorp)[0].dispatches, 2);
    }
    ASSERT_TRUE(counts.contains("ww-corp-2"));
    ASSERT_THAT(counts.at("ww-corp-2"), SizeIs(1));
    EXPECT_EQ(counts.at("ww-corp-2")[0].minute, minute + absl::Minutes(1));
    EXPECT_EQ(counts.at("ww-corp-2")[0].dispatches, 1);
  };
  expect_counts(true);
  ASSERT_THAT(env_->Reopen(), IsOk());
  expect_counts(true);

  // The first minute left the hour once it ended an hour ago; the second not yet.
  env_->clock().Advance(absl::Minutes(60) - absl::Seconds(1));
  ASSERT_THAT(Expire(), IsOk());
  expect_counts(true);
  env_->clock().Advance(absl::Seconds(1));
  ASSERT_THAT(Expire(), IsOk());
  expect_counts(false);
  ASSERT_THAT(env_->Reopen(), IsOk());
  expect_counts(false);
}

TEST_F(SendOutboxTest, AnUnsentSendIsTakenOffItsCorpsDispatches) {
  const v1::Send counted = AcceptAndBegin(TextSend(kAccountB, "counted"));
  ASSERT_THAT(outbox().MarkSent(counted.send_id(), "m1"), IsOk());
  const v1::Send refused = AcceptAndBegin(TextSend(kAccountA, "refused"));
  ASSERT_EQ(outbox().CorpDispatches().at(kCorp).at(0).dispatches, 2);
  wecom::common::v1::VendorError offline;
  offline.set_vendor("quntool");
  offline.set_code(-1);
  offline.set_message("企微不在线");

  ASSERT_THAT(outbox().ReturnUnsent(refused.send_id(), offline), IsOk());
  ASSERT_THAT(outbox().CorpDispatches().at(kCorp), SizeIs(1));
  EXPECT_EQ(outbox().CorpDispatches().at(kCorp)[0].dispatches, 1);
  // A probe refused the same way (stored quietly) gives its dispatch back too.
  env_->clock().Advance(absl::Minutes(1));
  ASSERT_THAT(outbox().BeginAttempt(refused.send_id()), IsOk());
  ASSERT_THAT(outbox().CorpDispatches().at(kCorp), SizeIs(2));
  ASSERT_THAT(outbox().ReturnUnsent(refused.send_id(), offline), IsOk());
  ASSERT_THAT(outbox().CorpDispatches().at(kCorp), SizeIs(1));
  EXPECT_EQ(outbox().CorpDispatches().at(kCorp)[0].dispatches, 1);

  // Stored so: a restart restores only the send that went.
  ASSERT_THAT(env_->Reopen(), IsOk());
  const std::map<std::string, std::vector<SendOutbox::MinuteCount>> counts =
      outbox().CorpDispatches();
  ASSERT_THAT(counts.at(kCorp), SizeIs(1));
  EXPECT_EQ(counts.at(kCorp)[0].dispatches, 1);
}

TEST_F(SendOutboxTest, AMalformedCorpCountKeyIsDataLoss) {
  // The corp and the minute without the '/' between them.
  std::string key = absl::StrCat("corpwin/", kCorp, "x");
  AppendBigEndian(&key, 29000000);
  std::string count;
  AppendBigEndian(&count, 1);
  ASSERT_TRUE(env_->db().Put(rocksdb::WriteOptions(), key, count).ok());
  EXPECT_THAT(env_->Reopen(),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("malformed corp count at")));
}

// The outbox's own writes fail once `fail_writes` is set; the EventLog (and
// so every transition) still writes to the database underneath.
class FailingWritesDb final : public rocksdb::StackableDB {
 public:
  explicit FailingWritesDb(rocksdb::DB* db)
      : StackableDB(std::shared_ptr<rocksdb::DB>(db, [](rocksdb::DB*) {})) {}

  using StackableDB::Write;
  rocksdb::Status Write(const rocksdb::WriteOptions& options, rocksdb::WriteBatch* batch) override {
    if (fail_writes) return rocksdb::Status::IOError("injected write failure");
    return StackableDB::Write(options, batch);
  }

  std::atomic<bool> fail_writes = false;
};

TEST_F(SendOutboxTest, SendsExpiredBeforeAFailedWriteAreStillTold) {
  FailingWritesDb db(&env_->db());
  absl::StatusOr<std::unique_ptr<SendOutbox>> opened =
      SendOutbox::Open(&db, &env_->log(), &env_->clock());
  ASSERT_THAT(opened, IsOk());
  SendOutbox& failing = **opened;
  absl::StatusOr<SendOutbox::Accepted> accepted =
      failing.Accept(TextSend(kAccountA, "hello"), kCorp);
  ASSERT_THAT(accepted, IsOk());
  const std::string send_id = accepted->send.send_id();
  ASSERT_THAT(failing.BeginAttempt(send_id), IsOk());
  ASSERT_THAT(failing.MarkOutcomeUnknown(send_id), IsOk());
  std::vector<v1::Send> told;
  failing.SetTransitionListener([&told](const v1::Send& send) { told.push_back(send); });

  // The unknown outcome fails (with its event), then deleting the corp
  // minute that left the hour fails.
  env_->clock().Advance(absl::Minutes(61));
  db.fail_writes = true;
  EXPECT_THAT(failing.Expire(absl::Minutes(10), absl::Minutes(10)), Not(IsOk()));
  failing.SetTransitionListener(nullptr);
  EXPECT_EQ(failing.Get(send_id)->state(), v1::SEND_STATE_FAILED);
  ASSERT_THAT(told, SizeIs(1));
  EXPECT_EQ(told[0].send_id(), send_id);
  EXPECT_EQ(told[0].state(), v1::SEND_STATE_FAILED);
}

// Drives random transitions over three accounts and checks after each that
// the outbox's view kept in memory (each account's next send, the oldest
// pending send, the queue lengths) is what the stored sends say.
TEST_F(SendOutboxTest, TheInMemoryViewFollowsEveryTransition) {
  const std::vector<std::string> accounts = {kAccountA, kAccountB, "quntool:wxC"};
  // The model: send ids sort as their queue order.
  std::map<std::string, std::set<std::string>> queued;
  std::set<std::string> in_flight;
  std::set<std::string> sent;
  std::set<std::string> unknown;
  std::map<std::string, absl::Time> accepted_at;
  std::map<std::string, std::string> account_of;
  std::map<std::string, v1::Send> sends;
  std::mt19937 random(20240613);
  const auto pick = [&random](const std::set<std::string>& ids) {
    auto it = ids.begin();
    std::advance(it, std::uniform_int_distribution<size_t>(0, ids.size() - 1)(random));
    return *it;
  };
  wecom::common::v1::VendorError error;
  error.set_vendor("quntool");
  error.set_message("some error");
  int vendor_msg = 0;

  for (int step = 0; step < 400; ++step) {
    env_->clock().Advance(absl::Seconds(1));
    const std::string account = accounts[random() % accounts.size()];
    std::set<std::string>& account_queue = queued[account];
    switch (random() % 10) {
      case 0:
      case 1:
      case 2: {
        const v1::Send send = Accept(TextSend(account, absl::StrCat("m", step)));
        account_queue.insert(send.send_id());
        accepted_at[send.send_id()] = absl::FromUnixMillis(send.accepted_at_ms());
        account_of[send.send_id()] = account;
        sends[send.send_id()] = send;
        break;
      }
      case 3:
      case 4:
        if (account_queue.empty()) break;
        ASSERT_THAT(outbox().BeginAttempt(*account_queue.begin()), IsOk());
        in_flight.insert(*account_queue.begin());
        account_queue.erase(account_queue.begin());
        break;
      case 5:
        if (in_flight.empty()) break;
        {
          const std::string id = pick(in_flight);
          in_flight.erase(id);
          switch (random() % 4) {
            case 0:
              ASSERT_THAT(outbox().MarkSent(id, absl::StrCat("v", ++vendor_msg)), IsOk());
              sent.insert(id);
              break;
            case 1:
              ASSERT_THAT(outbox().MarkOutcomeUnknown(id), IsOk());
              unknown.insert(id);
              break;
            case 2:
              ASSERT_THAT(outbox().Requeue(id, error), IsOk());
              queued[account_of[id]].insert(id);
              break;
            default:
              ASSERT_THAT(outbox().ReturnUnsent(id, error), IsOk());
              queued[account_of[id]].insert(id);
              break;
          }
        }
        break;
      case 6:
        if (account_queue.empty()) break;
        {
          const std::string id = pick(account_queue);
          ASSERT_THAT(outbox().MarkFailed(id, error), IsOk());
          account_queue.erase(id);
        }
        break;
      case 7:
        if (sent.empty()) break;
        {
          const std::string id = pick(sent);
          sent.erase(id);
          const std::string vendor_msg_id = Stored(id).vendor_msg_id();
          if (random() % 2 == 0) {
            ASSERT_THAT(outbox().ApplyVendorOutcome(OutcomeFor(sends[id], vendor_msg_id, 0)),
                        IsOk());
          } else {
            ASSERT_THAT(outbox().ApplyVendorOutcome(
                            OutcomeFor(sends[id], vendor_msg_id, kVendorThrottledCode)),
                        IsOk());
            queued[account_of[id]].insert(id);
          }
        }
        break;
      case 8:
        if (unknown.empty()) break;
        {
          const std::string id = pick(unknown);
          ASSERT_THAT(outbox().MarkFailed(id, error), IsOk());
          unknown.erase(id);
        }
        break;
      default:
        if (random() % 4 != 0) break;
        ASSERT_THAT(env_->Reopen(), IsOk());
        unknown.insert(in_flight.begin(), in_flight.end());
        in_flight.clear();
        break;
    }

    std::vector<std::string> heads;
    int64_t total = 0;
    for (const auto& [queue_account, ids] : queued) {
      if (!ids.empty()) heads.push_back(*ids.begin());
      EXPECT_EQ(outbox().QueuedCount(queue_account), static_cast<int64_t>(ids.size()));
      total += static_cast<int64_t>(ids.size());
    }
    std::sort(heads.begin(), heads.end());
    ASSERT_EQ(DueIds(), heads) << "step " << step;
    EXPECT_EQ(outbox().QueuedCount(), total);
    std::set<std::string> pending = in_flight;
    pending.insert(sent.begin(), sent.end());
    pending.insert(unknown.begin(), unknown.end());
    const std::optional<absl::Time> oldest =
        pending.empty() ? std::nullopt : std::optional(accepted_at[*pending.begin()]);
    ASSERT_EQ(outbox().OldestPendingAcceptedAt(), oldest) << "step " << step;
  }
}

TEST(EchoTypeTest, NamesTheTypeOfTheVendorsEcho) {
  v1::MessageContent content;
  content.mutable_quote()->set_content("re");
  EXPECT_EQ(EchoType(content), v1::MESSAGE_TYPE_TEXT);
  content.mutable_text()->set_content("hi");
  EXPECT_EQ(EchoType(content), v1::MESSAGE_TYPE_TEXT);
  content.mutable_gif()->set_file_url("a.gif");
  EXPECT_EQ(EchoType(content), v1::MESSAGE_TYPE_EMOTICON);
  content.mutable_image()->set_file_url("a.png");
  EXPECT_EQ(EchoType(content), v1::MESSAGE_TYPE_IMAGE);
  content.set_saved_mini_program_id(4);
  EXPECT_EQ(EchoType(content), v1::MESSAGE_TYPE_MINI_PROGRAM);
  content.set_saved_video_num_id(5);
  EXPECT_EQ(EchoType(content), v1::MESSAGE_TYPE_VIDEO_NUM);
  content.mutable_person_card()->set_user_id("788");
  EXPECT_EQ(EchoType(content), v1::MESSAGE_TYPE_PERSON_CARD);
  EXPECT_EQ(EchoType(v1::MessageContent()), v1::MESSAGE_TYPE_UNSPECIFIED);
}

}  // namespace
}  // namespace wecom::robot::testing
