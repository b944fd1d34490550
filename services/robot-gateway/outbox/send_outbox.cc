#include "services/robot-gateway/outbox/send_outbox.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "common/status/status_macros.h"
#include "common/storage/big_endian.h"
#include "common/storage/rocksdb_status.h"
#include "google/protobuf/util/message_differencer.h"
#include "rocksdb/write_batch.h"
#include "services/robot-gateway/core/account_id.h"
#include "services/robot-gateway/outbox/outbox_entry.pb.h"

namespace wecom::robot {
namespace {

using outbox::AccountPauseRecord;
using outbox::OutboxEntry;

constexpr absl::string_view kSendPrefix = "send/";
constexpr absl::string_view kIdempotencyPrefix = "idem/";
// QUEUED sends not in flight, per account in queue order.
constexpr absl::string_view kQueuePrefix = "queue/";
// QUEUED sends whose vendor call is in flight, per account.
constexpr absl::string_view kFlightPrefix = "flight/";
// SENT sends in acceptance order, until their confirmation timeout.
constexpr absl::string_view kSentPrefix = "sent/";
// OUTCOME_UNKNOWN sends, per account in queue order.
constexpr absl::string_view kUnknownPrefix = "unknown/";
// The vendor's message ids, per vendor.
constexpr absl::string_view kVendorMsgPrefix = "vmsg/";
constexpr absl::string_view kPausePrefix = "pause/";
// Sends handed to the vendor, per corp and unix minute: "<prefix><corp>/<minute>"
// holding the count, both 8 bytes big-endian.
constexpr absl::string_view kCorpMinutePrefix = "corpwin/";
// The next queue sequence number.
constexpr absl::string_view kSequenceKey = "outbox/seq";

rocksdb::Slice AsSlice(absl::string_view s) { return rocksdb::Slice(s.data(), s.size()); }
absl::string_view View(const rocksdb::Slice& s) { return absl::string_view(s.data(), s.size()); }

// ReadBigEndian of 8 bytes in an absl::string_view (not a std::string_view in
// abseil 20220623).
uint64_t BigEndianAt(absl::string_view bytes) {
  return ReadBigEndian(std::string_view(bytes.data(), bytes.size()));
}

std::string BigEndianValue(uint64_t number) {
  std::string value;
  AppendBigEndian(&value, number);
  return value;
}

// "<prefix><account_id>/": account ids never contain '/'.
std::string AccountPrefix(absl::string_view prefix, const std::string& account_id) {
  return absl::StrCat(prefix, account_id, "/");
}

std::string SendKey(const std::string& send_id) { return absl::StrCat(kSendPrefix, send_id); }

std::string IdempotencyKey(const std::string& account_id, const std::string& key) {
  return absl::StrCat(AccountPrefix(kIdempotencyPrefix, account_id), key);
}

std::string VendorOf(const std::string& account_id) {
  absl::StatusOr<AccountRef> ref = ParseAccountId(account_id);
  return ref.ok() ? std::string(VendorName(ref->vendor)) : std::string();
}

std::string VendorMsgKey(const std::string& account_id, const std::string& vendor_msg_id) {
  return absl::StrCat(kVendorMsgPrefix, VendorOf(account_id), "/", vendor_msg_id);
}

std::string SentIndexKey(uint64_t queue_seq) {
  std::string key(kSentPrefix);
  AppendBigEndian(&key, queue_seq);
  return key;
}

int64_t UnixMinute(absl::Time time) { return absl::ToUnixSeconds(time) / 60; }

std::string CorpMinuteKey(const std::string& corp_id, int64_t minute) {
  std::string key = absl::StrCat(kCorpMinutePrefix, corp_id, "/");
  AppendBigEndian(&key, static_cast<uint64_t>(minute));
  return key;
}

bool InFlight(const OutboxEntry& entry) {
  return entry.send().state() == v1::SEND_STATE_QUEUED && entry.attempt_started_ms() != 0;
}

bool Waiting(const OutboxEntry& entry) {
  return entry.send().state() == v1::SEND_STATE_QUEUED && entry.attempt_started_ms() == 0;
}

bool Final(const OutboxEntry& entry) {
  return entry.send().state() == v1::SEND_STATE_CONFIRMED ||
         entry.send().state() == v1::SEND_STATE_FAILED;
}

// Handed to the vendor and not finished: what a callback may settle.
bool Pending(const OutboxEntry& entry) {
  return InFlight(entry) || entry.send().state() == v1::SEND_STATE_SENT ||
         entry.send().state() == v1::SEND_STATE_OUTCOME_UNKNOWN;
}

// The state index key of the entry, if its state has one.
std::optional<std::string> StateIndexKey(const OutboxEntry& entry) {
  if (entry.send().send_id().empty()) return std::nullopt;
  const std::string& account = entry.send().account_id();
  std::string key;
  if (Waiting(entry)) {
    key = AccountPrefix(kQueuePrefix, account);
  } else if (InFlight(entry)) {
    key = AccountPrefix(kFlightPrefix, account);
  } else if (entry.send().state() == v1::SEND_STATE_OUTCOME_UNKNOWN) {
    key = AccountPrefix(kUnknownPrefix, account);
  } else if (entry.send().state() == v1::SEND_STATE_SENT) {
    return SentIndexKey(entry.queue_seq());
  } else {
    return std::nullopt;
  }
  AppendBigEndian(&key, entry.queue_seq());
  return key;
}

// Writes `after` with its indexes moved from `before` into `batch`. The
// idempotency and vendor message id keys are only ever added: a callback
// about an earlier attempt must still find its send.
void AddEntryWrites(const OutboxEntry& before, const OutboxEntry& after,
                    rocksdb::WriteBatch* batch) {
  const std::string& send_id = after.send().send_id();
  const std::optional<std::string> old_index = StateIndexKey(before);
  const std::optional<std::string> new_index = StateIndexKey(after);
  if (old_index.has_value() && old_index != new_index) batch->Delete(*old_index);
  if (new_index.has_value()) batch->Put(*new_index, send_id);
  if (!after.send().idempotency_key().empty()) {
    batch->Put(IdempotencyKey(after.send().account_id(), after.send().idempotency_key()), send_id);
  }
  if (!after.send().vendor_msg_id().empty()) {
    batch->Put(VendorMsgKey(after.send().account_id(), after.send().vendor_msg_id()), send_id);
  }
  batch->Put(SendKey(send_id), after.SerializeAsString());
}

absl::Status WriteSynced(rocksdb::DB* db, rocksdb::WriteBatch* batch) {
  rocksdb::WriteOptions options;
  options.sync = true;
  return FromRocks(db->Write(options, batch), "outbox write");
}

// The value at `key`, or nullopt.
absl::StatusOr<std::optional<std::string>> ReadValue(rocksdb::DB* db,
                                                     const rocksdb::ReadOptions& options,
                                                     const std::string& key) {
  std::string value;
  const rocksdb::Status status = db->Get(options, key, &value);
  if (status.IsNotFound()) return std::nullopt;
  RETURN_IF_ERROR(FromRocks(status, "outbox read"));
  return value;
}

absl::StatusOr<OutboxEntry> ReadEntryAt(rocksdb::DB* db, const rocksdb::ReadOptions& options,
                                        const std::string& send_id) {
  ASSIGN_OR_RETURN(std::optional<std::string> value, ReadValue(db, options, SendKey(send_id)));
  if (!value.has_value()) return absl::NotFoundError(absl::StrCat("send ", send_id, " not found"));
  OutboxEntry entry;
  if (!entry.ParseFromString(*value)) {
    return absl::DataLossError(absl::StrCat("outbox: unreadable send ", send_id));
  }
  return entry;
}

// Calls `visit(key, value)` for each key under `prefix`, in order, until it
// returns false.
absl::Status ForEachUnder(rocksdb::DB* db, const rocksdb::ReadOptions& options,
                          absl::string_view prefix,
                          const std::function<bool(absl::string_view, absl::string_view)>& visit) {
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(options));
  for (it->Seek(AsSlice(prefix)); it->Valid() && it->key().starts_with(AsSlice(prefix));
       it->Next()) {
    if (!visit(View(it->key()), View(it->value()))) break;
  }
  return FromRocks(it->status(), "outbox scan");
}

// The account id in "<prefix><account_id>/<8-byte sequence>".
std::string AccountInKey(absl::string_view key, absl::string_view prefix) {
  const size_t end = key.size() >= prefix.size() + 9 ? key.size() - 9 : prefix.size();
  return std::string(key.substr(prefix.size(), end - prefix.size()));
}

SendOutbox::Due DueOf(const OutboxEntry& entry) {
  SendOutbox::Due due{.send = entry.send(), .corp_id = entry.corp_id()};
  if (entry.not_before_ms() != 0) due.not_before = absl::FromUnixMillis(entry.not_before_ms());
  return due;
}

v1::Event SendStatusEvent(const OutboxEntry& entry, absl::Time now) {
  const v1::Send& send = entry.send();
  v1::Event event;
  event.set_event_id(absl::StrCat("gateway:send:", send.send_id(), ":", entry.transitions()));
  event.set_account_id(send.account_id());
  absl::StatusOr<AccountRef> ref = ParseAccountId(send.account_id());
  if (ref.ok()) event.set_vendor(ref->vendor);
  event.set_occurred_at_ms(absl::ToUnixMillis(now));
  *event.mutable_send_status()->mutable_send() = send;
  event.set_vendor_type("gateway.send_status");
  return event;
}

wecom::common::v1::VendorError OutcomeError(const VendorSendOutcome& outcome) {
  wecom::common::v1::VendorError error;
  error.set_vendor(VendorOf(outcome.account_id));
  error.set_code(outcome.error_code);
  error.set_message(outcome.error_message);
  error.set_retryable(outcome.error_code == kVendorThrottledCode);
  return error;
}

void Finish(OutboxEntry& entry, v1::SendState state, absl::Time now) {
  v1::Send& send = *entry.mutable_send();
  if (send.sent_at_ms() == 0) send.set_sent_at_ms(entry.attempt_started_ms());
  send.set_state(state);
  send.set_completed_at_ms(absl::ToUnixMillis(now));
  entry.set_attempt_started_ms(0);
}

void BackToQueue(OutboxEntry& entry, const wecom::common::v1::VendorError& error,
                 absl::Time not_before) {
  v1::Send& send = *entry.mutable_send();
  send.set_state(v1::SEND_STATE_QUEUED);
  *send.mutable_error() = error;
  // Cleared so that a late callback about this attempt no longer applies.
  send.clear_vendor_msg_id();
  entry.set_attempt_started_ms(0);
  entry.set_not_before_ms(not_before == absl::InfinitePast() ? 0 : absl::ToUnixMillis(not_before));
}

}  // namespace

v1::MessageType EchoType(const v1::MessageContent& content) {
  switch (content.kind_case()) {
    case v1::MessageContent::kText:
    case v1::MessageContent::kQuote:
      return v1::MESSAGE_TYPE_TEXT;
    case v1::MessageContent::kImage:
      return v1::MESSAGE_TYPE_IMAGE;
    case v1::MessageContent::kFile:
      return v1::MESSAGE_TYPE_FILE;
    case v1::MessageContent::kGif:
      return v1::MESSAGE_TYPE_EMOTICON;
    case v1::MessageContent::kVideo:
      return v1::MESSAGE_TYPE_VIDEO;
    case v1::MessageContent::kVoice:
      return v1::MESSAGE_TYPE_VOICE;
    case v1::MessageContent::kPersonCard:
      return v1::MESSAGE_TYPE_PERSON_CARD;
    case v1::MessageContent::kLink:
      return v1::MESSAGE_TYPE_LINK;
    case v1::MessageContent::kMiniProgram:
    case v1::MessageContent::kSavedMiniProgramId:
      return v1::MESSAGE_TYPE_MINI_PROGRAM;
    case v1::MessageContent::kVideoNum:
    case v1::MessageContent::kSavedVideoNumId:
      return v1::MESSAGE_TYPE_VIDEO_NUM;
    case v1::MessageContent::KIND_NOT_SET:
      break;
  }
  return v1::MESSAGE_TYPE_UNSPECIFIED;
}

struct SendOutbox::Match {
  OutboxEntry entry;
  // False when the callback is about an earlier attempt of the send.
  bool current = true;
};

absl::StatusOr<std::unique_ptr<SendOutbox>> SendOutbox::Open(rocksdb::DB* db, EventLog* events,
                                                             Clock* clock) {
  std::unique_ptr<SendOutbox> outbox(new SendOutbox(db, events, clock));
  RETURN_IF_ERROR(outbox->Load());
  return outbox;
}

absl::Status SendOutbox::Load() {
  absl::MutexLock lock(&mu_);
  const rocksdb::ReadOptions read;
  ASSIGN_OR_RETURN(std::optional<std::string> seq, ReadValue(db_, read, std::string(kSequenceKey)));
  if (seq.has_value()) {
    if (seq->size() != 8) return absl::DataLossError("outbox: malformed sequence counter");
    next_seq_ = ReadBigEndian(*seq);
  }
  std::map<std::string, int64_t> queued;
  RETURN_IF_ERROR(ForEachUnder(db_, read, kQueuePrefix, [&queued](absl::string_view key, auto) {
    ++queued[AccountInKey(key, kQueuePrefix)];
    return true;
  }));
  for (const auto& [account, count] : queued) {
    queued_total_ += count;
    stale_heads_.insert(account);
  }
  queued_ = std::move(queued);
  std::vector<std::string> pending;
  for (absl::string_view prefix : {kSentPrefix, kUnknownPrefix}) {
    RETURN_IF_ERROR(ForEachUnder(db_, read, prefix, [&pending](auto, absl::string_view send_id) {
      pending.emplace_back(send_id);
      return true;
    }));
  }
  for (const std::string& send_id : pending) {
    ASSIGN_OR_RETURN(const OutboxEntry entry, ReadEntry(send_id));
    Track(OutboxEntry(), entry);
  }
  absl::Status parsed = absl::OkStatus();
  std::map<std::string, std::map<int64_t, int64_t>> corp_minutes;
  RETURN_IF_ERROR(ForEachUnder(
      db_, read, kCorpMinutePrefix,
      [&corp_minutes, &parsed](absl::string_view key, absl::string_view value) {
        // "<prefix><corp>/" and the 8-byte minute.
        if (key.size() < kCorpMinutePrefix.size() + 9 || key[key.size() - 9] != '/' ||
            value.size() != 8) {
          parsed = absl::DataLossError(
              absl::StrCat("outbox: malformed corp count at \"", absl::CHexEscape(key), "\""));
          return false;
        }
        const std::string corp(
            key.substr(kCorpMinutePrefix.size(), key.size() - kCorpMinutePrefix.size() - 9));
        const auto minute = static_cast<int64_t>(BigEndianAt(key.substr(key.size() - 8)));
        corp_minutes[corp][minute] = static_cast<int64_t>(BigEndianAt(value));
        return true;
      }));
  RETURN_IF_ERROR(parsed);
  corp_minutes_ = std::move(corp_minutes);
  std::vector<std::string> in_flight;
  RETURN_IF_ERROR(
      ForEachUnder(db_, read, kFlightPrefix, [&in_flight](auto, absl::string_view send_id) {
        in_flight.emplace_back(send_id);
        return true;
      }));
  // The process died during these vendor calls: they may have gone out.
  for (const std::string& send_id : in_flight) {
    ASSIGN_OR_RETURN(const OutboxEntry before, ReadEntry(send_id));
    OutboxEntry after = before;
    after.mutable_send()->set_state(v1::SEND_STATE_OUTCOME_UNKNOWN);
    after.mutable_send()->set_sent_at_ms(before.attempt_started_ms());
    after.set_attempt_started_ms(0);
    RETURN_IF_ERROR(StoreTransition(before, after));
  }
  return absl::OkStatus();
}

void SendOutbox::SetTransitionListener(TransitionListener listener) {
  absl::MutexLock lock(&listener_mu_);
  listener_ = std::move(listener);
}

void SendOutbox::Notify(const v1::Send& send) const {
  TransitionListener listener;
  {
    absl::MutexLock lock(&listener_mu_);
    listener = listener_;
  }
  if (listener) listener(send);
}

absl::StatusOr<OutboxEntry> SendOutbox::ReadEntry(const std::string& send_id) const {
  return ReadEntryAt(db_, rocksdb::ReadOptions(), send_id);
}

absl::Status SendOutbox::StoreTransition(const OutboxEntry& before, OutboxEntry& after,
                                         rocksdb::WriteBatch* extra) {
  after.set_transitions(before.transitions() + 1);
  rocksdb::WriteBatch own;
  rocksdb::WriteBatch* batch = extra != nullptr ? extra : &own;
  AddEntryWrites(before, after, batch);
  ASSIGN_OR_RETURN(const EventLog::Appended appended,
                   events_->Append(SendStatusEvent(after, clock_->Now()), batch));
  if (!appended.stored) {
    return absl::InternalError(absl::StrCat("outbox: transition ", after.transitions(), " of send ",
                                            after.send().send_id(), " was stored before"));
  }
  Track(before, after);
  return absl::OkStatus();
}

absl::Status SendOutbox::StoreQuietly(const OutboxEntry& before, const OutboxEntry& after,
                                      rocksdb::WriteBatch* extra) {
  rocksdb::WriteBatch own;
  rocksdb::WriteBatch* batch = extra != nullptr ? extra : &own;
  AddEntryWrites(before, after, batch);
  RETURN_IF_ERROR(WriteSynced(db_, batch));
  Track(before, after);
  return absl::OkStatus();
}

void SendOutbox::Track(const OutboxEntry& before, const OutboxEntry& after) {
  const std::string& account = after.send().account_id();
  const int delta = (Waiting(after) ? 1 : 0) - (Waiting(before) ? 1 : 0);
  if (delta != 0) {
    queued_total_ += delta;
    if ((queued_[account] += delta) == 0) queued_.erase(account);
  }
  if (Waiting(after)) {
    // Queue order is queue_seq order: a send requeued keeps its place.
    const auto head = heads_.find(account);
    if (!stale_heads_.contains(account) &&
        (head == heads_.end() || after.queue_seq() <= head->second.queue_seq)) {
      heads_.insert_or_assign(account, Head{.queue_seq = after.queue_seq(), .due = DueOf(after)});
    }
  } else if (Waiting(before)) {
    const auto head = heads_.find(account);
    if (head != heads_.end() && head->second.queue_seq == before.queue_seq()) {
      heads_.erase(head);
      if (queued_.contains(account)) stale_heads_.insert(account);
    }
  }
  if (Pending(before)) pending_.erase(before.queue_seq());
  if (Pending(after)) {
    pending_.insert_or_assign(
        after.queue_seq(),
        PendingSend{.send_id = after.send().send_id(),
                    .state = after.send().state(),
                    .accepted_at = absl::FromUnixMillis(after.send().accepted_at_ms()),
                    .sent_at = absl::FromUnixMillis(after.send().sent_at_ms()),
                    .vendor = VendorOf(account)});
  }
}

absl::Status SendOutbox::RefreshHead(const std::string& account_id) const {
  if (!stale_heads_.contains(account_id)) return absl::OkStatus();
  std::optional<std::string> head_id;
  RETURN_IF_ERROR(ForEachUnder(db_, rocksdb::ReadOptions(), AccountPrefix(kQueuePrefix, account_id),
                               [&head_id](auto, absl::string_view send_id) {
                                 head_id = std::string(send_id);
                                 return false;
                               }));
  if (head_id.has_value()) {
    ASSIGN_OR_RETURN(const OutboxEntry entry, ReadEntry(*head_id));
    heads_.insert_or_assign(account_id, Head{.queue_seq = entry.queue_seq(), .due = DueOf(entry)});
  }
  stale_heads_.erase(account_id);
  return absl::OkStatus();
}

absl::StatusOr<SendOutbox::Accepted> SendOutbox::Accept(v1::Send send, const std::string& corp_id) {
  RETURN_IF_ERROR(ParseAccountId(send.account_id()).status());
  OutboxEntry after;
  {
    absl::MutexLock lock(&mu_);
    if (!send.idempotency_key().empty()) {
      ASSIGN_OR_RETURN(std::optional<std::string> earlier_id,
                       ReadValue(db_, rocksdb::ReadOptions(),
                                 IdempotencyKey(send.account_id(), send.idempotency_key())));
      if (earlier_id.has_value()) {
        ASSIGN_OR_RETURN(OutboxEntry earlier, ReadEntry(*earlier_id));
        if (earlier.send().conversation_id() != send.conversation_id() ||
            !google::protobuf::util::MessageDifferencer::Equals(earlier.send().content(),
                                                                send.content())) {
          return absl::AlreadyExistsError(
              absl::StrCat("idempotency_key \"", send.idempotency_key(), "\" was used for send ",
                           *earlier_id, " with a different conversation or content"));
        }
        return Accepted{.send = std::move(*earlier.mutable_send()), .duplicate = true};
      }
    }
    const uint64_t seq = next_seq_;
    v1::Send& stored = *after.mutable_send();
    stored.set_send_id(absl::StrFormat("snd_%016x", seq));
    stored.set_account_id(send.account_id());
    stored.set_conversation_id(send.conversation_id());
    stored.set_idempotency_key(send.idempotency_key());
    *stored.mutable_content() = std::move(*send.mutable_content());
    stored.set_state(v1::SEND_STATE_QUEUED);
    stored.set_transport(send.transport());
    stored.set_accepted_at_ms(absl::ToUnixMillis(clock_->Now()));
    after.set_corp_id(corp_id);
    after.set_queue_seq(seq);
    rocksdb::WriteBatch batch;
    batch.Put(AsSlice(kSequenceKey), BigEndianValue(seq + 1));
    RETURN_IF_ERROR(StoreTransition(OutboxEntry(), after, &batch));
    next_seq_ = seq + 1;
  }
  Notify(after.send());
  return Accepted{.send = after.send(), .duplicate = false};
}

absl::StatusOr<v1::Send> SendOutbox::Get(const std::string& send_id) const {
  ASSIGN_OR_RETURN(OutboxEntry entry, ReadEntry(send_id));
  return std::move(*entry.mutable_send());
}

absl::StatusOr<v1::Send> SendOutbox::GetByIdempotencyKey(const std::string& account_id,
                                                         const std::string& key) const {
  ASSIGN_OR_RETURN(std::optional<std::string> send_id,
                   ReadValue(db_, rocksdb::ReadOptions(), IdempotencyKey(account_id, key)));
  if (!send_id.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("no send of ", account_id, " with idempotency_key \"", key, "\""));
  }
  return Get(*send_id);
}

absl::StatusOr<std::vector<SendOutbox::Due>> SendOutbox::NextPerAccount() const {
  absl::MutexLock lock(&mu_);
  while (!stale_heads_.empty()) RETURN_IF_ERROR(RefreshHead(*stale_heads_.begin()));
  std::vector<const Head*> heads;
  heads.reserve(heads_.size());
  for (const auto& [account, head] : heads_) heads.push_back(&head);
  std::sort(heads.begin(), heads.end(),
            [](const Head* a, const Head* b) { return a->queue_seq < b->queue_seq; });
  std::vector<Due> due;
  due.reserve(heads.size());
  for (const Head* head : heads) due.push_back(head->due);
  return due;
}

int64_t SendOutbox::QueuedCount(const std::string& account_id) const {
  absl::MutexLock lock(&mu_);
  const auto it = queued_.find(account_id);
  return it == queued_.end() ? 0 : it->second;
}

int64_t SendOutbox::QueuedCount() const {
  absl::MutexLock lock(&mu_);
  return queued_total_;
}

absl::StatusOr<v1::Send> SendOutbox::BeginAttempt(const std::string& send_id) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(const OutboxEntry before, ReadEntry(send_id));
  if (!Waiting(before)) {
    return absl::FailedPreconditionError(
        absl::StrCat("send ", send_id, " is ",
                     InFlight(before) ? "in flight" : v1::SendState_Name(before.send().state()),
                     ", not queued"));
  }
  // Only the head may go: a requeued send goes back in front of later ones.
  const std::string& account = before.send().account_id();
  RETURN_IF_ERROR(RefreshHead(account));
  const auto head = heads_.find(account);
  const std::string head_id = head != heads_.end() ? head->second.due.send.send_id() : "";
  if (head_id != send_id) {
    return absl::FailedPreconditionError(
        absl::StrCat("send ", send_id, " is not its account's next send (", head_id, " is)"));
  }
  const absl::Time now = clock_->Now();
  OutboxEntry after = before;
  after.mutable_send()->set_attempts(before.send().attempts() + 1);
  after.set_attempt_started_ms(absl::ToUnixMillis(now));
  rocksdb::WriteBatch batch;
  const CorpCount counted = StageCorpCount(before.corp_id(), UnixMinute(now), 1, &batch);
  RETURN_IF_ERROR(StoreQuietly(before, after, &batch));
  KeepCorpCount(counted);
  return after.send();
}

SendOutbox::CorpCount SendOutbox::StageCorpCount(const std::string& corp_id, int64_t minute,
                                                 int64_t delta, rocksdb::WriteBatch* batch) const {
  CorpCount count{.corp_id = corp_id, .minute = minute};
  if (const auto corp = corp_minutes_.find(corp_id); corp != corp_minutes_.end()) {
    const auto counted = corp->second.find(minute);
    if (counted != corp->second.end()) count.dispatches = counted->second;
  }
  count.dispatches = std::max<int64_t>(0, count.dispatches + delta);
  const std::string key = CorpMinuteKey(corp_id, minute);
  if (count.dispatches == 0) {
    batch->Delete(key);
  } else {
    batch->Put(key, BigEndianValue(static_cast<uint64_t>(count.dispatches)));
  }
  return count;
}

void SendOutbox::KeepCorpCount(const CorpCount& count) {
  if (count.dispatches > 0) {
    corp_minutes_[count.corp_id][count.minute] = count.dispatches;
    return;
  }
  const auto corp = corp_minutes_.find(count.corp_id);
  if (corp == corp_minutes_.end()) return;
  corp->second.erase(count.minute);
  if (corp->second.empty()) corp_minutes_.erase(corp);
}

std::map<std::string, std::vector<SendOutbox::MinuteCount>> SendOutbox::CorpDispatches() const {
  absl::MutexLock lock(&mu_);
  std::map<std::string, std::vector<MinuteCount>> dispatches;
  for (const auto& [corp, minutes] : corp_minutes_) {
    if (minutes.empty()) continue;
    std::vector<MinuteCount>& counts = dispatches[corp];
    for (const auto& [minute, count] : minutes) {
      counts.push_back(
          MinuteCount{.minute = absl::FromUnixSeconds(minute * 60), .dispatches = count});
    }
  }
  return dispatches;
}

absl::StatusOr<v1::Send> SendOutbox::Transition(const std::string& send_id,
                                                const std::function<bool(OutboxEntry&)>& change) {
  OutboxEntry after;
  {
    absl::MutexLock lock(&mu_);
    ASSIGN_OR_RETURN(const OutboxEntry before, ReadEntry(send_id));
    after = before;
    if (!change(after)) return before.send();
    RETURN_IF_ERROR(StoreTransition(before, after));
  }
  Notify(after.send());
  return after.send();
}

absl::StatusOr<v1::Send> SendOutbox::MarkSent(const std::string& send_id,
                                              const std::string& vendor_msg_id) {
  return Transition(send_id, [&vendor_msg_id](OutboxEntry& entry) {
    if (!InFlight(entry)) return false;
    entry.mutable_send()->set_state(v1::SEND_STATE_SENT);
    entry.mutable_send()->set_vendor_msg_id(vendor_msg_id);
    entry.mutable_send()->set_sent_at_ms(entry.attempt_started_ms());
    entry.set_attempt_started_ms(0);
    return true;
  });
}

absl::StatusOr<v1::Send> SendOutbox::MarkOutcomeUnknown(const std::string& send_id) {
  return Transition(send_id, [](OutboxEntry& entry) {
    if (!InFlight(entry)) return false;
    entry.mutable_send()->set_state(v1::SEND_STATE_OUTCOME_UNKNOWN);
    entry.mutable_send()->set_sent_at_ms(entry.attempt_started_ms());
    entry.set_attempt_started_ms(0);
    return true;
  });
}

absl::StatusOr<v1::Send> SendOutbox::MarkFailed(const std::string& send_id,
                                                const wecom::common::v1::VendorError& error) {
  const absl::Time now = clock_->Now();
  return Transition(send_id, [&error, now](OutboxEntry& entry) {
    if (Final(entry)) return false;
    *entry.mutable_send()->mutable_error() = error;
    Finish(entry, v1::SEND_STATE_FAILED, now);
    return true;
  });
}

absl::StatusOr<v1::Send> SendOutbox::Requeue(const std::string& send_id,
                                             const wecom::common::v1::VendorError& error,
                                             absl::Duration delay) {
  const absl::Time not_before =
      delay > absl::ZeroDuration() ? clock_->Now() + delay : absl::InfinitePast();
  return Transition(send_id, [&error, not_before](OutboxEntry& entry) {
    if (!Pending(entry)) return false;
    BackToQueue(entry, error, not_before);
    return true;
  });
}

absl::StatusOr<v1::Send> SendOutbox::ReturnUnsent(const std::string& send_id,
                                                  const wecom::common::v1::VendorError& error) {
  OutboxEntry after;
  {
    absl::MutexLock lock(&mu_);
    ASSIGN_OR_RETURN(const OutboxEntry before, ReadEntry(send_id));
    if (!InFlight(before)) return before.send();
    after = before;
    after.mutable_send()->set_attempts(before.send().attempts() - 1);
    BackToQueue(after, error, absl::InfinitePast());
    // It never reached WeCom: its dispatch must not use up the corp's limit.
    rocksdb::WriteBatch batch;
    const CorpCount uncounted =
        StageCorpCount(before.corp_id(),
                       UnixMinute(absl::FromUnixMillis(before.attempt_started_ms())), -1, &batch);
    if (google::protobuf::util::MessageDifferencer::Equals(before.send().error(), error)) {
      RETURN_IF_ERROR(StoreQuietly(before, after, &batch));
      KeepCorpCount(uncounted);
      return after.send();
    }
    RETURN_IF_ERROR(StoreTransition(before, after, &batch));
    KeepCorpCount(uncounted);
  }
  Notify(after.send());
  return after.send();
}

absl::StatusOr<std::optional<SendOutbox::Match>> SendOutbox::FindForOutcome(
    const VendorSendOutcome& outcome) const {
  const rocksdb::ReadOptions read;
  if (!outcome.vendor_msg_id.empty()) {
    ASSIGN_OR_RETURN(std::optional<std::string> send_id,
                     ReadValue(db_, read, VendorMsgKey(outcome.account_id, outcome.vendor_msg_id)));
    if (send_id.has_value()) {
      ASSIGN_OR_RETURN(OutboxEntry entry, ReadEntry(*send_id));
      const bool current = entry.send().vendor_msg_id() == outcome.vendor_msg_id;
      return Match{.entry = std::move(entry), .current = current};
    }
  }
  // The send's msgId never reached us: its call's answer was lost, or has
  // not arrived yet. The oldest such send the callback fits is the one.
  for (absl::string_view prefix : {kUnknownPrefix, kFlightPrefix}) {
    std::vector<std::string> candidates;
    RETURN_IF_ERROR(ForEachUnder(db_, read, AccountPrefix(prefix, outcome.account_id),
                                 [&candidates](auto, absl::string_view send_id) {
                                   candidates.emplace_back(send_id);
                                   return true;
                                 }));
    for (const std::string& send_id : candidates) {
      ASSIGN_OR_RETURN(OutboxEntry entry, ReadEntry(send_id));
      if (entry.send().conversation_id() == outcome.conversation_id &&
          EchoType(entry.send().content()) == outcome.echo_type) {
        return Match{.entry = std::move(entry)};
      }
    }
  }
  return std::nullopt;
}

absl::StatusOr<std::optional<v1::Send>> SendOutbox::ApplyVendorOutcome(
    const VendorSendOutcome& outcome, int max_attempts) {
  RETURN_IF_ERROR(ParseAccountId(outcome.account_id).status());
  const absl::Time now = clock_->Now();
  OutboxEntry after;
  {
    absl::MutexLock lock(&mu_);
    ASSIGN_OR_RETURN(std::optional<Match> match, FindForOutcome(outcome));
    if (!match.has_value()) return std::nullopt;
    const OutboxEntry& before = match->entry;
    if (!match->current || !Pending(before)) return before.send();
    after = before;
    v1::Send& send = *after.mutable_send();
    if (!outcome.vendor_msg_id.empty()) send.set_vendor_msg_id(outcome.vendor_msg_id);
    if (outcome.error_code == 0) {
      send.set_server_id(outcome.server_id);
      Finish(after, v1::SEND_STATE_CONFIRMED, now);
    } else if (outcome.error_code == kVendorThrottledCode &&
               (max_attempts <= 0 || send.attempts() < max_attempts)) {
      BackToQueue(after, OutcomeError(outcome), absl::InfinitePast());
    } else {
      *send.mutable_error() = OutcomeError(outcome);
      Finish(after, v1::SEND_STATE_FAILED, now);
    }
    RETURN_IF_ERROR(StoreTransition(before, after));
  }
  Notify(after.send());
  return after.send();
}

absl::StatusOr<SendOutbox::Expired> SendOutbox::Expire(absl::Duration unknown_outcome_timeout,
                                                       absl::Duration sent_confirmation_timeout) {
  const absl::Time now = clock_->Now();
  Expired expired;
  absl::Status status;
  {
    absl::MutexLock lock(&mu_);
    status = FailUnknown(unknown_outcome_timeout, now, expired.failed);
    if (status.ok()) {
      absl::StatusOr<std::map<std::string, int64_t>> unconfirmed =
          ForgetExpired(sent_confirmation_timeout, now);
      if (unconfirmed.ok()) {
        expired.unconfirmed = *std::move(unconfirmed);
      } else {
        status = unconfirmed.status();
      }
    }
  }
  // Stored transitions are told even when a later write failed.
  for (const v1::Send& send : expired.failed) Notify(send);
  RETURN_IF_ERROR(status);
  return expired;
}

absl::Status SendOutbox::FailUnknown(absl::Duration max_age, absl::Time now,
                                     std::vector<v1::Send>& failed) {
  const absl::Time cutoff = now - max_age;
  std::vector<std::string> overdue;
  for (const auto& [seq, pending] : pending_) {
    if (pending.state == v1::SEND_STATE_OUTCOME_UNKNOWN && pending.sent_at <= cutoff) {
      overdue.push_back(pending.send_id);
    }
  }
  for (const std::string& send_id : overdue) {
    ASSIGN_OR_RETURN(const OutboxEntry before, ReadEntry(send_id));
    OutboxEntry after = before;
    wecom::common::v1::VendorError& error = *after.mutable_send()->mutable_error();
    error.set_vendor(VendorOf(before.send().account_id()));
    error.set_message(absl::StrCat("outcome unknown: no callback within ",
                                   absl::FormatDuration(max_age), " of the send call"));
    Finish(after, v1::SEND_STATE_FAILED, now);
    RETURN_IF_ERROR(StoreTransition(before, after));
    failed.push_back(after.send());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::map<std::string, int64_t>> SendOutbox::ForgetExpired(absl::Duration max_age,
                                                                         absl::Time now) {
  rocksdb::WriteBatch batch;
  // The entries stay as they are: only the pending index forgets them.
  std::vector<uint64_t> unconfirmed;
  std::map<std::string, int64_t> per_vendor;
  for (const auto& [seq, pending] : pending_) {
    if (pending.state == v1::SEND_STATE_SENT && pending.sent_at <= now - max_age) {
      batch.Delete(SentIndexKey(seq));
      unconfirmed.push_back(seq);
      ++per_vendor[pending.vendor];
    }
  }
  // Minutes that ended an hour ago or earlier.
  const int64_t first_kept = UnixMinute(now - kCorpLimitWindow);
  for (const auto& [corp, minutes] : corp_minutes_) {
    for (auto it = minutes.begin(); it != minutes.end() && it->first < first_kept; ++it) {
      batch.Delete(CorpMinuteKey(corp, it->first));
    }
  }
  if (batch.Count() > 0) RETURN_IF_ERROR(WriteSynced(db_, &batch));
  for (const uint64_t seq : unconfirmed) pending_.erase(seq);
  for (auto it = corp_minutes_.begin(); it != corp_minutes_.end();) {
    std::map<int64_t, int64_t>& minutes = it->second;
    minutes.erase(minutes.begin(), minutes.lower_bound(first_kept));
    it = minutes.empty() ? corp_minutes_.erase(it) : std::next(it);
  }
  return per_vendor;
}

std::optional<absl::Time> SendOutbox::OldestPendingAcceptedAt() const {
  absl::MutexLock lock(&mu_);
  if (pending_.empty()) return std::nullopt;
  return pending_.begin()->second.accepted_at;
}

absl::StatusOr<std::map<std::string, AccountPause>> SendOutbox::LoadPauses() const {
  std::map<std::string, AccountPause> pauses;
  absl::Status parsed = absl::OkStatus();
  RETURN_IF_ERROR(ForEachUnder(
      db_, rocksdb::ReadOptions(), kPausePrefix,
      [&pauses, &parsed](absl::string_view key, absl::string_view value) {
        AccountPauseRecord record;
        if (!record.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          parsed = absl::DataLossError(absl::StrCat("outbox: unreadable pause at ", key));
          return false;
        }
        AccountPause& pause = pauses[std::string(key.substr(kPausePrefix.size()))];
        pause.paused_until = absl::FromUnixMillis(record.paused_until_ms());
        pause.consecutive_throttles = record.consecutive_throttles();
        pause.throttles = record.throttles();
        return true;
      }));
  RETURN_IF_ERROR(parsed);
  return pauses;
}

absl::Status SendOutbox::StorePause(const std::string& account_id, const AccountPause& pause,
                                    std::optional<v1::Event> event) {
  AccountPauseRecord record;
  record.set_paused_until_ms(
      pause.paused_until == absl::InfinitePast() ? 0 : absl::ToUnixMillis(pause.paused_until));
  record.set_consecutive_throttles(pause.consecutive_throttles);
  record.set_throttles(pause.throttles);
  rocksdb::WriteBatch batch;
  batch.Put(absl::StrCat(kPausePrefix, account_id), record.SerializeAsString());
  if (!event.has_value()) return WriteSynced(db_, &batch);
  const std::string event_id = event->event_id();
  ASSIGN_OR_RETURN(const EventLog::Appended appended, events_->Append(*std::move(event), &batch));
  if (!appended.stored) {
    return absl::InternalError(absl::StrCat("outbox: event ", event_id, " was stored before"));
  }
  return absl::OkStatus();
}

}  // namespace wecom::robot
