#include "services/robot-gateway/events/event_log.h"

#include <algorithm>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "common/status/status_macros.h"
#include "common/storage/big_endian.h"
#include "common/storage/rocksdb_status.h"

namespace wecom::robot {
namespace {

constexpr absl::string_view kEventPrefix = "ev/";
constexpr absl::string_view kEventIdPrefix = "evid/";
constexpr absl::string_view kCursorPrefix = "cursor/";

std::string EventKey(uint64_t position) {
  std::string key(kEventPrefix);
  AppendBigEndian(&key, position);
  return key;
}

std::string PositionValue(uint64_t position) {
  std::string value;
  AppendBigEndian(&value, position);
  return value;
}

// A stored 8-byte position, or DATA_LOSS naming the key.
absl::StatusOr<uint64_t> ParsePosition(std::string_view value, absl::string_view key) {
  if (value.size() != 8) {
    return absl::DataLossError(absl::StrCat("event log: bad position stored at ", key));
  }
  return ReadBigEndian(value);
}

absl::Status WriteSynced(rocksdb::DB* db, rocksdb::WriteBatch* batch, std::string_view what) {
  rocksdb::WriteOptions options;
  options.sync = true;
  return FromRocks(db->Write(options, batch), what);
}

// The value at `key`, or nullopt.
absl::StatusOr<std::optional<std::string>> Read(rocksdb::DB* db, const std::string& key) {
  std::string value;
  const rocksdb::Status status = db->Get(rocksdb::ReadOptions(), key, &value);
  if (status.IsNotFound()) return std::nullopt;
  RETURN_IF_ERROR(FromRocks(status, "event log read"));
  return value;
}

}  // namespace

absl::StatusOr<std::unique_ptr<EventLog>> EventLog::Open(rocksdb::DB* db) {
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
  // The newest event is the last key under the prefix.
  std::string upper(kEventPrefix);
  upper.back() += 1;
  it->SeekForPrev(upper);
  uint64_t head = 0;
  if (it->Valid() &&
      it->key().starts_with(rocksdb::Slice(kEventPrefix.data(), kEventPrefix.size()))) {
    const std::string_view key(it->key().data(), it->key().size());
    if (key.size() != kEventPrefix.size() + 8) {
      return absl::DataLossError("event log: malformed event key");
    }
    head = ReadBigEndian(key.substr(kEventPrefix.size()));
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "event log open"));
  return std::unique_ptr<EventLog>(new EventLog(db, head));
}

absl::StatusOr<EventLog::Claim> EventLog::ClaimEventId(const std::string& event_id) {
  if (event_id.empty()) return absl::InvalidArgumentError("event_id is empty");
  {
    absl::MutexLock lock(&mu_);
    const auto unclaimed = [this, &event_id]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
      return !claimed_.contains(event_id);
    };
    mu_.Await(absl::Condition(&unclaimed));
    claimed_.insert(event_id);
  }
  // Looked up outside the lock that readers of the head take.
  absl::StatusOr<std::optional<uint64_t>> stored = PositionOf(event_id);
  if (!stored.ok() || stored->has_value()) Release(event_id);
  if (!stored.ok()) return stored.status();
  return Claim(stored->has_value() ? nullptr : this, event_id, *stored);
}

void EventLog::Release(const std::string& event_id) {
  absl::MutexLock lock(&mu_);
  claimed_.erase(event_id);
}

EventLog::Claim::Claim(Claim&& other) noexcept
    : log_(std::exchange(other.log_, nullptr)),
      event_id_(std::move(other.event_id_)),
      stored_(other.stored_) {}

EventLog::Claim::~Claim() {
  if (log_ != nullptr) log_->Release(event_id_);
}

absl::StatusOr<uint64_t> EventLog::Claim::Append(v1::Event event, rocksdb::WriteBatch* extra) && {
  EventLog* const log = std::exchange(log_, nullptr);
  if (log == nullptr) return absl::FailedPreconditionError("the event was stored before");
  if (event.event_id() != event_id_) {
    log->Release(event_id_);
    return absl::InvalidArgumentError(
        absl::StrCat("event_id ", event.event_id(), " is not the claimed ", event_id_));
  }
  uint64_t position = 0;
  {
    absl::MutexLock lock(&log->mu_);
    position = log->next_position_++;
    log->writing_.insert(position);
  }
  event.set_position(position);
  event.set_received_at_ms(absl::ToUnixMillis(absl::Now()));
  rocksdb::WriteBatch own;
  rocksdb::WriteBatch* batch = extra != nullptr ? extra : &own;
  batch->Put(EventKey(position), event.SerializeAsString());
  batch->Put(absl::StrCat(kEventIdPrefix, event_id_), PositionValue(position));
  // Outside the lock: concurrent appends share one sync.
  const absl::Status written = WriteSynced(log->db_, batch, "event log append");
  absl::MutexLock lock(&log->mu_);
  log->writing_.erase(position);
  log->claimed_.erase(event_id_);
  // A failed position is never handed out again: its record may have reached
  // the log all the same, and a second event there would overwrite it.
  if (written.ok()) log->written_ = std::max(log->written_, position);
  log->AdvanceHead();
  RETURN_IF_ERROR(written);
  return position;
}

absl::StatusOr<EventLog::Appended> EventLog::Append(v1::Event event, rocksdb::WriteBatch* extra) {
  ASSIGN_OR_RETURN(Claim claim, ClaimEventId(event.event_id()));
  if (claim.stored().has_value()) return Appended{.position = *claim.stored(), .stored = false};
  ASSIGN_OR_RETURN(const uint64_t position, std::move(claim).Append(std::move(event), extra));
  return Appended{.position = position, .stored = true};
}

void EventLog::AdvanceHead() {
  // Positions in flight are all above the head: it only moves forward.
  uint64_t head = written_;
  if (!writing_.empty()) head = std::min(head, *writing_.begin() - 1);
  if (head > head_) {
    head_ = head;
    head_changed_.SignalAll();
  }
}

absl::StatusOr<std::optional<uint64_t>> EventLog::PositionOf(const std::string& event_id) const {
  const std::string key = absl::StrCat(kEventIdPrefix, event_id);
  ASSIGN_OR_RETURN(const std::optional<std::string> value, Read(db_, key));
  if (!value.has_value()) return std::nullopt;
  return ParsePosition(*value, key);
}

uint64_t EventLog::head() const {
  absl::MutexLock lock(&mu_);
  return head_;
}

absl::Status EventLog::ReadAfter(uint64_t after, size_t max_events,
                                 const std::function<bool(const v1::Event&)>& visit) const {
  // Later positions may be stored while an earlier one is still being
  // written: a reader that went past the head could skip that one for good.
  const uint64_t newest = head();
  if (after >= newest) return absl::OkStatus();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  const std::string end = EventKey(newest + 1);
  size_t visited = 0;
  for (it->Seek(EventKey(after + 1));
       it->Valid() && it->key().compare(end) < 0 && visited < max_events; it->Next()) {
    v1::Event event;
    if (!event.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError("event log: unreadable event");
    }
    ++visited;
    if (!visit(event)) break;
  }
  return FromRocks(it->status(), "event log read");
}

uint64_t EventLog::WaitBeyond(uint64_t position, absl::Time deadline) const {
  absl::MutexLock lock(&mu_);
  while (head_ <= position) {
    if (head_changed_.WaitWithDeadline(&mu_, deadline)) break;
  }
  return head_;
}

absl::StatusOr<uint64_t> EventLog::Cursor(const std::string& consumer) const {
  const std::string key = absl::StrCat(kCursorPrefix, consumer);
  ASSIGN_OR_RETURN(std::optional<std::string> value, Read(db_, key));
  if (!value.has_value()) return 0;
  return ParsePosition(*value, key);
}

absl::StatusOr<uint64_t> EventLog::Ack(const std::string& consumer, uint64_t position) {
  if (consumer.empty()) return absl::InvalidArgumentError("consumer is empty");
  absl::MutexLock lock(&ack_mu_);
  const uint64_t newest = head();
  if (position > newest) {
    return absl::InvalidArgumentError(
        absl::StrCat("position ", position, " is beyond the newest event ", newest));
  }
  ASSIGN_OR_RETURN(const uint64_t stored, Cursor(consumer));
  if (position <= stored) return stored;
  rocksdb::WriteBatch batch;
  batch.Put(absl::StrCat(kCursorPrefix, consumer), PositionValue(position));
  RETURN_IF_ERROR(WriteSynced(db_, &batch, "event log ack"));
  return position;
}

}  // namespace wecom::robot
