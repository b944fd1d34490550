#include "services/robot-gateway/events/event_streamer.h"

#include <algorithm>

#include "absl/time/clock.h"
#include "common/status/status_macros.h"

namespace wecom::robot {

using wecom::robot::v1::Event;
using wecom::robot::v1::StreamEventsRequest;
using wecom::robot::v1::StreamEventsResponse;

namespace {

constexpr size_t kReadBatch = 512;
// A response is sent once its events pass this size, so that a replay still
// goes out in bounded pieces.
constexpr size_t kResponseBytes = 1 << 20;

template <typename List, typename Value>
bool ListAllows(const List& list, const Value& value) {
  return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
}

bool Matches(const StreamEventsRequest& request, const Event& event) {
  return ListAllows(request.account_ids(), event.account_id()) &&
         ListAllows(request.vendors(), event.vendor()) &&
         ListAllows(request.vendor_types(), event.vendor_type());
}

}  // namespace

absl::Status EventStreamer::Stream(const StreamEventsRequest& request, const Sink& sink,
                                   const Cancelled& cancelled) {
  uint64_t position = request.after_position();
  if (request.start_case() == StreamEventsRequest::kConsumer) {
    ASSIGN_OR_RETURN(position, log_->Cursor(request.consumer()));
  }
  bool caught_up = false;

  // Events go out in responses of everything one log read produced, so a
  // replay costs one write per batch rather than per event.
  StreamEventsResponse response;
  size_t response_bytes = 0;
  auto flush = [&] {
    if (response.events().empty() && !response.caught_up()) return true;
    const bool delivered = sink(response);
    response.Clear();
    response_bytes = 0;
    return delivered;
  };

  while (!cancelled()) {
    size_t read = 0;
    bool client_gone = false;
    RETURN_IF_ERROR(log_->ReadAfter(position, kReadBatch, [&](const Event& event) {
      ++read;
      position = event.position();
      if (!Matches(request, event)) return true;
      response_bytes += event.ByteSizeLong();
      *response.add_events() = event;
      if (response_bytes >= kResponseBytes && !flush()) {
        client_gone = true;
        return false;
      }
      return true;
    }));
    if (client_gone) return absl::OkStatus();
    if (read == kReadBatch) {
      if (!flush()) return absl::OkStatus();
      continue;
    }
    if (!caught_up) {
      caught_up = true;
      response.set_caught_up(true);
    }
    if (!flush()) return absl::OkStatus();
    log_->WaitBeyond(position, absl::Now() + cancel_check_interval_);
  }
  return absl::OkStatus();
}

}  // namespace wecom::robot
