// MediaFollower is the automatic mode: it follows one corp's archive stream
// under a durable consumer name and queues a fetch for every media object a
// message refers to (ChatMessage.media: image, voice, video, file, emotion,
// mixed and chatrecord items, meeting_voice_call, voip_doc_share). It
// acknowledges a response's events only after their jobs are stored, so a
// restart resumes where it stopped without losing or refetching anything.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/retry/backoff.h"
#include "common/time/clock.h"
#include "services/media/follow/archive_feed.h"
#include "services/media/jobs/fetch_scheduler.h"

namespace wecom::media {

struct MediaFollowerOptions {
  std::string corp_id;
  // The durable consumer name at the archive.
  std::string consumer = "media";
  // Between reconnects after the stream failed (the archive restarting).
  BackoffPolicy reconnect = {.initial = absl::Milliseconds(200), .max = absl::Seconds(10)};
  // Told each stream position acknowledged (e.g. for a gauge); may be empty.
  std::function<void(uint64_t position)> on_acked;
};

class MediaFollower {
 public:
  // The pointers must outlive the follower.
  MediaFollower(ArchiveFeed* feed, FetchScheduler* scheduler, Clock* clock,
                MediaFollowerOptions options);
  ~MediaFollower();  // Stop()s

  void Start();
  void Stop();

 private:
  void Run();
  // Queues the media of one response's events and acknowledges them.
  absl::Status Consume(const wecom::archive::v1::StreamMessagesResponse& response);

  ArchiveFeed* const feed_;
  FetchScheduler* const scheduler_;
  Clock* const clock_;
  const MediaFollowerOptions options_;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  ArchiveFeed::Subscription* subscription_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::thread thread_;
};

}  // namespace wecom::media
