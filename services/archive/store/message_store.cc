#include "services/archive/store/message_store.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "common/storage/big_endian.h"
#include "common/storage/rocksdb_status.h"
#include "rocksdb/cache.h"
#include "rocksdb/convenience.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/options.h"
#include "rocksdb/table.h"
#include "rocksdb/write_batch.h"

namespace wecom::archive {

using v1::ArchivedMessage;

// Key layout. Every key starts with the corp, length-prefixed so that one
// corp's keys never fall inside another's range ("a" vs "ab"); integers are
// big-endian so that byte order is numeric order.
namespace {

// Column families, in the order of the handles Open gets back.
enum Family : size_t {
  kDefault,        // unused; RocksDB requires it
  kMessages,       // corp, seq -> ArchivedMessage
  kMsgids,         // corp, msgid -> seq
  kConversations,  // corp, conversation_id, msgtime, seq -> ""
  kUndecryptable,  // corp, seq -> ""
  kLog,            // corp, position -> kind, seq
  kCorps,          // corp, 's' -> CorpState; corp, 'c', consumer -> position
};
constexpr const char* kFamilyNames[] = {"default",       "messages", "msgids", "conversations",
                                        "undecryptable", "log",      "corps"};

// Debian's Abseil has its own string_view, which std::string_view does not
// convert to implicitly.
absl::string_view AbslView(std::string_view text) { return {text.data(), text.size()}; }

constexpr char kStateTag = 's';
constexpr char kConsumerTag = 'c';
constexpr char kPageTokenVersion = 1;

void AppendLengthPrefixed(std::string* out, std::string_view text) {
  const auto size = static_cast<uint32_t>(text.size());
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>(size >> shift));
  out->append(text);
}

std::string CorpPrefix(std::string_view corp) {
  std::string key;
  AppendLengthPrefixed(&key, corp);
  return key;
}

// corp, n: the key of messages and the undecryptable index by seq, and of the
// log by position.
std::string NumberKey(std::string_view corp, uint64_t n) {
  std::string key = CorpPrefix(corp);
  AppendBigEndian(&key, n);
  return key;
}

std::string MsgidKey(std::string_view corp, std::string_view msgid) {
  return absl::StrCat(CorpPrefix(corp), AbslView(msgid));
}

std::string ConversationPrefix(std::string_view corp, std::string_view conversation_id) {
  std::string key = CorpPrefix(corp);
  AppendLengthPrefixed(&key, conversation_id);
  return key;
}

// msgtime then seq; msgtime with its sign bit flipped so that negative times
// sort first.
std::string ConversationSuffix(int64_t msgtime, uint64_t seq) {
  std::string suffix;
  AppendBigEndian(&suffix, static_cast<uint64_t>(msgtime) ^ (uint64_t{1} << 63));
  AppendBigEndian(&suffix, seq);
  return suffix;
}
constexpr size_t kConversationSuffixSize = 16;

std::string StateKey(std::string_view corp) {
  std::string key = CorpPrefix(corp);
  key.push_back(kStateTag);
  return key;
}

std::string ConsumerKey(std::string_view corp, std::string_view consumer) {
  std::string key = CorpPrefix(corp);
  key.push_back(kConsumerTag);
  key.append(consumer);
  return key;
}

// The smallest key above every key that starts with `prefix`.
std::string PrefixEnd(std::string prefix) {
  while (!prefix.empty() && static_cast<uint8_t>(prefix.back()) == 0xff) prefix.pop_back();
  if (!prefix.empty()) prefix.back() = static_cast<char>(static_cast<uint8_t>(prefix.back()) + 1);
  return prefix;
}

std::string LogValue(LogKind kind, uint64_t seq) {
  std::string value(1, static_cast<char>(kind));
  AppendBigEndian(&value, seq);
  return value;
}

std::string EncodePageToken(std::string_view conversation_suffix) {
  return absl::WebSafeBase64Escape(
      absl::StrCat(absl::string_view(&kPageTokenVersion, 1), AbslView(conversation_suffix)));
}

// The conversation suffix of the last message a page returned.
absl::StatusOr<std::string> DecodePageToken(std::string_view token) {
  std::string raw;
  if (!absl::WebSafeBase64Unescape(AbslView(token), &raw) ||
      raw.size() != 1 + kConversationSuffixSize || raw[0] != kPageTokenVersion) {
    return absl::InvalidArgumentError("page_token is malformed");
  }
  return raw.substr(1);
}

// A message an index refers to must be stored: its absence is DATA_LOSS.
absl::StatusOr<ArchivedMessage> Referenced(absl::StatusOr<ArchivedMessage> message,
                                           std::string_view index) {
  if (absl::IsNotFound(message.status())) {
    return absl::DataLossError(absl::StrCat("the ", AbslView(index),
                                            " index refers to a missing message (",
                                            message.status().message(), ")"));
  }
  return message;
}

absl::Status CheckCorp(std::string_view corp) {
  if (corp.empty()) return absl::InvalidArgumentError("corp_id is empty");
  return absl::OkStatus();
}

rocksdb::ColumnFamilyOptions LogHeavyFamilyOptions(std::shared_ptr<rocksdb::Cache> block_cache) {
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = std::move(block_cache);
  // Most msgid lookups are for new msgids: a bloom filter answers them
  // without reading a block.
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;

  rocksdb::ColumnFamilyOptions family;
  family.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  family.compaction_style = rocksdb::kCompactionStyleLevel;
  family.level_compaction_dynamic_level_bytes = true;
  const std::vector<rocksdb::CompressionType> supported = rocksdb::GetSupportedCompressions();
  const auto has = [&supported](rocksdb::CompressionType type) {
    return std::find(supported.begin(), supported.end(), type) != supported.end();
  };
  // Cheap compression where data is rewritten often, strong where it settles.
  if (has(rocksdb::kLZ4Compression)) {
    family.compression = rocksdb::kLZ4Compression;
  } else if (has(rocksdb::kSnappyCompression)) {
    family.compression = rocksdb::kSnappyCompression;
  } else {
    family.compression = rocksdb::kNoCompression;
  }
  if (has(rocksdb::kZSTD)) family.bottommost_compression = rocksdb::kZSTD;
  return family;
}

}  // namespace

struct MessageStore::CorpState {
  static constexpr size_t kEncodedSize = 32;

  uint64_t cursor = 0;
  uint64_t head = 0;
  uint64_t archived = 0;
  uint64_t undecryptable = 0;

  std::string Encode() const {
    std::string value;
    for (uint64_t field : {cursor, head, archived, undecryptable}) AppendBigEndian(&value, field);
    return value;
  }
};

absl::StatusOr<std::unique_ptr<MessageStore>> MessageStore::Open(
    const MessageStoreOptions& options) {
  if (options.path.empty()) return absl::InvalidArgumentError("the message store path is empty");
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.bytes_per_sync = 1 << 20;
  // Quiet families (corps, undecryptable) would otherwise keep old WAL files
  // alive; past this size RocksDB flushes them.
  db_options.max_total_wal_size = 256 << 20;
  db_options.db_write_buffer_size = 256 << 20;
  db_options.keep_log_file_num = 10;

  const rocksdb::ColumnFamilyOptions family_options =
      LogHeavyFamilyOptions(rocksdb::NewLRUCache(options.block_cache_bytes));
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const char* name : kFamilyNames) descriptors.emplace_back(name, family_options);

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  RETURN_IF_ERROR(FromRocks(rocksdb::DB::Open(db_options, options.path, descriptors, &handles, &db),
                            absl::StrCat("opening the message store at ", options.path)));
  return std::unique_ptr<MessageStore>(
      new MessageStore(std::unique_ptr<rocksdb::DB>(db), std::move(handles), options.sync));
}

MessageStore::MessageStore(std::unique_ptr<rocksdb::DB> db,
                           std::vector<rocksdb::ColumnFamilyHandle*> handles, bool sync)
    : db_(std::move(db)), handles_(std::move(handles)), sync_(sync) {}

MessageStore::~MessageStore() {
  for (rocksdb::ColumnFamilyHandle* handle : handles_) {
    db_->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
  }
}

absl::Mutex& MessageStore::WriterLock(std::string_view corp) {
  absl::MutexLock lock(&writer_locks_mu_);
  std::unique_ptr<absl::Mutex>& mutex = writer_locks_[std::string(corp)];
  if (mutex == nullptr) mutex = std::make_unique<absl::Mutex>();
  return *mutex;
}

absl::StatusOr<std::optional<std::string>> MessageStore::ReadValue(
    rocksdb::ColumnFamilyHandle* family, const std::string& key,
    const rocksdb::Snapshot* snapshot) const {
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot;
  std::string value;
  const rocksdb::Status status = db_->Get(read_options, family, key, &value);
  if (status.IsNotFound()) return std::nullopt;
  RETURN_IF_ERROR(FromRocks(status, absl::StrCat("reading ", family->GetName())));
  return value;
}

absl::Status MessageStore::Scan(
    rocksdb::ColumnFamilyHandle* family, const rocksdb::Snapshot* snapshot, const std::string& from,
    const std::string& to,
    absl::FunctionRef<absl::StatusOr<bool>(std::string_view key, std::string_view value)> visit)
    const {
  if (from >= to) return absl::OkStatus();
  const rocksdb::Slice upper_bound(to);
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot;
  read_options.iterate_upper_bound = &upper_bound;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options, family));
  for (it->Seek(from); it->Valid(); it->Next()) {
    ASSIGN_OR_RETURN(const bool more, visit(it->key().ToStringView(), it->value().ToStringView()));
    if (!more) break;
  }
  return FromRocks(it->status(), absl::StrCat("reading ", family->GetName()));
}

absl::StatusOr<MessageStore::CorpState> MessageStore::ReadCorpState(
    std::string_view corp, const rocksdb::Snapshot* snapshot) const {
  ASSIGN_OR_RETURN(std::optional<std::string> value,
                   ReadValue(handles_[kCorps], StateKey(corp), snapshot));
  CorpState state;
  if (!value.has_value()) return state;
  if (value->size() != CorpState::kEncodedSize) {
    return absl::DataLossError(absl::StrCat("the stored state of corp ", AbslView(corp), " is ",
                                            value->size(), " bytes, not ",
                                            CorpState::kEncodedSize));
  }
  const std::string_view in = *value;
  state.cursor = ReadBigEndian(in.substr(0));
  state.head = ReadBigEndian(in.substr(8));
  state.archived = ReadBigEndian(in.substr(16));
  state.undecryptable = ReadBigEndian(in.substr(24));
  return state;
}

absl::StatusOr<ArchivedMessage> MessageStore::ReadMessage(std::string_view corp, uint64_t seq,
                                                          const rocksdb::Snapshot* snapshot) const {
  ASSIGN_OR_RETURN(std::optional<std::string> value,
                   ReadValue(handles_[kMessages], NumberKey(corp, seq), snapshot));
  if (!value.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("no message with seq ", seq, " in corp ", AbslView(corp)));
  }
  ArchivedMessage message;
  if (!message.ParseFromString(*value)) {
    return absl::DataLossError(absl::StrCat("the stored message with seq ", seq, " in corp ",
                                            AbslView(corp), " does not parse"));
  }
  return message;
}

absl::Status MessageStore::Write(rocksdb::WriteBatch& batch, std::string_view corp) {
  rocksdb::WriteOptions write_options;
  write_options.sync = sync_;
  return FromRocks(db_->Write(write_options, &batch),
                   absl::StrCat("writing to the message store for corp ", AbslView(corp)));
}

absl::StatusOr<CommitResult> MessageStore::CommitPulled(std::string_view corp,
                                                        std::vector<ArchivedMessage> messages,
                                                        uint64_t cursor_seq) {
  RETURN_IF_ERROR(CheckCorp(corp));
  absl::MutexLock writer(&WriterLock(corp));
  ASSIGN_OR_RETURN(CorpState state, ReadCorpState(corp, nullptr));

  uint64_t previous_seq = state.cursor;
  for (const ArchivedMessage& message : messages) {
    if (message.seq() <= state.cursor) {
      return absl::InvalidArgumentError(absl::StrCat("seq ", message.seq(),
                                                     " is at or below the pull cursor ",
                                                     state.cursor, " of corp ", AbslView(corp)));
    }
    if (message.seq() <= previous_seq) {
      return absl::InvalidArgumentError(
          absl::StrCat("seqs are not ascending: ", message.seq(), " follows ", previous_seq));
    }
    previous_seq = message.seq();
    if (message.msgid().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("the message with seq ", message.seq(), " has no msgid"));
    }
    if (!message.corp_id().empty() && message.corp_id() != corp) {
      return absl::InvalidArgumentError(absl::StrCat("the message with seq ", message.seq(),
                                                     " belongs to corp ", message.corp_id(),
                                                     ", not ", AbslView(corp)));
    }
    if (message.status() != v1::DECRYPT_STATUS_DECRYPTED &&
        message.status() != v1::DECRYPT_STATUS_UNDECRYPTABLE) {
      return absl::InvalidArgumentError(
          absl::StrCat("the message with seq ", message.seq(), " has no decrypt status"));
    }
  }
  if (cursor_seq < previous_seq) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cursor_seq ", cursor_seq, " is below seq ", previous_seq, " of corp ", AbslView(corp),
        previous_seq == state.cursor ? " (the stored pull cursor)" : " (the last message)"));
  }

  rocksdb::WriteBatch batch;
  CommitResult result;
  absl::flat_hash_set<std::string> msgids_in_batch;
  for (ArchivedMessage& message : messages) {
    ASSIGN_OR_RETURN(std::optional<std::string> stored_seq,
                     ReadValue(handles_[kMsgids], MsgidKey(corp, message.msgid()), nullptr));
    if (stored_seq.has_value() || !msgids_in_batch.insert(message.msgid()).second) {
      ++result.duplicates;
      continue;
    }
    const uint64_t seq = message.seq();
    message.set_corp_id(std::string(corp));
    message.set_position(++state.head);
    std::string seq_value;
    AppendBigEndian(&seq_value, seq);
    batch.Put(handles_[kMessages], NumberKey(corp, seq), message.SerializeAsString());
    batch.Put(handles_[kMsgids], MsgidKey(corp, message.msgid()), seq_value);
    batch.Put(handles_[kLog], NumberKey(corp, state.head), LogValue(LogKind::kArchived, seq));
    if (message.status() == v1::DECRYPT_STATUS_UNDECRYPTABLE) {
      batch.Put(handles_[kUndecryptable], NumberKey(corp, seq), "");
      ++state.undecryptable;
    } else if (!message.message().conversation_id().empty()) {
      batch.Put(handles_[kConversations],
                ConversationPrefix(corp, message.message().conversation_id()) +
                    ConversationSuffix(message.message().msgtime(), seq),
                "");
    }
    ++state.archived;
    result.archived.push_back(std::move(message));
  }
  state.cursor = cursor_seq;
  batch.Put(handles_[kCorps], StateKey(corp), state.Encode());
  RETURN_IF_ERROR(Write(batch, corp));
  result.head_position = state.head;
  return result;
}

absl::StatusOr<uint64_t> MessageStore::PullCursor(std::string_view corp) const {
  ASSIGN_OR_RETURN(CorpState state, ReadCorpState(corp, nullptr));
  return state.cursor;
}

absl::StatusOr<uint64_t> MessageStore::HeadPosition(std::string_view corp) const {
  ASSIGN_OR_RETURN(CorpState state, ReadCorpState(corp, nullptr));
  return state.head;
}

absl::StatusOr<CorpCounters> MessageStore::Counters(std::string_view corp) const {
  ASSIGN_OR_RETURN(CorpState state, ReadCorpState(corp, nullptr));
  return CorpCounters{.archived = state.archived, .undecryptable = state.undecryptable};
}

absl::StatusOr<ArchivedMessage> MessageStore::GetBySeq(std::string_view corp, uint64_t seq) const {
  return ReadMessage(corp, seq, nullptr);
}

absl::StatusOr<ArchivedMessage> MessageStore::GetByMsgid(std::string_view corp,
                                                         std::string_view msgid) const {
  // Records are never deleted, so the two reads need no common snapshot.
  ASSIGN_OR_RETURN(std::optional<std::string> seq,
                   ReadValue(handles_[kMsgids], MsgidKey(corp, msgid), nullptr));
  if (!seq.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("no message with msgid ", AbslView(msgid), " in corp ", AbslView(corp)));
  }
  if (seq->size() != 8) {
    return absl::DataLossError(absl::StrCat("the msgid index entry of ", AbslView(msgid),
                                            " in corp ", AbslView(corp), " is ", seq->size(),
                                            " bytes, not 8"));
  }
  return Referenced(ReadMessage(corp, ReadBigEndian(*seq), nullptr), "msgid");
}

absl::StatusOr<std::vector<LogEntry>> MessageStore::ReadLog(std::string_view corp,
                                                            uint64_t after_position,
                                                            size_t max) const {
  std::vector<LogEntry> entries;
  if (max == 0 || after_position == std::numeric_limits<uint64_t>::max()) return entries;
  // One snapshot: each message is in the state its entries up to here imply.
  rocksdb::ManagedSnapshot snapshot(db_.get());
  const size_t prefix_size = CorpPrefix(corp).size();
  RETURN_IF_ERROR(Scan(
      handles_[kLog], snapshot.snapshot(), NumberKey(corp, after_position + 1),
      PrefixEnd(CorpPrefix(corp)),
      [&](std::string_view key, std::string_view value) -> absl::StatusOr<bool> {
        const auto kind = static_cast<LogKind>(value.empty() ? 0 : value[0]);
        if (key.size() != prefix_size + 8 || value.size() != 9 ||
            (kind != LogKind::kArchived && kind != LogKind::kRecovered)) {
          return absl::DataLossError(
              absl::StrCat("a log entry of corp ", AbslView(corp), " is malformed"));
        }
        LogEntry entry;
        entry.position = ReadBigEndian(key.substr(prefix_size));
        entry.kind = kind;
        ASSIGN_OR_RETURN(entry.message, Referenced(ReadMessage(corp, ReadBigEndian(value.substr(1)),
                                                               snapshot.snapshot()),
                                                   "log"));
        entries.push_back(std::move(entry));
        return entries.size() < max;
      }));
  return entries;
}

absl::StatusOr<uint64_t> MessageStore::PositionAtOrBeforeSeq(std::string_view corp,
                                                             uint64_t seq) const {
  // Messages are archived in seq order, so the first positions of stored
  // messages rise with their seqs: the answer is the position of the stored
  // message with the greatest seq not above `seq`.
  const std::string lower = CorpPrefix(corp);
  const rocksdb::Slice lower_bound(lower);
  rocksdb::ReadOptions read_options;
  read_options.iterate_lower_bound = &lower_bound;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options, handles_[kMessages]));
  it->SeekForPrev(NumberKey(corp, seq));
  RETURN_IF_ERROR(FromRocks(it->status(), "reading messages"));
  if (!it->Valid()) return 0;
  ArchivedMessage message;
  if (!message.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
    return absl::DataLossError(absl::StrCat("a stored message of corp ", AbslView(corp),
                                            " at or before seq ", seq, " does not parse"));
  }
  return message.position();
}

absl::StatusOr<ConversationPage> MessageStore::ListConversation(std::string_view corp,
                                                                std::string_view conversation_id,
                                                                int64_t start_ms, int64_t end_ms,
                                                                int page_size,
                                                                std::string_view page_token) const {
  if (conversation_id.empty()) return absl::InvalidArgumentError("conversation_id is empty");
  if (page_size < 1) {
    return absl::InvalidArgumentError(absl::StrCat("page_size ", page_size, " is below 1"));
  }
  const std::string prefix = ConversationPrefix(corp, conversation_id);
  std::string from =
      prefix +
      ConversationSuffix(start_ms == 0 ? std::numeric_limits<int64_t>::min() : start_ms, 0);
  if (!page_token.empty()) {
    ASSIGN_OR_RETURN(const std::string last_returned, DecodePageToken(page_token));
    // Just past the last message returned: suffixes have one fixed size.
    from = std::max(from, absl::StrCat(prefix, last_returned, std::string(1, '\0')));
  }
  const std::string to = end_ms == 0 ? PrefixEnd(prefix) : prefix + ConversationSuffix(end_ms, 0);

  rocksdb::ManagedSnapshot snapshot(db_.get());
  ConversationPage page;
  std::string last_suffix;
  RETURN_IF_ERROR(Scan(
      handles_[kConversations], snapshot.snapshot(), from, to,
      [&](std::string_view key, std::string_view) -> absl::StatusOr<bool> {
        if (page.messages.size() == static_cast<size_t>(page_size)) {
          // One more exists: the page is full and not the last.
          page.next_page_token = EncodePageToken(last_suffix);
          return false;
        }
        if (key.size() != prefix.size() + kConversationSuffixSize) {
          return absl::DataLossError(absl::StrCat("a conversation index entry of ",
                                                  AbslView(conversation_id), " in corp ",
                                                  AbslView(corp), " is malformed"));
        }
        last_suffix = std::string(key.substr(prefix.size()));
        ASSIGN_OR_RETURN(ArchivedMessage message,
                         Referenced(ReadMessage(corp, ReadBigEndian(key.substr(prefix.size() + 8)),
                                                snapshot.snapshot()),
                                    "conversation"));
        page.messages.push_back(std::move(message));
        return true;
      }));
  return page;
}

absl::StatusOr<std::vector<ArchivedMessage>> MessageStore::ListUndecryptable(std::string_view corp,
                                                                             size_t max) const {
  std::vector<ArchivedMessage> messages;
  if (max == 0) return messages;
  rocksdb::ManagedSnapshot snapshot(db_.get());
  const std::string prefix = CorpPrefix(corp);
  RETURN_IF_ERROR(
      Scan(handles_[kUndecryptable], snapshot.snapshot(), prefix, PrefixEnd(prefix),
           [&](std::string_view key, std::string_view) -> absl::StatusOr<bool> {
             if (key.size() != prefix.size() + 8) {
               return absl::DataLossError(absl::StrCat("an undecryptable index entry of corp ",
                                                       AbslView(corp), " is malformed"));
             }
             ASSIGN_OR_RETURN(ArchivedMessage message,
                              Referenced(ReadMessage(corp, ReadBigEndian(key.substr(prefix.size())),
                                                     snapshot.snapshot()),
                                         "undecryptable"));
             messages.push_back(std::move(message));
             return messages.size() < max;
           }));
  return messages;
}

absl::Status MessageStore::CommitRecovered(std::string_view corp,
                                           std::vector<ArchivedMessage> now_decrypted) {
  RETURN_IF_ERROR(CheckCorp(corp));
  for (const ArchivedMessage& message : now_decrypted) {
    if (message.status() != v1::DECRYPT_STATUS_DECRYPTED || !message.has_message()) {
      return absl::InvalidArgumentError(
          absl::StrCat("the recovered message with seq ", message.seq(), " is not decrypted"));
    }
  }
  absl::MutexLock writer(&WriterLock(corp));
  ASSIGN_OR_RETURN(CorpState state, ReadCorpState(corp, nullptr));
  rocksdb::WriteBatch batch;
  absl::flat_hash_set<uint64_t> seqs_in_batch;
  for (ArchivedMessage& recovered : now_decrypted) {
    const uint64_t seq = recovered.seq();
    if (!seqs_in_batch.insert(seq).second) continue;
    ASSIGN_OR_RETURN(std::optional<std::string> undecryptable,
                     ReadValue(handles_[kUndecryptable], NumberKey(corp, seq), nullptr));
    if (!undecryptable.has_value()) continue;  // recovered before, or never undecryptable
    ASSIGN_OR_RETURN(ArchivedMessage stored,
                     Referenced(ReadMessage(corp, seq, nullptr), "undecryptable"));
    // The stored record keeps its identity and first position; only what
    // decryption changes is taken from the caller.
    stored.set_status(v1::DECRYPT_STATUS_DECRYPTED);
    *stored.mutable_message() = std::move(*recovered.mutable_message());
    stored.clear_failure();
    stored.clear_failure_detail();
    batch.Put(handles_[kMessages], NumberKey(corp, seq), stored.SerializeAsString());
    batch.Delete(handles_[kUndecryptable], NumberKey(corp, seq));
    if (!stored.message().conversation_id().empty()) {
      batch.Put(handles_[kConversations],
                ConversationPrefix(corp, stored.message().conversation_id()) +
                    ConversationSuffix(stored.message().msgtime(), seq),
                "");
    }
    batch.Put(handles_[kLog], NumberKey(corp, ++state.head), LogValue(LogKind::kRecovered, seq));
    --state.undecryptable;
  }
  if (batch.Count() == 0) return absl::OkStatus();
  batch.Put(handles_[kCorps], StateKey(corp), state.Encode());
  return Write(batch, corp);
}

absl::StatusOr<uint64_t> MessageStore::ConsumerPosition(std::string_view corp,
                                                        std::string_view consumer) const {
  ASSIGN_OR_RETURN(std::optional<std::string> value,
                   ReadValue(handles_[kCorps], ConsumerKey(corp, consumer), nullptr));
  if (!value.has_value()) return 0;
  if (value->size() != 8) {
    return absl::DataLossError(absl::StrCat("the stored position of consumer ", AbslView(consumer),
                                            " in corp ", AbslView(corp), " is ", value->size(),
                                            " bytes, not 8"));
  }
  return ReadBigEndian(*value);
}

absl::StatusOr<uint64_t> MessageStore::AckConsumer(std::string_view corp, std::string_view consumer,
                                                   uint64_t position) {
  RETURN_IF_ERROR(CheckCorp(corp));
  if (consumer.empty()) return absl::InvalidArgumentError("consumer is empty");
  absl::MutexLock writer(&WriterLock(corp));
  ASSIGN_OR_RETURN(const CorpState state, ReadCorpState(corp, nullptr));
  if (position > state.head) {
    return absl::InvalidArgumentError(absl::StrCat("position ", position,
                                                   " is beyond the head position ", state.head,
                                                   " of corp ", AbslView(corp)));
  }
  ASSIGN_OR_RETURN(const uint64_t stored, ConsumerPosition(corp, consumer));
  if (position <= stored) return stored;
  std::string value;
  AppendBigEndian(&value, position);
  rocksdb::WriteBatch batch;
  batch.Put(handles_[kCorps], ConsumerKey(corp, consumer), value);
  RETURN_IF_ERROR(Write(batch, corp));
  return position;
}

}  // namespace wecom::archive
