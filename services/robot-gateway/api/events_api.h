// The Events RPCs as a plain class: StreamEvents validates its request
// (INVALID_ARGUMENT naming the field, counted) and runs the EventStreamer;
// AckEvents moves a consumer's cursor in the EventLog.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/robot-gateway/events/event_log.h"
#include "services/robot-gateway/events/event_streamer.h"
#include "services/robot-gateway/metrics/gateway_metrics.h"
#include "wecom/robot/v1/events_service.pb.h"

namespace wecom::robot {

class EventsApi {
 public:
  // `metrics` may be null; the others must outlive the API.
  EventsApi(EventLog* log, EventStreamer* streamer, GatewayMetrics* metrics)
      : log_(log), streamer_(streamer), metrics_(metrics) {}

  // Runs until the client goes away (see EventStreamer::Stream).
  absl::Status StreamEvents(const v1::StreamEventsRequest& request, const EventStreamer::Sink& sink,
                            const EventStreamer::Cancelled& cancelled);
  // A new consumer starts at 0; a position beyond the newest event is
  // INVALID_ARGUMENT.
  absl::StatusOr<v1::AckEventsResponse> AckEvents(const v1::AckEventsRequest& request);

 private:
  EventLog* log_;
  EventStreamer* streamer_;
  GatewayMetrics* metrics_;
};

}  // namespace wecom::robot
