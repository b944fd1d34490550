// An EventLog on a fresh RocksDB state database in a temporary directory,
// removed when the TempEventLog goes away.
#pragma once

#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "rocksdb/db.h"
#include "services/robot-gateway/events/event_log.h"
#include "tests/support/temp_dir.h"

namespace wecom::robot::testing {

class TempEventLog {
 public:
  static absl::StatusOr<std::unique_ptr<TempEventLog>> Create();

  EventLog& log() { return *log_; }
  rocksdb::DB& db() { return *db_; }
  // Closes the database and opens it and the log again, as a restart would.
  absl::Status Reopen();

 private:
  explicit TempEventLog(wecom::testing::TempDir dir) : dir_(std::move(dir)) {}

  wecom::testing::TempDir dir_;
  std::unique_ptr<rocksdb::DB> db_;
  // Declared after db_, so it goes first.
  std::unique_ptr<EventLog> log_;
};

// The first event `log` holds or gets that `match` accepts; DEADLINE_EXCEEDED
// after `timeout`.
absl::StatusOr<v1::Event> WaitForEvent(const EventLog& log,
                                       const std::function<bool(const v1::Event&)>& match,
                                       absl::Duration timeout);

}  // namespace wecom::robot::testing
