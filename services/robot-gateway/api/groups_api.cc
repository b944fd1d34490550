#include "services/robot-gateway/api/groups_api.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "services/robot-gateway/api/request_check.h"

namespace wecom::robot {
namespace {

// WeCom's largest group.
constexpr int kMaxGroupMembers = 500;
constexpr int kMaxMembersPerChange = 100;
// Besides the owner (seed 001 3.17).
constexpr int kMaxGroupAdmins = 3;
constexpr int kMaxExportedAccounts = 100;
constexpr int kMaxExportedGroups = 1000;
constexpr int kMaxSettingTargets = 100;
constexpr int kMaxSettingGroups = 1000;

}  // namespace

absl::StatusOr<v1::CreateGroupResponse> GroupsApi::CreateGroup(
    const v1::CreateGroupRequest& request) {
  const RequestCheck check("CreateGroup", metrics_);
  ASSIGN_OR_RETURN(AccountRef ref, check.Account("account_id", request.account_id()));
  if (request.member_user_ids().size() < 2) return check.Invalid("member_user_ids", "at least two");
  RETURN_IF_ERROR(check.Ids("member_user_ids", request.member_user_ids(), 2, kMaxGroupMembers));
  ASSIGN_OR_RETURN(RobotPlatform * platform, accounts_->OnlinePlatform(ref));
  return platform->CreateGroup(ref, request);
}

absl::StatusOr<v1::ListGroupsResponse> GroupsApi::ListGroups(const v1::ListGroupsRequest& request) {
  const RequestCheck check("ListGroups", metrics_);
  ASSIGN_OR_RETURN(AccountRef ref, check.Account("account_id", request.account_id()));
  RETURN_IF_ERROR(check.PageSize("page_size", request.page_size()));
  ASSIGN_OR_RETURN(RobotPlatform * platform, accounts_->OnlinePlatform(ref));
  return platform->ListGroups(ref, request);
}

absl::StatusOr<v1::RenameGroupResponse> GroupsApi::RenameGroup(
    const v1::RenameGroupRequest& request) {
  const RequestCheck check("RenameGroup", metrics_);
  ASSIGN_OR_RETURN(AccountRef ref, check.Account("account_id", request.account_id()));
  RETURN_IF_ERROR(check.GroupConversationId("conversation_id", request.conversation_id()));
  RETURN_IF_ERROR(check.NotBlank("name", request.name()));
  ASSIGN_OR_RETURN(RobotPlatform * platform, accounts_->OnlinePlatform(ref));
  RETURN_IF_ERROR(platform->RenameGroup(ref, request));
  return v1::RenameGroupResponse();
}

absl::StatusOr<v1::ListGroupMembersResponse> GroupsApi::ListGroupMembers(
    const v1::ListGroupMembersRequest& request) {
  const RequestCheck check("ListGroupMembers", metrics_);
  ASSIGN_OR_RETURN(AccountRef ref, check.Account("account_id", request.account_id()));
  RETURN_IF_ERROR(check.GroupConversationId("conversation_id", request.conversation_id()));
  RETURN_IF_ERROR(check.PageSize("page_size", request.page_size()));
  ASSIGN_OR_RETURN(RobotPlatform * platform, accounts_->OnlinePlatform(ref));
  return platform->ListGroupMembers(ref, request);
}

absl::StatusOr<v1::AddGroupMembersResponse> GroupsApi::AddGroupMembers(
    const v1::AddGroupMembersRequest& request) {
  const RequestCheck check("AddGroupMembers", metrics_);
  ASSIGN_OR_RETURN(AccountRef ref, check.Account("account_id", request.account_id()));
  RETURN_IF_ERROR(check.GroupConversationId("conversation_id", request.conversation_id()));
  RETURN_IF_ERROR(check.Ids("member_user_ids", request.member_user_ids(), 1, kMaxMembersPerChange));
  ASSIGN_OR_RETURN(RobotPlatform * platform, accounts_->OnlinePlatform(ref));
  RETURN_IF_ERROR(platform->AddGroupMembers(ref, request));
  return v1::AddGroupMembersResponse();
}

absl::StatusOr<v1::RemoveGroupMembersResponse> GroupsApi::RemoveGroupMembers(
    const v1::RemoveGroupMembersRequest& request) {
  const RequestCheck check("RemoveGroupMembers", metrics_);
  ASSIGN_OR_RETURN(AccountRef ref, check.Account("account_id", request.account_id()));
  RETURN_IF_ERROR(check.GroupConversationId("conversation_id", request.conversation_id()));
  RETURN_IF_ERROR(check.Ids("member_user_ids", request.member_user_ids(), 1, kMaxMembersPerChange));
  ASSIGN_OR_RETURN(RobotPlatform * platform, accounts_->OnlinePlatform(ref));
  RETURN_IF_ERROR(platform->RemoveGroupMembers(ref, request));
  return v1::RemoveGroupMembersResponse();
}

absl::StatusOr<v1::AddGroupMemberAsContactResponse> GroupsApi::AddGroupMemberAsContact(
    const v1::AddGroupMemberAsContactRequest& request) {
  const RequestCheck check("AddGroupMemberAsContact", metrics_);
  ASSIGN_OR_RETURN(AccountRef ref, check.Account("account_id", request.account_id()));
  RETURN_IF_ERROR(check.GroupConversationId("conversation_id", request.conversation_id()));
  RETURN_IF_ERROR(check.NotBlank("member_user_id", request.member_user_id()));
  ASSIGN_OR_RETURN(RobotPlatform * platform, accounts_->OnlinePlatform(ref));
  RETURN_IF_ERROR(platform->AddGroupMemberAsContact(ref, request));
  return v1::AddGroupMemberAsContactResponse();
}

absl::StatusOr<v1::PublishGroupNoticeResponse> GroupsApi::PublishGroupNotice(
    const v1::PublishGroupNoticeRequest& request) {
  const RequestCheck check("PublishGroupNotice", metrics_);
  ASSIGN_OR_RETURN(AccountRef ref, check.Account("account_id", request.account_id()));
  RETURN_IF_ERROR(check.GroupConversationId("conversation_id", request.conversation_id()));
  RETURN_IF_ERROR(check.NotBlank("content", request.content()));
  ASSIGN_OR_RETURN(RobotPlatform * platform, accounts_->OnlinePlatform(ref));
  RETURN_IF_ERROR(platform->PublishGroupNotice(ref, request));
  return v1::PublishGroupNoticeResponse();
}

absl::StatusOr<v1::ConvertGroupIdResponse> GroupsApi::ConvertGroupId(
    const v1::ConvertGroupIdRequest& request) {
  const RequestCheck check("ConvertGroupId", metrics_);
  ASSIGN_OR_RETURN(AccountRef ref, check.Account("account_id", request.account_id()));
  switch (request.id_case()) {
    case v1::ConvertGroupIdRequest::kConversationId:
      RETURN_IF_ERROR(check.GroupConversationId("conversation_id", request.conversation_id()));
      break;
    case v1::ConvertGroupIdRequest::kExternalRoomId:
      RETURN_IF_ERROR(check.NotBlank("external_room_id", request.external_room_id()));
      break;
    case v1::ConvertGroupIdRequest::ID_NOT_SET:
      return check.Invalid("id", "set conversation_id or external_room_id");
  }
  ASSIGN_OR_RETURN(RobotPlatform * platform, accounts_->OnlinePlatform(ref));
  return platform->ConvertGroupId(ref, request);
}

absl::StatusOr<v1::ListGroupAdminsResponse> GroupsApi::ListGroupAdmins(
    const v1::ListGroupAdminsRequest& request) {
  const RequestCheck check("ListGroupAdmins", metrics_);
  ASSIGN_OR_RETURN(AccountRef ref, check.Account("account_id", request.account_id()));
  RETURN_IF_ERROR(check.GroupConversationId("conversation_id", request.conversation_id()));
  ASSIGN_OR_RETURN(RobotPlatform * platform, accounts_->OnlinePlatform(ref));
  return platform->ListGroupAdmins(ref, request);
}

absl::StatusOr<v1::ChangeGroupAdminsResponse> GroupsApi::AddGroupAdmins(
    const v1::ChangeGroupAdminsRequest& request) {
  return ChangeGroupAdmins("AddGroupAdmins", true, request);
}

absl::StatusOr<v1::ChangeGroupAdminsResponse> GroupsApi::RemoveGroupAdmins(
    const v1::ChangeGroupAdminsRequest& request) {
  return ChangeGroupAdmins("RemoveGroupAdmins", false, request);
}

absl::StatusOr<v1::ChangeGroupAdminsResponse> GroupsApi::ChangeGroupAdmins(
    absl::string_view method, bool add, const v1::ChangeGroupAdminsRequest& request) {
  const RequestCheck check(method, metrics_);
  ASSIGN_OR_RETURN(AccountRef ref, check.Account("account_id", request.account_id()));
  RETURN_IF_ERROR(check.GroupConversationId("conversation_id", request.conversation_id()));
  RETURN_IF_ERROR(check.Ids("user_ids", request.user_ids(), 1, kMaxGroupAdmins));
  ASSIGN_OR_RETURN(RobotPlatform * platform, accounts_->OnlinePlatform(ref));
  RETURN_IF_ERROR(platform->ChangeGroupAdmins(ref, add, request));
  return v1::ChangeGroupAdminsResponse();
}

absl::StatusOr<v1::ExportGroupsResponse> GroupsApi::ExportGroups(
    const v1::ExportGroupsRequest& request) {
  const RequestCheck check("ExportGroups", metrics_);
  ASSIGN_OR_RETURN(
      std::vector<AccountRef> refs,
      check.AccountsOfOneVendor("account_ids", request.account_ids(), kMaxExportedAccounts));
  if (!request.conversation_ids().empty()) {
    if (refs.size() != 1) return check.Invalid("account_ids", "one account with conversation_ids");
    const bool filtered = request.has_account_in_group() || !request.owner_name().empty() ||
                          !request.owner_user_id().empty() || !request.name_contains().empty() ||
                          request.min_members() != 0 || request.max_members() != 0 ||
                          request.has_external() ||
                          request.order() != v1::EXPORT_GROUPS_ORDER_CREATED_DESC;
    if (filtered) return check.Invalid("conversation_ids", "not with filters");
    RETURN_IF_ERROR(
        check.Ids("conversation_ids", request.conversation_ids(), 1, kMaxExportedGroups));
    for (int i = 0; i < request.conversation_ids().size(); ++i) {
      RETURN_IF_ERROR(check.GroupConversationId(absl::StrCat("conversation_ids[", i, "]"),
                                                request.conversation_ids(i)));
    }
  }
  if (!absl::c_all_of(request.owner_user_id(),
                      [](char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); })) {
    return check.Invalid("owner_user_id", "digits");
  }
  if (request.min_members() < 0) return check.Invalid("min_members", "must not be negative");
  if (request.max_members() < 0) return check.Invalid("max_members", "must not be negative");
  if (request.max_members() != 0 && request.max_members() < request.min_members()) {
    return check.Invalid("max_members", "less than min_members");
  }
  if (!v1::ExportGroupsOrder_IsValid(request.order())) {
    return check.Invalid("order", "not an ExportGroupsOrder");
  }
  RobotPlatform* platform = nullptr;
  for (size_t i = 0; i < refs.size(); ++i) {
    ASSIGN_OR_RETURN(platform,
                     accounts_->KnownPlatform(refs[i], absl::StrCat("account_ids[", i, "]")));
  }
  return platform->ExportGroups(refs, request);
}

absl::StatusOr<v1::CopyGroupSettingsResponse> GroupsApi::CopyGroupSettings(
    const v1::CopyGroupSettingsRequest& request) {
  const RequestCheck check("CopyGroupSettings", metrics_);
  ASSIGN_OR_RETURN(AccountRef template_ref,
                   check.Account("template_account_id", request.template_account_id()));
  RETURN_IF_ERROR(
      check.GroupConversationId("template_conversation_id", request.template_conversation_id()));
  if (request.modules().empty()) return check.Invalid("modules", "at least one");
  for (int i = 0; i < request.modules().size(); ++i) {
    const int module = request.modules(i);
    if (module == v1::GROUP_SETTING_MODULE_UNSPECIFIED || !v1::GroupSettingModule_IsValid(module)) {
      return check.Invalid(absl::StrCat("modules[", i, "]"), "not a GroupSettingModule");
    }
  }
  if (request.targets().empty() || request.targets().size() > kMaxSettingTargets) {
    return check.Invalid("targets", "1-100 targets");
  }
  std::vector<AccountRef> targets;
  for (int i = 0; i < request.targets().size(); ++i) {
    const v1::GroupSettingTarget& target = request.targets(i);
    const std::string field = absl::StrCat("targets[", i, "]");
    ASSIGN_OR_RETURN(AccountRef ref,
                     check.Account(absl::StrCat(field, ".account_id"), target.account_id()));
    if (ref.vendor != template_ref.vendor) {
      return check.Invalid(absl::StrCat(field, ".account_id"), "not of the template's vendor");
    }
    const std::string groups = absl::StrCat(field, ".conversation_ids");
    RETURN_IF_ERROR(check.Ids(groups, target.conversation_ids(), 1, kMaxSettingGroups));
    for (int j = 0; j < target.conversation_ids().size(); ++j) {
      RETURN_IF_ERROR(
          check.GroupConversationId(absl::StrCat(groups, "[", j, "]"), target.conversation_ids(j)));
    }
    RETURN_IF_ERROR(accounts_->KnownPlatform(ref, absl::StrCat(field, ".account_id")).status());
    targets.push_back(std::move(ref));
  }
  ASSIGN_OR_RETURN(RobotPlatform * platform,
                   accounts_->KnownPlatform(template_ref, "template_account_id"));
  RETURN_IF_ERROR(platform->CopyGroupSettings(template_ref, targets, request));
  return v1::CopyGroupSettingsResponse();
}

}  // namespace wecom::robot
