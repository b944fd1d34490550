#include "services/archive/store/message_store.h"

#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/archive/store/store_test_support.h"
#include "tests/support/temp_dir.h"

namespace wecom::archive {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::IsEmpty;
using ::testing::Property;
using ::testing::SizeIs;
using v1::ArchivedMessage;
using ::wecom::testing::IsOk;
using ::wecom::testing::IsOkAndHolds;
using ::wecom::testing::StatusIs;
using ::wecom::testing::TempDir;

MATCHER_P(EqualsProto, expected, "equals " + expected.ShortDebugString()) {
  *result_listener << "is " << arg.ShortDebugString();
  return google::protobuf::util::MessageDifferencer::Equals(arg, expected);
}

auto HasSeq(uint64_t seq) { return Property(&ArchivedMessage::seq, seq); }

auto IsLogEntry(uint64_t position, LogKind kind, uint64_t seq) {
  return AllOf(Field(&LogEntry::position, position), Field(&LogEntry::kind, kind),
               Field(&LogEntry::message, HasSeq(seq)));
}

class MessageStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_THAT(dir_, IsOk());
    Reopen();
  }

  void Reopen() {
    store_.reset();
    absl::StatusOr<std::unique_ptr<MessageStore>> store =
        MessageStore::Open({.path = dir_->path() + "/db"});
    ASSERT_THAT(store, IsOk());
    store_ = *std::move(store);
  }

  // Commits a page that must be accepted.
  CommitResult Commit(std::string_view corp, std::vector<ArchivedMessage> messages,
                      uint64_t cursor_seq) {
    absl::StatusOr<CommitResult> result =
        store_->CommitPulled(corp, std::move(messages), cursor_seq);
    EXPECT_THAT(result, IsOk());
    return result.ok() ? *std::move(result) : CommitResult{};
  }

  // Every log entry of `corp`.
  std::vector<LogEntry> WholeLog(std::string_view corp) {
    absl::StatusOr<std::vector<LogEntry>> log = store_->ReadLog(corp, 0, 1 << 20);
    EXPECT_THAT(log, IsOk());
    return log.ok() ? *std::move(log) : std::vector<LogEntry>{};
  }

  // The conversation pages from `page_size`-sized requests, followed to the end.
  std::vector<std::vector<uint64_t>> PageSeqs(std::string_view conversation_id, int64_t start_ms,
                                              int64_t end_ms, int page_size) {
    std::vector<std::vector<uint64_t>> pages;
    std::string token;
    do {
      absl::StatusOr<ConversationPage> page =
          store_->ListConversation("corp", conversation_id, start_ms, end_ms, page_size, token);
      EXPECT_THAT(page, IsOk());
      if (!page.ok() || pages.size() > 100) break;
      std::vector<uint64_t> seqs;
      for (const ArchivedMessage& message : page->messages) seqs.push_back(message.seq());
      pages.push_back(seqs);
      token = page->next_page_token;
    } while (!token.empty());
    return pages;
  }

  absl::StatusOr<TempDir> dir_ = TempDir::Create("message_store_");
  std::unique_ptr<MessageStore> store_;
};

TEST_F(MessageStoreTest, NewCorpIsEmpty) {
  EXPECT_THAT(store_->PullCursor("corp"), IsOkAndHolds(0));
  EXPECT_THAT(store_->HeadPosition("corp"), IsOkAndHolds(0));
  EXPECT_THAT(store_->ConsumerPosition("corp", "reader"), IsOkAndHolds(0));
  EXPECT_THAT(store_->ReadLog("corp", 0, 10), IsOkAndHolds(IsEmpty()));
  EXPECT_THAT(store_->ListUndecryptable("corp", 10), IsOkAndHolds(IsEmpty()));
  EXPECT_THAT(store_->PositionAtOrBeforeSeq("corp", 100), IsOkAndHolds(0));
  absl::StatusOr<CorpCounters> counters = store_->Counters("corp");
  ASSERT_THAT(counters, IsOk());
  EXPECT_EQ(counters->archived, 0u);
  EXPECT_EQ(counters->undecryptable, 0u);
}

TEST_F(MessageStoreTest, CommitsAndReadsBack) {
  const ArchivedMessage first = DecryptedMessage(5, "m5");
  const ArchivedMessage second = UndecryptableMessage(7, "m7");
  const ArchivedMessage third = DecryptedMessage(8, "m8");
  const CommitResult result = Commit("corp", {first, second, third}, 8);

  EXPECT_EQ(result.duplicates, 0u);
  EXPECT_EQ(result.head_position, 3u);
  ASSERT_THAT(result.archived, SizeIs(3));
  EXPECT_EQ(result.archived[0].position(), 1u);
  EXPECT_EQ(result.archived[2].position(), 3u);

  ArchivedMessage expected = second;
  expected.set_corp_id("corp");
  expected.set_position(2);
  EXPECT_THAT(store_->GetBySeq("corp", 7), IsOkAndHolds(EqualsProto(expected)));
  EXPECT_THAT(store_->GetByMsgid("corp", "m7"), IsOkAndHolds(EqualsProto(expected)));
  EXPECT_THAT(store_->GetByMsgid("corp", "m8"), IsOkAndHolds(HasSeq(8)));
  EXPECT_THAT(store_->GetBySeq("corp", 6), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->GetByMsgid("corp", "m6"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->PullCursor("corp"), IsOkAndHolds(8));
  EXPECT_THAT(store_->HeadPosition("corp"), IsOkAndHolds(3));
  absl::StatusOr<CorpCounters> counters = store_->Counters("corp");
  ASSERT_THAT(counters, IsOk());
  EXPECT_EQ(counters->archived, 3u);
  EXPECT_EQ(counters->undecryptable, 1u);
  EXPECT_THAT(WholeLog("corp"), ElementsAre(IsLogEntry(1, LogKind::kArchived, 5),
                                            IsLogEntry(2, LogKind::kArchived, 7),
                                            IsLogEntry(3, LogKind::kArchived, 8)));
}

TEST_F(MessageStoreTest, SkipsMsgidsStoredBeforeOrRepeatedInTheBatch) {
  Commit("corp", {DecryptedMessage(1, "a"), DecryptedMessage(2, "b")}, 2);
  const CommitResult result = Commit("corp",
                                     {DecryptedMessage(3, "b"), DecryptedMessage(4, "c"),
                                      DecryptedMessage(5, "c"), DecryptedMessage(6, "d")},
                                     6);

  EXPECT_EQ(result.duplicates, 2u);
  EXPECT_THAT(result.archived, ElementsAre(HasSeq(4), HasSeq(6)));
  EXPECT_EQ(result.head_position, 4u);
  EXPECT_THAT(store_->GetByMsgid("corp", "b"), IsOkAndHolds(HasSeq(2)));
  EXPECT_THAT(store_->GetByMsgid("corp", "c"), IsOkAndHolds(HasSeq(4)));
  EXPECT_THAT(store_->GetBySeq("corp", 3), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->GetBySeq("corp", 5), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(
      WholeLog("corp"),
      ElementsAre(IsLogEntry(1, LogKind::kArchived, 1), IsLogEntry(2, LogKind::kArchived, 2),
                  IsLogEntry(3, LogKind::kArchived, 4), IsLogEntry(4, LogKind::kArchived, 6)));
  EXPECT_THAT(store_->PullCursor("corp"), IsOkAndHolds(6));
}

TEST_F(MessageStoreTest, CursorMovesPastAPageOfOnlyDuplicates) {
  Commit("corp", {DecryptedMessage(1, "a")}, 1);
  const CommitResult result = Commit("corp", {DecryptedMessage(2, "a")}, 40);
  EXPECT_EQ(result.duplicates, 1u);
  EXPECT_THAT(result.archived, IsEmpty());
  EXPECT_EQ(result.head_position, 1u);
  EXPECT_THAT(store_->PullCursor("corp"), IsOkAndHolds(40));
}

TEST_F(MessageStoreTest, RejectsSeqsAtOrBelowTheCursorAndLeavesStateAlone) {
  Commit("corp", {DecryptedMessage(10, "a")}, 10);
  EXPECT_THAT(store_->CommitPulled("corp", {DecryptedMessage(10, "b")}, 11),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("seq 10")));
  EXPECT_THAT(
      store_->CommitPulled("corp", {DecryptedMessage(12, "b"), DecryptedMessage(9, "c")}, 12),
      StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(store_->GetByMsgid("corp", "b"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->PullCursor("corp"), IsOkAndHolds(10));
  EXPECT_THAT(store_->HeadPosition("corp"), IsOkAndHolds(1));
}

TEST_F(MessageStoreTest, RejectsMalformedPages) {
  EXPECT_THAT(store_->CommitPulled("corp", {DecryptedMessage(3, "a"), DecryptedMessage(2, "b")}, 3),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("ascending")));
  EXPECT_THAT(store_->CommitPulled("corp", {DecryptedMessage(3, "a")}, 2),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("cursor_seq 2")));
  EXPECT_THAT(store_->CommitPulled("corp", {DecryptedMessage(3, "")}, 3),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("msgid")));
  ArchivedMessage other_corp = DecryptedMessage(3, "a");
  other_corp.set_corp_id("other");
  EXPECT_THAT(store_->CommitPulled("corp", {other_corp}, 3),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("other")));
  ArchivedMessage no_status = DecryptedMessage(3, "a");
  no_status.clear_status();
  EXPECT_THAT(store_->CommitPulled("corp", {no_status}, 3),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(store_->CommitPulled("", {DecryptedMessage(3, "a")}, 3),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(store_->HeadPosition("corp"), IsOkAndHolds(0));
}

TEST_F(MessageStoreTest, CorpsWhoseIdsSharePrefixesStayApart) {
  Commit("a", {DecryptedMessage(1, "x"), DecryptedMessage(2, "y")}, 2);
  Commit("ab", {DecryptedMessage(1, "z")}, 7);
  Commit("A", {DecryptedMessage(50, "w")}, 50);

  EXPECT_THAT(WholeLog("a"), ElementsAre(IsLogEntry(1, LogKind::kArchived, 1),
                                         IsLogEntry(2, LogKind::kArchived, 2)));
  EXPECT_THAT(WholeLog("ab"), ElementsAre(IsLogEntry(1, LogKind::kArchived, 1)));
  EXPECT_THAT(store_->PullCursor("ab"), IsOkAndHolds(7));
  EXPECT_THAT(store_->GetByMsgid("a", "z"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->GetByMsgid("ab", "z"),
              IsOkAndHolds(Property(&ArchivedMessage::corp_id, "ab")));
  EXPECT_THAT(store_->PositionAtOrBeforeSeq("a", 100), IsOkAndHolds(2));
  EXPECT_THAT(store_->PositionAtOrBeforeSeq("ab", 0), IsOkAndHolds(0));
  EXPECT_THAT(store_->PositionAtOrBeforeSeq("b", 100), IsOkAndHolds(0));
}

TEST_F(MessageStoreTest, ReadLogPagesAfterAPosition) {
  Commit("corp",
         {DecryptedMessage(1, "a"), DecryptedMessage(2, "b"), DecryptedMessage(3, "c"),
          DecryptedMessage(4, "d")},
         4);
  EXPECT_THAT(store_->ReadLog("corp", 1, 2),
              IsOkAndHolds(ElementsAre(IsLogEntry(2, LogKind::kArchived, 2),
                                       IsLogEntry(3, LogKind::kArchived, 3))));
  EXPECT_THAT(store_->ReadLog("corp", 3, 10),
              IsOkAndHolds(ElementsAre(IsLogEntry(4, LogKind::kArchived, 4))));
  EXPECT_THAT(store_->ReadLog("corp", 4, 10), IsOkAndHolds(IsEmpty()));
  EXPECT_THAT(store_->ReadLog("corp", 0, 0), IsOkAndHolds(IsEmpty()));
}

TEST_F(MessageStoreTest, RecoveredMessageGetsANewLogEntryAndKeepsItsPosition) {
  Commit("corp",
         {DecryptedMessage(1, "a"), UndecryptableMessage(2, "b"), UndecryptableMessage(3, "c")}, 3);
  EXPECT_THAT(store_->ListUndecryptable("corp", 10),
              IsOkAndHolds(ElementsAre(HasSeq(2), HasSeq(3))));
  EXPECT_THAT(store_->ListUndecryptable("corp", 1), IsOkAndHolds(ElementsAre(HasSeq(2))));

  ArchivedMessage recovered = DecryptedMessage(2, "b", "alice|bob", 1'700'000'000'500);
  ASSERT_THAT(store_->CommitRecovered("corp", {recovered}), IsOk());

  absl::StatusOr<ArchivedMessage> stored = store_->GetBySeq("corp", 2);
  ASSERT_THAT(stored, IsOk());
  EXPECT_EQ(stored->status(), v1::DECRYPT_STATUS_DECRYPTED);
  EXPECT_EQ(stored->position(), 2u);
  EXPECT_EQ(stored->failure(), v1::FAILURE_REASON_UNSPECIFIED);
  EXPECT_THAT(stored->failure_detail(), IsEmpty());
  EXPECT_THAT(stored->message(), EqualsProto(recovered.message()));
  EXPECT_EQ(stored->envelope().encrypt_chat_msg(), "Y2lwaGVy");

  EXPECT_THAT(
      WholeLog("corp"),
      ElementsAre(IsLogEntry(1, LogKind::kArchived, 1), IsLogEntry(2, LogKind::kArchived, 2),
                  IsLogEntry(3, LogKind::kArchived, 3), IsLogEntry(4, LogKind::kRecovered, 2)));
  EXPECT_THAT(store_->HeadPosition("corp"), IsOkAndHolds(4));
  EXPECT_THAT(store_->ListUndecryptable("corp", 10), IsOkAndHolds(ElementsAre(HasSeq(3))));
  absl::StatusOr<CorpCounters> counters = store_->Counters("corp");
  ASSERT_THAT(counters, IsOk());
  EXPECT_EQ(counters->archived, 3u);
  EXPECT_EQ(counters->undecryptable, 1u);
  absl::StatusOr<ConversationPage> conversation =
      store_->ListConversation("corp", "alice|bob", 0, 0, 10, "");
  ASSERT_THAT(conversation, IsOk());
  EXPECT_THAT(conversation->messages, ElementsAre(HasSeq(1), HasSeq(2)));

  // Recovered already, decrypted from the start, or repeated: all skipped.
  ASSERT_THAT(store_->CommitRecovered("corp", {recovered, DecryptedMessage(1, "a")}), IsOk());
  ASSERT_THAT(store_->CommitRecovered("corp", {DecryptedMessage(3, "c"), DecryptedMessage(3, "c")}),
              IsOk());
  EXPECT_THAT(store_->ReadLog("corp", 4, 10),
              IsOkAndHolds(ElementsAre(IsLogEntry(5, LogKind::kRecovered, 3))));
}

TEST_F(MessageStoreTest, RecoveryRejectsMessagesThatAreNotDecrypted) {
  Commit("corp", {UndecryptableMessage(1, "a")}, 1);
  EXPECT_THAT(store_->CommitRecovered("corp", {UndecryptableMessage(1, "a")}),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("seq 1")));
  EXPECT_THAT(store_->ListUndecryptable("corp", 10), IsOkAndHolds(ElementsAre(HasSeq(1))));
}

TEST_F(MessageStoreTest, PositionAtOrBeforeSeqIgnoresRecoveredEntries) {
  Commit("corp", {DecryptedMessage(10, "a"), UndecryptableMessage(20, "b")}, 25);
  Commit("corp", {DecryptedMessage(30, "c")}, 30);
  ASSERT_THAT(store_->CommitRecovered("corp", {DecryptedMessage(20, "b")}), IsOk());
  Commit("corp", {DecryptedMessage(40, "d")}, 40);

  EXPECT_THAT(store_->PositionAtOrBeforeSeq("corp", 0), IsOkAndHolds(0));
  EXPECT_THAT(store_->PositionAtOrBeforeSeq("corp", 9), IsOkAndHolds(0));
  EXPECT_THAT(store_->PositionAtOrBeforeSeq("corp", 10), IsOkAndHolds(1));
  EXPECT_THAT(store_->PositionAtOrBeforeSeq("corp", 19), IsOkAndHolds(1));
  EXPECT_THAT(store_->PositionAtOrBeforeSeq("corp", 20), IsOkAndHolds(2));
  EXPECT_THAT(store_->PositionAtOrBeforeSeq("corp", 29), IsOkAndHolds(2));
  EXPECT_THAT(store_->PositionAtOrBeforeSeq("corp", 30), IsOkAndHolds(3));
  EXPECT_THAT(store_->PositionAtOrBeforeSeq("corp", 39), IsOkAndHolds(3));
  EXPECT_THAT(store_->PositionAtOrBeforeSeq("corp", 40), IsOkAndHolds(5));
  EXPECT_THAT(store_->PositionAtOrBeforeSeq("corp", ~uint64_t{0}), IsOkAndHolds(5));
}

class ConversationTest : public MessageStoreTest {
 protected:
  void SetUp() override {
    MessageStoreTest::SetUp();
    // Seq order differs from msgtime order, as with a late-delivered message.
    Commit(
        "corp",
        {DecryptedMessage(1, "m1", "alice|bob", 3000), DecryptedMessage(2, "m2", "alice|bob", 1000),
         DecryptedMessage(3, "m3", "alice|bob", 2000), DecryptedMessage(4, "m4", "alice|bob", 2000),
         DecryptedMessage(5, "m5", "alice|bobby", 2500), DecryptedMessage(6, "m6", "alice", 2500),
         UndecryptableMessage(7, "m7"), DecryptedMessage(8, "m8", "alice|bob", 5000)},
        8);
  }
};

TEST_F(ConversationTest, ListsOneConversationByMsgtimeThenSeq) {
  EXPECT_THAT(PageSeqs("alice|bob", 0, 0, 100), ElementsAre(ElementsAre(2, 3, 4, 1, 8)));
  EXPECT_THAT(PageSeqs("alice|bobby", 0, 0, 100), ElementsAre(ElementsAre(5)));
  EXPECT_THAT(PageSeqs("nobody", 0, 0, 100), ElementsAre(IsEmpty()));
}

TEST_F(ConversationTest, StartIsInclusiveAndEndExclusive) {
  EXPECT_THAT(PageSeqs("alice|bob", 2000, 5000, 100), ElementsAre(ElementsAre(3, 4, 1)));
  EXPECT_THAT(PageSeqs("alice|bob", 2001, 0, 100), ElementsAre(ElementsAre(1, 8)));
  EXPECT_THAT(PageSeqs("alice|bob", 0, 2000, 100), ElementsAre(ElementsAre(2)));
  EXPECT_THAT(PageSeqs("alice|bob", 4000, 3000, 100), ElementsAre(IsEmpty()));
}

TEST_F(ConversationTest, PagesFollowTokensToTheEnd) {
  EXPECT_THAT(PageSeqs("alice|bob", 0, 0, 2),
              ElementsAre(ElementsAre(2, 3), ElementsAre(4, 1), ElementsAre(8)));
  // A last page that is exactly full carries no token.
  EXPECT_THAT(PageSeqs("alice|bob", 0, 5000, 2), ElementsAre(ElementsAre(2, 3), ElementsAre(4, 1)));
  EXPECT_THAT(PageSeqs("alice|bob", 1500, 0, 1),
              ElementsAre(ElementsAre(3), ElementsAre(4), ElementsAre(1), ElementsAre(8)));
}

TEST_F(ConversationTest, PagesSeeMessagesAddedBetweenRequests) {
  absl::StatusOr<ConversationPage> first =
      store_->ListConversation("corp", "alice|bob", 0, 0, 4, "");
  ASSERT_THAT(first, IsOk());
  ASSERT_FALSE(first->next_page_token.empty());
  Commit("corp", {DecryptedMessage(9, "m9", "alice|bob", 4000)}, 9);
  absl::StatusOr<ConversationPage> second =
      store_->ListConversation("corp", "alice|bob", 0, 0, 4, first->next_page_token);
  ASSERT_THAT(second, IsOk());
  EXPECT_THAT(second->messages, ElementsAre(HasSeq(9), HasSeq(8)));
}

TEST_F(ConversationTest, RejectsBadArguments) {
  EXPECT_THAT(store_->ListConversation("corp", "alice|bob", 0, 0, 10, "not a token"),
              StatusIs(absl::StatusCode::kInvalidArgument, "page_token is malformed"));
  EXPECT_THAT(store_->ListConversation("corp", "alice|bob", 0, 0, 10, "AAAA"),
              StatusIs(absl::StatusCode::kInvalidArgument, "page_token is malformed"));
  EXPECT_THAT(store_->ListConversation("corp", "alice|bob", 0, 0, 0, ""),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("page_size")));
  EXPECT_THAT(
      store_->ListConversation("corp", "", 0, 0, 10, ""),
      StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("conversation_id")));
}

TEST_F(MessageStoreTest, ConsumerAcksOnlyMoveForwardAndSurviveReopen) {
  Commit("corp", {DecryptedMessage(1, "a"), DecryptedMessage(2, "b"), DecryptedMessage(3, "c")}, 3);
  EXPECT_THAT(store_->AckConsumer("corp", "indexer", 2), IsOkAndHolds(2));
  EXPECT_THAT(store_->AckConsumer("corp", "indexer", 1), IsOkAndHolds(2));
  EXPECT_THAT(
      store_->AckConsumer("corp", "indexer", 4),
      StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("head position 3")));
  EXPECT_THAT(store_->AckConsumer("corp", "", 1), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(store_->AckConsumer("corp", "auditor", 3), IsOkAndHolds(3));
  EXPECT_THAT(store_->ConsumerPosition("corp", "indexer"), IsOkAndHolds(2));

  Reopen();
  EXPECT_THAT(store_->ConsumerPosition("corp", "indexer"), IsOkAndHolds(2));
  EXPECT_THAT(store_->ConsumerPosition("corp", "auditor"), IsOkAndHolds(3));
  EXPECT_THAT(store_->ConsumerPosition("corp", "new"), IsOkAndHolds(0));
  EXPECT_THAT(store_->ConsumerPosition("other", "indexer"), IsOkAndHolds(0));
  EXPECT_THAT(store_->PullCursor("corp"), IsOkAndHolds(3));
  EXPECT_THAT(store_->GetByMsgid("corp", "c"), IsOkAndHolds(HasSeq(3)));
  EXPECT_THAT(store_->AckConsumer("corp", "indexer", 1), IsOkAndHolds(2));
}

// A puller committing pages while recovery commits to the same corp and
// readers follow the log: positions stay unique and gapless, and no reader
// sees a partial commit.
TEST_F(MessageStoreTest, ConcurrentWritersAndReadersOfOneCorp) {
  constexpr uint64_t kUndecryptable = 40;
  constexpr uint64_t kPulled = 120;
  std::vector<ArchivedMessage> first_page;
  for (uint64_t seq = 1; seq <= kUndecryptable; ++seq) {
    first_page.push_back(UndecryptableMessage(seq, absl::StrCat("u", seq)));
  }
  Commit("corp", first_page, kUndecryptable);

  std::atomic<int> writers_running{2};
  std::atomic<int> reader_failures{0};
  std::thread puller([&] {
    for (uint64_t seq = kUndecryptable + 1; seq <= kUndecryptable + kPulled; seq += 2) {
      EXPECT_THAT(store_->CommitPulled("corp",
                                       {DecryptedMessage(seq, absl::StrCat("p", seq)),
                                        DecryptedMessage(seq + 1, absl::StrCat("p", seq + 1))},
                                       seq + 1),
                  IsOk());
    }
    --writers_running;
  });
  std::thread recovery([&] {
    for (uint64_t seq = 1; seq <= kUndecryptable; ++seq) {
      EXPECT_THAT(store_->CommitRecovered("corp", {DecryptedMessage(seq, absl::StrCat("u", seq))}),
                  IsOk());
    }
    --writers_running;
  });
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&] {
      do {
        absl::StatusOr<std::vector<LogEntry>> log = store_->ReadLog("corp", 0, 1 << 20);
        if (!log.ok()) {
          ++reader_failures;
          continue;
        }
        for (size_t i = 0; i < log->size(); ++i) {
          const LogEntry& entry = (*log)[i];
          const bool recovered_entry_shows_decrypted =
              entry.kind != LogKind::kRecovered ||
              entry.message.status() == v1::DECRYPT_STATUS_DECRYPTED;
          if (entry.position != i + 1 || !recovered_entry_shows_decrypted) ++reader_failures;
        }
      } while (writers_running.load() > 0);
    });
  }
  puller.join();
  recovery.join();
  for (std::thread& reader : readers) reader.join();

  EXPECT_EQ(reader_failures.load(), 0);
  const std::vector<LogEntry> log = WholeLog("corp");
  ASSERT_EQ(log.size(), 2 * kUndecryptable + kPulled);
  std::set<uint64_t> archived_seqs;
  std::set<uint64_t> recovered_seqs;
  for (size_t i = 0; i < log.size(); ++i) {
    EXPECT_EQ(log[i].position, i + 1);
    (log[i].kind == LogKind::kArchived ? archived_seqs : recovered_seqs)
        .insert(log[i].message.seq());
  }
  EXPECT_EQ(archived_seqs.size(), kUndecryptable + kPulled);
  EXPECT_EQ(recovered_seqs.size(), kUndecryptable);
  EXPECT_THAT(store_->HeadPosition("corp"), IsOkAndHolds(log.size()));
  EXPECT_THAT(store_->ListUndecryptable("corp", 100), IsOkAndHolds(IsEmpty()));
}

}  // namespace
}  // namespace wecom::archive
