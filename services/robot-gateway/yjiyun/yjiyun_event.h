// What yjiyun pushes over socket.io, and what /wxworkapi/chat/message
// returns, as typed gateway events (the same ones quntool's callbacks make).
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "services/robot-gateway/platform/vendor_event.h"

namespace wecom::robot {

// The messageIds of the gateway's own sends start with this (followed by the
// send id's hex digits, at most 32 characters in all), so that their echoes,
// and only theirs, are taken for send outcomes.
inline constexpr absl::string_view kGatewayMessageIdPrefix = "wg";
// The messageIds of the gateway's actions start with this: a forward's
// copies come back as messages under the action's messageId and must not be
// taken for a send's echo.
inline constexpr absl::string_view kGatewayActionIdPrefix = "wa";

// A message: the socket's `message` event (3.2, 3.4) or an item of
// /wxworkapi/chat/message (2.11), which share their shape, so that a message
// seen both ways (a gap filled after a reconnect) is one event:
//   event_id        "yjiyun:<messageId>@<conversation_id>" (a forward pushes
//                   one message per target under one messageId)
//   account_id      "yjiyun:<robotKey>"
//   occurred_at_ms  timestamp
//   vendor_type     "message"
//   message         conversation_id the group's "R:…" in group chats (chatId
//                   "S:<robot>_R:<group>" or chatUser), else chatId; OUTBOUND
//                   when from.isSelf is 1 or contentType is 2 (sent from the
//                   phone); type by content.contentType: 1 and 2 text, 5 video,
//                   7 image, 8 file, 9 voice, 13 link, 29 emoticon, 78 mini
//                   program, others OTHER; server_id msgSvrID.
// The echo of one of the gateway's sends (messageId starting with
// kGatewayMessageIdPrefix) is its outcome: send_outcome, vendor_msg_id =
// messageId, error_code 0 for sendStatus (the table's sentStatus) 1 or none,
// 2 "发送失败" for 2, or the refusal's code ({messageId, code != "0", msg}).
// The robot's messages are OUTBOUND: from.isSelf, contentType 2, a send
// status, or the gateway's messageId.
//
// INVALID_ARGUMENT naming the field when messageId, robotKey, chatId,
// timestamp or content.contentType is missing or malformed.
absl::StatusOr<VendorEvent> NormalizeYjiyunMessage(const nlohmann::json& message);

// msgFilter=1 (3.1) as the server applies it to the socket's messages:
// one-to-one texts (contentType 1) and group texts whose atUserList names the
// robot (the "S:<robot>_…" of the chatId). The gap fill applies it too, so
// that what the stream holds does not depend on when the socket was down.
bool PassesYjiyunMsgFilter(const nlohmann::json& message);

// An `action` the vendor pushes on its own: robot.on.new.friend.request
// (3.8: a FriendRequestEvent) and robot.group.members.changed (3.22: a
// GroupChangedEvent CHANGE_MEMBERS_ADDED for newMembers, event_id
// "yjiyun:<messageId>", and one CHANGE_MEMBERS_REMOVED for delMembers,
// "yjiyun:<messageId>/removed"). Empty for any other action (answers to the
// gateway's own requests, matched by messageId elsewhere).
absl::StatusOr<std::vector<VendorEvent>> NormalizeYjiyunAction(const nlohmann::json& action);

}  // namespace wecom::robot
