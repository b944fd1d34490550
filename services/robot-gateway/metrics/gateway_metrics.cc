#include "services/robot-gateway/metrics/gateway_metrics.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/strip.h"
#include "wecom/robot/v1/robot.pb.h"

namespace wecom::robot {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

std::string S(absl::string_view v) { return std::string(v); }

// The label values the callers emit, for InitVendor. Each list names where
// its values come from; a value added there belongs here too.

// SendPacer's reasons and OutboxDispatcher's kOffline.
constexpr absl::string_view kPacingReasons[] = {"account_interval", "corp_hourly_limit", "cooldown",
                                                "offline"};
// WebhookServer::HandleQuntool's Reject calls.
constexpr absl::string_view kWebhookRejectReasons[] = {"secret", "too_large", "malformed_json",
                                                       "bad_callback", "store_error"};
// YjiyunChannel::Connect.
constexpr absl::string_view kSocketConnectResults[] = {"ok", "refused", "failed"};
// socketio::DisconnectReasonName of each socketio::DisconnectReason.
constexpr absl::string_view kSocketDisconnectReasons[] = {
    "transport close", "ping timeout", "io server disconnect", "io client disconnect"};
// YjiyunChannel::FillGapIfPending.
constexpr absl::string_view kGapFillResults[] = {"ok", "failed"};
// YjiyunChannel's Malformed calls: the socket's two events and the gap
// fill's history read.
constexpr absl::string_view kSocketEvents[] = {"message", "action", "chat/message"};

// SEND_STATE_OUTCOME_UNKNOWN -> "outcome_unknown", as OutboxDispatcher labels
// its transitions.
std::string SendStateLabel(v1::SendState state) {
  return absl::AsciiStrToLower(absl::StripPrefix(v1::SendState_Name(state), "SEND_STATE_"));
}

}  // namespace

GatewayMetrics::GatewayMetrics(prometheus::Registry& registry)
    : vendor_requests_(BuildCounter()
                           .Name("robot_gateway_vendor_requests_total")
                           .Help("Calls to robot vendor APIs, by vendor, endpoint and result.")
                           .Register(registry)),
      vendor_request_duration_(BuildHistogram()
                                   .Name("robot_gateway_vendor_request_duration_seconds")
                                   .Help("Latency of robot vendor API calls.")
                                   .Register(registry)),
      sends_(BuildCounter()
                 .Name("robot_gateway_sends_total")
                 .Help("Send state transitions, by vendor, account and state reached.")
                 .Register(registry)),
      sends_echo_overdue_(BuildCounter()
                              .Name("robot_gateway_sends_echo_overdue_total")
                              .Help("SENT sends whose echo did not come within the "
                                    "confirmation timeout, by vendor.")
                              .Register(registry)),
      pacing_wait_(BuildCounter()
                       .Name("robot_gateway_pacing_wait_seconds_total")
                       .Help("Time due sends waited for pacing, by vendor, account and reason.")
                       .Register(registry)),
      throttles_(BuildCounter()
                     .Name("robot_gateway_account_throttles_total")
                     .Help("Vendor frequency-limit errors (quntool -1000999), by vendor and "
                           "account.")
                     .Register(registry)),
      paused_accounts_(BuildGauge()
                           .Name("robot_gateway_paused_accounts")
                           .Help("Accounts whose sends are held, by vendor and reason "
                                 "(throttled: a cool-down; offline: logged out).")
                           .Register(registry)),
      outbox_queued_(BuildGauge()
                         .Name("robot_gateway_outbox_queued_sends")
                         .Help("Sends accepted and not yet handed to a vendor.")
                         .Register(registry)),
      outbox_oldest_age_(BuildGauge()
                             .Name("robot_gateway_outbox_oldest_age_seconds")
                             .Help("Age of the oldest unfinished send.")
                             .Register(registry)),
      events_(BuildCounter()
                  .Name("robot_gateway_events_total")
                  .Help("Events stored, by vendor and type.")
                  .Register(registry)),
      event_duplicates_(BuildCounter()
                            .Name("robot_gateway_event_duplicates_total")
                            .Help("Redelivered events dropped as duplicates, by vendor.")
                            .Register(registry)),
      webhook_rejects_(BuildCounter()
                           .Name("robot_gateway_webhook_rejects_total")
                           .Help("Webhook requests refused, by vendor and reason.")
                           .Register(registry)),
      rejected_requests_(BuildCounter()
                             .Name("robot_gateway_rejected_requests_total")
                             .Help("RPCs refused for a bad argument, by method and field.")
                             .Register(registry)),
      socket_connected_(BuildGauge()
                            .Name("robot_gateway_socket_connected")
                            .Help("1 while the vendor's push socket is connected, by vendor.")
                            .Register(registry)),
      socket_connects_(BuildCounter()
                           .Name("robot_gateway_socket_connects_total")
                           .Help("Push socket connection attempts, by vendor and result.")
                           .Register(registry)),
      socket_disconnects_(BuildCounter()
                              .Name("robot_gateway_socket_disconnects_total")
                              .Help("Push socket disconnects, by vendor and reason.")
                              .Register(registry)),
      gap_fills_(BuildCounter()
                     .Name("robot_gateway_gap_fills_total")
                     .Help("Fills of what was missed while the push socket was down, by "
                           "vendor and result.")
                     .Register(registry)),
      gap_filled_messages_(BuildCounter()
                               .Name("robot_gateway_gap_filled_messages_total")
                               .Help("Messages read back by gap fills (duplicates included), "
                                     "by vendor.")
                               .Register(registry)),
      socket_events_malformed_(BuildCounter()
                                   .Name("robot_gateway_socket_events_malformed_total")
                                   .Help("Pushed events dropped as malformed, by vendor and "
                                         "event.")
                                   .Register(registry)) {}

void GatewayMetrics::InitVendor(absl::string_view vendor, VendorEventChannels channels) {
  const std::string name(vendor);
  sends_echo_overdue_.Add({{"vendor", name}});
  event_duplicates_.Add({{"vendor", name}});
  if (channels.webhook) {
    for (absl::string_view reason : kWebhookRejectReasons) {
      webhook_rejects_.Add({{"vendor", name}, {"reason", S(reason)}});
    }
  }
  if (channels.push_socket) {
    // Not connected until the channel says so.
    socket_connected_.Add({{"vendor", name}});
    for (absl::string_view result : kSocketConnectResults) {
      socket_connects_.Add({{"vendor", name}, {"result", S(result)}});
    }
    for (absl::string_view reason : kSocketDisconnectReasons) {
      socket_disconnects_.Add({{"vendor", name}, {"reason", S(reason)}});
    }
    for (absl::string_view result : kGapFillResults) {
      gap_fills_.Add({{"vendor", name}, {"result", S(result)}});
    }
    gap_filled_messages_.Add({{"vendor", name}});
    for (absl::string_view event : kSocketEvents) {
      socket_events_malformed_.Add({{"vendor", name}, {"event", S(event)}});
    }
  }
}

void GatewayMetrics::VendorCall(absl::string_view vendor, absl::string_view api,
                                absl::string_view result, absl::Duration latency) {
  vendor_requests_.Add({{"vendor", S(vendor)}, {"api", S(api)}, {"result", S(result)}}).Increment();
  vendor_request_duration_
      .Add({{"vendor", S(vendor)}, {"api", S(api)}},
           prometheus::Histogram::BucketBoundaries{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                   0.25, 0.5, 1, 2.5, 5, 10})
      .Observe(absl::ToDoubleSeconds(latency));
}

void GatewayMetrics::SendState(absl::string_view vendor, absl::string_view account,
                               v1::SendState state) {
  const std::string v(vendor), a(account);
  // Add is idempotent: the account's series exist at 0 from its first send.
  for (int known = v1::SendState_MIN; known <= v1::SendState_MAX; ++known) {
    if (!v1::SendState_IsValid(known) || known == v1::SEND_STATE_UNSPECIFIED) continue;
    sends_.Add({{"vendor", v},
                {"account", a},
                {"state", SendStateLabel(static_cast<v1::SendState>(known))}});
  }
  for (absl::string_view reason : kPacingReasons) {
    pacing_wait_.Add({{"vendor", v}, {"account", a}, {"reason", S(reason)}});
  }
  throttles_.Add({{"vendor", v}, {"account", a}});
  sends_.Add({{"vendor", v}, {"account", a}, {"state", SendStateLabel(state)}}).Increment();
}

void GatewayMetrics::SendsEchoOverdue(absl::string_view vendor, int64_t sends) {
  sends_echo_overdue_.Add({{"vendor", S(vendor)}}).Increment(static_cast<double>(sends));
}

void GatewayMetrics::PacingWait(absl::string_view vendor, absl::string_view account,
                                absl::string_view reason, absl::Duration waited) {
  pacing_wait_.Add({{"vendor", S(vendor)}, {"account", S(account)}, {"reason", S(reason)}})
      .Increment(absl::ToDoubleSeconds(waited));
}

void GatewayMetrics::AccountThrottled(absl::string_view vendor, absl::string_view account) {
  throttles_.Add({{"vendor", S(vendor)}, {"account", S(account)}}).Increment();
}

void GatewayMetrics::SetPausedAccounts(absl::string_view vendor, absl::string_view reason,
                                       double count) {
  paused_accounts_.Add({{"vendor", S(vendor)}, {"reason", S(reason)}}).Set(count);
}

void GatewayMetrics::SetOutbox(double queued, double oldest_age_seconds) {
  outbox_queued_.Add({}).Set(queued);
  outbox_oldest_age_.Add({}).Set(oldest_age_seconds);
}

void GatewayMetrics::EventStored(absl::string_view vendor, absl::string_view type) {
  events_.Add({{"vendor", S(vendor)}, {"type", S(type)}}).Increment();
}

void GatewayMetrics::EventDuplicate(absl::string_view vendor) {
  event_duplicates_.Add({{"vendor", S(vendor)}}).Increment();
}

void GatewayMetrics::WebhookRejected(absl::string_view vendor, absl::string_view reason) {
  webhook_rejects_.Add({{"vendor", S(vendor)}, {"reason", S(reason)}}).Increment();
}

void GatewayMetrics::RequestRejected(absl::string_view method, absl::string_view field) {
  rejected_requests_.Add({{"grpc_method", S(method)}, {"field", S(field)}}).Increment();
}

void GatewayMetrics::SetSocketConnected(absl::string_view vendor, bool connected) {
  socket_connected_.Add({{"vendor", S(vendor)}}).Set(connected ? 1 : 0);
}

void GatewayMetrics::SocketConnectAttempt(absl::string_view vendor, absl::string_view result) {
  socket_connects_.Add({{"vendor", S(vendor)}, {"result", S(result)}}).Increment();
}

void GatewayMetrics::SocketDisconnected(absl::string_view vendor, absl::string_view reason) {
  socket_disconnects_.Add({{"vendor", S(vendor)}, {"reason", S(reason)}}).Increment();
}

void GatewayMetrics::GapFill(absl::string_view vendor, absl::string_view result, int64_t messages) {
  gap_fills_.Add({{"vendor", S(vendor)}, {"result", S(result)}}).Increment();
  gap_filled_messages_.Add({{"vendor", S(vendor)}}).Increment(static_cast<double>(messages));
}

void GatewayMetrics::SocketEventMalformed(absl::string_view vendor, absl::string_view event) {
  socket_events_malformed_.Add({{"vendor", S(vendor)}, {"event", S(event)}}).Increment();
}

}  // namespace wecom::robot
