// The Groups RPCs as a plain class: each validates its request
// (INVALID_ARGUMENT naming the field, counted) and calls the platform of the
// account's vendor. They act through the account's WeCom client, so the
// account must be online.
#pragma once

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/robot-gateway/api/account_directory.h"
#include "services/robot-gateway/metrics/gateway_metrics.h"
#include "wecom/robot/v1/groups_service.pb.h"

namespace wecom::robot {

class GroupsApi {
 public:
  // `metrics` may be null; `accounts` must outlive the API.
  GroupsApi(AccountDirectory* accounts, GatewayMetrics* metrics)
      : accounts_(accounts), metrics_(metrics) {}

  absl::StatusOr<v1::CreateGroupResponse> CreateGroup(const v1::CreateGroupRequest& request);
  absl::StatusOr<v1::ListGroupsResponse> ListGroups(const v1::ListGroupsRequest& request);
  absl::StatusOr<v1::RenameGroupResponse> RenameGroup(const v1::RenameGroupRequest& request);
  absl::StatusOr<v1::ListGroupMembersResponse> ListGroupMembers(
      const v1::ListGroupMembersRequest& request);
  absl::StatusOr<v1::AddGroupMembersResponse> AddGroupMembers(
      const v1::AddGroupMembersRequest& request);
  absl::StatusOr<v1::RemoveGroupMembersResponse> RemoveGroupMembers(
      const v1::RemoveGroupMembersRequest& request);
  absl::StatusOr<v1::AddGroupMemberAsContactResponse> AddGroupMemberAsContact(
      const v1::AddGroupMemberAsContactRequest& request);
  absl::StatusOr<v1::PublishGroupNoticeResponse> PublishGroupNotice(
      const v1::PublishGroupNoticeRequest& request);
  absl::StatusOr<v1::ConvertGroupIdResponse> ConvertGroupId(
      const v1::ConvertGroupIdRequest& request);
  absl::StatusOr<v1::ListGroupAdminsResponse> ListGroupAdmins(
      const v1::ListGroupAdminsRequest& request);
  absl::StatusOr<v1::ChangeGroupAdminsResponse> AddGroupAdmins(
      const v1::ChangeGroupAdminsRequest& request);
  absl::StatusOr<v1::ChangeGroupAdminsResponse> RemoveGroupAdmins(
      const v1::ChangeGroupAdminsRequest& request);
  absl::StatusOr<v1::ExportGroupsResponse> ExportGroups(const v1::ExportGroupsRequest& request);
  absl::StatusOr<v1::CopyGroupSettingsResponse> CopyGroupSettings(
      const v1::CopyGroupSettingsRequest& request);

 private:
  absl::StatusOr<v1::ChangeGroupAdminsResponse> ChangeGroupAdmins(
      absl::string_view method, bool add, const v1::ChangeGroupAdminsRequest& request);

  AccountDirectory* accounts_;
  GatewayMetrics* metrics_;
};

}  // namespace wecom::robot
