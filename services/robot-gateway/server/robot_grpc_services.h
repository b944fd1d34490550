// The gRPC face of the robot gateway's API classes, one service each:
// converts and forwards, nothing more.
#pragma once

#include <cstddef>

#include "services/robot-gateway/api/accounts_api.h"
#include "services/robot-gateway/api/contacts_api.h"
#include "services/robot-gateway/api/events_api.h"
#include "services/robot-gateway/api/groups_api.h"
#include "services/robot-gateway/api/labels_api.h"
#include "services/robot-gateway/api/messaging_api.h"
#include "wecom/robot/v1/accounts_service.grpc.pb.h"
#include "wecom/robot/v1/contacts_service.grpc.pb.h"
#include "wecom/robot/v1/events_service.grpc.pb.h"
#include "wecom/robot/v1/groups_service.grpc.pb.h"
#include "wecom/robot/v1/labels_service.grpc.pb.h"
#include "wecom/robot/v1/messaging_service.grpc.pb.h"

namespace wecom::robot {

class AccountsGrpcService final : public v1::Accounts::Service {
 public:
  explicit AccountsGrpcService(AccountsApi* api) : api_(api) {}

  grpc::Status ListAccounts(grpc::ServerContext* context, const v1::ListAccountsRequest* request,
                            v1::ListAccountsResponse* response) override;
  grpc::Status GetAccount(grpc::ServerContext* context, const v1::GetAccountRequest* request,
                          v1::GetAccountResponse* response) override;
  grpc::Status ListOperators(grpc::ServerContext* context, const v1::ListOperatorsRequest* request,
                             v1::ListOperatorsResponse* response) override;
  grpc::Status StartLogin(grpc::ServerContext* context, const v1::StartLoginRequest* request,
                          v1::StartLoginResponse* response) override;
  grpc::Status VerifyLogin(grpc::ServerContext* context, const v1::VerifyLoginRequest* request,
                           v1::VerifyLoginResponse* response) override;
  grpc::Status StartAccounts(grpc::ServerContext* context,
                             const v1::AccountsControlRequest* request,
                             v1::AccountsControlResponse* response) override;
  grpc::Status StopAccounts(grpc::ServerContext* context, const v1::AccountsControlRequest* request,
                            v1::AccountsControlResponse* response) override;
  grpc::Status RestartAccounts(grpc::ServerContext* context,
                               const v1::AccountsControlRequest* request,
                               v1::AccountsControlResponse* response) override;
  grpc::Status LogOutAccounts(grpc::ServerContext* context,
                              const v1::AccountsControlRequest* request,
                              v1::AccountsControlResponse* response) override;
  grpc::Status ListAccountResources(grpc::ServerContext* context,
                                    const v1::ListAccountResourcesRequest* request,
                                    v1::ListAccountResourcesResponse* response) override;

  grpc::Status UpdateAccountProfile(grpc::ServerContext* context,
                                    const v1::UpdateAccountProfileRequest* request,
                                    v1::UpdateAccountProfileResponse* response) override;

 private:
  AccountsApi* api_;
};

class MessagingGrpcService final : public v1::Messaging::Service {
 public:
  static constexpr size_t kDefaultMaxUploadBytes = 100 * 1024 * 1024;

  // UploadFile refuses files over `max_upload_bytes` (RESOURCE_EXHAUSTED).
  explicit MessagingGrpcService(MessagingApi* api, size_t max_upload_bytes = kDefaultMaxUploadBytes)
      : api_(api), max_upload_bytes_(max_upload_bytes) {}

  grpc::Status Send(grpc::ServerContext* context, const v1::SendRequest* request,
                    v1::SendResponse* response) override;
  grpc::Status GetSendStatus(grpc::ServerContext* context, const v1::GetSendStatusRequest* request,
                             v1::GetSendStatusResponse* response) override;
  grpc::Status UploadFile(grpc::ServerContext* context,
                          grpc::ServerReader<v1::UploadFileRequest>* reader,
                          v1::UploadFileResponse* response) override;
  grpc::Status ListSavedMiniPrograms(grpc::ServerContext* context,
                                     const v1::ListSavedMiniProgramsRequest* request,
                                     v1::ListSavedMiniProgramsResponse* response) override;
  grpc::Status ListSavedVideoNums(grpc::ServerContext* context,
                                  const v1::ListSavedVideoNumsRequest* request,
                                  v1::ListSavedVideoNumsResponse* response) override;
  grpc::Status ConfirmBatchMessages(grpc::ServerContext* context,
                                    const v1::ConfirmBatchMessagesRequest* request,
                                    v1::ConfirmBatchMessagesResponse* response) override;

  grpc::Status ForwardMessage(grpc::ServerContext* context,
                              const v1::ForwardMessageRequest* request,
                              v1::ForwardMessageResponse* response) override;
  grpc::Status CreateMassSendTask(grpc::ServerContext* context,
                                  const v1::CreateMassSendTaskRequest* request,
                                  v1::CreateMassSendTaskResponse* response) override;
  grpc::Status ListConversations(grpc::ServerContext* context,
                                 const v1::ListConversationsRequest* request,
                                 v1::ListConversationsResponse* response) override;
  grpc::Status ListConversationMessages(grpc::ServerContext* context,
                                        const v1::ListConversationMessagesRequest* request,
                                        v1::ListConversationMessagesResponse* response) override;
  grpc::Status MarkConversationRead(grpc::ServerContext* context,
                                    const v1::MarkConversationReadRequest* request,
                                    v1::MarkConversationReadResponse* response) override;

 private:
  MessagingApi* api_;
  const size_t max_upload_bytes_;
};

class ContactsGrpcService final : public v1::Contacts::Service {
 public:
  explicit ContactsGrpcService(ContactsApi* api) : api_(api) {}

  grpc::Status ListContacts(grpc::ServerContext* context, const v1::ListContactsRequest* request,
                            v1::ListContactsResponse* response) override;
  grpc::Status GetContacts(grpc::ServerContext* context, const v1::GetContactsRequest* request,
                           v1::GetContactsResponse* response) override;
  grpc::Status GetContactDetails(grpc::ServerContext* context,
                                 const v1::GetContactDetailsRequest* request,
                                 v1::GetContactDetailsResponse* response) override;
  grpc::Status UpdateContact(grpc::ServerContext* context, const v1::UpdateContactRequest* request,
                             v1::UpdateContactResponse* response) override;
  grpc::Status RemoveContact(grpc::ServerContext* context, const v1::RemoveContactRequest* request,
                             v1::RemoveContactResponse* response) override;
  grpc::Status SearchContact(grpc::ServerContext* context, const v1::SearchContactRequest* request,
                             v1::SearchContactResponse* response) override;
  grpc::Status AddContact(grpc::ServerContext* context, const v1::AddContactRequest* request,
                          v1::AddContactResponse* response) override;
  grpc::Status ConvertContactId(grpc::ServerContext* context,
                                const v1::ConvertContactIdRequest* request,
                                v1::ConvertContactIdResponse* response) override;
  grpc::Status GetContactRelation(grpc::ServerContext* context,
                                  const v1::GetContactRelationRequest* request,
                                  v1::GetContactRelationResponse* response) override;

  grpc::Status AcceptFriendRequest(grpc::ServerContext* context,
                                   const v1::AcceptFriendRequestRequest* request,
                                   v1::AcceptFriendRequestResponse* response) override;
  grpc::Status SyncContacts(grpc::ServerContext* context, const v1::SyncContactsRequest* request,
                            v1::SyncContactsResponse* response) override;

 private:
  ContactsApi* api_;
};

class GroupsGrpcService final : public v1::Groups::Service {
 public:
  explicit GroupsGrpcService(GroupsApi* api) : api_(api) {}

  grpc::Status CreateGroup(grpc::ServerContext* context, const v1::CreateGroupRequest* request,
                           v1::CreateGroupResponse* response) override;
  grpc::Status ListGroups(grpc::ServerContext* context, const v1::ListGroupsRequest* request,
                          v1::ListGroupsResponse* response) override;
  grpc::Status RenameGroup(grpc::ServerContext* context, const v1::RenameGroupRequest* request,
                           v1::RenameGroupResponse* response) override;
  grpc::Status ListGroupMembers(grpc::ServerContext* context,
                                const v1::ListGroupMembersRequest* request,
                                v1::ListGroupMembersResponse* response) override;
  grpc::Status AddGroupMembers(grpc::ServerContext* context,
                               const v1::AddGroupMembersRequest* request,
                               v1::AddGroupMembersResponse* response) override;
  grpc::Status RemoveGroupMembers(grpc::ServerContext* context,
                                  const v1::RemoveGroupMembersRequest* request,
                                  v1::RemoveGroupMembersResponse* response) override;
  grpc::Status AddGroupMemberAsContact(grpc::ServerContext* context,
                                       const v1::AddGroupMemberAsContactRequest* request,
                                       v1::AddGroupMemberAsContactResponse* response) override;
  grpc::Status PublishGroupNotice(grpc::ServerContext* context,
                                  const v1::PublishGroupNoticeRequest* request,
                                  v1::PublishGroupNoticeResponse* response) override;
  grpc::Status ConvertGroupId(grpc::ServerContext* context,
                              const v1::ConvertGroupIdRequest* request,
                              v1::ConvertGroupIdResponse* response) override;

  grpc::Status ListGroupAdmins(grpc::ServerContext* context,
                               const v1::ListGroupAdminsRequest* request,
                               v1::ListGroupAdminsResponse* response) override;
  grpc::Status AddGroupAdmins(grpc::ServerContext* context,
                              const v1::ChangeGroupAdminsRequest* request,
                              v1::ChangeGroupAdminsResponse* response) override;
  grpc::Status RemoveGroupAdmins(grpc::ServerContext* context,
                                 const v1::ChangeGroupAdminsRequest* request,
                                 v1::ChangeGroupAdminsResponse* response) override;
  grpc::Status ExportGroups(grpc::ServerContext* context, const v1::ExportGroupsRequest* request,
                            v1::ExportGroupsResponse* response) override;
  grpc::Status CopyGroupSettings(grpc::ServerContext* context,
                                 const v1::CopyGroupSettingsRequest* request,
                                 v1::CopyGroupSettingsResponse* response) override;

 private:
  GroupsApi* api_;
};

class LabelsGrpcService final : public v1::Labels::Service {
 public:
  explicit LabelsGrpcService(LabelsApi* api) : api_(api) {}

  grpc::Status ListLabels(grpc::ServerContext* context, const v1::ListLabelsRequest* request,
                          v1::ListLabelsResponse* response) override;
  grpc::Status SetContactLabels(grpc::ServerContext* context,
                                const v1::SetContactLabelsRequest* request,
                                v1::SetContactLabelsResponse* response) override;
  grpc::Status ListContactLabels(grpc::ServerContext* context,
                                 const v1::ListContactLabelsRequest* request,
                                 v1::ListContactLabelsResponse* response) override;
  grpc::Status SearchContactsByLabels(grpc::ServerContext* context,
                                      const v1::SearchContactsByLabelsRequest* request,
                                      v1::SearchContactsByLabelsResponse* response) override;
  grpc::Status ListLabelContacts(grpc::ServerContext* context,
                                 const v1::ListLabelContactsRequest* request,
                                 v1::ListLabelContactsResponse* response) override;

 private:
  LabelsApi* api_;
};

class EventsGrpcService final : public v1::Events::Service {
 public:
  explicit EventsGrpcService(EventsApi* api) : api_(api) {}

  grpc::Status StreamEvents(grpc::ServerContext* context, const v1::StreamEventsRequest* request,
                            grpc::ServerWriter<v1::StreamEventsResponse>* writer) override;
  grpc::Status AckEvents(grpc::ServerContext* context, const v1::AckEventsRequest* request,
                         v1::AckEventsResponse* response) override;

 private:
  EventsApi* api_;
};

}  // namespace wecom::robot
