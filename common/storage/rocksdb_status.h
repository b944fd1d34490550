// RocksDB's Status as an absl::Status, for every service that keeps state in
// RocksDB.
#pragma once

#include <string_view>

#include "absl/status/status.h"

namespace rocksdb {
class Status;
}  // namespace rocksdb

namespace wecom {

// OK for OK; otherwise "<what>: <rocksdb message>" with a code by meaning:
// DATA_LOSS for corruption, RESOURCE_EXHAUSTED for a full disk, UNAVAILABLE
// for I/O and busy errors, INTERNAL for the rest.
absl::Status FromRocks(const rocksdb::Status& status, std::string_view what);

}  // namespace wecom
