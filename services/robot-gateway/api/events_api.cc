#include "services/robot-gateway/api/events_api.h"

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "services/robot-gateway/api/request_check.h"

namespace wecom::robot {

absl::Status EventsApi::StreamEvents(const v1::StreamEventsRequest& request,
                                     const EventStreamer::Sink& sink,
                                     const EventStreamer::Cancelled& cancelled) {
  const RequestCheck check("StreamEvents", metrics_);
  if (request.start_case() == v1::StreamEventsRequest::kConsumer) {
    RETURN_IF_ERROR(check.ConsumerName("consumer", request.consumer()));
  }
  for (int i = 0; i < request.account_ids_size(); ++i) {
    RETURN_IF_ERROR(
        check.Account(absl::StrCat("account_ids[", i, "]"), request.account_ids(i)).status());
  }
  for (int i = 0; i < request.vendors_size(); ++i) {
    RETURN_IF_ERROR(check.Vendor(absl::StrCat("vendors[", i, "]"), request.vendors(i)));
  }
  for (int i = 0; i < request.vendor_types_size(); ++i) {
    if (request.vendor_types(i).empty()) {
      return check.Invalid(absl::StrCat("vendor_types[", i, "]"), "must not be empty");
    }
  }
  return streamer_->Stream(request, sink, cancelled);
}

absl::StatusOr<v1::AckEventsResponse> EventsApi::AckEvents(const v1::AckEventsRequest& request) {
  const RequestCheck check("AckEvents", metrics_);
  RETURN_IF_ERROR(check.ConsumerName("consumer", request.consumer()));
  absl::StatusOr<uint64_t> cursor = log_->Ack(request.consumer(), request.position());
  // The log refuses a position beyond its newest event.
  if (absl::IsInvalidArgument(cursor.status())) {
    return check.Invalid("position", cursor.status().message());
  }
  RETURN_IF_ERROR(cursor.status());
  v1::AckEventsResponse response;
  response.set_position(*cursor);
  return response;
}

}  // namespace wecom::robot
