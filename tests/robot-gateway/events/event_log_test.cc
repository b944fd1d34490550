// EventLog on a real RocksDB: gap-free positions (also from many threads),
// dedupe by event_id, reads, cursors and reopening.
#include "services/robot-gateway/events/event_log.h"

#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/robot-gateway/events/temp_event_log.h"

namespace wecom::robot {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Optional;
using ::wecom::testing::IsOk;
using ::wecom::testing::IsOkAndHolds;
using ::wecom::testing::StatusIs;

v1::Event TextEvent(const std::string& event_id, const std::string& text = "hi") {
  v1::Event event;
  event.set_event_id(event_id);
  event.set_account_id("quntool:1688850000000001");
  event.set_vendor(v1::VENDOR_QUNTOOL);
  event.set_vendor_type("text_msg");
  event.mutable_message()->set_text(text);
  return event;
}

class EventLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<testing::TempEventLog>> temp = testing::TempEventLog::Create();
    ASSERT_THAT(temp, IsOk());
    temp_ = *std::move(temp);
    log_ = &temp_->log();
    db_ = &temp_->db();
  }

  void Reopen() {
    ASSERT_THAT(temp_->Reopen(), IsOk());
    log_ = &temp_->log();
    db_ = &temp_->db();
  }

  uint64_t MustAppend(v1::Event event) {
    absl::StatusOr<EventLog::Appended> appended = log_->Append(std::move(event));
    EXPECT_THAT(appended, IsOk());
    return appended.ok() ? appended->position : 0;
  }

  // Every stored event after `after`.
  std::vector<v1::Event> ReadAll(uint64_t after = 0) {
    std::vector<v1::Event> events;
    EXPECT_THAT(log_->ReadAfter(after, 100000,
                                [&](const v1::Event& event) {
                                  events.push_back(event);
                                  return true;
                                }),
                IsOk());
    return events;
  }

  std::unique_ptr<testing::TempEventLog> temp_;
  EventLog* log_ = nullptr;
  rocksdb::DB* db_ = nullptr;
};

TEST_F(EventLogTest, AppendsGetConsecutivePositionsAndReceiveTime) {
  EXPECT_EQ(log_->head(), 0u);
  const int64_t before_ms = absl::ToUnixMillis(absl::Now());
  EXPECT_EQ(MustAppend(TextEvent("a")), 1u);
  EXPECT_EQ(MustAppend(TextEvent("b")), 2u);
  EXPECT_EQ(MustAppend(TextEvent("c")), 3u);
  EXPECT_EQ(log_->head(), 3u);

  const std::vector<v1::Event> events = ReadAll();
  ASSERT_EQ(events.size(), 3u);
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].position(), i + 1);
    EXPECT_GE(events[i].received_at_ms(), before_ms);
  }
  EXPECT_EQ(events[0].event_id(), "a");
  EXPECT_EQ(events[2].event_id(), "c");
  EXPECT_EQ(events[1].message().text(), "hi");
}

TEST_F(EventLogTest, EventWithoutIdIsRefused) {
  EXPECT_THAT(log_->Append(TextEvent("")), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(log_->head(), 0u);
}

TEST_F(EventLogTest, SameEventIdAgainReturnsFirstPositionAndWritesNothing) {
  MustAppend(TextEvent("first", "original"));
  MustAppend(TextEvent("second"));

  rocksdb::WriteBatch extra;
  extra.Put("test/extra", "x");
  absl::StatusOr<EventLog::Appended> again =
      log_->Append(TextEvent("first", "redelivered"), &extra);
  ASSERT_THAT(again, IsOk());
  EXPECT_FALSE(again->stored);
  EXPECT_EQ(again->position, 1u);

  EXPECT_EQ(log_->head(), 2u);
  const std::vector<v1::Event> events = ReadAll();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].message().text(), "original");
  std::string value;
  EXPECT_TRUE(db_->Get(rocksdb::ReadOptions(), "test/extra", &value).IsNotFound());
  absl::StatusOr<EventLog::Claim> first = log_->ClaimEventId("first");
  ASSERT_THAT(first, IsOk());
  EXPECT_THAT(first->stored(), Optional(1u));
  EXPECT_THAT(std::move(*first).Append(TextEvent("first")),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(EventLogTest, AClaimKeepsOtherAppendsOfItsIdWaitingUntilItAppends) {
  absl::StatusOr<EventLog::Claim> claim = log_->ClaimEventId("x");
  ASSERT_THAT(claim, IsOk());
  EXPECT_EQ(claim->stored(), std::nullopt);
  absl::Notification started;
  absl::StatusOr<EventLog::Appended> other;
  std::thread appender([&] {
    started.Notify();
    other = log_->Append(TextEvent("x", "second delivery"));
  });
  started.WaitForNotification();
  // Whatever the threads' timing, the claim's holder stores the event.
  EXPECT_THAT(std::move(*claim).Append(TextEvent("x", "first delivery")), IsOkAndHolds(1u));
  appender.join();
  ASSERT_THAT(other, IsOk());
  EXPECT_FALSE(other->stored);
  EXPECT_EQ(other->position, 1u);
  const std::vector<v1::Event> events = ReadAll();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].message().text(), "first delivery");
}

TEST_F(EventLogTest, AClaimDroppedWithoutAppendingFreesTheId) {
  {
    absl::StatusOr<EventLog::Claim> claim = log_->ClaimEventId("x");
    ASSERT_THAT(claim, IsOk());
  }
  EXPECT_EQ(MustAppend(TextEvent("x")), 1u);
  absl::StatusOr<EventLog::Claim> wrong = log_->ClaimEventId("y");
  ASSERT_THAT(wrong, IsOk());
  EXPECT_THAT(std::move(*wrong).Append(TextEvent("z")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not the claimed y")));
  // The refused append released its claim.
  EXPECT_EQ(MustAppend(TextEvent("y")), 2u);
}

TEST_F(EventLogTest, ExtraBatchIsWrittenWithTheEvent) {
  rocksdb::WriteBatch extra;
  extra.Put("test/extra", "x");
  ASSERT_THAT(log_->Append(TextEvent("a"), &extra), IsOk());
  std::string value;
  ASSERT_TRUE(db_->Get(rocksdb::ReadOptions(), "test/extra", &value).ok());
  EXPECT_EQ(value, "x");
}

TEST_F(EventLogTest, ConcurrentAppendsGetGapFreePositionsAndDedupeExactly) {
  constexpr int kThreads = 8;
  constexpr int kEventsPerThread = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < kEventsPerThread; ++i) {
        // Every event is appended by two threads: one of them stores it.
        const std::string id = absl::StrCat("event-", (t / 2) * kEventsPerThread + i);
        EXPECT_THAT(log_->Append(TextEvent(id)), IsOk());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  constexpr uint64_t kDistinct = kThreads / 2 * kEventsPerThread;
  EXPECT_EQ(log_->head(), kDistinct);
  const std::vector<v1::Event> events = ReadAll();
  ASSERT_EQ(events.size(), kDistinct);
  std::set<std::string> ids;
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].position(), i + 1);
    ids.insert(events[i].event_id());
  }
  EXPECT_EQ(ids.size(), kDistinct);
}

TEST_F(EventLogTest, ReadersNeverPassAHoleWhileAppendsRunConcurrently) {
  constexpr int kWriters = 6;
  constexpr int kEventsPerWriter = 60;
  constexpr uint64_t kTotal = kWriters * kEventsPerWriter;
  std::vector<std::thread> writers;
  for (int t = 0; t < kWriters; ++t) {
    writers.emplace_back([this, t] {
      for (int i = 0; i < kEventsPerWriter; ++i) {
        EXPECT_THAT(log_->Append(TextEvent(absl::StrCat("w", t, "-", i))), IsOk());
      }
    });
  }
  // Each look reads everything there is: positions 1, 2, 3, … with no hole,
  // up to the head. A later position may be stored while an earlier one is
  // still being written; a stream that read it would skip the earlier one.
  uint64_t seen = 0;
  while (seen < kTotal && !HasFailure()) {
    uint64_t expected = 1;
    EXPECT_THAT(log_->ReadAfter(0, kTotal,
                                [&](const v1::Event& event) {
                                  EXPECT_EQ(event.position(), expected);
                                  ++expected;
                                  return true;
                                }),
                IsOk());
    EXPECT_GE(expected - 1, seen) << "fewer events than a look before";
    seen = expected - 1;
    EXPECT_LE(seen, log_->head());
    log_->WaitBeyond(seen, absl::Now() + absl::Seconds(30));
  }
  for (std::thread& writer : writers) writer.join();
  EXPECT_EQ(log_->head(), kTotal);
}

TEST_F(EventLogTest, ReadAfterStartsAfterPositionAndStopsWhenAsked) {
  for (int i = 1; i <= 5; ++i) MustAppend(TextEvent(absl::StrCat("e", i)));

  std::vector<uint64_t> positions;
  ASSERT_THAT(log_->ReadAfter(2, 2,
                              [&](const v1::Event& event) {
                                positions.push_back(event.position());
                                return true;
                              }),
              IsOk());
  EXPECT_THAT(positions, ElementsAre(3u, 4u));

  positions.clear();
  ASSERT_THAT(log_->ReadAfter(0, 100,
                              [&](const v1::Event& event) {
                                positions.push_back(event.position());
                                return event.position() < 2;
                              }),
              IsOk());
  EXPECT_THAT(positions, ElementsAre(1u, 2u));
  EXPECT_TRUE(ReadAll(5).empty());
}

TEST_F(EventLogTest, WaitBeyondReturnsOnAppendOrAtDeadline) {
  MustAppend(TextEvent("a"));
  EXPECT_EQ(log_->WaitBeyond(0, absl::InfinitePast()), 1u);
  // Nothing beyond 1 arrives: it returns at the deadline with the head.
  EXPECT_EQ(log_->WaitBeyond(1, absl::Now() + absl::Milliseconds(20)), 1u);

  std::thread appender([this] { MustAppend(TextEvent("b")); });
  EXPECT_EQ(log_->WaitBeyond(1, absl::Now() + absl::Seconds(30)), 2u);
  appender.join();
}

TEST_F(EventLogTest, CursorsMoveOnlyForwardAndNeverBeyondTheHead) {
  for (int i = 1; i <= 3; ++i) MustAppend(TextEvent(absl::StrCat("e", i)));
  EXPECT_THAT(log_->Cursor("reader"), IsOkAndHolds(0u));
  EXPECT_THAT(log_->Ack("reader", 2), IsOkAndHolds(2u));
  EXPECT_THAT(log_->Ack("reader", 1), IsOkAndHolds(2u));
  EXPECT_THAT(log_->Cursor("reader"), IsOkAndHolds(2u));
  EXPECT_THAT(log_->Ack("reader", 4),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("beyond the newest event 3")));
  EXPECT_THAT(log_->Cursor("reader"), IsOkAndHolds(2u));
  EXPECT_THAT(log_->Ack("", 1), StatusIs(absl::StatusCode::kInvalidArgument));
  // Consumers are independent.
  EXPECT_THAT(log_->Cursor("other"), IsOkAndHolds(0u));
}

TEST_F(EventLogTest, HeadCursorsAndDedupeSurviveReopen) {
  MustAppend(TextEvent("a"));
  MustAppend(TextEvent("b"));
  ASSERT_THAT(log_->Ack("reader", 1), IsOk());

  Reopen();
  EXPECT_EQ(log_->head(), 2u);
  EXPECT_THAT(log_->Cursor("reader"), IsOkAndHolds(1u));
  absl::StatusOr<EventLog::Appended> again = log_->Append(TextEvent("b"));
  ASSERT_THAT(again, IsOk());
  EXPECT_FALSE(again->stored);
  EXPECT_EQ(again->position, 2u);
  EXPECT_EQ(MustAppend(TextEvent("c")), 3u);
}

TEST_F(EventLogTest, HeadIgnoresOtherKeysOfTheSharedDatabase) {
  // The outbox shares the database; its keys sort around the log's.
  ASSERT_TRUE(db_->Put(rocksdb::WriteOptions(), "send/x", "1").ok());
  ASSERT_TRUE(db_->Put(rocksdb::WriteOptions(), "a", "1").ok());
  MustAppend(TextEvent("a"));
  Reopen();
  EXPECT_EQ(log_->head(), 1u);
}

}  // namespace
}  // namespace wecom::robot
