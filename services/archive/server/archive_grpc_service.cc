#include "services/archive/server/archive_grpc_service.h"

#include "common/grpc/status.h"

namespace wecom::archive {
namespace {

// Runs a unary ArchiveApi method and converts its result.
template <typename Request, typename Response, typename Method>
grpc::Status Unary(grpc::ServerContext* context, ArchiveApi* api, Method method,
                   const Request* request, Response* response) {
  absl::StatusOr<Response> result = (api->*method)(*request);
  if (!result.ok()) return ToGrpcStatus(result.status(), context);
  *response = *std::move(result);
  return grpc::Status::OK;
}

}  // namespace

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
  return Unary(context, api_, &ArchiveApi::AckMessages, request, response);
}

grpc::Status ArchiveGrpcService::GetMessage(grpc::ServerContext* context,
                                            const v1::GetMessageRequest* request,
                                            v1::GetMessageResponse* response) {
  return Unary(context, api_, &ArchiveApi::GetMessage, request, response);
}

grpc::Status ArchiveGrpcService::ListMessages(grpc::ServerContext* context,
                                              const v1::ListMessagesRequest* request,
                                              v1::ListMessagesResponse* response) {
  return Unary(context, api_, &ArchiveApi::ListMessages, request, response);
}

grpc::Status ArchiveGrpcService::GetRobotInfo(grpc::ServerContext* context,
                                              const v1::GetRobotInfoRequest* request,
                                              v1::GetRobotInfoResponse* response) {
  return Unary(context, api_, &ArchiveApi::GetRobotInfo, request, response);
}

grpc::Status ArchiveGrpcService::GetGroupChat(grpc::ServerContext* context,
                                              const v1::GetGroupChatRequest* request,
                                              v1::GetGroupChatResponse* response) {
  return Unary(context, api_, &ArchiveApi::GetGroupChat, request, response);
}

grpc::Status ArchiveGrpcService::GetCorpStatus(grpc::ServerContext* context,
                                               const v1::GetCorpStatusRequest* request,
                                               v1::GetCorpStatusResponse* response) {
  return Unary(context, api_, &ArchiveApi::GetCorpStatus, request, response);
}

grpc::Status ArchiveGrpcService::GetMediaChunk(grpc::ServerContext* context,
                                               const v1::GetMediaChunkRequest* request,
                                               v1::GetMediaChunkResponse* response) {
  return Unary(context, api_, &ArchiveApi::GetMediaChunk, request, response);
}

}  // namespace wecom::archive
