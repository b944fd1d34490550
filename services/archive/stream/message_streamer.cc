#include "services/archive/stream/message_streamer.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/time/clock.h"
#include "common/status/status_macros.h"

namespace wecom::archive {

using wecom::archive::v1::ArchivedMessage;
using wecom::archive::v1::StreamMessagesRequest;
using wecom::archive::v1::StreamMessagesResponse;

namespace {

constexpr size_t kReadBatch = 512;

// Filters see decrypted content only; an undecryptable message always passes,
// since nobody can tell yet what it is.
bool Matches(const StreamMessagesRequest& request, const ArchivedMessage& archived) {
  if (archived.status() != wecom::archive::v1::DECRYPT_STATUS_DECRYPTED) return true;
  const auto& m = archived.message();
  if (!request.msgtypes().empty() && std::find(request.msgtypes().begin(), request.msgtypes().end(),
                                               m.msgtype()) == request.msgtypes().end()) {
    return false;
  }
  if (!request.conversation_id().empty() && m.conversation_id() != request.conversation_id()) {
    return false;
  }
  if (!request.sender().empty() && m.from() != request.sender()) return false;
  return true;
}

// Keeps the subscriber gauge right on every exit path.
class SubscriberCount {
 public:
  explicit SubscriberCount(prometheus::Gauge& gauge) : gauge_(gauge) { gauge_.Increment(); }
  ~SubscriberCount() { gauge_.Decrement(); }

 private:
  prometheus::Gauge& gauge_;
};

}  // namespace

absl::Status MessageStreamer::Stream(const StreamMessagesRequest& request, const Sink& sink,
                                     const Cancelled& cancelled) {
  const std::string& corp = request.corp_id();
  SubscriberCount subscriber(metrics_->StreamSubscribers(corp));

  uint64_t position = 0;
  if (request.start_case() == StreamMessagesRequest::kConsumer) {
    ASSIGN_OR_RETURN(position, store_->ConsumerPosition(corp, request.consumer()));
  } else {
    ASSIGN_OR_RETURN(position, store_->PositionAtOrBeforeSeq(corp, request.after_seq()));
  }
  const uint64_t start = position;
  // Messages this stream sent undecrypted; their recovery is news to it.
  absl::flat_hash_set<uint64_t> sent_undecrypted;
  bool caught_up = false;

  while (!cancelled()) {
    ASSIGN_OR_RETURN(std::vector<LogEntry> entries, store_->ReadLog(corp, position, kReadBatch));
    for (LogEntry& entry : entries) {
      position = entry.position;
      const ArchivedMessage& message = entry.message;
      StreamMessagesResponse response;
      if (entry.kind == LogKind::kRecovered) {
        // A stream that got the placeholder learns what it became, whatever
        // its filters say; one that started after the placeholder sees the
        // message here for the first time, so its filters apply.
        const bool sent_placeholder = sent_undecrypted.erase(message.seq()) > 0;
        if (!sent_placeholder && message.position() > start) continue;  // got it decrypted
        if (!sent_placeholder && !Matches(request, message)) continue;
        response.set_kind(StreamMessagesResponse::KIND_RECOVERED);
      } else {
        if (!Matches(request, message)) continue;
        response.set_kind(StreamMessagesResponse::KIND_ARCHIVED);
        if (message.status() != wecom::archive::v1::DECRYPT_STATUS_DECRYPTED) {
          sent_undecrypted.insert(message.seq());
        }
      }
      response.set_position(entry.position);
      *response.mutable_message() = std::move(entry.message);
      if (!sink(response)) return absl::OkStatus();
    }
    if (entries.size() == kReadBatch) continue;
    if (!caught_up) {
      caught_up = true;
      StreamMessagesResponse marker;
      marker.set_kind(StreamMessagesResponse::KIND_CAUGHT_UP);
      marker.set_position(position);
      if (!sink(marker)) return absl::OkStatus();
    }
    heads_->WaitBeyond(corp, position, absl::Now() + cancel_check_interval_);
  }
  return absl::OkStatus();
}

}  // namespace wecom::archive
