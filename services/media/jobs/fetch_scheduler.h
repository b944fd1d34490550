// FetchScheduler runs media jobs: it queues new jobs durably, fetches each at
// most once at a time (single-flight: a job exists once per sdkfileid, and
// only its creation queues it), and keeps within a global and a per-corp
// concurrency cap, taking corps in turn so that one busy corp cannot starve
// the others.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/time/clock.h"
#include "services/media/fetch/media_fetcher.h"
#include "services/media/jobs/media_job_store.h"
#include "wecom/media/v1/media_service.pb.h"

namespace wecom::media {

struct FetchSchedulerOptions {
  // Fetches running at once, over all corps.
  int concurrency = 8;
  // Fetches running at once for one corp.
  int per_corp_concurrency = 4;
};

// Told of every job state change and queue length change, e.g. to keep
// gauges; no-ops unless overridden. Called without the scheduler's lock held,
// one call at a time, each with the values as they are when it is made: the
// last call always has the latest values.
class JobObserver {
 public:
  virtual ~JobObserver() = default;
  virtual void OnJobCounts(const JobCounts& counts, uint64_t blob_count, uint64_t blob_bytes) {}
  virtual void OnQueueDepth(const std::string& corp_id, size_t depth) {}
};

class FetchScheduler {
 public:
  // The pointers must outlive the scheduler; `observer` may be null.
  FetchScheduler(MediaJobStore* store, MediaFetcher* fetcher, Clock* clock,
                 FetchSchedulerOptions options, JobObserver* observer = nullptr);
  ~FetchScheduler();  // Stop()s

  // Queues the jobs the last run left QUEUED or FETCHING, then starts the
  // workers. Call once.
  absl::Status Start();
  // Cancels running fetches (their jobs go back to QUEUED, to be fetched by
  // the next Start) and waits for the workers.
  void Stop();

  // Stores each job (state QUEUED) whose sdkfileid is new to its corp and
  // queues it; an existing job comes back as stored, whatever its state.
  // Returns each job as stored and whether this call created it.
  absl::StatusOr<std::vector<std::pair<v1::MediaJob, bool>>> Submit(std::vector<v1::MediaJob> jobs);

  // Queues a FAILED job again; FAILED_PRECONDITION for a job in any other
  // state, NOT_FOUND for none.
  absl::StatusOr<v1::MediaJob> Retry(const std::string& corp_id, const std::string& sdkfileid);

 private:
  struct CorpQueue {
    std::deque<std::string> sdkfileids;
    int running = 0;
  };

  void Work();
  // The queue a worker may take from next, honouring the caps and taking
  // corps in turn; queues_.end() when none.
  std::map<std::string, CorpQueue>::iterator NextRunnable() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Enqueue(const std::string& corp_id, const std::string& sdkfileid)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RunJob(const std::string& corp_id, const std::string& sdkfileid);
  // Stores the job's new state, logging a store failure (the job is then
  // retried from its previous state after a restart).
  void Store(v1::MediaJob& job,
             MediaJobStore::Durability durability = MediaJobStore::Durability::kSynced);
  void PublishCounts();
  void PublishDepth(const std::string& corp_id);

  MediaJobStore* const store_;
  MediaFetcher* const fetcher_;
  Clock* const clock_;
  const FetchSchedulerOptions options_;
  JobObserver* const observer_;  // never null
  CancelFlag cancel_;

  absl::Mutex mu_;
  std::map<std::string, CorpQueue> queues_ ABSL_GUARDED_BY(mu_);
  // The corp a worker took from last: the next worker starts after it.
  std::string last_corp_ ABSL_GUARDED_BY(mu_);
  int running_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Serialises the read-modify-write of RetryMedia.
  absl::Mutex retry_mu_;
  // Held from reading the values to telling the observer, so that a stale
  // snapshot never overwrites a newer one.
  absl::Mutex publish_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  std::vector<std::thread> workers_;
};

}  // namespace wecom::media
