#include "services/robot-gateway/quntool/quntool_callback.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "services/robot-gateway/core/account_id.h"
#include "services/robot-gateway/platform/vendor_json.h"
#include "services/robot-gateway/quntool/quntool_api.h"
#include "services/robot-gateway/quntool/quntool_mapping.h"

namespace wecom::robot {
namespace {

using nlohmann::json;
using wecom::robot::v1::Event;
using wecom::robot::v1::GroupChangedEvent;
using wecom::robot::v1::LoginEvent;
using wecom::robot::v1::MessageEvent;
using wecom::robot::v1::MessageMedia;
using wecom::robot::v1::MessageType;

// The documented message callbacks and their types (event.proto).
struct MessageKind {
  absl::string_view callback_type;
  MessageType type;
};
constexpr MessageKind kMessageKinds[] = {
    {"text_msg", v1::MESSAGE_TYPE_TEXT},
    {"image_msg", v1::MESSAGE_TYPE_IMAGE},
    {"video_msg", v1::MESSAGE_TYPE_VIDEO},
    {"voice_msg", v1::MESSAGE_TYPE_VOICE},
    {"file_msg", v1::MESSAGE_TYPE_FILE},
    {"location_msg", v1::MESSAGE_TYPE_LOCATION},
    {"link_card_msg", v1::MESSAGE_TYPE_LINK},
    {"emoticon_msg", v1::MESSAGE_TYPE_EMOTICON},
    {"red_packet_msg", v1::MESSAGE_TYPE_RED_PACKET},
    {"person_card_msg", v1::MESSAGE_TYPE_PERSON_CARD},
    {"mini_program_msg", v1::MESSAGE_TYPE_MINI_PROGRAM},
    {"video_num_msg", v1::MESSAGE_TYPE_VIDEO_NUM},
    {"chat_gray_msg", v1::MESSAGE_TYPE_SYSTEM},
};

struct GroupKind {
  absl::string_view callback_type;
  GroupChangedEvent::Change change;
};
constexpr GroupKind kGroupKinds[] = {
    {"notify_type_room_create", GroupChangedEvent::CHANGE_CREATED},
    {"notify_type_room_add_member", GroupChangedEvent::CHANGE_MEMBERS_ADDED},
    {"notify_type_room_del_member", GroupChangedEvent::CHANGE_MEMBERS_REMOVED},
    {"notify_type_room_member_quit", GroupChangedEvent::CHANGE_MEMBER_QUIT},
    {"room_name_changed", GroupChangedEvent::CHANGE_RENAMED},
};

double JsonDouble(const json& object, absl::string_view key) {
  const json* value = JsonFind(object, key);
  return value != nullptr && value->is_number() ? value->get<double>() : 0;
}

// The first of `keys` with a non-zero integer (image and video messages name
// their size differently: imgWidth, videoWidth, width).
int64_t FirstNonZero(const json& object, std::initializer_list<absl::string_view> keys) {
  for (absl::string_view key : keys) {
    if (const int64_t value = JsonInt(object, key); value != 0) return value;
  }
  return 0;
}

MessageMedia Media(const json& data, absl::string_view base_url) {
  const json& cdn = JsonObject(data, "cdn");
  MessageMedia media;
  // Sent emoticons carry only an absolute url.
  const std::string path = JsonString(data, "file_path");
  media.set_url(AbsoluteFileUrl(base_url, path.empty() ? JsonString(data, "url") : path));
  media.set_file_name(JsonString(cdn, "file_name"));
  // Received files also say it as file_size.
  const int64_t size = std::max<int64_t>(
      0, JsonInt(cdn, "size") != 0 ? JsonInt(cdn, "size") : JsonInt(data, "file_size"));
  media.set_size_bytes(static_cast<uint64_t>(size));
  media.set_md5(JsonString(cdn, "md5"));
  media.set_width(static_cast<int32_t>(FirstNonZero(data, {"imgWidth", "videoWidth", "width"})));
  media.set_height(
      static_cast<int32_t>(FirstNonZero(data, {"imgHeight", "videoHeight", "height"})));
  media.set_duration_seconds(static_cast<int32_t>(JsonInt(data, "duration")));
  return media;
}

// The parts of `data` that only messages of `type` have.
void FillContent(const json& data, absl::string_view base_url, MessageEvent& message) {
  switch (message.type()) {
    case v1::MESSAGE_TYPE_TEXT:
      message.set_text(JsonString(data, "content"));
      for (const json& id : JsonArray(data, "at_list")) {
        if (id.is_string()) message.add_mention_user_ids(id.get<std::string>());
      }
      return;
    case v1::MESSAGE_TYPE_SYSTEM:
      message.set_text(JsonString(data, "content"));
      return;
    case v1::MESSAGE_TYPE_IMAGE:
    case v1::MESSAGE_TYPE_VIDEO:
    case v1::MESSAGE_TYPE_VOICE:
    case v1::MESSAGE_TYPE_FILE:
    case v1::MESSAGE_TYPE_EMOTICON:
      *message.mutable_media() = Media(data, base_url);
      return;
    case v1::MESSAGE_TYPE_LOCATION: {
      v1::MessageLocation& location = *message.mutable_location();
      location.set_latitude(JsonDouble(data, "latitude"));
      location.set_longitude(JsonDouble(data, "longitude"));
      location.set_address(JsonString(data, "address"));
      location.set_title(JsonString(data, "title"));
      location.set_zoom(static_cast<int32_t>(JsonInt(data, "zoom")));
      return;
    }
    case v1::MESSAGE_TYPE_LINK: {
      v1::LinkContent& link = *message.mutable_link();
      link.set_title(JsonString(data, "title"));
      link.set_description(JsonString(data, "desc"));
      link.set_url(JsonString(data, "url"));
      link.set_image_url(JsonString(data, "image_url"));
      message.set_text(link.description());
      return;
    }
    case v1::MESSAGE_TYPE_RED_PACKET:
      message.set_text(JsonString(data, "desc"));
      return;
    case v1::MESSAGE_TYPE_PERSON_CARD:
      message.set_card_user_id(JsonString(data, "user_id"));
      message.set_card_name(JsonString(data, "nickname"));
      return;
    case v1::MESSAGE_TYPE_MINI_PROGRAM:
      // A received mini program has the fields of a saved one, kept as the
      // vendor gave them so that it can be sent on as is.
      *message.mutable_mini_program() = QuntoolSavedMiniProgram(data).mini_program();
      return;
    case v1::MESSAGE_TYPE_VIDEO_NUM:
      *message.mutable_video_num() = QuntoolSavedVideoNum(data).video_num();
      return;
    default:
      return;
  }
}

absl::StatusOr<MessageEvent> Message(const json& data, MessageType type, absl::string_view wx_id,
                                     absl::string_view base_url) {
  MessageEvent message;
  ASSIGN_OR_RETURN(*message.mutable_conversation_id(),
                   RequiredJsonString(data, "data", "conversation_id"));
  message.set_type(type);
  message.set_sender_id(JsonString(data, "sender"));
  message.set_sender_name(JsonString(data, "sender_name"));
  message.set_receiver_id(JsonString(data, "receiver"));
  message.set_server_id(JsonString(data, "server_id"));
  // A string in received callbacks, a number in sent ones.
  message.set_send_time(JsonInt(data, "send_time"));
  // Sent callbacks carry the sender's 光年 account or an outcome; a message
  // sent by hand on the account's own client has the account as sender.
  const bool outbound =
      message.sender_id() == wx_id || data.contains("sendUserId") || data.contains("error_code");
  message.set_direction(outbound ? v1::DIRECTION_OUTBOUND : v1::DIRECTION_INBOUND);
  message.set_error_code(JsonInt(data, "error_code"));
  message.set_error_message(JsonString(data, "error_message"));
  FillContent(data, base_url, message);
  return message;
}

absl::StatusOr<GroupChangedEvent> GroupChange(const json& data, GroupChangedEvent::Change change) {
  GroupChangedEvent group;
  group.set_change(change);
  ASSIGN_OR_RETURN(*group.mutable_conversation_id(),
                   RequiredJsonString(data, "data", "room_conversation_id"));
  group.set_group_name(JsonString(data, "room_name"));
  group.set_operator_id(JsonString(data, "op_user_id"));
  group.set_operator_name(JsonString(data, "op_user_name"));
  for (const json& item : JsonArray(data, "member_list")) {
    v1::GroupMemberRef& member = *group.add_members();
    member.set_user_id(JsonString(item, "user_id"));
    member.set_name(JsonString(item, "name"));
  }
  return group;
}

// Login callbacks; `data` is empty when the callback had none (user_offline).
absl::StatusOr<LoginEvent> Login(absl::string_view type, const json& data, absl::string_view host,
                                 absl::string_view base_url) {
  LoginEvent login;
  login.set_host(std::string(host));
  if (type == "qrcode_status_msg") {
    login.set_kind(LoginEvent::KIND_QRCODE_STATUS);
    ASSIGN_OR_RETURN(const int64_t status, RequiredJsonInt(data, "data", "status"));
    login.set_qrcode_status(static_cast<int32_t>(status));
    login.set_qrcode_key(JsonString(data, "qrcode_key"));
    login.set_name(JsonString(data, "nick_name"));
    login.set_corp_id(JsonString(data, "corpid"));
  } else if (type == "safe_validate") {
    login.set_kind(LoginEvent::KIND_SAFE_VALIDATE);
    ASSIGN_OR_RETURN(const std::string qrcode, RequiredJsonString(data, "data", "Qrcode"));
    login.set_qrcode_url(AbsoluteFileUrl(base_url, qrcode));
    login.set_name(JsonString(data, "UserName"));
  } else if (type == "user_login") {
    login.set_kind(LoginEvent::KIND_LOGGED_IN);
    login.set_name(JsonString(data, "username"));
    login.set_corp_id(JsonString(data, "corp_id"));
  } else {
    login.set_kind(LoginEvent::KIND_OFFLINE);
  }
  return login;
}

// Types whose callbacks may come before the account is known (no wxid).
bool IsPreLoginType(absl::string_view type) {
  return type == "qrcode_status_msg" || type == "safe_validate";
}

// What a callback type becomes.
struct Kind {
  enum Payload { kMessage, kGroupChanged, kContactAdded, kLogin, kBatchConfirm };
  Payload payload;
  MessageType message_type = v1::MESSAGE_TYPE_UNSPECIFIED;
  GroupChangedEvent::Change change = GroupChangedEvent::CHANGE_UNSPECIFIED;
};

absl::StatusOr<Kind> KindOf(absl::string_view type) {
  for (const MessageKind& kind : kMessageKinds) {
    if (kind.callback_type == type)
      return Kind{.payload = Kind::kMessage, .message_type = kind.type};
  }
  for (const GroupKind& kind : kGroupKinds) {
    if (kind.callback_type == type)
      return Kind{.payload = Kind::kGroupChanged, .change = kind.change};
  }
  if (type == "notify_type_contact_add") return Kind{.payload = Kind::kContactAdded};
  if (IsPreLoginType(type) || type == "user_login" || type == "user_offline") {
    return Kind{.payload = Kind::kLogin};
  }
  if (type == "batch_msg_confirm") return Kind{.payload = Kind::kBatchConfirm};
  // Message types the gateway does not model yet still reach clients.
  if (absl::EndsWith(type, "_msg")) {
    return Kind{.payload = Kind::kMessage, .message_type = v1::MESSAGE_TYPE_OTHER};
  }
  return absl::InvalidArgumentError(
      absl::StrCat("type: unknown callback type \"", absl::CHexEscape(type.substr(0, 64)), "\""));
}

}  // namespace

absl::StatusOr<VendorEvent> NormalizeQuntoolCallback(const json& body,
                                                     absl::string_view quntool_base_url) {
  if (!body.is_object()) return absl::InvalidArgumentError("body: not a JSON object");
  ASSIGN_OR_RETURN(const std::string msg_id, RequiredJsonString(body, "", "msgId"));
  ASSIGN_OR_RETURN(const std::string type, RequiredJsonString(body, "", "type"));
  ASSIGN_OR_RETURN(const Kind kind, KindOf(type));
  ASSIGN_OR_RETURN(const int64_t timestamp, RequiredJsonInt(body, "", "timestamp"));

  std::string wx_id;
  if (IsPreLoginType(type)) {
    wx_id = JsonString(body, "wxid");
  } else {
    ASSIGN_OR_RETURN(wx_id, RequiredJsonString(body, "", "wxid"));
  }
  std::string account_id;
  if (!wx_id.empty()) {
    account_id = FormatAccountId(v1::VENDOR_QUNTOOL, wx_id);
    RETURN_IF_ERROR(ParseAccountId(account_id, "wxid").status());
  }
  std::string send_msg_id;
  if (const json* value = JsonFind(body, "sendMsgId"); value != nullptr) {
    if (!value->is_string()) return absl::InvalidArgumentError("sendMsgId: not a string");
    send_msg_id = value->get<std::string>();
  }
  const json* given_data = JsonFind(body, "data");
  // Only the account's own status callbacks may come without data.
  if (given_data == nullptr && type != "user_offline" && type != "user_login") {
    return absl::InvalidArgumentError("data: missing");
  }
  if (given_data != nullptr && !given_data->is_object()) {
    return absl::InvalidArgumentError("data: not an object");
  }
  const json no_data = json::object();
  const json& data = given_data != nullptr ? *given_data : no_data;

  VendorEvent normalized;
  Event& event = normalized.event;
  event.set_event_id(msg_id);
  event.set_account_id(account_id);
  event.set_vendor(v1::VENDOR_QUNTOOL);
  event.set_occurred_at_ms(timestamp);
  event.set_vendor_type(type);
  if (given_data != nullptr) {
    event.set_vendor_payload_json(data.dump(-1, ' ', false, json::error_handler_t::replace));
  }

  switch (kind.payload) {
    case Kind::kMessage: {
      ASSIGN_OR_RETURN(*event.mutable_message(),
                       Message(data, kind.message_type, wx_id, quntool_base_url));
      if (send_msg_id.empty()) break;
      const MessageEvent& message = event.message();
      normalized.send_outcome = VendorSendOutcome{.vendor_msg_id = send_msg_id,
                                                  .account_id = account_id,
                                                  .conversation_id = message.conversation_id(),
                                                  .error_code = message.error_code(),
                                                  .error_message = message.error_message(),
                                                  .server_id = message.server_id(),
                                                  .echo_type = message.type()};
      break;
    }
    case Kind::kGroupChanged: {
      ASSIGN_OR_RETURN(*event.mutable_group_changed(), GroupChange(data, kind.change));
      break;
    }
    case Kind::kContactAdded:
      RETURN_IF_ERROR(RequiredJsonString(data, "data", "user_id").status());
      *event.mutable_contact_added()->mutable_contact() = QuntoolContact(data);
      break;
    case Kind::kLogin: {
      ASSIGN_OR_RETURN(*event.mutable_login(),
                       Login(type, data, JsonString(body, "source"), quntool_base_url));
      break;
    }
    case Kind::kBatchConfirm: {
      v1::BatchMessageConfirmEvent& confirm = *event.mutable_batch_message_confirm();
      confirm.set_title(JsonString(data, "title"));
      confirm.set_send_time(JsonInt(data, "sendtime"));
      break;
    }
  }
  return normalized;
}

}  // namespace wecom::robot
