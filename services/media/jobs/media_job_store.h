// MediaJobStore: the media service's durable state in RocksDB: one MediaJob per
// (corp, sdkfileid), an index by state for listing and restart, and the set of
// stored blobs with their sizes.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "wecom/media/v1/media_service.pb.h"

namespace rocksdb {
class DB;
}  // namespace rocksdb

namespace wecom::media {

// One page of ListJobs.
struct JobPage {
  std::vector<v1::MediaJob> jobs;
  // Pass back to continue; empty on the last page.
  std::string next_page_token;
};

// Jobs per (corp, state), for the jobs-by-state gauge.
using JobCounts = std::map<std::pair<std::string, v1::MediaState>, uint64_t>;

class MediaJobStore {
 public:
  // Opens (creating when missing) the database at `path`. Every write is
  // synced: a job acknowledged as queued or done survives kill -9.
  static absl::StatusOr<std::unique_ptr<MediaJobStore>> Open(const std::string& path);
  ~MediaJobStore();

  // Stores each job whose (corp_id, sdkfileid) is new; for one that exists
  // the stored job comes back unchanged. One atomic write for the lot.
  // Returns, in order, each job as now stored and whether this call created it.
  absl::StatusOr<std::vector<std::pair<v1::MediaJob, bool>>> CreateIfAbsent(
      std::vector<v1::MediaJob> jobs);

  // The job, or NOT_FOUND.
  absl::StatusOr<v1::MediaJob> Get(const std::string& corp_id, const std::string& sdkfileid) const;

  // Replaces a stored job (its state index moves with it). A DONE job also
  // records its blob (sha256 → size) in the same write. Unsynced writes are
  // for states a crash may lose (FETCHING: a restart requeues it anyway).
  enum class Durability { kSynced, kUnsynced };
  absl::Status Update(const v1::MediaJob& job, Durability durability = Durability::kSynced);

  // A corp's jobs ordered by sdkfileid, only those in `state` unless it is
  // UNSPECIFIED. page_size must be > 0; a malformed token is INVALID_ARGUMENT.
  absl::StatusOr<JobPage> ListJobs(const std::string& corp_id, v1::MediaState state,
                                   size_t page_size, const std::string& page_token) const;

  // Every job in `state`, all corps (restart: requeue QUEUED and FETCHING).
  absl::Status ForEachInState(v1::MediaState state,
                              absl::FunctionRef<void(const v1::MediaJob&)> visit) const;

  JobCounts Counts() const;
  // Distinct blobs recorded by DONE jobs, and their total size.
  uint64_t BlobCount() const;
  uint64_t BlobBytes() const;

 private:
  explicit MediaJobStore(std::unique_ptr<rocksdb::DB> db);
  absl::Status LoadTotals();
  absl::StatusOr<std::optional<v1::MediaJob>> Find(const std::string& corp_id,
                                                   const std::string& sdkfileid) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);

  std::unique_ptr<rocksdb::DB> db_;
  // Serialises read-modify-write cycles and guards the in-memory totals.
  mutable absl::Mutex mu_;
  JobCounts counts_ ABSL_GUARDED_BY(mu_);
  uint64_t blob_count_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t blob_bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace wecom::media
