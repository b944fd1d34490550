#include "services/robot-gateway/outbox/send_outbox.h"

#include <algorithm>
#include <utility>

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
// SENT sends in acceptance order.
constexpr absl::string_view kSentPrefix = "sent/";
// OUTCOME_UNKNOWN sends, per account in queue order.
constexpr absl::string_view kUnknownPrefix = "unknown/";
// The vendor's message ids, per vendor.
constexpr absl::string_view kVendorMsgPrefix = "vmsg/";
constexpr absl::string_view kPausePrefix = "pause/";
// The next queue sequence number.
constexpr absl::string_view kSequenceKey = "outbox/seq";

rocksdb::Slice AsSlice(absl::string_view s) { return rocksdb::Slice(s.data(), s.size()); }
absl::string_view View(const rocksdb::Slice& s) { return absl::string_view(s.data(), s.size()); }

std::string SequenceValue(uint64_t seq) {
  std::string value;
  AppendBigEndian(&value, seq);
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
    key = std::string(kSentPrefix);
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
  for (const auto& [account, count] : queued) queued_total_ += count;
  queued_ = std::move(queued);
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
  CountQueued(before, after);
  return absl::OkStatus();
}

absl::Status SendOutbox::StoreQuietly(const OutboxEntry& before, const OutboxEntry& after) {
  rocksdb::WriteBatch batch;
  AddEntryWrites(before, after, &batch);
  RETURN_IF_ERROR(WriteSynced(db_, &batch));
  CountQueued(before, after);
  return absl::OkStatus();
}

void SendOutbox::CountQueued(const OutboxEntry& before, const OutboxEntry& after) {
  const int delta = (Waiting(after) ? 1 : 0) - (Waiting(before) ? 1 : 0);
  if (delta == 0) return;
  const std::string& account = after.send().account_id();
  queued_total_ += delta;
  if ((queued_[account] += delta) == 0) queued_.erase(account);
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
    batch.Put(AsSlice(kSequenceKey), SequenceValue(seq + 1));
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
  rocksdb::ManagedSnapshot snapshot(db_);
  rocksdb::ReadOptions read;
  read.snapshot = snapshot.snapshot();
  std::vector<std::pair<uint64_t, Due>> heads;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read));
  it->Seek(AsSlice(kQueuePrefix));
  while (it->Valid() && it->key().starts_with(AsSlice(kQueuePrefix))) {
    const std::string account = AccountInKey(View(it->key()), kQueuePrefix);
    ASSIGN_OR_RETURN(OutboxEntry entry, ReadEntryAt(db_, read, it->value().ToString()));
    Due due{.send = std::move(*entry.mutable_send()), .corp_id = entry.corp_id()};
    if (entry.not_before_ms() != 0) due.not_before = absl::FromUnixMillis(entry.not_before_ms());
    heads.emplace_back(entry.queue_seq(), std::move(due));
    // Past every key of this account: '0' follows '/'.
    it->Seek(absl::StrCat(kQueuePrefix, account, "0"));
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "outbox scan"));
  std::sort(heads.begin(), heads.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Due> due;
  due.reserve(heads.size());
  for (auto& [seq, head] : heads) due.push_back(std::move(head));
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
  std::string head;
  RETURN_IF_ERROR(ForEachUnder(db_, rocksdb::ReadOptions(),
                               AccountPrefix(kQueuePrefix, before.send().account_id()),
                               [&head](auto, absl::string_view first) {
                                 head = std::string(first);
                                 return false;
                               }));
  if (head != send_id) {
    return absl::FailedPreconditionError(
        absl::StrCat("send ", send_id, " is not its account's next send (", head, " is)"));
  }
  OutboxEntry after = before;
  after.mutable_send()->set_attempts(before.send().attempts() + 1);
  after.set_attempt_started_ms(absl::ToUnixMillis(clock_->Now()));
  RETURN_IF_ERROR(StoreQuietly(before, after));
  return after.send();
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

absl::StatusOr<std::vector<v1::Send>> SendOutbox::ExpireUnknown(absl::Duration max_age) {
  const absl::Time now = clock_->Now();
  const int64_t cutoff_ms = absl::ToUnixMillis(now - max_age);
  std::vector<v1::Send> expired;
  {
    absl::MutexLock lock(&mu_);
    std::vector<std::string> unknown;
    RETURN_IF_ERROR(ForEachUnder(db_, rocksdb::ReadOptions(), kUnknownPrefix,
                                 [&unknown](auto, absl::string_view send_id) {
                                   unknown.emplace_back(send_id);
                                   return true;
                                 }));
    for (const std::string& send_id : unknown) {
      ASSIGN_OR_RETURN(const OutboxEntry before, ReadEntry(send_id));
      if (before.send().sent_at_ms() > cutoff_ms) continue;
      OutboxEntry after = before;
      wecom::common::v1::VendorError& error = *after.mutable_send()->mutable_error();
      error.set_vendor(VendorOf(before.send().account_id()));
      error.set_message(absl::StrCat("outcome unknown: no callback within ",
                                     absl::FormatDuration(max_age), " of the send call"));
      Finish(after, v1::SEND_STATE_FAILED, now);
      RETURN_IF_ERROR(StoreTransition(before, after));
      expired.push_back(after.send());
    }
  }
  for (const v1::Send& send : expired) Notify(send);
  return expired;
}

absl::StatusOr<std::optional<absl::Time>> SendOutbox::OldestPendingAcceptedAt() const {
  rocksdb::ManagedSnapshot snapshot(db_);
  rocksdb::ReadOptions read;
  read.snapshot = snapshot.snapshot();
  // Sequence order is acceptance order: the first SENT key, and every send
  // in flight or unknown (few), hold the oldest.
  std::vector<std::string> candidates;
  const auto collect = [&candidates](auto, absl::string_view send_id) {
    candidates.emplace_back(send_id);
    return true;
  };
  RETURN_IF_ERROR(ForEachUnder(db_, read, kSentPrefix, [&candidates](auto, absl::string_view id) {
    candidates.emplace_back(id);
    return false;
  }));
  RETURN_IF_ERROR(ForEachUnder(db_, read, kFlightPrefix, collect));
  RETURN_IF_ERROR(ForEachUnder(db_, read, kUnknownPrefix, collect));
  std::optional<absl::Time> oldest;
  for (const std::string& send_id : candidates) {
    ASSIGN_OR_RETURN(const OutboxEntry entry, ReadEntryAt(db_, read, send_id));
    const absl::Time accepted = absl::FromUnixMillis(entry.send().accepted_at_ms());
    if (!oldest.has_value() || accepted < *oldest) oldest = accepted;
  }
  return oldest;
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
