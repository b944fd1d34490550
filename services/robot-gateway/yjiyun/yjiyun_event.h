// What yjiyun pushes over socket.io, and what /wxworkapi/chat/message
// returns, as typed gateway events (the same ones quntool's callbacks make).
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "services/robot-gateway/platform/vendor_event.h"

namespace wecom::robot {

// A message: the socket's `message` event (3.2, 3.4) or an item of
// /wxworkapi/chat/message (2.11), which share their shape, so that a message
// seen both ways (a gap filled after a reconnect) is one event:
//   event_id        "yjiyun:<messageId>"
//   account_id      "yjiyun:<robotKey>"
//   occurred_at_ms  timestamp
//   vendor_type     "message"
//   message         conversation_id the group's "R:…" in group chats (chatId
//                   "S:<robot>_R:<group>" or chatUser), else chatId; OUTBOUND
//                   when from.isSelf is 1 or contentType is 2 (sent from the
//                   phone); type by content.contentType: 1 and 2 text, 5 video,
//                   7 image, 8 file, 9 voice, 13 link, 29 emoticon, 78 mini
//                   program, others OTHER; server_id msgSvrID.
// The robot's own message with sendStatus (the table's sentStatus) 1 or 2,
// or the refusal of a send ({messageId, code != "0", msg}), is the outcome of
// the send that carried messageId: send_outcome, vendor_msg_id = messageId,
// error_code 0 for sent, the refusal's code, or 2 for "发送失败".
//
// INVALID_ARGUMENT naming the field when messageId, robotKey, chatId,
// timestamp or content.contentType is missing or malformed.
absl::StatusOr<VendorEvent> NormalizeYjiyunMessage(const nlohmann::json& message);

// An `action` the vendor pushes on its own: robot.on.new.friend.request
// (3.8: a FriendRequestEvent) and robot.group.members.changed (3.22: a
// GroupChangedEvent CHANGE_MEMBERS_ADDED for newMembers, event_id
// "yjiyun:<messageId>", and one CHANGE_MEMBERS_REMOVED for delMembers,
// "yjiyun:<messageId>/removed"). Empty for any other action (answers to the
// gateway's own requests, matched by messageId elsewhere).
absl::StatusOr<std::vector<VendorEvent>> NormalizeYjiyunAction(const nlohmann::json& action);

}  // namespace wecom::robot
