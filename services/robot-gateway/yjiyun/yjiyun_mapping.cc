#include "services/robot-gateway/yjiyun/yjiyun_mapping.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/robot-gateway/core/account_id.h"
#include "services/robot-gateway/platform/vendor_json.h"

namespace wecom::robot {

using nlohmann::json;

v1::AccountStatus YjiyunAccountStatus(int64_t robot_status) {
  switch (robot_status) {
    case 0:
      return v1::ACCOUNT_STATUS_LOGGING_IN;
    case 1:
      return v1::ACCOUNT_STATUS_ONLINE;
    case 2:
      return v1::ACCOUNT_STATUS_OFFLINE;
    case 3:
      return v1::ACCOUNT_STATUS_BANNED;
    case 4:
      return v1::ACCOUNT_STATUS_KICKED;
    default:
      return v1::ACCOUNT_STATUS_UNSPECIFIED;
  }
}

v1::Account YjiyunAccount(const json& item) {
  v1::Account account;
  const std::string robot_key = JsonString(item, "robotKey");
  account.set_account_id(FormatAccountId(v1::VENDOR_YJIYUN, robot_key));
  account.set_vendor(v1::VENDOR_YJIYUN);
  account.set_vendor_account_id(robot_key);
  account.set_wecom_user_id(JsonString(item, "wxid"));
  account.set_name(JsonString(item, "nickName"));
  account.set_avatar_url(JsonString(item, "headImg"));
  account.set_corp_id(JsonString(item, "corpid"));
  // The table spells it officailUserId, the example officialUserId.
  std::string corp_user_id = JsonString(item, "officialUserId");
  if (corp_user_id.empty()) corp_user_id = JsonString(item, "officailUserId");
  account.set_corp_user_id(corp_user_id);
  const bool has_status = item.is_object() && item.contains("robotStatus");
  account.set_status(has_status ? YjiyunAccountStatus(JsonInt(item, "robotStatus"))
                                : v1::ACCOUNT_STATUS_UNSPECIFIED);
  account.set_operator_id(JsonString(item, "clientCode"));
  account.set_last_login_time(JsonString(item, "lastLoginTime"));
  return account;
}

v1::Contact YjiyunContact(const json& item) {
  v1::Contact contact;
  contact.set_user_id(JsonString(item, "userId"));
  contact.set_name(JsonString(item, "name"));
  contact.set_nickname(JsonString(item, "name"));
  contact.set_remark(JsonString(item, "realRemarks"));
  contact.set_description(JsonString(item, "remarks"));
  contact.set_avatar_url(JsonString(item, "avatorUrl"));
  contact.set_corp_id(JsonString(item, "corpid"));
  contact.set_position(JsonString(item, "position"));
  contact.set_gender(static_cast<int32_t>(JsonInt(item, "gender")));
  contact.set_external_user_id(JsonString(item, "corp_wxid"));
  contact.set_mobile(JsonString(item, "mobile"));
  // status: 1 正常, 0 删除.
  contact.set_deleted(item.is_object() && item.contains("status") && JsonInt(item, "status") == 0);
  contact.set_wechat_user(JsonBool(item, "isOuterUser"));
  contact.set_internal(item.is_object() && item.contains("isExternalUser") &&
                       !JsonBool(item, "isExternalUser"));
  return contact;
}

v1::Group YjiyunGroup(const json& item) {
  v1::Group group;
  group.set_conversation_id(JsonString(item, "conversationId"));
  group.set_name(JsonString(item, "name"));
  group.set_owner_id(JsonString(item, "creatorId"));
  group.set_owner_name(JsonString(item, "creatorName"));
  group.set_member_count(static_cast<int32_t>(JsonInt(item, "memberCount")));
  group.set_external(JsonBool(item, "isOuterGroupConversation"));
  group.set_create_time(YjiyunTimeSeconds(JsonString(item, "createTime")));
  // status: 1 the robot is in the group, 0 it is not (any more).
  group.set_active(JsonInt(item, "status") == 1);
  return group;
}

v1::GroupMember YjiyunGroupMember(const json& item) {
  v1::GroupMember member;
  member.set_user_id(JsonString(item, "userId"));
  member.set_name(JsonString(item, "name"));
  member.set_avatar_url(JsonString(item, "avatorUrl"));
  member.set_owner(JsonBool(item, "isCreator"));
  member.set_wechat_user(JsonBool(item, "isOuterUser"));
  return member;
}

v1::AccountProfile YjiyunAccountProfile(const json& answer) {
  v1::AccountProfile profile;
  profile.set_name(JsonString(answer, "name"));
  profile.set_alias(JsonString(answer, "alias"));
  profile.set_gender(static_cast<int32_t>(JsonInt(answer, "gender")));
  profile.set_phone(JsonString(answer, "phone"));
  profile.set_mobile(JsonString(answer, "mobile"));
  profile.set_position(JsonString(answer, "position"));
  profile.set_address(JsonString(answer, "address"));
  return profile;
}

v1::FoundUser YjiyunFoundUser(const json& user_data) {
  v1::FoundUser user;
  user.set_user_id(JsonString(user_data, "userId"));
  user.set_name(JsonString(user_data, "name"));
  user.set_avatar_url(JsonString(user_data, "wechatImgUrl"));
  // isOuterUser: 1 a WeChat user, 0 a WeCom one.
  user.set_wechat_user(JsonBool(user_data, "isOuterUser"));
  return user;
}

v1::Conversation YjiyunConversation(const json& chat) {
  v1::Conversation conversation;
  const std::string chat_user = JsonString(chat, "chatUser");
  // Group chats by the group's id, as MessageEvent.conversation_id has them.
  conversation.set_conversation_id(absl::StartsWith(chat_user, "R:") ? chat_user
                                                                     : JsonString(chat, "chatId"));
  conversation.set_name(JsonString(chat, "chatName"));
  // The table types unreadCount as a String, the example as a number.
  conversation.set_unread_count(static_cast<int32_t>(JsonInt(chat, "unreadCount")));
  conversation.set_last_active_ms(JsonInt(chat, "lastMsgActive"));
  return conversation;
}

absl::StatusOr<json> YjiyunTaskContent(const v1::MessageContent& content, absl::string_view field) {
  switch (content.kind_case()) {
    case v1::MessageContent::kText:
      if (content.text().mention_all() || !content.text().mention_user_ids().empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(field, ".text: yjiyun mass sends cannot mention anyone"));
      }
      return json{{"msgType", 1}, {"content", content.text().content()}};
    case v1::MessageContent::kImage:
      return json{{"msgType", 3}, {"content", content.image().file_url()}};
    case v1::MessageContent::kLink:
      // appType 1: a link card (2 is a music card).
      return json{{"msgType", 16},
                  {"appType", 1},
                  {"link", content.link().url()},
                  {"title", content.link().title()},
                  {"description", content.link().description()},
                  {"coverImgFile", content.link().image_url()}};
    case v1::MessageContent::kFile:
      return json{{"msgType", 49}, {"content", content.file().file_url()}};
    case v1::MessageContent::kMiniProgram: {
      // yjiyun finds a collected mini program by title, content and sender.
      // The fields as NormalizeYjiyunMessage reads a received one (title,
      // senderName → appname, senderHeadImg → appicon, logo → cover_path), so
      // one seen on the stream goes back as it came; without a description
      // the title stands in for the card's text.
      const v1::MiniProgramContent& mini = content.mini_program();
      return json{{"msgType", 78},
                  {"title", mini.title()},
                  {"content", mini.description().empty() ? mini.title() : mini.description()},
                  {"senderName", mini.appname()},
                  {"senderHeadImg", mini.appicon()},
                  {"logo", mini.cover_path()}};
    }
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          field, ": yjiyun mass sends carry text, image, link, file and mini program messages"));
  }
}

int YjiyunGroupOrderBy(v1::ExportGroupsOrder order) {
  switch (order) {
    case v1::EXPORT_GROUPS_ORDER_NAME_ASC:
      return 1;
    case v1::EXPORT_GROUPS_ORDER_NAME_DESC:
      return 2;
    case v1::EXPORT_GROUPS_ORDER_CREATED_ASC:
      return 3;
    default:
      return 4;
  }
}

std::string YjiyunSettingModule(v1::GroupSettingModule module) {
  switch (module) {
    case v1::GROUP_SETTING_MODULE_WELCOME_NEW_MEMBER:
      return "WELCOME_NEW_MEMBER";
    case v1::GROUP_SETTING_MODULE_KEYWORD_REPLY:
      return "GROUP_KEYWORD_REPLY";
    case v1::GROUP_SETTING_MODULE_DEFAULT_REPLY:
      return "PERIOD_AUTO_REPLY";
    default:
      return "";
  }
}

int64_t YjiyunTimeSeconds(const std::string& text) {
  static const absl::TimeZone* const kChina = new absl::TimeZone(absl::FixedTimeZone(8 * 3600));
  absl::Time time;
  std::string error;
  if (!absl::ParseTime("%Y-%m-%d %H:%M:%S", text, *kChina, &time, &error)) return 0;
  return absl::ToUnixSeconds(time);
}

int YjiyunSyncType(v1::ContactSyncScope scope) {
  switch (scope) {
    case v1::CONTACT_SYNC_SCOPE_CUSTOMERS:
      return 1;
    case v1::CONTACT_SYNC_SCOPE_GROUPS:
      return 2;
    case v1::CONTACT_SYNC_SCOPE_CUSTOMERS_AND_GROUPS:
      return 3;
    case v1::CONTACT_SYNC_SCOPE_DEPARTMENTS:
      return 4;
    default:
      return 0;
  }
}

}  // namespace wecom::robot
