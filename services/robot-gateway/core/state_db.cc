#include "services/robot-gateway/core/state_db.h"

#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "common/storage/rocksdb_status.h"
#include "rocksdb/options.h"

namespace wecom::robot {

absl::StatusOr<std::unique_ptr<rocksdb::DB>> OpenStateDb(const std::string& path) {
  std::error_code error;
  std::filesystem::create_directories(path, error);
  if (error) {
    return absl::UnavailableError(absl::StrCat("creating ", path, ": ", error.message()));
  }
  rocksdb::Options options;
  options.create_if_missing = true;
  // Small, write-heavy records: keep the write path short.
  options.IncreaseParallelism(2);
  // Writers waiting for a group commit block instead of spinning: a spinning
  // waiter takes the CPU the webhook threads need on a small node.
  options.enable_write_thread_adaptive_yield = false;
  rocksdb::DB* db = nullptr;
  RETURN_IF_ERROR(FromRocks(rocksdb::DB::Open(options, path, &db), "opening " + path));
  return std::unique_ptr<rocksdb::DB>(db);
}

}  // namespace wecom::robot
