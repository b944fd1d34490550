// yjiyun's JSON items (seed 001's tables and examples) as wecom.robot.v1
// messages, and the one the other way (a mass send's message). Missing or
// wrongly typed fields map to empty values; ids that yjiyun sends as numbers
// (userId, creatorId) become their digits.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "wecom/robot/v1/accounts_service.pb.h"
#include "wecom/robot/v1/contacts_service.pb.h"
#include "wecom/robot/v1/groups_service.pb.h"
#include "wecom/robot/v1/messaging_service.pb.h"
#include "wecom/robot/v1/robot.pb.h"

namespace wecom::robot {

// /wxworkapi/robot/list robotStatus: 0 初始化, 1 在线, 2 离线, 3 封号禁止登录,
// 4 被踢出登录.
v1::AccountStatus YjiyunAccountStatus(int64_t robot_status);

// A /wxworkapi/robot/list item; the account id is yjiyun:<robotKey>.
v1::Account YjiyunAccount(const nlohmann::json& item);

// A /wxworkapi/external/user/list item (a customer of the robot).
v1::Contact YjiyunContact(const nlohmann::json& item);

// A /wxworkapi/group/list item.
v1::Group YjiyunGroup(const nlohmann::json& item);

// A /wxworkapi/group/member/list item.
v1::GroupMember YjiyunGroupMember(const nlohmann::json& item);

// The answer to robot.info.modify (3.14): the robot's profile now.
v1::AccountProfile YjiyunAccountProfile(const nlohmann::json& answer);

// robot.phone.contact.add's userData (2.8): the person added.
v1::FoundUser YjiyunFoundUser(const nlohmann::json& user_data);

// A /wxworkapi/chat/list item (2.10): conversation_id the group's "R:…"
// (chatUser) or the one-to-one chatId "S:…_…".
v1::Conversation YjiyunConversation(const nlohmann::json& chat);

// One message of a mass-send task (2.7 taskData.contents): text 1, image 3,
// link 16, file 49, mini program 78. INVALID_ARGUMENT naming `field`
// ("contents[2]") for other kinds and for mentions, which 2.7 cannot carry.
absl::StatusOr<nlohmann::json> YjiyunTaskContent(const v1::MessageContent& content,
                                                 absl::string_view field);

// /wxworkapi/grouptag/list/download orderBy: 1 name ascending, 2 name
// descending, 3 oldest first, 4 newest first (yjiyun's default).
int YjiyunGroupOrderBy(v1::ExportGroupsOrder order);

// /wxworkapi/group/setting/duplicate module names (WELCOME_NEW_MEMBER,
// GROUP_KEYWORD_REPLY, PERIOD_AUTO_REPLY); "" for UNSPECIFIED.
std::string YjiyunSettingModule(v1::GroupSettingModule module);

// "yyyy-MM-dd HH:mm:ss" in China time (UTC+8, yjiyun's zone) as Unix
// seconds; 0 when `text` is not such a time.
int64_t YjiyunTimeSeconds(const std::string& text);

// syncType of /wxworkapi/contact/sync (2.13): 0 everything, 1 customers, 2
// groups, 3 customers and groups, 4 departments.
int YjiyunSyncType(v1::ContactSyncScope scope);

}  // namespace wecom::robot
