// The gRPC face of MediaApi: converts and forwards, nothing more.
#pragma once

#include "services/media/api/media_api.h"
#include "wecom/media/v1/media_service.grpc.pb.h"

namespace wecom::media {

class MediaGrpcService final : public v1::MediaService::Service {
 public:
  explicit MediaGrpcService(MediaApi* api) : api_(api) {}

  grpc::Status FetchMedia(grpc::ServerContext* context, const v1::FetchMediaRequest* request,
                          v1::FetchMediaResponse* response) override;
  grpc::Status GetMedia(grpc::ServerContext* context, const v1::GetMediaRequest* request,
                        v1::GetMediaResponse* response) override;
  grpc::Status DownloadMedia(grpc::ServerContext* context, const v1::DownloadMediaRequest* request,
                             grpc::ServerWriter<v1::DownloadMediaResponse>* writer) override;
  grpc::Status ListMedia(grpc::ServerContext* context, const v1::ListMediaRequest* request,
                         v1::ListMediaResponse* response) override;
  grpc::Status RetryMedia(grpc::ServerContext* context, const v1::RetryMediaRequest* request,
                          v1::RetryMediaResponse* response) override;

 private:
  MediaApi* api_;
};

}  // namespace wecom::media
