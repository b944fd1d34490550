#include "services/archive/server/archive_grpc_service.h"

#include "common/grpc/status.h"

namespace wecom::archive {

grpc::Status ArchiveGrpcService::StreamMessages(
    grpc::ServerContext* context, const v1::StreamMessagesRequest* request,
    grpc::ServerWriter<v1::StreamMessagesResponse>* writer) {
  absl::Status status = api_->StreamMessages(
      *request, [writer](const v1::StreamMessagesResponse& r) { return writer->Write(r); },
      [context] { return context->IsCancelled(); });
  return ToGrpcStatus(status, context);
}

grpc::Status ArchiveGrpcService::AckMessages(grpc::ServerContext* context,
                                             const v1::AckMessagesRequest* request,
                                             v1::AckMessagesResponse* response) {
  return ToGrpcResponse(api_->AckMessages(*request), context, response);
}

grpc::Status ArchiveGrpcService::GetMessage(grpc::ServerContext* context,
                                            const v1::GetMessageRequest* request,
                                            v1::GetMessageResponse* response) {
  return ToGrpcResponse(api_->GetMessage(*request), context, response);
}

grpc::Status ArchiveGrpcService::ListMessages(grpc::ServerContext* context,
                                              const v1::ListMessagesRequest* request,
                                              v1::ListMessagesResponse* response) {
  return ToGrpcResponse(api_->ListMessages(*request), context, response);
}

grpc::Status ArchiveGrpcService::GetRobotInfo(grpc::ServerContext* context,
                                              const v1::GetRobotInfoRequest* request,
                                              v1::GetRobotInfoResponse* response) {
  return ToGrpcResponse(api_->GetRobotInfo(*request), context, response);
}

grpc::Status ArchiveGrpcService::GetGroupChat(grpc::ServerContext* context,
                                              const v1::GetGroupChatRequest* request,
                                              v1::GetGroupChatResponse* response) {
  return ToGrpcResponse(api_->GetGroupChat(*request), context, response);
}

grpc::Status ArchiveGrpcService::GetCorpStatus(grpc::ServerContext* context,
                                               const v1::GetCorpStatusRequest* request,
                                               v1::GetCorpStatusResponse* response) {
  return ToGrpcResponse(api_->GetCorpStatus(*request), context, response);
}

grpc::Status ArchiveGrpcService::GetMediaChunk(grpc::ServerContext* context,
                                               const v1::GetMediaChunkRequest* request,
                                               v1::GetMediaChunkResponse* response) {
  return ToGrpcResponse(api_->GetMediaChunk(*request), context, response);
}

}  // namespace wecom::archive
