// quntool's JSON items (seed 003's examples) as wecom.robot.v1 messages.
// Missing or wrongly typed fields map to empty values.
#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "wecom/robot/v1/accounts_service.pb.h"
#include "wecom/robot/v1/contacts_service.pb.h"
#include "wecom/robot/v1/labels_service.pb.h"
#include "wecom/robot/v1/messaging_service.pb.h"
#include "wecom/robot/v1/robot.pb.h"

namespace wecom::robot {

// /inner/user/wx/list Status 0-5.
v1::AccountStatus QuntoolAccountStatus(int64_t status);

// An /inner/user/wx/list item. `base_url` makes QrCode absolute; the caller
// sets send_transport.
v1::Account QuntoolAccount(const nlohmann::json& item, absl::string_view base_url);

// An /inner/user/list item.
v1::Operator QuntoolOperator(const nlohmann::json& item);

// A contact list item (/contact/external/list, /contact/inner/list,
// /contact/external/query, /label/contacts, /label/contact/search).
v1::Contact QuntoolContact(const nlohmann::json& item);

// A /group/member/list member_list item.
v1::GroupMember QuntoolGroupMember(const nlohmann::json& item);

// A /label/all item, or a /label/contact/labels item ({name, label_id}).
v1::Label QuntoolLabel(const nlohmann::json& item);

// /contact/relation and /contact/relation/sync data.
v1::ContactRelation QuntoolContactRelation(const nlohmann::json& data);

// /miniprogram/list and /videonum/list items.
v1::SavedMiniProgram QuntoolSavedMiniProgram(const nlohmann::json& item);
v1::SavedVideoNum QuntoolSavedVideoNum(const nlohmann::json& item);

// True for a WeChat user id (788…) rather than a WeCom one (1688…).
bool IsWeChatUserId(absl::string_view user_id);

}  // namespace wecom::robot
