#include "services/robot-gateway/api/groups_api.h"

#include "common/status/status_macros.h"
#include "services/robot-gateway/api/request_check.h"

namespace wecom::robot {
namespace {

// WeCom's largest group.
constexpr int kMaxGroupMembers = 500;
constexpr int kMaxMembersPerChange = 100;

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

}  // namespace wecom::robot
