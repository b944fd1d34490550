// MessageStore: every corp's archived messages, pull cursor, stream log and
// consumer cursors in one RocksDB database.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "wecom/archive/v1/archive_service.pb.h"

namespace rocksdb {
class ColumnFamilyHandle;
class DB;
class Snapshot;
class WriteBatch;
}  // namespace rocksdb

namespace wecom::archive {

struct MessageStoreOptions {
  // The database directory; created when missing.
  std::string path;
  // Sync the write-ahead log on every commit, so that neither a kill -9 nor a
  // power loss can lose a commit that returned OK.
  bool sync = true;
  // Block cache shared by all column families.
  size_t block_cache_bytes = 64 << 20;
};

// Why a message has an entry in the stream log.
enum class LogKind : uint8_t {
  // Archived for the first time.
  kArchived = 1,
  // Archived undecryptable earlier, decrypted now.
  kRecovered = 2,
};

// One stream log entry with its message as currently stored.
struct LogEntry {
  uint64_t position = 0;
  LogKind kind = LogKind::kArchived;
  v1::ArchivedMessage message;
};

// What CommitPulled did.
struct CommitResult {
  // The messages stored, in seq order, each with its new position (these are
  // consecutive, ending at head_position).
  std::vector<v1::ArchivedMessage> archived;
  // Messages skipped because their msgid was stored already or repeated.
  uint64_t duplicates = 0;
  // The corp's newest stream position after the commit.
  uint64_t head_position = 0;
};

// One page of a conversation, oldest first.
struct ConversationPage {
  std::vector<v1::ArchivedMessage> messages;
  // Pass back to continue; empty when there are no more.
  std::string next_page_token;
};

struct CorpCounters {
  // Messages archived (each msgid once).
  uint64_t archived = 0;
  // Of those, how many are undecryptable now.
  uint64_t undecryptable = 0;
};

// The archive's store. Per corp: messages by seq and by msgid, a conversation
// index, an undecryptable index, the pull cursor, the stream log (positions
// 1, 2, 3, ...) and named consumers' cursors. Each commit is one atomic write,
// so the cursor never disagrees with the messages, whatever the crash.
//
// Thread-safe. Reads take no lock; writes to one corp are serialised, writes to
// different corps run in parallel.
class MessageStore {
 public:
  static absl::StatusOr<std::unique_ptr<MessageStore>> Open(const MessageStoreOptions& options);
  ~MessageStore();
  MessageStore(const MessageStore&) = delete;
  MessageStore& operator=(const MessageStore&) = delete;

  // Stores a pulled page (seq ascending, every seq above the stored cursor)
  // and moves the pull cursor to cursor_seq, which may lie beyond the last
  // message. A message whose msgid is stored already, or repeats one earlier
  // in the page, is skipped as a duplicate. Each stored message gets the next
  // stream position (in ArchivedMessage.position) and an ARCHIVED log entry.
  absl::StatusOr<CommitResult> CommitPulled(std::string_view corp,
                                            std::vector<v1::ArchivedMessage> messages,
                                            uint64_t cursor_seq);

  // The highest seq archived: 0 for a new corp.
  absl::StatusOr<uint64_t> PullCursor(std::string_view corp) const;
  // The newest stream position: 0 for a new corp.
  absl::StatusOr<uint64_t> HeadPosition(std::string_view corp) const;

  // NOT_FOUND when absent.
  absl::StatusOr<v1::ArchivedMessage> GetBySeq(std::string_view corp, uint64_t seq) const;
  absl::StatusOr<v1::ArchivedMessage> GetByMsgid(std::string_view corp,
                                                 std::string_view msgid) const;

  // Up to `max` log entries after `after_position`, in position order.
  absl::StatusOr<std::vector<LogEntry>> ReadLog(std::string_view corp, uint64_t after_position,
                                                size_t max) const;

  // The position of the last message archived with a seq at or below `seq`
  // (0 if none): a stream of messages after seq S starts after it.
  absl::StatusOr<uint64_t> PositionAtOrBeforeSeq(std::string_view corp, uint64_t seq) const;

  // A conversation's decrypted messages with start_ms <= msgtime < end_ms
  // (start_ms 0: no lower bound; end_ms 0: no upper bound), ordered by msgtime
  // then seq. INVALID_ARGUMENT for a malformed page_token or page_size < 1.
  absl::StatusOr<ConversationPage> ListConversation(std::string_view corp,
                                                    std::string_view conversation_id,
                                                    int64_t start_ms, int64_t end_ms, int page_size,
                                                    std::string_view page_token) const;

  // Up to `max` messages stored undecryptable, in seq order.
  absl::StatusOr<std::vector<v1::ArchivedMessage>> ListUndecryptable(std::string_view corp,
                                                                     size_t max) const;

  // Stores messages now decrypted (status DECRYPTED, `message` set) in place
  // of their undecryptable records, in one atomic write: each keeps its first
  // position and gets a RECOVERED log entry at the next position. A message
  // not undecryptable any more is skipped.
  absl::Status CommitRecovered(std::string_view corp,
                               std::vector<v1::ArchivedMessage> now_decrypted);

  // A named consumer's acknowledged position: 0 for a new consumer.
  absl::StatusOr<uint64_t> ConsumerPosition(std::string_view corp, std::string_view consumer) const;
  // Moves the consumer's position forward to `position` (never back) and
  // returns the stored position. INVALID_ARGUMENT beyond the head.
  absl::StatusOr<uint64_t> AckConsumer(std::string_view corp, std::string_view consumer,
                                       uint64_t position);

  absl::StatusOr<CorpCounters> Counters(std::string_view corp) const;

 private:
  // The pull cursor, head position and counters of one corp, stored as one
  // value so that they always agree.
  struct CorpState;

  MessageStore(std::unique_ptr<rocksdb::DB> db, std::vector<rocksdb::ColumnFamilyHandle*> handles,
               bool sync);

  // Serialises the writes of one corp.
  absl::Mutex& WriterLock(std::string_view corp) ABSL_LOCKS_EXCLUDED(writer_locks_mu_);

  // The value at `key`, or nullopt when absent.
  absl::StatusOr<std::optional<std::string>> ReadValue(rocksdb::ColumnFamilyHandle* family,
                                                       const std::string& key,
                                                       const rocksdb::Snapshot* snapshot) const;
  // Calls `visit` on each entry with a key in [from, to), in key order, while
  // it returns true.
  absl::Status Scan(
      rocksdb::ColumnFamilyHandle* family, const rocksdb::Snapshot* snapshot,
      const std::string& from, const std::string& to,
      absl::FunctionRef<absl::StatusOr<bool>(std::string_view key, std::string_view value)> visit)
      const;
  absl::StatusOr<CorpState> ReadCorpState(std::string_view corp,
                                          const rocksdb::Snapshot* snapshot) const;
  // NOT_FOUND when absent.
  absl::StatusOr<v1::ArchivedMessage> ReadMessage(std::string_view corp, uint64_t seq,
                                                  const rocksdb::Snapshot* snapshot) const;
  absl::Status Write(rocksdb::WriteBatch& batch, std::string_view corp);

  std::unique_ptr<rocksdb::DB> db_;
  // Owned; destroyed before db_.
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  bool sync_;

  absl::Mutex writer_locks_mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<absl::Mutex>> writer_locks_
      ABSL_GUARDED_BY(writer_locks_mu_);
};

}  // namespace wecom::archive
