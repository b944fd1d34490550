// RobotPlatform: one robot vendor (quntool, yjiyun) behind the vendor-neutral
// API. Each method is one RPC of wecom.robot.v1 for one account of this
// vendor, already validated by the API layer; the request is passed as the
// client sent it and `account` is its account_id taken apart. A vendor that
// lacks an operation keeps the default, which is UNIMPLEMENTED naming the
// vendor. Failed vendor calls return statuses made by VendorFailure() so the
// vendor's code and message reach the client.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/robot-gateway/core/account_id.h"
#include "wecom/robot/v1/accounts_service.pb.h"
#include "wecom/robot/v1/contacts_service.pb.h"
#include "wecom/robot/v1/groups_service.pb.h"
#include "wecom/robot/v1/labels_service.pb.h"
#include "wecom/robot/v1/messaging_service.pb.h"

namespace wecom::robot {

// A vendor's answer that the account is not logged in (quntool "企微不在线")
// carries a mark, so that the outbox holds the account's sends until it is
// back instead of failing them. API callers see the vendor's refusal as it
// is. Marks `status` (a non-OK status; its code, message and payloads kept).
void SetAccountOffline(absl::Status& status);
bool IsAccountOffline(const absl::Status& status);

// The container operations of Accounts (StartAccounts … LogOutAccounts).
enum class AccountControl { kStart, kStop, kRestart, kLogOut };

// A message handed to the vendor: what the outbox dispatches.
struct OutgoingMessage {
  AccountRef account;
  std::string conversation_id;
  v1::MessageContent content;
  // The gateway's send id; a transport with its own correlation id (MQTT
  // `id`) uses it, so a redelivered answer maps to the same send.
  std::string send_id;
};

class RobotPlatform {
 public:
  virtual ~RobotPlatform() = default;

  virtual v1::Vendor vendor() const = 0;

  // Accounts. ListAccounts answers with this vendor's accounts only; pacing is
  // filled in by the caller.
  virtual absl::StatusOr<std::vector<v1::Account>> ListAccounts(
      const v1::ListAccountsRequest& request);
  virtual absl::StatusOr<v1::ListOperatorsResponse> ListOperators(
      const v1::ListOperatorsRequest& request);
  virtual absl::StatusOr<v1::StartLoginResponse> StartLogin(const v1::StartLoginRequest& request);
  virtual absl::StatusOr<v1::VerifyLoginResponse> VerifyLogin(
      const v1::VerifyLoginRequest& request);
  virtual absl::Status ControlAccounts(AccountControl control,
                                       const std::vector<AccountRef>& accounts);
  virtual absl::StatusOr<v1::AccountProfile> UpdateAccountProfile(
      const AccountRef& account, const v1::UpdateAccountProfileRequest& request);
  virtual absl::StatusOr<v1::ListAccountResourcesResponse> ListAccountResources(
      const v1::ListAccountResourcesRequest& request);

  // Messaging. SendMessage delivers one message and returns the vendor's
  // message id. Its error tells the outbox what to do: DEADLINE_EXCEEDED means
  // the request may have reached the vendor (outcome unknown, never resent
  // blindly); UNAVAILABLE means it did not (safe to retry); IsAccountOffline()
  // means the account is not logged in (the send waits for it); anything else
  // is a refusal.
  virtual absl::StatusOr<std::string> SendMessage(const OutgoingMessage& message);
  // The transport SendMessage uses for `account`.
  virtual v1::SendTransport TransportFor(const AccountRef& account) const;
  virtual absl::StatusOr<v1::UploadFileResponse> UploadFile(const AccountRef& account,
                                                            const std::string& file_name,
                                                            const std::string& bytes);
  virtual absl::StatusOr<v1::ListSavedMiniProgramsResponse> ListSavedMiniPrograms(
      const AccountRef& account);
  virtual absl::StatusOr<v1::ListSavedVideoNumsResponse> ListSavedVideoNums(
      const AccountRef& account);
  virtual absl::Status ConfirmBatchMessages(const AccountRef& account);
  virtual absl::Status ForwardMessage(const AccountRef& account,
                                      const v1::ForwardMessageRequest& request);
  virtual absl::Status CreateMassSendTask(const AccountRef& account,
                                          const v1::CreateMassSendTaskRequest& request);
  virtual absl::StatusOr<v1::ListConversationsResponse> ListConversations(
      const AccountRef& account, const v1::ListConversationsRequest& request);
  virtual absl::StatusOr<v1::ListConversationMessagesResponse> ListConversationMessages(
      const AccountRef& account, const v1::ListConversationMessagesRequest& request);
  virtual absl::Status MarkConversationRead(const AccountRef& account,
                                            const v1::MarkConversationReadRequest& request);

  // Contacts.
  virtual absl::StatusOr<v1::ListContactsResponse> ListContacts(
      const AccountRef& account, const v1::ListContactsRequest& request);
  virtual absl::StatusOr<v1::GetContactsResponse> GetContacts(
      const AccountRef& account, const v1::GetContactsRequest& request);
  virtual absl::StatusOr<v1::GetContactDetailsResponse> GetContactDetails(
      const AccountRef& account, const v1::GetContactDetailsRequest& request);
  virtual absl::Status UpdateContact(const AccountRef& account,
                                     const v1::UpdateContactRequest& request);
  virtual absl::Status RemoveContact(const AccountRef& account,
                                     const v1::RemoveContactRequest& request);
  virtual absl::StatusOr<v1::SearchContactResponse> SearchContact(
      const AccountRef& account, const v1::SearchContactRequest& request);
  virtual absl::StatusOr<v1::AddContactResponse> AddContact(const AccountRef& account,
                                                            const v1::AddContactRequest& request);
  virtual absl::Status AcceptFriendRequest(const AccountRef& account,
                                           const v1::AcceptFriendRequestRequest& request);
  virtual absl::Status SyncContacts(const AccountRef& account,
                                    const v1::SyncContactsRequest& request);
  virtual absl::StatusOr<v1::ConvertContactIdResponse> ConvertContactId(
      const AccountRef& account, const v1::ConvertContactIdRequest& request);
  virtual absl::StatusOr<v1::GetContactRelationResponse> GetContactRelation(
      const AccountRef& account, const v1::GetContactRelationRequest& request);

  // Groups.
  virtual absl::StatusOr<v1::CreateGroupResponse> CreateGroup(
      const AccountRef& account, const v1::CreateGroupRequest& request);
  virtual absl::StatusOr<v1::ListGroupsResponse> ListGroups(const AccountRef& account,
                                                            const v1::ListGroupsRequest& request);
  virtual absl::Status RenameGroup(const AccountRef& account,
                                   const v1::RenameGroupRequest& request);
  virtual absl::StatusOr<v1::ListGroupMembersResponse> ListGroupMembers(
      const AccountRef& account, const v1::ListGroupMembersRequest& request);
  virtual absl::Status AddGroupMembers(const AccountRef& account,
                                       const v1::AddGroupMembersRequest& request);
  virtual absl::Status RemoveGroupMembers(const AccountRef& account,
                                          const v1::RemoveGroupMembersRequest& request);
  virtual absl::Status AddGroupMemberAsContact(const AccountRef& account,
                                               const v1::AddGroupMemberAsContactRequest& request);
  virtual absl::Status PublishGroupNotice(const AccountRef& account,
                                          const v1::PublishGroupNoticeRequest& request);
  virtual absl::StatusOr<v1::ConvertGroupIdResponse> ConvertGroupId(
      const AccountRef& account, const v1::ConvertGroupIdRequest& request);
  virtual absl::StatusOr<v1::ListGroupAdminsResponse> ListGroupAdmins(
      const AccountRef& account, const v1::ListGroupAdminsRequest& request);
  // Adds (`add`) or removes the request's admins.
  virtual absl::Status ChangeGroupAdmins(const AccountRef& account, bool add,
                                         const v1::ChangeGroupAdminsRequest& request);
  // `accounts` are the request's account_ids, all of this vendor.
  virtual absl::StatusOr<v1::ExportGroupsResponse> ExportGroups(
      const std::vector<AccountRef>& accounts, const v1::ExportGroupsRequest& request);
  // `template_account` and `targets` (one per request target, in order) are
  // all of this vendor.
  virtual absl::Status CopyGroupSettings(const AccountRef& template_account,
                                         const std::vector<AccountRef>& targets,
                                         const v1::CopyGroupSettingsRequest& request);

  // Labels. SearchContactsByLabels gets every account of the request, all of
  // this vendor.
  virtual absl::StatusOr<v1::ListLabelsResponse> ListLabels(const AccountRef& account);
  virtual absl::Status SetContactLabels(const AccountRef& account,
                                        const v1::SetContactLabelsRequest& request);
  virtual absl::StatusOr<v1::ListContactLabelsResponse> ListContactLabels(
      const AccountRef& account, const v1::ListContactLabelsRequest& request);
  virtual absl::StatusOr<v1::SearchContactsByLabelsResponse> SearchContactsByLabels(
      const std::vector<AccountRef>& accounts, const v1::SearchContactsByLabelsRequest& request);
  virtual absl::StatusOr<v1::ListLabelContactsResponse> ListLabelContacts(
      const AccountRef& account, const v1::ListLabelContactsRequest& request);

 protected:
  // UNIMPLEMENTED: "<vendor> has no <operation>".
  absl::Status Unimplemented(absl::string_view operation) const;
};

}  // namespace wecom::robot
