// The MediaService RPCs as a plain class: each validates its request
// (INVALID_ARGUMENT naming the field, counted in a metric) and calls the
// scheduler, the job store or the blob store. The gRPC layer only converts.
#pragma once

#include <functional>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "common/sharding/shard_placement.h"
#include "services/media/blob/blob_store.h"
#include "services/media/jobs/fetch_scheduler.h"
#include "services/media/jobs/media_job_store.h"
#include "services/media/metrics/media_metrics.h"
#include "wecom/media/v1/media_service.pb.h"

namespace wecom::media {

class MediaApi {
 public:
  // Takes one response; returns false when the client is gone.
  using DownloadSink = std::function<bool(const v1::DownloadMediaResponse&)>;

  MediaApi(FetchScheduler* scheduler, MediaJobStore* jobs, BlobStore* blobs, MediaMetrics* metrics,
           absl::flat_hash_set<std::string> corps, ShardPlacement placement = {})
      : scheduler_(scheduler),
        jobs_(jobs),
        blobs_(blobs),
        metrics_(metrics),
        corps_(std::move(corps)),
        placement_(std::move(placement)) {}

  absl::StatusOr<v1::FetchMediaResponse> FetchMedia(const v1::FetchMediaRequest& request);
  absl::StatusOr<v1::GetMediaResponse> GetMedia(const v1::GetMediaRequest& request);
  absl::Status DownloadMedia(const v1::DownloadMediaRequest& request, const DownloadSink& sink);
  absl::StatusOr<v1::ListMediaResponse> ListMedia(const v1::ListMediaRequest& request);
  absl::StatusOr<v1::RetryMediaResponse> RetryMedia(const v1::RetryMediaRequest& request);

 private:
  // INVALID_ARGUMENT for an empty corp_id, FAILED_PRECONDITION for one another
  // pod serves, NOT_FOUND for one no pod does.
  absl::Status CheckCorp(const std::string& method, const std::string& corp_id);
  absl::Status CheckSdkFileId(const std::string& method, const std::string& sdkfileid);
  // Counts INVALID_ARGUMENT answers by method and the field they name.
  absl::Status Counted(const std::string& method, absl::Status status);

  FetchScheduler* scheduler_;
  MediaJobStore* jobs_;
  BlobStore* blobs_;
  MediaMetrics* metrics_;
  // The corps this process serves; with sharding, those of its ordinal.
  const absl::flat_hash_set<std::string> corps_;
  const ShardPlacement placement_;
};

}  // namespace wecom::media
