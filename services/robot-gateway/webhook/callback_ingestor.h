// CallbackIngestor: what the webhook does with an accepted callback. A
// sent-message callback goes to the send dispatcher first (its event then
// names the send it echoes), a login or offline callback tells it the
// account's presence, a batch_msg_confirm is confirmed at once when
// configured, and the event is appended to the EventLog. A redelivery of a
// stored event changes nothing.
#pragma once

#include <functional>

#include "absl/status/status.h"
#include "services/robot-gateway/events/event_log.h"
#include "services/robot-gateway/metrics/gateway_metrics.h"
#include "services/robot-gateway/outbox/send_dispatcher.h"
#include "services/robot-gateway/platform/robot_platform.h"
#include "services/robot-gateway/webhook/webhook_server.h"

namespace wecom::robot {

class CallbackIngestor : public VendorEventSink {
 public:
  // The platform serving a vendor, or null.
  using PlatformLookup = std::function<RobotPlatform*(wecom::robot::v1::Vendor)>;

  struct Options {
    // Confirm batch_msg_confirm with RobotPlatform::ConfirmBatchMessages.
    bool auto_confirm_batch_messages = false;
  };

  // `outcomes` may be null (no sends to reconcile). Everything must outlive
  // the ingestor.
  CallbackIngestor(EventLog* log, SendOutcomeSink* outcomes, PlatformLookup platforms,
                   GatewayMetrics* metrics, Options options)
      : log_(log),
        outcomes_(outcomes),
        platforms_(std::move(platforms)),
        metrics_(metrics),
        options_(options) {}

  // Fails (so the vendor delivers again) when the event or the send outcome
  // could not be stored; a failed auto-confirmation is logged and the event
  // stored without auto_confirmed.
  absl::Status Deliver(VendorEvent callback) override;

 private:
  // Confirms the event's account's batch messages; true when that worked.
  bool ConfirmBatch(const wecom::robot::v1::Event& event);

  EventLog* const log_;
  SendOutcomeSink* const outcomes_;
  const PlatformLookup platforms_;
  GatewayMetrics* const metrics_;
  const Options options_;
};

}  // namespace wecom::robot
