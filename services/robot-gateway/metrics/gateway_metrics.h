// The robot gateway's Prometheus metrics. Labels stay low-cardinality:
// vendors, APIs, states, event types and reasons, and on the sending metrics
// the robot account (a paid seat: tens to hundreds per deployment, the unit
// operators pace and unblock); never a contact, conversation or message id.
#pragma once

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "wecom/robot/v1/robot.pb.h"

namespace wecom::robot {

// How a vendor's events reach the gateway, which decides which of its series
// can ever move.
struct VendorEventChannels {
  bool webhook = false;      // it POSTs callbacks to the webhook (quntool)
  bool push_socket = false;  // it pushes over a socket (yjiyun's socket.io)
};

class GatewayMetrics {
 public:
  explicit GatewayMetrics(prometheus::Registry& registry);

  // Creates the vendor's series whose label values are known at 0 (sends by
  // state, pacing waits, throttles, overdue echoes, duplicates; the webhook's
  // rejects or the socket's connects, disconnects, gap fills and malformed
  // events), so that a first occurrence is an increase rate() sees and a
  // healthy vendor shows 0, not no data. Once per configured vendor at start.
  void InitVendor(absl::string_view vendor, VendorEventChannels channels);

  // One vendor API call: `api` is the vendor's path ("/msg/text") or MQTT
  // topic, `result` "ok", a vendor code ("-1"), or "transport_error". (Not
  // `endpoint`: prometheus-operator sets that label to the scrape port's name.)
  void VendorCall(absl::string_view vendor, absl::string_view api, absl::string_view result,
                  absl::Duration latency);
  // A send of `account` reached `state`. The account's sending series are
  // made at 0 on its first send (accounts are found at run time).
  void SendState(absl::string_view vendor, absl::string_view account, v1::SendState state);
  // `sends` SENT sends whose echo did not come within the confirmation
  // timeout.
  void SendsEchoOverdue(absl::string_view vendor, int64_t sends);
  // Time a due send waited for pacing, by reason ("account_interval",
  // "corp_hourly_limit", "cooldown", "offline").
  void PacingWait(absl::string_view vendor, absl::string_view account, absl::string_view reason,
                  absl::Duration waited);
  // The vendor throttled `account` (quntool -1000999).
  void AccountThrottled(absl::string_view vendor, absl::string_view account);
  // Accounts whose sends are held, by `reason`: "throttled" (in a cool-down)
  // or "offline" (the vendor reports the account logged out).
  void SetPausedAccounts(absl::string_view vendor, absl::string_view reason, double count);
  // Sends accepted and not yet finished, and the age of the oldest.
  void SetOutbox(double queued, double oldest_age_seconds);
  // An event was stored, by Event.vendor_type.
  void EventStored(absl::string_view vendor, absl::string_view type);
  // A redelivered event was dropped as a duplicate.
  void EventDuplicate(absl::string_view vendor);
  // A webhook request was refused: "secret", "too_large", "malformed_json",
  // "bad_callback", "store_error".
  void WebhookRejected(absl::string_view vendor, absl::string_view reason);
  // A request refused for a bad argument, by method and field.
  void RequestRejected(absl::string_view method, absl::string_view field);

  // A vendor's push channel (yjiyun's socket.io): whether it is connected
  // now; a connection attempt and its result ("ok", "refused", "failed"); a
  // disconnect by reason (socketio::DisconnectReasonName); a gap filled after
  // a reconnect with the messages read, or failed ("failed"); a pushed event
  // dropped as malformed, by event name.
  void SetSocketConnected(absl::string_view vendor, bool connected);
  void SocketConnectAttempt(absl::string_view vendor, absl::string_view result);
  void SocketDisconnected(absl::string_view vendor, absl::string_view reason);
  void GapFill(absl::string_view vendor, absl::string_view result, int64_t messages);
  void SocketEventMalformed(absl::string_view vendor, absl::string_view event);

 private:
  prometheus::Family<prometheus::Counter>& vendor_requests_;
  prometheus::Family<prometheus::Histogram>& vendor_request_duration_;
  prometheus::Family<prometheus::Counter>& sends_;
  prometheus::Family<prometheus::Counter>& sends_echo_overdue_;
  prometheus::Family<prometheus::Counter>& pacing_wait_;
  prometheus::Family<prometheus::Counter>& throttles_;
  prometheus::Family<prometheus::Gauge>& paused_accounts_;
  prometheus::Family<prometheus::Gauge>& outbox_queued_;
  prometheus::Family<prometheus::Gauge>& outbox_oldest_age_;
  prometheus::Family<prometheus::Counter>& events_;
  prometheus::Family<prometheus::Counter>& event_duplicates_;
  prometheus::Family<prometheus::Counter>& webhook_rejects_;
  prometheus::Family<prometheus::Counter>& rejected_requests_;
  prometheus::Family<prometheus::Gauge>& socket_connected_;
  prometheus::Family<prometheus::Counter>& socket_connects_;
  prometheus::Family<prometheus::Counter>& socket_disconnects_;
  prometheus::Family<prometheus::Counter>& gap_fills_;
  prometheus::Family<prometheus::Counter>& gap_filled_messages_;
  prometheus::Family<prometheus::Counter>& socket_events_malformed_;
};

}  // namespace wecom::robot
