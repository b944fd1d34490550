// A store killed with SIGKILL at a random moment never leaves a gap, a
// duplicate, or a cursor that disagrees with the messages.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/archive/store/message_store.h"
#include "tests/archive/store/store_test_support.h"
#include "tests/support/temp_dir.h"

namespace wecom::archive {
namespace {

using v1::ArchivedMessage;
using ::wecom::testing::IsOk;
using ::wecom::testing::IsOkAndHolds;
using ::wecom::testing::StatusIs;
using ::wecom::testing::TempDir;

constexpr char kCorp[] = "crash-corp";
// Pages hold 1 to kMaxPage seqs, one more when a page would end on a resend.
constexpr uint64_t kMaxPage = 12;
// Kill, reopen and check this many times.
constexpr uint32_t kRounds = 10;

// The vendor stream the child commits: seq k carries msgid "m<k>", except that
// every fifth seq resends its predecessor's msgid, and every third seq is
// undecryptable.
bool IsResend(uint64_t seq) { return seq % 5 == 0; }

ArchivedMessage StreamMessage(uint64_t seq) {
  const std::string msgid = absl::StrCat("m", IsResend(seq) ? seq - 1 : seq);
  return seq % 3 == 0 ? UndecryptableMessage(seq, msgid) : DecryptedMessage(seq, msgid);
}

// The child: commits pages from the stored cursor on until killed, writing
// each committed cursor to `progress_fd`. Exit codes name what failed.
[[noreturn]] void CommitUntilKilled(const std::string& db_path, int progress_fd, uint32_t seed) {
  absl::StatusOr<std::unique_ptr<MessageStore>> store = MessageStore::Open({.path = db_path});
  if (!store.ok()) _exit(2);
  absl::StatusOr<uint64_t> cursor = (*store)->PullCursor(kCorp);
  if (!cursor.ok()) _exit(3);
  std::mt19937 random(seed);
  uint64_t next = *cursor + 1;
  for (int page = 0; page < 1'000'000; ++page) {
    uint64_t last = next + random() % kMaxPage;
    // Ending every page on a stored message makes cursor == highest stored seq.
    if (IsResend(last)) ++last;
    std::vector<ArchivedMessage> messages;
    for (uint64_t seq = next; seq <= last; ++seq) messages.push_back(StreamMessage(seq));
    if (!(*store)->CommitPulled(kCorp, std::move(messages), last).ok()) _exit(4);
    if (write(progress_fd, &last, sizeof(last)) != sizeof(last)) _exit(5);
    next = last + 1;
  }
  _exit(0);
}

// Reads one committed cursor from the child; false when the child has gone.
bool ReadProgress(int fd, uint64_t* cursor) {
  char* out = reinterpret_cast<char*>(cursor);
  size_t got = 0;
  while (got < sizeof(*cursor)) {
    const ssize_t n = read(fd, out + got, sizeof(*cursor) - got);
    if (n <= 0) return false;
    got += static_cast<size_t>(n);
  }
  return true;
}

void ExpectConsistent(const std::string& db_path, uint64_t confirmed_cursor) {
  absl::StatusOr<std::unique_ptr<MessageStore>> opened = MessageStore::Open({.path = db_path});
  ASSERT_THAT(opened, IsOk());
  MessageStore& store = **opened;
  absl::StatusOr<uint64_t> cursor = store.PullCursor(kCorp);
  ASSERT_THAT(cursor, IsOk());
  // Every commit the child saw succeed survived.
  EXPECT_GE(*cursor, confirmed_cursor);

  std::vector<uint64_t> stored_seqs;
  uint64_t undecryptable = 0;
  for (uint64_t seq = 1; seq <= *cursor; ++seq) {
    absl::StatusOr<ArchivedMessage> message = store.GetBySeq(kCorp, seq);
    if (IsResend(seq)) {
      EXPECT_THAT(message.status(), StatusIs(absl::StatusCode::kNotFound)) << "resent seq " << seq;
      continue;
    }
    ASSERT_THAT(message, IsOk()) << "gap at seq " << seq;
    EXPECT_EQ(message->msgid(), absl::StrCat("m", seq));
    EXPECT_THAT(store.GetByMsgid(kCorp, message->msgid()),
                IsOkAndHolds(::testing::Property(&ArchivedMessage::seq, seq)));
    stored_seqs.push_back(seq);
    if (message->status() == v1::DECRYPT_STATUS_UNDECRYPTABLE) ++undecryptable;
  }
  ASSERT_FALSE(stored_seqs.empty());
  EXPECT_EQ(stored_seqs.back(), *cursor);
  // Nothing of a page past the cursor was stored without it.
  for (uint64_t seq = *cursor + 1; seq <= *cursor + kMaxPage + 1; ++seq) {
    EXPECT_THAT(store.GetBySeq(kCorp, seq).status(), StatusIs(absl::StatusCode::kNotFound))
        << "seq " << seq << " beyond the cursor";
  }

  absl::StatusOr<std::vector<LogEntry>> log = store.ReadLog(kCorp, 0, 1 << 20);
  ASSERT_THAT(log, IsOk());
  ASSERT_EQ(log->size(), stored_seqs.size());
  for (size_t i = 0; i < log->size(); ++i) {
    const LogEntry& entry = (*log)[i];
    EXPECT_EQ(entry.position, i + 1);
    EXPECT_EQ(entry.kind, LogKind::kArchived);
    EXPECT_EQ(entry.message.seq(), stored_seqs[i]);
    EXPECT_EQ(entry.message.position(), i + 1);
  }
  EXPECT_THAT(store.HeadPosition(kCorp), IsOkAndHolds(stored_seqs.size()));
  absl::StatusOr<CorpCounters> counters = store.Counters(kCorp);
  ASSERT_THAT(counters, IsOk());
  EXPECT_EQ(counters->archived, stored_seqs.size());
  EXPECT_EQ(counters->undecryptable, undecryptable);
}

TEST(MessageStoreCrashTest, KillNineNeverLeavesAGapOrADuplicate) {
  absl::StatusOr<TempDir> dir = TempDir::Create("message_store_");
  ASSERT_THAT(dir, IsOk());
  const std::string db_path = dir->path() + "/db";
  const uint32_t seed = std::random_device{}();
  SCOPED_TRACE(absl::StrCat("random seed ", seed));
  std::mt19937 random(seed);
  uint64_t confirmed_cursor = 0;

  for (uint32_t round = 0; round < kRounds; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    int progress[2];
    ASSERT_EQ(pipe(progress), 0);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(progress[0]);
      CommitUntilKilled(db_path, progress[1], seed + round);
    }
    close(progress[1]);
    // Let the child confirm a random number of commits, then kill it at a
    // random moment within its next few: the parent spins (never sleeps) for
    // a random share of the time those commits took. Only where the kill
    // lands is left to timing; every check below holds wherever it lands.
    const int commits_before_kill = 1 + static_cast<int>(random() % 25);
    bool child_alive = true;
    const absl::Time first_read = absl::Now();
    for (int i = 0; i < commits_before_kill && child_alive; ++i) {
      child_alive = ReadProgress(progress[0], &confirmed_cursor);
    }
    const absl::Duration per_commit = (absl::Now() - first_read) / commits_before_kill;
    const absl::Time kill_at =
        absl::Now() + per_commit * std::uniform_real_distribution<double>(0, 3)(random);
    while (absl::Now() < kill_at) {
    }
    kill(child, SIGKILL);
    int wait_status = 0;
    ASSERT_EQ(waitpid(child, &wait_status, 0), child);
    close(progress[0]);
    ASSERT_TRUE(child_alive) << "the child exited with status " << WEXITSTATUS(wait_status);
    ASSERT_TRUE(WIFSIGNALED(wait_status));

    ExpectConsistent(db_path, confirmed_cursor);
  }
}

}  // namespace
}  // namespace wecom::archive
