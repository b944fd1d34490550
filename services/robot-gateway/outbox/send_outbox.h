// SendOutbox: every accepted send, durable in RocksDB, and its state machine
//   QUEUED -> SENT -> CONFIRMED | FAILED
//   QUEUED -> OUTCOME_UNKNOWN -> CONFIRMED | FAILED   (reconciled, not resent)
//   SENT/OUTCOME_UNKNOWN -> QUEUED                      (throttled: retried later)
//   QUEUED -> QUEUED    (in flight, back at the head of its queue: the vendor
//                        was unreachable or throttled it (Requeue), or refused
//                        it unsent, the account offline (ReturnUnsent: its
//                        attempt and corp dispatch not counted))
//   QUEUED -> CONFIRMED | FAILED    (a callback or refusal during the vendor call)
// Each transition is written atomically with its SendStatusEvent in the
// EventLog, so the stream shows every step exactly once. What the dispatch
// loop asks on every wake (each account's next send, the oldest pending
// send, queue lengths) is kept in memory and needs no scan.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/time/clock.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "services/robot-gateway/events/event_log.h"
#include "services/robot-gateway/platform/vendor_event.h"
#include "wecom/robot/v1/event.pb.h"
#include "wecom/robot/v1/robot.pb.h"

namespace wecom::robot {

namespace outbox {
class OutboxEntry;
}  // namespace outbox

// quntool's "Abnormal request frequency": the account is throttled.
inline constexpr int64_t kVendorThrottledCode = -1000999;

// The window of the corp-wide limit (PacingOptions::corp_hourly_limit).
inline constexpr absl::Duration kCorpLimitWindow = absl::Hours(1);

// The message type the vendor's echo of `content` carries: TEXT for text and
// quote, EMOTICON for gif, MINI_PROGRAM and VIDEO_NUM for saved items too.
wecom::robot::v1::MessageType EchoType(const wecom::robot::v1::MessageContent& content);

// An account's throttle state (see PacingOptions).
struct AccountPause {
  // Nothing is sent for the account before this.
  absl::Time paused_until = absl::InfinitePast();
  // Throttles since the account's last confirmed send.
  int consecutive_throttles = 0;
  // Every throttle of the account so far.
  int64_t throttles = 0;
};

class SendOutbox {
 public:
  // `db` is shared with `events` (keys here start with "send/", "idem/",
  // "queue/", "flight/", "sent/", "vmsg/", "unknown/", "pause/", "corpwin/"
  // and "outbox/"). Both must outlive the outbox. Sends that were in flight
  // when the outbox was last closed become OUTCOME_UNKNOWN here.
  static absl::StatusOr<std::unique_ptr<SendOutbox>> Open(rocksdb::DB* db, EventLog* events,
                                                          Clock* clock);

  // Called once after each stored transition with the send as stored, outside
  // the outbox's lock, on the thread that made the transition. Set it before
  // the outbox is used by several threads; nullptr removes it.
  using TransitionListener = std::function<void(const wecom::robot::v1::Send&)>;
  void SetTransitionListener(TransitionListener listener);

  struct Accepted {
    wecom::robot::v1::Send send;
    // True when the idempotency key matched an earlier send (returned as is).
    bool duplicate = false;
  };
  // Stores a new QUEUED send (send_id and accepted_at_ms set here, transport
  // kept as the caller chose it; `corp_id` is kept for corp-wide pacing).
  // With an idempotency key already used by the account: the earlier send, or
  // ALREADY_EXISTS when its content or conversation differ. INVALID_ARGUMENT
  // for a malformed account_id.
  absl::StatusOr<Accepted> Accept(wecom::robot::v1::Send send, const std::string& corp_id);

  absl::StatusOr<wecom::robot::v1::Send> Get(const std::string& send_id) const;
  absl::StatusOr<wecom::robot::v1::Send> GetByIdempotencyKey(const std::string& account_id,
                                                             const std::string& key) const;

  // The oldest QUEUED send of each account that has one (not counting sends
  // in flight), with its corp, in acceptance order.
  struct Due {
    wecom::robot::v1::Send send;
    std::string corp_id;
    // Not to be handed to the vendor before this (see Requeue).
    absl::Time not_before = absl::InfinitePast();
  };
  absl::StatusOr<std::vector<Due>> NextPerAccount() const;
  // Number of QUEUED sends not in flight, per account and in all.
  int64_t QueuedCount(const std::string& account_id) const;
  int64_t QueuedCount() const;

  // Records that a QUEUED send is about to be handed to the vendor (attempts
  // + 1, and one more dispatch in its corp's minute, synced) before the
  // vendor call. A send still marked so when the outbox is opened again (the
  // process died during the call) becomes OUTCOME_UNKNOWN: it may have gone
  // out, so it is never resent blindly. FAILED_PRECONDITION unless the send
  // is its account's next QUEUED send.
  absl::StatusOr<wecom::robot::v1::Send> BeginAttempt(const std::string& send_id);

  // Sends handed to the vendor per corp and minute, as BeginAttempt counted
  // them, for the corp-wide hourly limit to outlive a restart.
  struct MinuteCount {
    // The minute's start.
    absl::Time minute;
    int64_t dispatches = 0;
  };
  // Per corp, oldest first: every minute counted and not yet expired (see
  // Expire), so at least the last hour's.
  std::map<std::string, std::vector<MinuteCount>> CorpDispatches() const;

  // Transitions. Each returns the updated send; a transition that no longer
  // applies (the send already moved on, e.g. a callback beat the send call's
  // answer) leaves the send as it is and returns it. MarkSent and
  // MarkOutcomeUnknown apply to a send in flight, MarkFailed to any send not
  // final.
  absl::StatusOr<wecom::robot::v1::Send> MarkSent(const std::string& send_id,
                                                  const std::string& vendor_msg_id);
  absl::StatusOr<wecom::robot::v1::Send> MarkOutcomeUnknown(const std::string& send_id);
  absl::StatusOr<wecom::robot::v1::Send> MarkFailed(const std::string& send_id,
                                                    const wecom::common::v1::VendorError& error);
  // A send in flight, SENT or OUTCOME_UNKNOWN back to QUEUED at the head of
  // its account's queue, attempts kept, not to go out before `delay` passed.
  absl::StatusOr<wecom::robot::v1::Send> Requeue(const std::string& send_id,
                                                 const wecom::common::v1::VendorError& error,
                                                 absl::Duration delay = absl::ZeroDuration());
  // A send in flight the vendor refused before it reached WeCom (the account
  // is offline) back to QUEUED at the head of its account's queue, its
  // attempt not counted, and taken off its corp's dispatches of the minute
  // BeginAttempt counted it in, in the same write. Only a change of its error
  // is a transition with an event: the same refusal again (the offline
  // account probed once more) is stored quietly.
  absl::StatusOr<wecom::robot::v1::Send> ReturnUnsent(const std::string& send_id,
                                                      const wecom::common::v1::VendorError& error);

  // Applies a vendor callback: finds the send by vendor_msg_id, or else the
  // oldest OUTCOME_UNKNOWN send of the same account, conversation and
  // echo type, or else such a send in flight (its call has not answered yet).
  // error_code 0 confirms it; -1000999 requeues it (fails it once it had
  // `max_attempts`, when > 0); other codes fail it. A callback about an
  // earlier attempt than the send's latest, or about a final send, leaves it
  // as it is. Returns the send, or nullopt when the callback is not about one
  // of the gateway's sends.
  absl::StatusOr<std::optional<wecom::robot::v1::Send>> ApplyVendorOutcome(
      const VendorSendOutcome& outcome, int max_attempts = 0);

  // The periodic clean-up, over what is kept in memory: OUTCOME_UNKNOWN sends
  // whose vendor call started `unknown_outcome_timeout` ago or earlier and
  // that no callback reconciled fail ("outcome unknown"); SENT sends handed
  // over `sent_confirmation_timeout` ago or earlier stop counting as pending
  // (they stay SENT and a late echo still confirms them by vendor_msg_id);
  // corp dispatch counts older than an hour are deleted. When a write fails,
  // the sends failed before it are still told to the listener.
  struct Expired {
    // The OUTCOME_UNKNOWN sends that failed.
    std::vector<wecom::robot::v1::Send> failed;
    // How many SENT sends stopped counting as pending, per vendor name.
    std::map<std::string, int64_t> unconfirmed;
  };
  absl::StatusOr<Expired> Expire(absl::Duration unknown_outcome_timeout,
                                 absl::Duration sent_confirmation_timeout);

  // When the oldest pending send was accepted (for metrics: outbox age):
  // pending are the sends in flight, OUTCOME_UNKNOWN, and SENT within the
  // confirmation timeout.
  std::optional<absl::Time> OldestPendingAcceptedAt() const;

  // Accounts' throttle state, kept so that a restart does not hammer a
  // throttled account.
  absl::StatusOr<std::map<std::string, AccountPause>> LoadPauses() const;
  // Stores `pause` for the account, together with `event` (its
  // AccountThrottledEvent) when given, in one synced write.
  absl::Status StorePause(const std::string& account_id, const AccountPause& pause,
                          std::optional<wecom::robot::v1::Event> event = std::nullopt);

 private:
  SendOutbox(rocksdb::DB* db, EventLog* events, Clock* clock)
      : db_(db), events_(events), clock_(clock) {}

  // An account's next send, as NextPerAccount returns it.
  struct Head {
    uint64_t queue_seq = 0;
    Due due;
  };
  // A pending send (see OldestPendingAcceptedAt).
  struct PendingSend {
    std::string send_id;
    wecom::robot::v1::SendState state = wecom::robot::v1::SEND_STATE_UNSPECIFIED;
    absl::Time accepted_at;
    // When its vendor call started (SENT and OUTCOME_UNKNOWN).
    absl::Time sent_at;
    // Its account's vendor name (Expired::unconfirmed).
    std::string vendor;
  };

  // Reads the sequence counter, the queue lengths, the pending sends and the
  // corp dispatch counts; turns sends left in flight into OUTCOME_UNKNOWN.
  absl::Status Load();
  absl::StatusOr<outbox::OutboxEntry> ReadEntry(const std::string& send_id) const;
  // Stores the transition from `before` (as stored) to `after`: the entry,
  // its index changes and `extra` in one write with its SendStatusEvent.
  absl::Status StoreTransition(const outbox::OutboxEntry& before, outbox::OutboxEntry& after,
                               rocksdb::WriteBatch* extra = nullptr)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Stores `after` (indexes moved from `before`) and `extra` without an
  // event, synced.
  absl::Status StoreQuietly(const outbox::OutboxEntry& before, const outbox::OutboxEntry& after,
                            rocksdb::WriteBatch* extra = nullptr)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Brings the in-memory view up to a stored change from `before` to `after`.
  void Track(const outbox::OutboxEntry& before, const outbox::OutboxEntry& after)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Reads the account's head again when it is stale (one Seek).
  absl::Status RefreshHead(const std::string& account_id) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Fails the expired OUTCOME_UNKNOWN sends (part of Expire), adding each to
  // `failed` once stored, so that an error leaves the ones stored before it.
  absl::Status FailUnknown(absl::Duration max_age, absl::Time now,
                           std::vector<wecom::robot::v1::Send>& failed)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Stops counting SENT sends handed over `max_age` ago or earlier as pending
  // and deletes corp counts older than an hour (part of Expire).
  absl::StatusOr<std::map<std::string, int64_t>> ForgetExpired(absl::Duration max_age,
                                                               absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A corp's dispatch count of one minute (unix minutes), as stored.
  struct CorpCount {
    std::string corp_id;
    int64_t minute = 0;
    int64_t dispatches = 0;
  };
  // The corp's count of `minute` moved by `delta` (never below 0), its write
  // added to `batch`; KeepCorpCount it once the batch is stored.
  CorpCount StageCorpCount(const std::string& corp_id, int64_t minute, int64_t delta,
                           rocksdb::WriteBatch* batch) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void KeepCorpCount(const CorpCount& count) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The send the callback is about, if any, and whether it applies to the
  // send's latest attempt.
  struct Match;
  absl::StatusOr<std::optional<Match>> FindForOutcome(const VendorSendOutcome& outcome) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Runs `change` on the stored send under the lock and stores the result as
  // a transition when it returns true; tells the listener afterwards.
  absl::StatusOr<wecom::robot::v1::Send> Transition(
      const std::string& send_id, const std::function<bool(outbox::OutboxEntry&)>& change);
  void Notify(const wecom::robot::v1::Send& send) const;

  rocksdb::DB* const db_;
  EventLog* const events_;
  Clock* const clock_;

  // Serialises every read-modify-write of the outbox's keys.
  mutable absl::Mutex mu_;
  uint64_t next_seq_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<std::string, int64_t> queued_ ABSL_GUARDED_BY(mu_);
  int64_t queued_total_ ABSL_GUARDED_BY(mu_) = 0;
  // Every account with QUEUED sends not in flight is in exactly one of these:
  // its head as stored, or to be read again (its head left the queue).
  mutable std::map<std::string, Head> heads_ ABSL_GUARDED_BY(mu_);
  mutable std::set<std::string> stale_heads_ ABSL_GUARDED_BY(mu_);
  // By queue_seq, so the first was accepted first.
  std::map<uint64_t, PendingSend> pending_ ABSL_GUARDED_BY(mu_);
  // Per corp, dispatches per minute (unix minutes), as stored.
  std::map<std::string, std::map<int64_t, int64_t>> corp_minutes_ ABSL_GUARDED_BY(mu_);

  mutable absl::Mutex listener_mu_;
  TransitionListener listener_ ABSL_GUARDED_BY(listener_mu_);
};

}  // namespace wecom::robot
