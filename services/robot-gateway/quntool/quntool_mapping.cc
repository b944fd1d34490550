#include "services/robot-gateway/quntool/quntool_mapping.h"

#include "absl/strings/match.h"
#include "services/robot-gateway/core/account_id.h"
#include "services/robot-gateway/platform/vendor_json.h"
#include "services/robot-gateway/quntool/quntool_api.h"

namespace wecom::robot {

using nlohmann::json;

v1::AccountStatus QuntoolAccountStatus(int64_t status) {
  switch (status) {
    case 0:
      return v1::ACCOUNT_STATUS_ONLINE;
    case 1:
      return v1::ACCOUNT_STATUS_OFFLINE;
    case 2:
      return v1::ACCOUNT_STATUS_LOGGED_OUT;
    case 3:
      return v1::ACCOUNT_STATUS_LOGGING_IN;
    case 4:  // rescan QrCode
    case 5:  // ask 光年 support
      return v1::ACCOUNT_STATUS_LOGIN_FAILED;
    default:
      return v1::ACCOUNT_STATUS_UNSPECIFIED;
  }
}

v1::Account QuntoolAccount(const json& item, absl::string_view base_url) {
  v1::Account account;
  const std::string wx_id = JsonString(item, "wxId");
  account.set_account_id(FormatAccountId(v1::VENDOR_QUNTOOL, wx_id));
  account.set_vendor(v1::VENDOR_QUNTOOL);
  account.set_vendor_account_id(wx_id);
  account.set_wecom_user_id(wx_id);
  account.set_name(JsonString(item, "username"));
  account.set_avatar_url(JsonString(item, "avatar"));
  account.set_corp_id(JsonString(item, "corp_id"));
  const std::string short_name = JsonString(item, "corp_short_name");
  account.set_corp_name(short_name.empty() ? JsonString(item, "corp_name") : short_name);
  account.set_corp_user_id(JsonString(item, "acctid"));
  account.set_mobile(JsonString(item, "mobile"));
  account.set_position(JsonString(item, "position"));
  // Absent is unknown, not 0 (online).
  const bool has_status = item.is_object() && item.contains("Status") && item["Status"].is_number();
  account.set_status(has_status ? QuntoolAccountStatus(JsonInt(item, "Status"))
                                : v1::ACCOUNT_STATUS_UNSPECIFIED);
  account.set_login_qrcode_url(AbsoluteFileUrl(base_url, JsonString(item, "QrCode")));
  account.set_operator_id(JsonString(item, "userId"));
  account.set_host(JsonString(item, "hostname"));
  return account;
}

v1::Operator QuntoolOperator(const json& item) {
  v1::Operator op;
  op.set_operator_id(JsonString(item, "id"));
  op.set_name(JsonString(item, "username"));
  op.set_phone(JsonString(item, "phone"));
  op.set_avatar_url(JsonString(item, "avatar"));
  op.set_admin(JsonBool(item, "IsAdmin"));
  op.set_remark(JsonString(item, "Remark"));
  op.set_created_at(JsonString(item, "createdAt"));
  return op;
}

v1::Contact QuntoolContact(const json& item) {
  v1::Contact contact;
  contact.set_user_id(JsonString(item, "user_id"));
  contact.set_conversation_id(JsonString(item, "conversation_id"));
  contact.set_name(JsonString(item, "username"));
  contact.set_remark(JsonString(item, "remark"));
  contact.set_nickname(JsonString(item, "nickname"));
  contact.set_real_name(JsonString(item, "realname"));
  contact.set_avatar_url(JsonString(item, "avatar"));
  contact.set_corp_id(JsonString(item, "corp_id"));
  contact.set_position(JsonString(item, "position"));
  contact.set_gender(static_cast<int32_t>(JsonInt(item, "sex")));
  contact.set_external_user_id(JsonString(item, "external_user_id"));
  contact.set_deleted(JsonBool(item, "is_delete"));
  contact.set_delete_time(JsonString(item, "delete_time"));
  contact.set_wechat_user(IsWeChatUserId(contact.user_id()));
  contact.set_mobile(JsonString(item, "mobile"));
  contact.set_description(JsonString(item, "desc"));
  contact.set_union_id(JsonString(item, "unionid"));
  return contact;
}

v1::GroupMember QuntoolGroupMember(const json& item) {
  v1::GroupMember member;
  member.set_user_id(JsonString(item, "user_id"));
  member.set_name(JsonString(item, "username"));
  member.set_group_nickname(JsonString(item, "room_nickname"));
  member.set_remark(JsonString(item, "remark"));
  member.set_avatar_url(JsonString(item, "avatar"));
  member.set_admin(JsonBool(item, "is_admin"));
  member.set_wechat_user(IsWeChatUserId(member.user_id()));
  member.set_corp_id(JsonString(item, "corp_id"));
  member.set_position(JsonString(item, "position"));
  return member;
}

v1::Label QuntoolLabel(const json& item) {
  v1::Label label;
  // /label/all spells it labelId, /label/contact/labels label_id.
  const std::string id = JsonString(item, "labelId");
  label.set_label_id(id.empty() ? JsonString(item, "label_id") : id);
  label.set_name(JsonString(item, "name"));
  label.set_group_id(JsonString(item, "labelGroupId"));
  label.set_type(static_cast<int32_t>(JsonInt(item, "labelType")));
  label.set_corp_id(JsonString(item, "corpId"));
  label.set_create_time(JsonInt(item, "createTime"));
  return label;
}

v1::ContactRelation QuntoolContactRelation(const json& data) {
  v1::ContactRelation relation;
  relation.set_user_id(JsonString(data, "ContactUserId"));
  relation.set_external_user_id(JsonString(data, "ExternalUserId"));
  relation.set_corp_id(JsonString(data, "CorpId"));
  relation.set_platform_corp_id(JsonString(data, "CorpIdOrigin"));
  relation.set_union_id(JsonString(data, "UnionId"));
  relation.set_add_way(static_cast<int32_t>(JsonInt(data, "AddWay")));
  relation.set_add_way_description(JsonString(data, "AddWayDesc"));
  relation.set_state(JsonString(data, "State"));
  relation.set_create_time(JsonString(data, "CreateTime"));
  relation.set_name(JsonString(data, "Name"));
  relation.set_avatar_url(JsonString(data, "Avatar"));
  return relation;
}

v1::SavedMiniProgram QuntoolSavedMiniProgram(const json& item) {
  v1::SavedMiniProgram saved;
  saved.set_id(JsonInt(item, "id"));
  saved.set_type(static_cast<int32_t>(JsonInt(item, "type")));
  v1::MiniProgramContent& mini = *saved.mutable_mini_program();
  mini.set_username(JsonString(item, "username"));
  mini.set_appid(JsonString(item, "appid"));
  mini.set_appname(JsonString(item, "appname"));
  mini.set_appicon(JsonString(item, "appicon"));
  mini.set_title(JsonString(item, "title"));
  mini.set_page_path(JsonString(item, "page_path"));
  // Kept relative: /msg/miniProgram takes it back as the vendor gave it.
  mini.set_cover_path(JsonString(item, "cover_path"));
  return saved;
}

v1::SavedVideoNum QuntoolSavedVideoNum(const json& item) {
  v1::SavedVideoNum saved;
  saved.set_id(JsonInt(item, "id"));
  saved.set_type(static_cast<int32_t>(JsonInt(item, "type")));
  v1::VideoNumContent& video = *saved.mutable_video_num();
  video.set_cover_url(JsonString(item, "cover_url"));
  video.set_description(JsonString(item, "desc"));
  video.set_feed_type(static_cast<int32_t>(JsonInt(item, "feed_type")));
  video.set_nickname(JsonString(item, "nickname"));
  video.set_thumb_url(JsonString(item, "thumb_url"));
  video.set_url(JsonString(item, "url"));
  video.set_extras(JsonString(item, "extras"));
  video.set_avatar_url(JsonString(item, "avatar"));
  return saved;
}

bool IsWeChatUserId(absl::string_view user_id) { return absl::StartsWith(user_id, "788"); }

}  // namespace wecom::robot
