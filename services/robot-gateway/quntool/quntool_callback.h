// quntool's webhook callbacks (seed 003 "回调消息") as typed gateway events.
#pragma once

#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "services/robot-gateway/platform/vendor_event.h"
#include "wecom/robot/v1/event.pb.h"

namespace wecom::robot {

// One callback body ({msgId, source, userId, wxid, timestamp, type, data,
// sendMsgId}) as an Event: event_id = msgId, account "quntool:<wxid>",
// occurred_at_ms = timestamp, vendor_type = type, the typed payload of its
// type and `data` as vendor_payload_json. Media file_path and safe_validate's
// Qrcode become URLs under `quntool_base_url`; mini program and Channels
// fields stay as the vendor gave them, so they can be sent on as they are.
//
// INVALID_ARGUMENT naming the field ("data.conversation_id: missing") when a
// field the event cannot do without is missing or of the wrong type, and
// "type: unknown callback type …" for a type that is neither documented nor
// a message ("*_msg", kept as MESSAGE_TYPE_OTHER).
absl::StatusOr<VendorEvent> NormalizeQuntoolCallback(const nlohmann::json& body,
                                                     absl::string_view quntool_base_url);

}  // namespace wecom::robot
