// The media service's link to the archive service over gRPC: media pieces
// through GetMediaChunk, and the message stream for automatic mode.
#pragma once

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "services/media/fetch/media_chunk_source.h"
#include "services/media/follow/archive_feed.h"
#include "wecom/archive/v1/archive_service.grpc.pb.h"

namespace wecom::media {

class ArchiveChunkSource final : public MediaChunkSource {
 public:
  // `deadline` bounds each GetMediaChunk call.
  ArchiveChunkSource(std::shared_ptr<wecom::archive::v1::ArchiveService::StubInterface> stub,
                     absl::Duration deadline)
      : stub_(std::move(stub)), deadline_(deadline) {}

  // The archive's status, with its VendorError trailer attached.
  absl::StatusOr<MediaChunk> GetChunk(const std::string& corp_id, const std::string& sdkfileid,
                                      const std::string& indexbuf) override;

 private:
  std::shared_ptr<wecom::archive::v1::ArchiveService::StubInterface> stub_;
  const absl::Duration deadline_;
};

class GrpcArchiveFeed final : public ArchiveFeed {
 public:
  // `ack_deadline` bounds each AckMessages call.
  GrpcArchiveFeed(std::shared_ptr<wecom::archive::v1::ArchiveService::StubInterface> stub,
                  absl::Duration ack_deadline)
      : stub_(std::move(stub)), ack_deadline_(ack_deadline) {}

  std::unique_ptr<Subscription> Subscribe(const std::string& corp_id,
                                          const std::string& consumer) override;
  absl::Status Ack(const std::string& corp_id, const std::string& consumer,
                   uint64_t position) override;

 private:
  std::shared_ptr<wecom::archive::v1::ArchiveService::StubInterface> stub_;
  const absl::Duration ack_deadline_;
};

}  // namespace wecom::media
