#include "services/media/server/media_grpc_service.h"

#include "common/grpc/status.h"

namespace wecom::media {

grpc::Status MediaGrpcService::FetchMedia(grpc::ServerContext* context,
                                          const v1::FetchMediaRequest* request,
                                          v1::FetchMediaResponse* response) {
  return ToGrpcResponse(api_->FetchMedia(*request), context, response);
}

grpc::Status MediaGrpcService::GetMedia(grpc::ServerContext* context,
                                        const v1::GetMediaRequest* request,
                                        v1::GetMediaResponse* response) {
  return ToGrpcResponse(api_->GetMedia(*request), context, response);
}

grpc::Status MediaGrpcService::DownloadMedia(
    grpc::ServerContext* context, const v1::DownloadMediaRequest* request,
    grpc::ServerWriter<v1::DownloadMediaResponse>* writer) {
  absl::Status status =
      api_->DownloadMedia(*request, [writer, context](const v1::DownloadMediaResponse& r) {
        return !context->IsCancelled() && writer->Write(r);
      });
  return ToGrpcStatus(status, context);
}

grpc::Status MediaGrpcService::ListMedia(grpc::ServerContext* context,
                                         const v1::ListMediaRequest* request,
                                         v1::ListMediaResponse* response) {
  return ToGrpcResponse(api_->ListMedia(*request), context, response);
}

grpc::Status MediaGrpcService::RetryMedia(grpc::ServerContext* context,
                                          const v1::RetryMediaRequest* request,
                                          v1::RetryMediaResponse* response) {
  return ToGrpcResponse(api_->RetryMedia(*request), context, response);
}

}  // namespace wecom::media
