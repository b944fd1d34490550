#include "services/robot-gateway/yjiyun/yjiyun_event.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status/status_macros.h"
#include "services/robot-gateway/core/account_id.h"
#include "services/robot-gateway/platform/vendor_json.h"
#include "services/robot-gateway/yjiyun/yjiyun_api.h"

namespace wecom::robot {
namespace {

using nlohmann::json;
using wecom::robot::v1::Event;
using wecom::robot::v1::GroupChangedEvent;
using wecom::robot::v1::MessageEvent;
using wecom::robot::v1::MessageType;

constexpr absl::string_view kEventIdPrefix = "yjiyun:";
// sendStatus (2.11): 1 sent, 2 failed (0 not yet sent: no outcome).
constexpr int64_t kSent = 1;
constexpr int64_t kSendFailed = 2;
// contentType 2: a message the account sent from the WeCom phone app.
constexpr int64_t kSentFromPhone = 2;

MessageType TypeOf(int64_t content_type) {
  switch (content_type) {
    case 1:
    case kSentFromPhone:
      return v1::MESSAGE_TYPE_TEXT;
    case 5:
      return v1::MESSAGE_TYPE_VIDEO;
    case 7:
      return v1::MESSAGE_TYPE_IMAGE;
    case 8:
      return v1::MESSAGE_TYPE_FILE;
    case 9:
      return v1::MESSAGE_TYPE_VOICE;
    case 13:
      return v1::MESSAGE_TYPE_LINK;
    case 29:
      return v1::MESSAGE_TYPE_EMOTICON;
    case 78:
      return v1::MESSAGE_TYPE_MINI_PROGRAM;
    default:
      return v1::MESSAGE_TYPE_OTHER;
  }
}

// The conversation a chatId names: a group's "R:…" (group chats are
// "S:<robot>_R:<group>"), or the one-to-one chatId itself.
std::string ConversationOf(const std::string& chat_id) {
  const size_t group = chat_id.find("_R:");
  return group == std::string::npos ? chat_id : chat_id.substr(group + 1);
}

// The parts of `content` that only messages of the message's type have.
void FillContent(const json& content, MessageEvent& message) {
  switch (message.type()) {
    case v1::MESSAGE_TYPE_TEXT:
      message.set_text(JsonString(content, "content"));
      for (absl::string_view id :
           absl::StrSplit(JsonString(content, "atUserList"), ',', absl::SkipWhitespace())) {
        message.add_mention_user_ids(std::string(absl::StripAsciiWhitespace(id)));
      }
      return;
    case v1::MESSAGE_TYPE_IMAGE:
    case v1::MESSAGE_TYPE_EMOTICON:
      message.mutable_media()->set_url(JsonString(content, "pic"));
      return;
    case v1::MESSAGE_TYPE_VIDEO:
    case v1::MESSAGE_TYPE_FILE: {
      // fileName is the file's URL.
      const std::string url = JsonString(content, "fileName");
      message.mutable_media()->set_url(url);
      message.mutable_media()->set_file_name(url.substr(url.rfind('/') + 1));
      return;
    }
    case v1::MESSAGE_TYPE_VOICE:
      message.mutable_media()->set_url(JsonString(content, "content"));
      return;
    case v1::MESSAGE_TYPE_LINK: {
      v1::LinkContent& link = *message.mutable_link();
      link.set_title(JsonString(content, "title"));
      link.set_description(JsonString(content, "description"));
      link.set_url(JsonString(content, "link"));
      link.set_image_url(JsonString(content, "coverImgFile"));
      message.set_text(link.description());
      return;
    }
    case v1::MESSAGE_TYPE_MINI_PROGRAM: {
      v1::MiniProgramContent& mini = *message.mutable_mini_program();
      mini.set_title(JsonString(content, "title"));
      mini.set_appname(JsonString(content, "senderName"));
      mini.set_appicon(JsonString(content, "senderHeadImg"));
      mini.set_cover_path(JsonString(content, "logo"));
      message.set_text(JsonString(content, "content"));
      return;
    }
    default:
      message.set_text(JsonString(content, "content"));
      return;
  }
}

// The start of every event: id, account, time, type and payload.
absl::StatusOr<Event> EventOf(const json& body, absl::string_view vendor_type) {
  ASSIGN_OR_RETURN(const std::string message_id, RequiredJsonString(body, "", "messageId"));
  ASSIGN_OR_RETURN(const std::string robot_key, RequiredJsonString(body, "", "robotKey"));
  Event event;
  event.set_event_id(absl::StrCat(kEventIdPrefix, message_id));
  event.set_account_id(FormatAccountId(v1::VENDOR_YJIYUN, robot_key));
  RETURN_IF_ERROR(ParseAccountId(event.account_id(), "robotKey").status());
  event.set_vendor(v1::VENDOR_YJIYUN);
  event.set_vendor_type(std::string(vendor_type));
  event.set_vendor_payload_json(body.dump(-1, ' ', false, json::error_handler_t::replace));
  return event;
}

// The send outcome the echo (or refusal) of one of the gateway's sends
// tells, if any.
std::optional<VendorSendOutcome> OutcomeOf(const json& body, const Event& event) {
  const std::string message_id = JsonString(body, "messageId");
  // Messages the robot sent otherwise (the yjiyun console, the phone) are
  // no outcome of ours, even when they look like one.
  if (!absl::StartsWith(message_id, kGatewayMessageIdPrefix)) return std::nullopt;
  const bool refused = YjiyunRefused(body);
  // The document's examples spell it sendStatus, its table sentStatus; the
  // socket's echo (3.4) may carry neither: it was sent.
  const char* status_key = JsonFind(body, "sendStatus") != nullptr   ? "sendStatus"
                           : JsonFind(body, "sentStatus") != nullptr ? "sentStatus"
                                                                     : nullptr;
  const int64_t send_status = status_key == nullptr ? kSent : JsonInt(body, status_key);
  if (!refused && send_status != kSent && send_status != kSendFailed) return std::nullopt;
  const MessageEvent& message = event.message();
  VendorSendOutcome outcome;
  outcome.vendor_msg_id = message_id;
  outcome.account_id = event.account_id();
  outcome.conversation_id = message.conversation_id();
  outcome.server_id = message.server_id();
  outcome.echo_type = message.type();
  if (refused) {
    outcome.error_code = JsonInt(body, "code");
    outcome.error_message = JsonString(body, "msg");
  } else if (send_status == kSendFailed) {
    outcome.error_code = kSendFailed;
    outcome.error_message = "发送失败";
  }
  return outcome;
}

GroupChangedEvent MembersChanged(const json& action, GroupChangedEvent::Change change,
                                 absl::string_view key) {
  GroupChangedEvent changed;
  changed.set_change(change);
  std::string conversation = JsonString(action, "conversationId");
  if (conversation.empty()) conversation = JsonString(action, "chatroom");
  changed.set_conversation_id(std::string(absl::StripSuffix(conversation, ",")));
  changed.set_group_name(JsonString(action, "name"));
  for (const json& member : JsonArray(action, key)) {
    v1::GroupMemberRef& ref = *changed.add_members();
    if (member.is_object()) {
      ref.set_user_id(JsonString(member, "userId"));
      ref.set_name(JsonString(member, "nickName"));
      if (ref.name().empty()) ref.set_name(JsonString(member, "name"));
    } else {
      ref.set_user_id(JsonString(json{{"id", member}}, "id"));
    }
  }
  return changed;
}

}  // namespace

bool PassesYjiyunMsgFilter(const json& message) {
  const json& content = JsonObject(message, "content");
  if (JsonInt(content, "contentType") != 1) return false;
  const std::string chat_id = JsonString(message, "chatId");
  const size_t group = chat_id.find("_R:");
  if (group == std::string::npos) return true;
  absl::string_view robot = absl::string_view(chat_id).substr(0, group);
  if (!absl::ConsumePrefix(&robot, "S:")) return false;
  for (absl::string_view id : absl::StrSplit(JsonString(content, "atUserList"), ',')) {
    if (absl::StripAsciiWhitespace(id) == robot) return true;
  }
  return false;
}

absl::StatusOr<VendorEvent> NormalizeYjiyunMessage(const json& body) {
  if (!body.is_object()) return absl::InvalidArgumentError("message: not a JSON object");
  ASSIGN_OR_RETURN(Event event, EventOf(body, "message"));
  VendorEvent normalized;
  const bool refused = YjiyunRefused(body);
  // A refused send comes back with its messageId and chatId only.
  if (!refused) {
    RETURN_IF_ERROR(RequiredJsonInt(body, "", "timestamp").status());
  }
  event.set_occurred_at_ms(JsonInt(body, "timestamp"));
  ASSIGN_OR_RETURN(const std::string chat_id, RequiredJsonString(body, "", "chatId"));
  MessageEvent& message = *event.mutable_message();
  const std::string chat_user = JsonString(body, "chatUser");
  message.set_conversation_id(absl::StartsWith(chat_user, "R:") ? chat_user
                                                                : ConversationOf(chat_id));
  message.set_server_id(JsonString(body, "msgSvrID"));
  // A forward (3.7) pushes one message per target under the request's
  // messageId: the conversation tells them apart.
  event.set_event_id(absl::StrCat(event.event_id(), "@", message.conversation_id()));
  if (refused) {
    message.set_direction(v1::DIRECTION_OUTBOUND);
    message.set_error_code(JsonInt(body, "code"));
    message.set_error_message(JsonString(body, "msg"));
  } else {
    const json* content = JsonFind(body, "content");
    if (content == nullptr || !content->is_object()) {
      return absl::InvalidArgumentError(content == nullptr ? "content: missing"
                                                           : "content: not an object");
    }
    ASSIGN_OR_RETURN(const int64_t content_type,
                     RequiredJsonInt(*content, "content", "contentType"));
    const json& from = JsonObject(body, "from");
    message.set_type(TypeOf(content_type));
    // chat/message items (2.11) have no isSelf: the robot's own messages
    // are the ones with a send status (or the gateway's messageIds).
    const bool outbound =
        JsonBool(from, "isSelf") || content_type == kSentFromPhone ||
        JsonFind(body, "sendStatus") != nullptr || JsonFind(body, "sentStatus") != nullptr ||
        absl::StartsWith(JsonString(body, "messageId"), kGatewayMessageIdPrefix) ||
        absl::StartsWith(JsonString(body, "messageId"), kGatewayActionIdPrefix);
    message.set_direction(outbound ? v1::DIRECTION_OUTBOUND : v1::DIRECTION_INBOUND);
    message.set_sender_id(JsonString(from, "contactId"));
    message.set_sender_name(JsonString(from, "nickName"));
    message.set_send_time(JsonInt(body, "timestamp") / 1000);
    FillContent(*content, message);
  }
  normalized.send_outcome = OutcomeOf(body, event);
  if (normalized.send_outcome.has_value() && normalized.send_outcome->error_code != 0) {
    message.set_error_code(normalized.send_outcome->error_code);
    message.set_error_message(normalized.send_outcome->error_message);
  }
  normalized.event = std::move(event);
  return normalized;
}

absl::StatusOr<std::vector<VendorEvent>> NormalizeYjiyunAction(const json& action) {
  if (!action.is_object()) return absl::InvalidArgumentError("action: not a JSON object");
  // The document writes the type with spaces once ("robot. group. members.
  // changed").
  std::string type = JsonString(action, "type");
  type.erase(std::remove(type.begin(), type.end(), ' '), type.end());
  std::vector<VendorEvent> events;
  if (type == "robot.on.new.friend.request") {
    ASSIGN_OR_RETURN(Event event, EventOf(action, type));
    ASSIGN_OR_RETURN(const std::string user_id, RequiredJsonString(action, "", "userId"));
    v1::FriendRequestEvent& request = *event.mutable_friend_request();
    v1::Contact& contact = *request.mutable_contact();
    contact.set_user_id(user_id);
    contact.set_name(JsonString(action, "name"));
    contact.set_avatar_url(JsonString(action, "wechatImgUrl"));
    contact.set_gender(static_cast<int32_t>(JsonInt(action, "gender")));
    contact.set_wechat_user(JsonBool(action, "isOuterUser"));
    contact.set_description(JsonString(action, "remarks"));
    request.set_reason(JsonString(action, "reason"));
    event.set_occurred_at_ms(JsonInt(action, "timestamp"));
    events.push_back(VendorEvent{.event = std::move(event), .send_outcome = std::nullopt});
  } else if (type == "robot.group.members.changed") {
    ASSIGN_OR_RETURN(Event event, EventOf(action, type));
    event.set_occurred_at_ms(JsonInt(action, "dts"));
    if (!JsonArray(action, "newMembers").empty()) {
      Event added = event;
      *added.mutable_group_changed() =
          MembersChanged(action, GroupChangedEvent::CHANGE_MEMBERS_ADDED, "newMembers");
      events.push_back(VendorEvent{.event = std::move(added), .send_outcome = std::nullopt});
    }
    if (!JsonArray(action, "delMembers").empty()) {
      Event removed = event;
      removed.set_event_id(absl::StrCat(event.event_id(), "/removed"));
      *removed.mutable_group_changed() =
          MembersChanged(action, GroupChangedEvent::CHANGE_MEMBERS_REMOVED, "delMembers");
      events.push_back(VendorEvent{.event = std::move(removed), .send_outcome = std::nullopt});
    }
  }
  return events;
}

}  // namespace wecom::robot
