#include "services/media/metrics/media_metrics.h"

#include "absl/strings/ascii.h"

namespace wecom::media {
namespace {

template <typename Builder>
auto& Build(Builder builder, const char* name, const char* help, prometheus::Registry& registry) {
  return builder.Name(name).Help(help).Register(registry);
}

std::string ResultLabel(const FetchResult& result) {
  switch (result.outcome) {
    case FetchResult::Outcome::kDone:
      return "done";
    case FetchResult::Outcome::kFailed:
      return "failed";
    case FetchResult::Outcome::kCancelled:
      return "cancelled";
  }
  return "failed";
}

// MEDIA_STATE_DONE -> "done".
std::string StateLabel(v1::MediaState state) {
  std::string name = absl::AsciiStrToLower(v1::MediaState_Name(state));
  name.erase(0, std::string("media_state_").size());
  return name;
}

}  // namespace

MediaMetrics::MediaMetrics(prometheus::Registry& registry)
    : fetched_bytes_(Build(prometheus::BuildCounter(), "media_fetched_bytes_total",
                           "Media bytes fetched from the archive, rejected attempts included",
                           registry)),
      fetched_pieces_(Build(prometheus::BuildCounter(), "media_fetched_pieces_total",
                            "Media pieces (GetMediaChunk answers) fetched", registry)),
      md5_mismatches_(Build(prometheus::BuildCounter(), "media_md5_mismatches_total",
                            "Fetched files whose md5 disagreed with the message's md5sum",
                            registry)),
      size_mismatches_(Build(prometheus::BuildCounter(), "media_size_mismatches_total",
                             "Fetched files whose size disagreed with the message's", registry)),
      retries_(Build(prometheus::BuildCounter(), "media_fetch_retries_total",
                     "Pieces or files fetched again, by reason", registry)),
      fetch_duration_(Build(prometheus::BuildHistogram(), "media_fetch_duration_seconds",
                            "Time from a fetch's first piece to its end, by result", registry)),
      jobs_(Build(prometheus::BuildGauge(), "media_jobs", "Media jobs by state", registry)),
      queue_depth_(Build(prometheus::BuildGauge(), "media_queue_depth",
                         "Jobs waiting for a fetch slot", registry)),
      blobs_(Build(prometheus::BuildGauge(), "media_blobs",
                   "Distinct blobs (contents) in the blob store", registry)),
      blob_bytes_(Build(prometheus::BuildGauge(), "media_blob_store_bytes",
                        "Bytes of the distinct blobs in the blob store", registry)),
      follow_position_(Build(prometheus::BuildGauge(), "media_follow_position",
                             "The archive stream position automatic mode has acknowledged",
                             registry)),
      downloaded_bytes_(Build(prometheus::BuildCounter(), "media_downloaded_bytes_total",
                              "Verified bytes sent by DownloadMedia", registry)),
      rejected_requests_(Build(prometheus::BuildCounter(), "media_rejected_requests_total",
                               "Requests refused for a bad argument, by method and field",
                               registry)) {}

void MediaMetrics::OnPiece(const FetchTarget& target, uint64_t bytes) {
  fetched_pieces_.Add({{"corp", target.corp_id}}).Increment();
  fetched_bytes_.Add({{"corp", target.corp_id}}).Increment(static_cast<double>(bytes));
}

void MediaMetrics::InitCorp(const std::string& corp_id) {
  for (v1::MediaState state : {v1::MEDIA_STATE_QUEUED, v1::MEDIA_STATE_FETCHING,
                               v1::MEDIA_STATE_DONE, v1::MEDIA_STATE_FAILED}) {
    jobs_.Add({{"corp", corp_id}, {"state", StateLabel(state)}});
  }
  md5_mismatches_.Add({{"corp", corp_id}});
  size_mismatches_.Add({{"corp", corp_id}});
  for (RetryReason reason : {RetryReason::kTransient, RetryReason::kRateLimited,
                             RetryReason::kMd5Mismatch, RetryReason::kSizeMismatch}) {
    retries_.Add({{"corp", corp_id}, {"reason", std::string(RetryReasonLabel(reason))}});
  }
  downloaded_bytes_.Add({{"corp", corp_id}});
  queue_depth_.Add({{"corp", corp_id}});
}

void MediaMetrics::OnMd5Mismatch(const FetchTarget& target) {
  md5_mismatches_.Add({{"corp", target.corp_id}}).Increment();
}

void MediaMetrics::OnSizeMismatch(const FetchTarget& target) {
  size_mismatches_.Add({{"corp", target.corp_id}}).Increment();
}

void MediaMetrics::OnRetry(const FetchTarget& target, RetryReason reason) {
  retries_.Add({{"corp", target.corp_id}, {"reason", std::string(RetryReasonLabel(reason))}})
      .Increment();
}

void MediaMetrics::OnFinished(const FetchTarget& target, const FetchResult& result,
                              absl::Duration elapsed) {
  fetch_duration_
      .Add({{"corp", target.corp_id}, {"result", ResultLabel(result)}},
           prometheus::Histogram::BucketBoundaries{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
                                                   60, 120, 300})
      .Observe(absl::ToDoubleSeconds(elapsed));
}

void MediaMetrics::OnJobCounts(const JobCounts& counts, uint64_t blob_count, uint64_t blob_bytes) {
  for (const auto& [key, count] : counts) {
    const auto& [corp, state] = key;
    jobs_.Add({{"corp", corp}, {"state", StateLabel(state)}}).Set(static_cast<double>(count));
  }
  blobs_.Add({}).Set(static_cast<double>(blob_count));
  blob_bytes_.Add({}).Set(static_cast<double>(blob_bytes));
}

void MediaMetrics::OnQueueDepth(const std::string& corp_id, size_t depth) {
  queue_depth_.Add({{"corp", corp_id}}).Set(static_cast<double>(depth));
}

prometheus::Gauge& MediaMetrics::FollowPosition(const std::string& corp_id) {
  return follow_position_.Add({{"corp", corp_id}});
}

prometheus::Counter& MediaMetrics::DownloadedBytes(const std::string& corp_id) {
  return downloaded_bytes_.Add({{"corp", corp_id}});
}

prometheus::Counter& MediaMetrics::RejectedRequests(const std::string& method,
                                                    const std::string& field) {
  return rejected_requests_.Add({{"grpc_method", method}, {"field", field}});
}

}  // namespace wecom::media
