#include "services/media/follow/media_follower.h"

#include <utility>
#include <vector>

#include "common/log/log.h"
#include "common/status/status_macros.h"
#include "services/media/jobs/media_job.h"

namespace wecom::media {

using wecom::archive::v1::StreamEvent;
using wecom::archive::v1::StreamMessagesResponse;

MediaFollower::MediaFollower(ArchiveFeed* feed, FetchScheduler* scheduler, Clock* clock,
                             MediaFollowerOptions options)
    : feed_(feed), scheduler_(scheduler), clock_(clock), options_(std::move(options)) {}

MediaFollower::~MediaFollower() { Stop(); }

void MediaFollower::Start() {
  thread_ = std::thread([this] { Run(); });
}

void MediaFollower::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (subscription_ != nullptr) subscription_->Cancel();
  }
  if (thread_.joinable()) thread_.join();
}

void MediaFollower::Run() {
  Backoff backoff(options_.reconnect);
  while (true) {
    std::unique_ptr<ArchiveFeed::Subscription> subscription;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      subscription = feed_->Subscribe(options_.corp_id, options_.consumer);
      subscription_ = subscription.get();
    }
    StreamMessagesResponse response;
    absl::Status consumed = absl::OkStatus();
    while (consumed.ok() && subscription->Read(&response)) {
      consumed = Consume(response);
      if (consumed.ok()) backoff.Reset();
    }
    subscription->Cancel();  // after a failed Consume; harmless when it ended by itself
    absl::Status ended = subscription->Finish();
    absl::MutexLock lock(&mu_);
    subscription_ = nullptr;
    if (stopping_) return;
    log::Warn(
        "media_follow_interrupted",
        {{"corp", options_.corp_id}, {"error", (consumed.ok() ? ended : consumed).ToString()}});
    clock_->SleepFor(backoff.Next(), &mu_, &stopping_);
  }
}

absl::Status MediaFollower::Consume(const StreamMessagesResponse& response) {
  if (response.events().empty()) return absl::OkStatus();
  std::vector<v1::MediaJob> jobs;
  for (const StreamEvent& event : response.events()) {
    for (const wecom::archive::v1::MediaRef& media : event.message().message().media()) {
      absl::StatusOr<v1::MediaJob> job =
          NewMediaJob(options_.corp_id, media, event.message().msgid());
      if (!job.ok()) {
        // The archive derived it; one bad reference must not stop the corp.
        log::Warn("media_reference_skipped",
                  {{"corp", options_.corp_id}, {"error", job.status().ToString()}});
        continue;
      }
      jobs.push_back(*std::move(job));
    }
  }
  if (!jobs.empty()) RETURN_IF_ERROR(scheduler_->Submit(std::move(jobs)).status());
  const uint64_t position = response.events().rbegin()->position();
  if (position == 0) return absl::OkStatus();  // caught up on an empty archive
  RETURN_IF_ERROR(feed_->Ack(options_.corp_id, options_.consumer, position));
  if (options_.on_acked) options_.on_acked(position);
  return absl::OkStatus();
}

}  // namespace wecom::media
