// VendorEvent: what a vendor adapter makes of one thing the vendor pushed (a
// quntool webhook callback, a yjiyun socket.io event): the typed event to
// store and stream, and what it says about one of the gateway's sends.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "wecom/robot/v1/event.pb.h"

namespace wecom::robot {

// What the vendor's echo of a sent message said about one of our sends.
struct VendorSendOutcome {
  // The vendor's id of the send (quntool sendMsgId = the msgId the send call
  // returned; yjiyun the messageId the send carried). May be unknown to the
  // outbox when the send call's answer was lost.
  std::string vendor_msg_id;
  std::string account_id;
  std::string conversation_id;
  // 0 success; -1000999 throttled; anything else a failure.
  int64_t error_code = 0;
  std::string error_message;
  // WeCom's server_id of the sent message.
  std::string server_id;
  // The echo's message type, for matching a send whose vendor_msg_id is
  // unknown (see EchoType()).
  wecom::robot::v1::MessageType echo_type = wecom::robot::v1::MESSAGE_TYPE_UNSPECIFIED;
};

struct VendorEvent {
  // Not yet stored: position and received_at_ms are unset.
  wecom::robot::v1::Event event;
  // Set for the echo of a send made through the API: what it says about it.
  std::optional<VendorSendOutcome> send_outcome;
};

// Where the adapters hand their events: the gateway's CallbackIngestor,
// which applies send outcomes and presence and stores the event.
class VendorEventSink {
 public:
  virtual ~VendorEventSink() = default;
  // Stores the event (or finds it stored before). OK means it is durable and
  // the vendor may forget it.
  virtual absl::Status Deliver(VendorEvent event) = 0;
};

}  // namespace wecom::robot
