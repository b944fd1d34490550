#include "services/archive/stream/message_streamer.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/time/clock.h"
#include "common/status/status_macros.h"

namespace wecom::archive {

using wecom::archive::v1::ArchivedMessage;
using wecom::archive::v1::StreamEvent;
using wecom::archive::v1::StreamMessagesRequest;
using wecom::archive::v1::StreamMessagesResponse;

namespace {

constexpr size_t kReadBatch = 512;
// A response is sent once its messages' bulk passes this size, so that a
// replay of large messages still goes out in bounded pieces.
constexpr size_t kResponseBytes = 1 << 20;

// The bulk of a message: its JSON, decrypted or not.
size_t ApproximateBytes(const ArchivedMessage& message) {
  return message.message().original_json().size() + message.envelope().encrypt_chat_msg().size();
}

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

  // Events go out in responses of everything one store read produced, so a
  // replay costs one write per batch rather than per message.
  StreamMessagesResponse response;
  size_t response_bytes = 0;
  auto flush = [&] {
    if (response.events().empty()) return true;
    const bool delivered = sink(response);
    response.clear_events();
    response_bytes = 0;
    return delivered;
  };

  while (!cancelled()) {
    ASSIGN_OR_RETURN(std::vector<LogEntry> entries, store_->ReadLog(corp, position, kReadBatch));
    for (LogEntry& entry : entries) {
      position = entry.position;
      const ArchivedMessage& message = entry.message;
      StreamEvent::Kind kind;
      if (entry.kind == LogKind::kRecovered) {
        // A stream that got the placeholder learns what it became, whatever
        // its filters say; one that started after the placeholder sees the
        // message here for the first time, so its filters apply.
        const bool sent_placeholder = sent_undecrypted.erase(message.seq()) > 0;
        if (!sent_placeholder && message.position() > start) continue;  // got it decrypted
        if (!sent_placeholder && !Matches(request, message)) continue;
        kind = StreamEvent::KIND_RECOVERED;
      } else {
        if (!Matches(request, message)) continue;
        kind = StreamEvent::KIND_ARCHIVED;
        if (message.status() != wecom::archive::v1::DECRYPT_STATUS_DECRYPTED) {
          sent_undecrypted.insert(message.seq());
        }
      }
      StreamEvent* event = response.add_events();
      event->set_kind(kind);
      event->set_position(entry.position);
      response_bytes += ApproximateBytes(message);
      *event->mutable_message() = std::move(entry.message);
      if (response_bytes >= kResponseBytes && !flush()) return absl::OkStatus();
    }
    if (entries.size() == kReadBatch) {
      if (!flush()) return absl::OkStatus();
      continue;
    }
    if (!caught_up) {
      caught_up = true;
      StreamEvent* marker = response.add_events();
      marker->set_kind(StreamEvent::KIND_CAUGHT_UP);
      marker->set_position(position);
    }
    if (!flush()) return absl::OkStatus();
    heads_->WaitBeyond(corp, position, absl::Now() + cancel_check_interval_);
  }
  return absl::OkStatus();
}

}  // namespace wecom::archive
