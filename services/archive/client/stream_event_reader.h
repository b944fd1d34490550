// For ArchiveService clients: reads a StreamMessages call one event at a time,
// whatever the batching of its responses.
#pragma once

#include <utility>

#include "grpcpp/support/sync_stream.h"
#include "wecom/archive/v1/archive_service.pb.h"

namespace wecom::archive {

class StreamEventReader {
 public:
  explicit StreamEventReader(
      grpc::ClientReaderInterface<wecom::archive::v1::StreamMessagesResponse>* reader)
      : reader_(reader) {}

  // Moves the next event into *event; false once the stream has ended (the
  // caller then takes its status from the reader's Finish()).
  bool Next(wecom::archive::v1::StreamEvent* event) {
    while (next_ >= response_.events_size()) {
      if (!reader_->Read(&response_)) return false;
      next_ = 0;
    }
    *event = std::move(*response_.mutable_events(next_++));
    return true;
  }

 private:
  grpc::ClientReaderInterface<wecom::archive::v1::StreamMessagesResponse>* reader_;
  wecom::archive::v1::StreamMessagesResponse response_;
  int next_ = 0;
};

}  // namespace wecom::archive
