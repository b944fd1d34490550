#include "services/media/archive_link/archive_link.h"

#include <chrono>

#include "absl/time/clock.h"
#include "common/grpc/status.h"

namespace wecom::media {
namespace {

using wecom::archive::v1::StreamMessagesResponse;

std::chrono::system_clock::time_point DeadlineIn(absl::Duration d) {
  return absl::ToChronoTime(absl::Now() + d);
}

class GrpcSubscription final : public ArchiveFeed::Subscription {
 public:
  GrpcSubscription(wecom::archive::v1::ArchiveService::StubInterface* stub,
                   const wecom::archive::v1::StreamMessagesRequest& request)
      : reader_(stub->StreamMessages(&context_, request)) {}
  ~GrpcSubscription() override {
    if (!finished_) {
      context_.TryCancel();
      reader_->Finish().IgnoreError();
    }
  }

  bool Read(StreamMessagesResponse* response) override { return reader_->Read(response); }
  absl::Status Finish() override {
    finished_ = true;
    return FromGrpcStatus(reader_->Finish(), context_);
  }
  void Cancel() override { context_.TryCancel(); }

 private:
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderInterface<StreamMessagesResponse>> reader_;
  bool finished_ = false;
};

}  // namespace

absl::StatusOr<MediaChunk> ArchiveChunkSource::GetChunk(const std::string& corp_id,
                                                        const std::string& sdkfileid,
                                                        const std::string& indexbuf) {
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(deadline_));
  wecom::archive::v1::GetMediaChunkRequest request;
  request.set_corp_id(corp_id);
  request.set_sdkfileid(sdkfileid);
  request.set_indexbuf(indexbuf);
  wecom::archive::v1::GetMediaChunkResponse response;
  grpc::Status status = stub_->GetMediaChunk(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status, context);
  return MediaChunk{.data = std::move(*response.mutable_data()),
                    .outindexbuf = std::move(*response.mutable_outindexbuf()),
                    .is_finish = response.is_finish()};
}

std::unique_ptr<ArchiveFeed::Subscription> GrpcArchiveFeed::Subscribe(const std::string& corp_id,
                                                                      const std::string& consumer) {
  wecom::archive::v1::StreamMessagesRequest request;
  request.set_corp_id(corp_id);
  request.set_consumer(consumer);
  return std::make_unique<GrpcSubscription>(stub_.get(), request);
}

absl::Status GrpcArchiveFeed::Ack(const std::string& corp_id, const std::string& consumer,
                                  uint64_t position) {
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(ack_deadline_));
  wecom::archive::v1::AckMessagesRequest request;
  request.set_corp_id(corp_id);
  request.set_consumer(consumer);
  request.set_position(position);
  wecom::archive::v1::AckMessagesResponse response;
  return FromGrpcStatus(stub_->AckMessages(&context, request, &response), context);
}

}  // namespace wecom::media
