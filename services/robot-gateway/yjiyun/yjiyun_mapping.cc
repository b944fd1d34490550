#include "services/robot-gateway/yjiyun/yjiyun_mapping.h"

#include <string>

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

int64_t YjiyunTimeSeconds(const std::string& text) {
  static const absl::TimeZone* const kChina = new absl::TimeZone(absl::FixedTimeZone(8 * 3600));
  absl::Time time;
  std::string error;
  if (!absl::ParseTime("%Y-%m-%d %H:%M:%S", text, *kChina, &time, &error)) return 0;
  return absl::ToUnixSeconds(time);
}

}  // namespace wecom::robot
