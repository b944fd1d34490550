// Test doubles and a ready-made world for the media service's job tests: a
// scripted MediaChunkSource, a JobObserver to wait on, and a FetchScheduler
// over RocksDB and a LocalBlobStore in a TempDir, with a FakeClock.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/time/clock.h"
#include "services/media/blob/local_blob_store.h"
#include "services/media/fetch/media_chunk_source.h"
#include "services/media/fetch/media_fetcher.h"
#include "services/media/jobs/fetch_scheduler.h"
#include "services/media/jobs/media_job_store.h"
#include "tests/support/temp_dir.h"
#include "wecom/media/v1/media_service.pb.h"

namespace wecom::media::testing {

// How long a test waits for something another thread does before it fails
// instead of hanging.
inline constexpr absl::Duration kWait = absl::Seconds(30);

// The vendor's largest piece.
inline constexpr size_t kMaxPiece = 512 * 1024;

inline constexpr v1::MediaState kQueued = v1::MEDIA_STATE_QUEUED;
inline constexpr v1::MediaState kFetching = v1::MEDIA_STATE_FETCHING;
inline constexpr v1::MediaState kDone = v1::MEDIA_STATE_DONE;
inline constexpr v1::MediaState kFailed = v1::MEDIA_STATE_FAILED;

// Serves each sdkfileid's bytes in pieces, and lets a test hold a fetch in
// GetChunk, fail it, and see what was asked and how many calls ran at once.
// An sdkfileid it has no bytes for fails for good (SDK 10005).
class ScriptedChunkSource final : public MediaChunkSource {
 public:
  explicit ScriptedChunkSource(size_t piece_size = kMaxPiece) : piece_size_(piece_size) {}

  void SetContent(const std::string& sdkfileid, std::string bytes);
  // The next call for `sdkfileid` waits in GetChunk until Release, then
  // answers `after`, or as usual when `after` is OK.
  void Hold(const std::string& sdkfileid, absl::Status after = absl::OkStatus());
  // Waits until a call for `sdkfileid` is held; false after `timeout`.
  bool AwaitHeld(const std::string& sdkfileid, absl::Duration timeout = kWait);
  void Release(const std::string& sdkfileid);
  // Releases every held call, now and later: a test that failed while a
  // fetch was held can still stop its scheduler.
  void ReleaseAll();

  // GetChunk calls for `sdkfileid` so far.
  int Calls(const std::string& sdkfileid) const;
  // The sdkfileids in the order their first pieces were asked for.
  std::vector<std::string> Started() const;
  // The most GetChunk calls that ran at once, over all corps / for one.
  int MaxInFlight() const;
  int MaxInFlight(const std::string& corp_id) const;

  absl::StatusOr<MediaChunk> GetChunk(const std::string& corp_id, const std::string& sdkfileid,
                                      const std::string& indexbuf) override;

 private:
  struct HeldCall {
    absl::Status after;
    bool waiting = false;
    bool released = false;
  };

  absl::StatusOr<MediaChunk> Answer(const std::string& sdkfileid, const std::string& indexbuf)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t piece_size_;
  mutable absl::Mutex mu_;
  std::map<std::string, std::string> contents_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, HeldCall> held_ ABSL_GUARDED_BY(mu_);
  bool released_all_ ABSL_GUARDED_BY(mu_) = false;
  std::map<std::string, int> calls_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> started_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> in_flight_ ABSL_GUARDED_BY(mu_);
  int in_flight_total_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, int> max_in_flight_ ABSL_GUARDED_BY(mu_);
  int max_in_flight_total_ ABSL_GUARDED_BY(mu_) = 0;
};

// Records what a FetchScheduler publishes, and wakes waiters on every
// publication: the scheduler publishes after each stored state change.
class RecordingJobObserver final : public JobObserver {
 public:
  void OnJobCounts(const JobCounts& counts, uint64_t blob_count, uint64_t blob_bytes) override;
  void OnQueueDepth(const std::string& corp_id, size_t depth) override;

  // Re-checks `done` after every publication until it holds; false after
  // `timeout`.
  bool WaitUntil(const std::function<bool()>& done, absl::Duration timeout = kWait);

  // The last publications.
  JobCounts counts() const;
  uint64_t blob_count() const;
  uint64_t blob_bytes() const;
  // -1 when none was published for `corp_id`.
  int64_t depth(const std::string& corp_id) const;

 private:
  mutable absl::Mutex mu_;
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  JobCounts counts_ ABSL_GUARDED_BY(mu_);
  uint64_t blob_count_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t blob_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, size_t> depths_ ABSL_GUARDED_BY(mu_);
};

// Runs `call` (e.g. a Stop) on a thread and waits for it to return; after
// `timeout` the test fails and the process aborts, since the thread still
// uses the test's objects.
void ReturnsInTime(const std::function<void()>& call, absl::Duration timeout = kWait);

// A job as Submit takes it: corp, sdkfileid and nothing else.
v1::MediaJob NewJob(const std::string& corp_id, const std::string& sdkfileid);

// `counts` without its zero entries (the store keeps a state that emptied at
// zero, so that its gauge drops to 0; a reopened store does not list it).
JobCounts NonZero(JobCounts counts);

// A FetchScheduler with everything it needs, in a fresh TempDir. Backoffs are
// on a FakeClock that never moves unless a test moves it.
class SchedulerWorld {
 public:
  static absl::StatusOr<std::unique_ptr<SchedulerWorld>> Create(FetchSchedulerOptions options);
  ~SchedulerWorld();

  // A new scheduler over the same store, as after a restart (the current one
  // is stopped first). Not started.
  void RestartScheduler();

  // Waits until the job is in `state`; false after kWait.
  bool AwaitState(const std::string& corp_id, const std::string& sdkfileid, v1::MediaState state);
  // The stored job's state; UNSPECIFIED when it cannot be read.
  v1::MediaState StateOf(const std::string& corp_id, const std::string& sdkfileid);
  // Submits one job per sdkfileid of `corp_id`.
  absl::Status SubmitAll(const std::string& corp_id, const std::vector<std::string>& sdkfileids);

  const std::string& dir() const { return dir_.path(); }
  MediaJobStore& store() { return *store_; }
  LocalBlobStore& blobs() { return *blobs_; }
  ScriptedChunkSource& source() { return source_; }
  FakeClock& clock() { return clock_; }
  RecordingJobObserver& observer() { return observer_; }
  FetchScheduler& scheduler() { return *scheduler_; }

 private:
  SchedulerWorld(wecom::testing::TempDir dir, FetchSchedulerOptions options)
      : dir_(std::move(dir)), options_(options) {}

  wecom::testing::TempDir dir_;
  const FetchSchedulerOptions options_;
  FakeClock clock_;
  ScriptedChunkSource source_;
  RecordingJobObserver observer_;
  std::unique_ptr<MediaJobStore> store_;
  std::unique_ptr<LocalBlobStore> blobs_;
  std::unique_ptr<MediaFetcher> fetcher_;
  std::unique_ptr<FetchScheduler> scheduler_;
};

}  // namespace wecom::media::testing
