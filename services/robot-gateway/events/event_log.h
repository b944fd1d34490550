// EventLog: the gateway's one ordered, durable event stream (RocksDB). Each
// event gets the next position when stored; an event whose event_id was
// stored before is not stored again, so vendor redeliveries and replays of
// the same callback collapse into one. Named consumers keep a cursor.
//
// Appends from several threads (the webhook's callbacks) write concurrently,
// so RocksDB commits them with one sync (group commit); a position becomes
// visible (head(), ReadAfter) only once every position before it is durable,
// so readers never pass a hole that fills later. (The outbox appends under its
// own lock, so its transitions share syncs only with callbacks.)
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "wecom/robot/v1/event.pb.h"

namespace wecom::robot {

class EventLog {
 public:
  // `db` is shared with the outbox (keys here start with "ev/", "evid/" and
  // "cursor/") and must outlive the log. Reads the current head.
  static absl::StatusOr<std::unique_ptr<EventLog>> Open(rocksdb::DB* db);

  struct Appended {
    uint64_t position = 0;
    // False when an event with the same event_id was already stored; then
    // `position` is that event's, and nothing was written (not even `extra`).
    bool stored = false;
  };

  // An event_id reserved for one append. While a claim lives, other claims
  // of the id (and so appends of it) wait, so a caller can act on "not stored
  // yet" (a callback's side effects) before appending, without a second
  // delivery doing the same in between. Released when appended or destroyed.
  class Claim {
   public:
    Claim(Claim&& other) noexcept;
    Claim& operator=(Claim&&) = delete;
    ~Claim();

    // The position of the event stored with this id earlier; then the claim
    // holds nothing and Append must not be called.
    std::optional<uint64_t> stored() const { return stored_; }

    // Stores `event` (its event_id the claimed one; position and
    // received_at_ms are set here) together with `extra`, in one atomic,
    // synced write, and releases the claim. A failed write leaves its
    // position unused (a gap readers never saw).
    absl::StatusOr<uint64_t> Append(wecom::robot::v1::Event event,
                                    rocksdb::WriteBatch* extra = nullptr) &&;

   private:
    friend class EventLog;
    Claim(EventLog* log, std::string event_id, std::optional<uint64_t> stored)
        : log_(log), event_id_(std::move(event_id)), stored_(stored) {}

    EventLog* log_;  // Null once released.
    std::string event_id_;
    std::optional<uint64_t> stored_;
  };

  // Claims `event_id` (required), waiting for a claim of it another thread
  // holds to be released.
  absl::StatusOr<Claim> ClaimEventId(const std::string& event_id);

  // Claims the event's id and appends it unless it was stored before.
  absl::StatusOr<Appended> Append(wecom::robot::v1::Event event,
                                  rocksdb::WriteBatch* extra = nullptr);

  // The position of the newest event every earlier position of which is
  // durable (0 when empty).
  uint64_t head() const;

  // Calls `visit` for stored events with `after` < position <= head(), in
  // order, until it returns false or `max_events` were visited.
  absl::Status ReadAfter(uint64_t after, size_t max_events,
                         const std::function<bool(const wecom::robot::v1::Event&)>& visit) const;

  // Blocks until head() > `position` or `deadline`; returns head().
  uint64_t WaitBeyond(uint64_t position, absl::Time deadline) const;

  // A consumer's cursor (0 for a new consumer).
  absl::StatusOr<uint64_t> Cursor(const std::string& consumer) const;
  // Moves the cursor forward to `position` (never back, never beyond head);
  // returns the cursor after the ack.
  absl::StatusOr<uint64_t> Ack(const std::string& consumer, uint64_t position);

 private:
  EventLog(rocksdb::DB* db, uint64_t head)
      : db_(db), next_position_(head + 1), written_(head), head_(head) {}

  // Moves head_ to the newest durable position below every write in flight.
  void AdvanceHead() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The position of the stored event with this event_id, or nullopt.
  absl::StatusOr<std::optional<uint64_t>> PositionOf(const std::string& event_id) const;
  void Release(const std::string& event_id);

  rocksdb::DB* db_;
  // Guards position assignment, the claims and the head; never held during a
  // RocksDB read or write.
  mutable absl::Mutex mu_;
  mutable absl::CondVar head_changed_;
  uint64_t next_position_ ABSL_GUARDED_BY(mu_);
  // The positions of the writes in flight.
  std::set<uint64_t> writing_ ABSL_GUARDED_BY(mu_);
  // The event_ids claimed.
  absl::flat_hash_set<std::string> claimed_ ABSL_GUARDED_BY(mu_);
  // The newest position written successfully.
  uint64_t written_ ABSL_GUARDED_BY(mu_);
  uint64_t head_ ABSL_GUARDED_BY(mu_);
  // Serialises acks, so cursors only move forward.
  absl::Mutex ack_mu_;
};

}  // namespace wecom::robot
