// yjiyun's JSON items (seed 001's tables and examples) as wecom.robot.v1
// messages. Missing or wrongly typed fields map to empty values; ids that
// yjiyun sends as numbers (userId, creatorId) become their digits.
#pragma once

#include <cstdint>

#include "nlohmann/json.hpp"
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

// "yyyy-MM-dd HH:mm:ss" in China time (UTC+8, yjiyun's zone) as Unix
// seconds; 0 when `text` is not such a time.
int64_t YjiyunTimeSeconds(const std::string& text);

}  // namespace wecom::robot
