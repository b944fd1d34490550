#include "tests/media/jobs/media_jobs_env.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/status/status_macros.h"
#include "common/status/vendor_error.h"

namespace wecom::media::testing {

void ScriptedChunkSource::SetContent(const std::string& sdkfileid, std::string bytes) {
  absl::MutexLock lock(&mu_);
  contents_[sdkfileid] = std::move(bytes);
}

void ScriptedChunkSource::Hold(const std::string& sdkfileid, absl::Status after) {
  absl::MutexLock lock(&mu_);
  held_[sdkfileid] = HeldCall{.after = std::move(after)};
}

bool ScriptedChunkSource::AwaitHeld(const std::string& sdkfileid, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto waiting = [this, &sdkfileid]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto it = held_.find(sdkfileid);
    return it != held_.end() && it->second.waiting;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&waiting), timeout);
}

void ScriptedChunkSource::Release(const std::string& sdkfileid) {
  absl::MutexLock lock(&mu_);
  held_[sdkfileid].released = true;
}

void ScriptedChunkSource::ReleaseAll() {
  absl::MutexLock lock(&mu_);
  released_all_ = true;
}

int ScriptedChunkSource::Calls(const std::string& sdkfileid) const {
  absl::MutexLock lock(&mu_);
  auto it = calls_.find(sdkfileid);
  return it == calls_.end() ? 0 : it->second;
}

std::vector<std::string> ScriptedChunkSource::Started() const {
  absl::MutexLock lock(&mu_);
  return started_;
}

int ScriptedChunkSource::MaxInFlight() const {
  absl::MutexLock lock(&mu_);
  return max_in_flight_total_;
}

int ScriptedChunkSource::MaxInFlight(const std::string& corp_id) const {
  absl::MutexLock lock(&mu_);
  auto it = max_in_flight_.find(corp_id);
  return it == max_in_flight_.end() ? 0 : it->second;
}

absl::StatusOr<MediaChunk> ScriptedChunkSource::GetChunk(const std::string& corp_id,
                                                         const std::string& sdkfileid,
                                                         const std::string& indexbuf) {
  absl::MutexLock lock(&mu_);
  ++calls_[sdkfileid];
  if (indexbuf.empty()) started_.push_back(sdkfileid);
  int& in_flight = in_flight_[corp_id];
  max_in_flight_[corp_id] = std::max(max_in_flight_[corp_id], ++in_flight);
  max_in_flight_total_ = std::max(max_in_flight_total_, ++in_flight_total_);
  absl::Status after_hold;
  if (auto held = held_.find(sdkfileid); held != held_.end() && !held->second.released) {
    held->second.waiting = true;
    auto released = [this, &held]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return held->second.released || released_all_;
    };
    mu_.Await(absl::Condition(&released));
    after_hold = held->second.after;
    held_.erase(held);
  }
  absl::StatusOr<MediaChunk> answer =
      after_hold.ok() ? Answer(sdkfileid, indexbuf) : absl::StatusOr<MediaChunk>(after_hold);
  --in_flight_[corp_id];
  --in_flight_total_;
  return answer;
}

absl::StatusOr<MediaChunk> ScriptedChunkSource::Answer(const std::string& sdkfileid,
                                                       const std::string& indexbuf) {
  auto content = contents_.find(sdkfileid);
  if (content == contents_.end()) {
    wecom::common::v1::VendorError error;
    error.set_vendor("finance-sdk");
    error.set_code(10005);
    error.set_message("no such sdkfileid");
    return VendorFailure(absl::StatusCode::kInvalidArgument, error);
  }
  // indexbuf is the offset of the piece, in decimal.
  size_t offset = 0;
  if (!indexbuf.empty()) offset = std::stoul(indexbuf);
  const std::string& bytes = content->second;
  MediaChunk chunk;
  chunk.data = bytes.substr(offset, piece_size_);
  const size_t next = offset + chunk.data.size();
  chunk.is_finish = next >= bytes.size();
  if (!chunk.is_finish) chunk.outindexbuf = std::to_string(next);
  return chunk;
}

void RecordingJobObserver::OnJobCounts(const JobCounts& counts, uint64_t blob_count,
                                       uint64_t blob_bytes) {
  absl::MutexLock lock(&mu_);
  counts_ = counts;
  blob_count_ = blob_count;
  blob_bytes_ = blob_bytes;
  ++generation_;
}

void RecordingJobObserver::OnQueueDepth(const std::string& corp_id, size_t depth) {
  absl::MutexLock lock(&mu_);
  depths_[corp_id] = depth;
  ++generation_;
}

bool RecordingJobObserver::WaitUntil(const std::function<bool()>& done, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    uint64_t seen;
    {
      absl::MutexLock lock(&mu_);
      seen = generation_;
    }
    // Checked without the lock: `done` may read the store, and a publication
    // after this check moves the generation past `seen`.
    if (done()) return true;
    absl::MutexLock lock(&mu_);
    auto moved = [this, seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return generation_ != seen; };
    if (!mu_.AwaitWithDeadline(absl::Condition(&moved), deadline)) return false;
  }
}

JobCounts RecordingJobObserver::counts() const {
  absl::MutexLock lock(&mu_);
  return counts_;
}

uint64_t RecordingJobObserver::blob_count() const {
  absl::MutexLock lock(&mu_);
  return blob_count_;
}

uint64_t RecordingJobObserver::blob_bytes() const {
  absl::MutexLock lock(&mu_);
  return blob_bytes_;
}

int64_t RecordingJobObserver::depth(const std::string& corp_id) const {
  absl::MutexLock lock(&mu_);
  auto it = depths_.find(corp_id);
  return it == depths_.end() ? -1 : static_cast<int64_t>(it->second);
}

void ReturnsInTime(const std::function<void()>& call, absl::Duration timeout) {
  absl::Notification returned;
  std::thread thread([&] {
    call();
    returned.Notify();
  });
  if (!returned.WaitForNotificationWithTimeout(timeout)) {
    std::fprintf(stderr, "a call did not return within %s\n",
                 absl::FormatDuration(timeout).c_str());
    std::abort();
  }
  thread.join();
}

v1::MediaJob NewJob(const std::string& corp_id, const std::string& sdkfileid) {
  v1::MediaJob job;
  job.set_corp_id(corp_id);
  job.set_sdkfileid(sdkfileid);
  return job;
}

JobCounts NonZero(JobCounts counts) {
  std::erase_if(counts, [](const auto& entry) { return entry.second == 0; });
  return counts;
}

absl::StatusOr<std::unique_ptr<SchedulerWorld>> SchedulerWorld::Create(
    FetchSchedulerOptions options) {
  ASSIGN_OR_RETURN(wecom::testing::TempDir dir, wecom::testing::TempDir::Create("media_jobs_"));
  std::unique_ptr<SchedulerWorld> world(new SchedulerWorld(std::move(dir), options));
  ASSIGN_OR_RETURN(world->store_, MediaJobStore::Open(world->dir() + "/jobs"));
  ASSIGN_OR_RETURN(world->blobs_, LocalBlobStore::Open(world->dir() + "/blobs"));
  const std::string staging = world->dir() + "/staging";
  std::error_code error;
  std::filesystem::create_directories(staging, error);
  if (error) return absl::InternalError(absl::StrCat("creating ", staging, ": ", error.message()));
  // Transient errors wait on the fake clock: a fetch they hit stays in its
  // backoff until cancelled or the test moves the clock.
  MediaFetcherOptions fetcher_options{
      .staging_dir = staging,
      .max_attempts = 1,
      .piece_retry = {.initial = absl::Seconds(1), .max = absl::Seconds(1), .max_attempts = 0}};
  world->fetcher_ = std::make_unique<MediaFetcher>(&world->source_, world->blobs_.get(),
                                                   &world->clock_, fetcher_options);
  world->RestartScheduler();
  return world;
}

SchedulerWorld::~SchedulerWorld() {
  // A worker held in the source would never return to be joined.
  source_.ReleaseAll();
  if (scheduler_ != nullptr) scheduler_->Stop();
}

void SchedulerWorld::RestartScheduler() {
  if (scheduler_ != nullptr) scheduler_->Stop();
  scheduler_ =
      std::make_unique<FetchScheduler>(store_.get(), fetcher_.get(), &clock_, options_, &observer_);
}

bool SchedulerWorld::AwaitState(const std::string& corp_id, const std::string& sdkfileid,
                                v1::MediaState state) {
  return observer_.WaitUntil([&] { return StateOf(corp_id, sdkfileid) == state; });
}

v1::MediaState SchedulerWorld::StateOf(const std::string& corp_id, const std::string& sdkfileid) {
  absl::StatusOr<v1::MediaJob> job = store_->Get(corp_id, sdkfileid);
  return job.ok() ? job->state() : v1::MEDIA_STATE_UNSPECIFIED;
}

absl::Status SchedulerWorld::SubmitAll(const std::string& corp_id,
                                       const std::vector<std::string>& sdkfileids) {
  std::vector<v1::MediaJob> jobs;
  for (const std::string& id : sdkfileids) jobs.push_back(NewJob(corp_id, id));
  return scheduler_->Submit(std::move(jobs)).status();
}

}  // namespace wecom::media::testing
