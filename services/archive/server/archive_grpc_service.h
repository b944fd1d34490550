// The gRPC face of ArchiveApi: converts and forwards, nothing more.
#pragma once

#include "services/archive/api/archive_api.h"
#include "wecom/archive/v1/archive_service.grpc.pb.h"

namespace wecom::archive {

class ArchiveGrpcService final : public v1::ArchiveService::Service {
 public:
  explicit ArchiveGrpcService(ArchiveApi* api) : api_(api) {}

  grpc::Status StreamMessages(grpc::ServerContext* context,
                              const v1::StreamMessagesRequest* request,
                              grpc::ServerWriter<v1::StreamMessagesResponse>* writer) override;
  grpc::Status AckMessages(grpc::ServerContext* context, const v1::AckMessagesRequest* request,
                           v1::AckMessagesResponse* response) override;
  grpc::Status GetMessage(grpc::ServerContext* context, const v1::GetMessageRequest* request,
                          v1::GetMessageResponse* response) override;
  grpc::Status ListMessages(grpc::ServerContext* context, const v1::ListMessagesRequest* request,
                            v1::ListMessagesResponse* response) override;
  grpc::Status GetRobotInfo(grpc::ServerContext* context, const v1::GetRobotInfoRequest* request,
                            v1::GetRobotInfoResponse* response) override;
  grpc::Status GetGroupChat(grpc::ServerContext* context, const v1::GetGroupChatRequest* request,
                            v1::GetGroupChatResponse* response) override;
  grpc::Status GetCorpStatus(grpc::ServerContext* context, const v1::GetCorpStatusRequest* request,
                             v1::GetCorpStatusResponse* response) override;
  grpc::Status GetMediaChunk(grpc::ServerContext* context, const v1::GetMediaChunkRequest* request,
                             v1::GetMediaChunkResponse* response) override;

 private:
  ArchiveApi* api_;
};

}  // namespace wecom::archive
