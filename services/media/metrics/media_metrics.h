// The media service's Prometheus metrics. Labels stay low-cardinality: corp
// ids, states, reasons and results; never an sdkfileid.
#pragma once

#include <string>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "services/media/fetch/media_fetcher.h"
#include "services/media/jobs/fetch_scheduler.h"

namespace wecom::media {

class MediaMetrics final : public FetchObserver, public JobObserver {
 public:
  explicit MediaMetrics(prometheus::Registry& registry);

  // Creates the corp's series at 0 (jobs in every state, mismatches, retries
  // by reason, downloads, queue depth), so a first failure is an increase
  // rate() and the job alerts see, and a healthy corp shows 0, not no data.
  void InitCorp(const std::string& corp_id);

  // FetchObserver
  void OnPiece(const FetchTarget& target, uint64_t bytes) override;
  void OnMd5Mismatch(const FetchTarget& target) override;
  void OnSizeMismatch(const FetchTarget& target) override;
  void OnRetry(const FetchTarget& target, RetryReason reason) override;
  void OnFinished(const FetchTarget& target, const FetchResult& result,
                  absl::Duration elapsed) override;

  // JobObserver
  void OnJobCounts(const JobCounts& counts, uint64_t blob_count, uint64_t blob_bytes) override;
  void OnQueueDepth(const std::string& corp_id, size_t depth) override;

  // The archive stream position automatic mode has acknowledged.
  prometheus::Gauge& FollowPosition(const std::string& corp_id);
  // DownloadMedia bytes sent.
  prometheus::Counter& DownloadedBytes(const std::string& corp_id);
  // Requests refused for a bad argument, by method and field.
  prometheus::Counter& RejectedRequests(const std::string& method, const std::string& field);

 private:
  prometheus::Family<prometheus::Counter>& fetched_bytes_;
  prometheus::Family<prometheus::Counter>& fetched_pieces_;
  prometheus::Family<prometheus::Counter>& md5_mismatches_;
  prometheus::Family<prometheus::Counter>& size_mismatches_;
  prometheus::Family<prometheus::Counter>& retries_;
  prometheus::Family<prometheus::Histogram>& fetch_duration_;
  prometheus::Family<prometheus::Gauge>& jobs_;
  prometheus::Family<prometheus::Gauge>& queue_depth_;
  prometheus::Family<prometheus::Gauge>& blobs_;
  prometheus::Family<prometheus::Gauge>& blob_bytes_;
  prometheus::Family<prometheus::Gauge>& follow_position_;
  prometheus::Family<prometheus::Counter>& downloaded_bytes_;
  prometheus::Family<prometheus::Counter>& rejected_requests_;
};

}  // namespace wecom::media
