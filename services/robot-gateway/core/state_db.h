// The gateway's one RocksDB database: the outbox and the event log share it,
// so a send's state change and its event are written in one atomic batch.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "rocksdb/db.h"

namespace wecom::robot {

// Opens the database at `path`, creating it and its parent directories when missing.
absl::StatusOr<std::unique_ptr<rocksdb::DB>> OpenStateDb(const std::string& path);

}  // namespace wecom::robot
