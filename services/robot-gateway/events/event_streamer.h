// StreamEvents without gRPC: replays the EventLog from the requested start,
// then follows it live, filtered by account, vendor and type.
#pragma once

#include <functional>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/robot-gateway/events/event_log.h"
#include "wecom/robot/v1/events_service.pb.h"

namespace wecom::robot {

class EventStreamer {
 public:
  // Takes one response of one or more events; returns false when the client
  // is gone.
  using Sink = std::function<bool(const wecom::robot::v1::StreamEventsResponse&)>;
  using Cancelled = std::function<bool()>;

  explicit EventStreamer(EventLog* log,
                         absl::Duration cancel_check_interval = absl::Milliseconds(250))
      : log_(log), cancel_check_interval_(cancel_check_interval) {}

  // Runs until the client goes away or is cancelled (then OK), or a store
  // error. The request must already be validated. Responses carry up to about
  // 1 MiB of events that were ready; the one that ends the stored history has
  // caught_up set (even when it carries no events).
  absl::Status Stream(const wecom::robot::v1::StreamEventsRequest& request, const Sink& sink,
                      const Cancelled& cancelled);

 private:
  EventLog* log_;
  const absl::Duration cancel_check_interval_;
};

}  // namespace wecom::robot
