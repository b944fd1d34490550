#include "services/media/jobs/fetch_scheduler.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log/log.h"
#include "common/status/status_macros.h"

namespace wecom::media {
namespace {

using v1::MediaJob;

JobObserver* NoOpJobObserver() {
  static JobObserver observer;
  return &observer;
}

}  // namespace

FetchScheduler::FetchScheduler(MediaJobStore* store, MediaFetcher* fetcher, Clock* clock,
                               FetchSchedulerOptions options, JobObserver* observer)
    : store_(store),
      fetcher_(fetcher),
      clock_(clock),
      options_(options),
      observer_(observer != nullptr ? observer : NoOpJobObserver()) {}

FetchScheduler::~FetchScheduler() { Stop(); }

absl::Status FetchScheduler::Start() {
  std::vector<MediaJob> unfinished;
  for (v1::MediaState state : {v1::MEDIA_STATE_QUEUED, v1::MEDIA_STATE_FETCHING}) {
    RETURN_IF_ERROR(store_->ForEachInState(
        state, [&unfinished](const MediaJob& job) { unfinished.push_back(job); }));
  }
  // Oldest first, as they were first queued.
  std::stable_sort(unfinished.begin(), unfinished.end(), [](const MediaJob& a, const MediaJob& b) {
    return a.created_at_ms() < b.created_at_ms();
  });
  for (MediaJob& job : unfinished) {
    if (job.state() == v1::MEDIA_STATE_FETCHING) {
      job.set_state(v1::MEDIA_STATE_QUEUED);
      RETURN_IF_ERROR(store_->Update(job));
    }
  }
  {
    absl::MutexLock lock(&mu_);
    for (const MediaJob& job : unfinished) Enqueue(job.corp_id(), job.sdkfileid());
    for (int i = 0; i < std::max(1, options_.concurrency); ++i) {
      workers_.emplace_back([this] { Work(); });
    }
  }
  if (!unfinished.empty()) log::Info("media_jobs_requeued", {{"jobs", unfinished.size()}});
  PublishCounts();
  return absl::OkStatus();
}

void FetchScheduler::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cancel_.Cancel();
  for (std::thread& worker : workers_) worker.join();
  workers_.clear();
}

absl::StatusOr<std::vector<std::pair<MediaJob, bool>>> FetchScheduler::Submit(
    std::vector<MediaJob> jobs) {
  const int64_t now_ms = absl::ToUnixMillis(clock_->Now());
  for (MediaJob& job : jobs) {
    job.set_state(v1::MEDIA_STATE_QUEUED);
    job.set_created_at_ms(now_ms);
    job.set_updated_at_ms(now_ms);
  }
  ASSIGN_OR_RETURN(auto stored, store_->CreateIfAbsent(std::move(jobs)));
  std::vector<std::string> corps;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [job, created] : stored) {
      if (!created) continue;
      Enqueue(job.corp_id(), job.sdkfileid());
      corps.push_back(job.corp_id());
    }
  }
  if (!corps.empty()) {
    PublishCounts();
    for (const std::string& corp : corps) PublishDepth(corp);
  }
  return stored;
}

absl::StatusOr<MediaJob> FetchScheduler::Retry(const std::string& corp_id,
                                               const std::string& sdkfileid) {
  MediaJob job;
  {
    absl::MutexLock retry_lock(&retry_mu_);
    ASSIGN_OR_RETURN(job, store_->Get(corp_id, sdkfileid));
    if (job.state() != v1::MEDIA_STATE_FAILED) {
      return absl::FailedPreconditionError(absl::StrCat(
          "only a FAILED job can be retried; this one is ", v1::MediaState_Name(job.state())));
    }
    job.set_state(v1::MEDIA_STATE_QUEUED);
    job.clear_failure();
    job.clear_error();
    job.clear_vendor_error();
    job.set_updated_at_ms(absl::ToUnixMillis(clock_->Now()));
    RETURN_IF_ERROR(store_->Update(job));
    absl::MutexLock lock(&mu_);
    Enqueue(corp_id, sdkfileid);
  }
  PublishCounts();
  PublishDepth(corp_id);
  return job;
}

void FetchScheduler::Enqueue(const std::string& corp_id, const std::string& sdkfileid) {
  queues_[corp_id].sdkfileids.push_back(sdkfileid);
}

std::map<std::string, FetchScheduler::CorpQueue>::iterator FetchScheduler::NextRunnable() {
  if (running_ >= std::max(1, options_.concurrency)) return queues_.end();
  // Round robin: the first corp after the last one served, wrapping around.
  auto it = queues_.upper_bound(last_corp_);
  for (size_t i = 0; i < queues_.size(); ++i, ++it) {
    if (it == queues_.end()) it = queues_.begin();
    const CorpQueue& queue = it->second;
    if (!queue.sdkfileids.empty() && queue.running < std::max(1, options_.per_corp_concurrency)) {
      return it;
    }
  }
  return queues_.end();
}

void FetchScheduler::Work() {
  while (true) {
    std::string corp_id, sdkfileid;
    {
      absl::MutexLock lock(&mu_);
      // The condition only looks: Abseil may evaluate it on another thread.
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || NextRunnable() != queues_.end();
      };
      mu_.Await(absl::Condition(&ready));
      if (stopping_) return;
      auto next = NextRunnable();
      corp_id = next->first;
      sdkfileid = std::move(next->second.sdkfileids.front());
      next->second.sdkfileids.pop_front();
      ++next->second.running;
      ++running_;
      last_corp_ = corp_id;
    }
    PublishDepth(corp_id);
    RunJob(corp_id, sdkfileid);
    absl::MutexLock lock(&mu_);
    --queues_[corp_id].running;
    --running_;
  }
}

void FetchScheduler::RunJob(const std::string& corp_id, const std::string& sdkfileid) {
  absl::StatusOr<MediaJob> stored = store_->Get(corp_id, sdkfileid);
  if (!stored.ok()) {
    log::Error("media_job_read_failed", {{"corp", corp_id}, {"error", stored.status().ToString()}});
    return;
  }
  MediaJob job = *std::move(stored);
  if (job.state() != v1::MEDIA_STATE_QUEUED) return;
  job.set_state(v1::MEDIA_STATE_FETCHING);
  // Not synced: after a crash FETCHING and QUEUED are both requeued.
  Store(job, MediaJobStore::Durability::kUnsynced);

  const FetchResult result = fetcher_->Fetch({.corp_id = job.corp_id(),
                                              .sdkfileid = job.sdkfileid(),
                                              .expected_md5 = job.expected_md5(),
                                              .expected_size = job.expected_size()},
                                             &cancel_);
  job.set_attempts(job.attempts() + result.attempts);
  switch (result.outcome) {
    case FetchResult::Outcome::kDone:
      job.set_state(v1::MEDIA_STATE_DONE);
      job.set_md5(result.md5);
      job.set_sha256(result.sha256);
      job.set_size(result.size);
      break;
    case FetchResult::Outcome::kFailed:
      job.set_state(v1::MEDIA_STATE_FAILED);
      job.set_failure(result.failure);
      job.set_error(result.error);
      if (result.vendor_error.has_value()) *job.mutable_vendor_error() = *result.vendor_error;
      log::Warn("media_fetch_failed", {{"corp", job.corp_id()},
                                       {"kind", job.kind()},
                                       {"reason", v1::FailureReason_Name(result.failure)},
                                       {"error", result.error}});
      break;
    case FetchResult::Outcome::kCancelled:
      job.set_state(v1::MEDIA_STATE_QUEUED);  // the next Start fetches it
      break;
  }
  Store(job);
}

void FetchScheduler::Store(MediaJob& job, MediaJobStore::Durability durability) {
  job.set_updated_at_ms(absl::ToUnixMillis(clock_->Now()));
  if (absl::Status stored = store_->Update(job, durability); !stored.ok()) {
    log::Error("media_job_store_failed", {{"corp", job.corp_id()}, {"error", stored.ToString()}});
  }
  PublishCounts();
}

void FetchScheduler::PublishCounts() {
  absl::MutexLock publish_lock(&publish_mu_);
  observer_->OnJobCounts(store_->Counts(), store_->BlobCount(), store_->BlobBytes());
}

void FetchScheduler::PublishDepth(const std::string& corp_id) {
  absl::MutexLock publish_lock(&publish_mu_);
  size_t depth;
  {
    absl::MutexLock lock(&mu_);
    depth = queues_[corp_id].sdkfileids.size();
  }
  observer_->OnQueueDepth(corp_id, depth);
}

}  // namespace wecom::media
