#include "services/robot-gateway/platform/robot_platform.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace wecom::robot {
namespace {

// A payload of ours: its presence is the mark, it carries nothing.
constexpr absl::string_view kAccountOfflineUrl = "wecom.robot/AccountOffline";

}  // namespace

void SetAccountOffline(absl::Status& status) {
  status.SetPayload(kAccountOfflineUrl, absl::Cord());
}

bool IsAccountOffline(const absl::Status& status) {
  return status.GetPayload(kAccountOfflineUrl).has_value();
}

absl::StatusOr<std::vector<v1::Account>> RobotPlatform::ListAccounts(
    const v1::ListAccountsRequest&) {
  return Unimplemented("ListAccounts");
}

absl::StatusOr<v1::ListOperatorsResponse> RobotPlatform::ListOperators(
    const v1::ListOperatorsRequest&) {
  return Unimplemented("ListOperators");
}

absl::StatusOr<v1::StartLoginResponse> RobotPlatform::StartLogin(const v1::StartLoginRequest&) {
  return Unimplemented("StartLogin");
}

absl::StatusOr<v1::VerifyLoginResponse> RobotPlatform::VerifyLogin(const v1::VerifyLoginRequest&) {
  return Unimplemented("VerifyLogin");
}

absl::Status RobotPlatform::ControlAccounts(AccountControl, const std::vector<AccountRef>&) {
  return Unimplemented("ControlAccounts");
}

absl::StatusOr<v1::ListAccountResourcesResponse> RobotPlatform::ListAccountResources(
    const v1::ListAccountResourcesRequest&) {
  return Unimplemented("ListAccountResources");
}

absl::StatusOr<std::string> RobotPlatform::SendMessage(const OutgoingMessage&) {
  return Unimplemented("SendMessage");
}

v1::SendTransport RobotPlatform::TransportFor(const AccountRef&) const {
  return v1::SEND_TRANSPORT_HTTP;
}

absl::StatusOr<v1::UploadFileResponse> RobotPlatform::UploadFile(const AccountRef&,
                                                                 const std::string&,
                                                                 const std::string&) {
  return Unimplemented("UploadFile");
}

absl::StatusOr<v1::ListSavedMiniProgramsResponse> RobotPlatform::ListSavedMiniPrograms(
    const AccountRef&) {
  return Unimplemented("ListSavedMiniPrograms");
}

absl::StatusOr<v1::ListSavedVideoNumsResponse> RobotPlatform::ListSavedVideoNums(
    const AccountRef&) {
  return Unimplemented("ListSavedVideoNums");
}

absl::Status RobotPlatform::ConfirmBatchMessages(const AccountRef&) {
  return Unimplemented("ConfirmBatchMessages");
}

absl::StatusOr<v1::ListContactsResponse> RobotPlatform::ListContacts(
    const AccountRef&, const v1::ListContactsRequest&) {
  return Unimplemented("ListContacts");
}

absl::StatusOr<v1::GetContactsResponse> RobotPlatform::GetContacts(const AccountRef&,
                                                                   const v1::GetContactsRequest&) {
  return Unimplemented("GetContacts");
}

absl::StatusOr<v1::GetContactDetailsResponse> RobotPlatform::GetContactDetails(
    const AccountRef&, const v1::GetContactDetailsRequest&) {
  return Unimplemented("GetContactDetails");
}

absl::Status RobotPlatform::UpdateContact(const AccountRef&, const v1::UpdateContactRequest&) {
  return Unimplemented("UpdateContact");
}

absl::Status RobotPlatform::RemoveContact(const AccountRef&, const v1::RemoveContactRequest&) {
  return Unimplemented("RemoveContact");
}

absl::StatusOr<v1::SearchContactResponse> RobotPlatform::SearchContact(
    const AccountRef&, const v1::SearchContactRequest&) {
  return Unimplemented("SearchContact");
}

absl::StatusOr<v1::AddContactResponse> RobotPlatform::AddContact(const AccountRef&,
                                                                 const v1::AddContactRequest&) {
  return Unimplemented("AddContact");
}

absl::Status RobotPlatform::AcceptFriendRequest(const AccountRef&,
                                                const v1::AcceptFriendRequestRequest&) {
  return Unimplemented("AcceptFriendRequest");
}

absl::Status RobotPlatform::SyncContacts(const AccountRef&, const v1::SyncContactsRequest&) {
  return Unimplemented("SyncContacts");
}

absl::StatusOr<v1::AccountProfile> RobotPlatform::UpdateAccountProfile(
    const AccountRef&, const v1::UpdateAccountProfileRequest&) {
  return Unimplemented("UpdateAccountProfile");
}

absl::Status RobotPlatform::ForwardMessage(const AccountRef&, const v1::ForwardMessageRequest&) {
  return Unimplemented("ForwardMessage");
}

absl::Status RobotPlatform::CreateMassSendTask(const AccountRef&,
                                               const v1::CreateMassSendTaskRequest&) {
  return Unimplemented("CreateMassSendTask");
}

absl::StatusOr<v1::ListConversationsResponse> RobotPlatform::ListConversations(
    const AccountRef&, const v1::ListConversationsRequest&) {
  return Unimplemented("ListConversations");
}

absl::StatusOr<v1::ListConversationMessagesResponse> RobotPlatform::ListConversationMessages(
    const AccountRef&, const v1::ListConversationMessagesRequest&) {
  return Unimplemented("ListConversationMessages");
}

absl::Status RobotPlatform::MarkConversationRead(const AccountRef&,
                                                 const v1::MarkConversationReadRequest&) {
  return Unimplemented("MarkConversationRead");
}

absl::StatusOr<v1::ListGroupAdminsResponse> RobotPlatform::ListGroupAdmins(
    const AccountRef&, const v1::ListGroupAdminsRequest&) {
  return Unimplemented("ListGroupAdmins");
}

absl::Status RobotPlatform::ChangeGroupAdmins(const AccountRef&, bool add,
                                              const v1::ChangeGroupAdminsRequest&) {
  return Unimplemented(add ? "AddGroupAdmins" : "RemoveGroupAdmins");
}

absl::StatusOr<v1::ExportGroupsResponse> RobotPlatform::ExportGroups(
    const std::vector<AccountRef>&, const v1::ExportGroupsRequest&) {
  return Unimplemented("ExportGroups");
}

absl::Status RobotPlatform::CopyGroupSettings(const AccountRef&, const std::vector<AccountRef>&,
                                              const v1::CopyGroupSettingsRequest&) {
  return Unimplemented("CopyGroupSettings");
}

absl::StatusOr<v1::ConvertContactIdResponse> RobotPlatform::ConvertContactId(
    const AccountRef&, const v1::ConvertContactIdRequest&) {
  return Unimplemented("ConvertContactId");
}

absl::StatusOr<v1::GetContactRelationResponse> RobotPlatform::GetContactRelation(
    const AccountRef&, const v1::GetContactRelationRequest&) {
  return Unimplemented("GetContactRelation");
}

absl::StatusOr<v1::CreateGroupResponse> RobotPlatform::CreateGroup(const AccountRef&,
                                                                   const v1::CreateGroupRequest&) {
  return Unimplemented("CreateGroup");
}

absl::StatusOr<v1::ListGroupsResponse> RobotPlatform::ListGroups(const AccountRef&,
                                                                 const v1::ListGroupsRequest&) {
  return Unimplemented("ListGroups");
}

absl::Status RobotPlatform::RenameGroup(const AccountRef&, const v1::RenameGroupRequest&) {
  return Unimplemented("RenameGroup");
}

absl::StatusOr<v1::ListGroupMembersResponse> RobotPlatform::ListGroupMembers(
    const AccountRef&, const v1::ListGroupMembersRequest&) {
  return Unimplemented("ListGroupMembers");
}

absl::Status RobotPlatform::AddGroupMembers(const AccountRef&, const v1::AddGroupMembersRequest&) {
  return Unimplemented("AddGroupMembers");
}

absl::Status RobotPlatform::RemoveGroupMembers(const AccountRef&,
                                               const v1::RemoveGroupMembersRequest&) {
  return Unimplemented("RemoveGroupMembers");
}

absl::Status RobotPlatform::AddGroupMemberAsContact(const AccountRef&,
                                                    const v1::AddGroupMemberAsContactRequest&) {
  return Unimplemented("AddGroupMemberAsContact");
}

absl::Status RobotPlatform::PublishGroupNotice(const AccountRef&,
                                               const v1::PublishGroupNoticeRequest&) {
  return Unimplemented("PublishGroupNotice");
}

absl::StatusOr<v1::ConvertGroupIdResponse> RobotPlatform::ConvertGroupId(
    const AccountRef&, const v1::ConvertGroupIdRequest&) {
  return Unimplemented("ConvertGroupId");
}

absl::StatusOr<v1::ListLabelsResponse> RobotPlatform::ListLabels(const AccountRef&) {
  return Unimplemented("ListLabels");
}

absl::Status RobotPlatform::SetContactLabels(const AccountRef&,
                                             const v1::SetContactLabelsRequest&) {
  return Unimplemented("SetContactLabels");
}

absl::StatusOr<v1::ListContactLabelsResponse> RobotPlatform::ListContactLabels(
    const AccountRef&, const v1::ListContactLabelsRequest&) {
  return Unimplemented("ListContactLabels");
}

absl::StatusOr<v1::SearchContactsByLabelsResponse> RobotPlatform::SearchContactsByLabels(
    const std::vector<AccountRef>&, const v1::SearchContactsByLabelsRequest&) {
  return Unimplemented("SearchContactsByLabels");
}

absl::StatusOr<v1::ListLabelContactsResponse> RobotPlatform::ListLabelContacts(
    const AccountRef&, const v1::ListLabelContactsRequest&) {
  return Unimplemented("ListLabelContacts");
}

absl::Status RobotPlatform::Unimplemented(absl::string_view operation) const {
  return absl::UnimplementedError(
      absl::StrCat(VendorName(vendor()), " has no ", operation, " operation"));
}

}  // namespace wecom::robot
