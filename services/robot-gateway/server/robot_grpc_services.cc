#include "services/robot-gateway/server/robot_grpc_services.h"

#include "common/grpc/status.h"

namespace wecom::robot {

grpc::Status AccountsGrpcService::ListAccounts(grpc::ServerContext* context,
                                               const v1::ListAccountsRequest* request,
                                               v1::ListAccountsResponse* response) {
  return ToGrpcResponse(api_->ListAccounts(*request), context, response);
}

grpc::Status AccountsGrpcService::GetAccount(grpc::ServerContext* context,
                                             const v1::GetAccountRequest* request,
                                             v1::GetAccountResponse* response) {
  return ToGrpcResponse(api_->GetAccount(*request), context, response);
}

grpc::Status AccountsGrpcService::ListOperators(grpc::ServerContext* context,
                                                const v1::ListOperatorsRequest* request,
                                                v1::ListOperatorsResponse* response) {
  return ToGrpcResponse(api_->ListOperators(*request), context, response);
}

grpc::Status AccountsGrpcService::StartLogin(grpc::ServerContext* context,
                                             const v1::StartLoginRequest* request,
                                             v1::StartLoginResponse* response) {
  return ToGrpcResponse(api_->StartLogin(*request), context, response);
}

grpc::Status AccountsGrpcService::VerifyLogin(grpc::ServerContext* context,
                                              const v1::VerifyLoginRequest* request,
                                              v1::VerifyLoginResponse* response) {
  return ToGrpcResponse(api_->VerifyLogin(*request), context, response);
}

grpc::Status AccountsGrpcService::StartAccounts(grpc::ServerContext* context,
                                                const v1::AccountsControlRequest* request,
                                                v1::AccountsControlResponse* response) {
  return ToGrpcResponse(api_->StartAccounts(*request), context, response);
}

grpc::Status AccountsGrpcService::StopAccounts(grpc::ServerContext* context,
                                               const v1::AccountsControlRequest* request,
                                               v1::AccountsControlResponse* response) {
  return ToGrpcResponse(api_->StopAccounts(*request), context, response);
}

grpc::Status AccountsGrpcService::RestartAccounts(grpc::ServerContext* context,
                                                  const v1::AccountsControlRequest* request,
                                                  v1::AccountsControlResponse* response) {
  return ToGrpcResponse(api_->RestartAccounts(*request), context, response);
}

grpc::Status AccountsGrpcService::LogOutAccounts(grpc::ServerContext* context,
                                                 const v1::AccountsControlRequest* request,
                                                 v1::AccountsControlResponse* response) {
  return ToGrpcResponse(api_->LogOutAccounts(*request), context, response);
}

grpc::Status AccountsGrpcService::ListAccountResources(
    grpc::ServerContext* context, const v1::ListAccountResourcesRequest* request,
    v1::ListAccountResourcesResponse* response) {
  return ToGrpcResponse(api_->ListAccountResources(*request), context, response);
}

grpc::Status MessagingGrpcService::Send(grpc::ServerContext* context,
                                        const v1::SendRequest* request,
                                        v1::SendResponse* response) {
  return ToGrpcResponse(api_->Send(*request), context, response);
}

grpc::Status MessagingGrpcService::GetSendStatus(grpc::ServerContext* context,
                                                 const v1::GetSendStatusRequest* request,
                                                 v1::GetSendStatusResponse* response) {
  return ToGrpcResponse(api_->GetSendStatus(*request), context, response);
}

grpc::Status MessagingGrpcService::UploadFile(grpc::ServerContext* context,
                                              grpc::ServerReader<v1::UploadFileRequest>* reader,
                                              v1::UploadFileResponse* response) {
  FileUpload upload = api_->StartUpload(max_upload_bytes_);
  v1::UploadFileRequest part;
  while (reader->Read(&part)) {
    if (absl::Status added = upload.Add(part); !added.ok()) return ToGrpcStatus(added, context);
  }
  if (absl::Status finished = upload.Finish(); !finished.ok()) {
    return ToGrpcStatus(finished, context);
  }
  return ToGrpcResponse(api_->UploadFile(upload.header(), upload.bytes()), context, response);
}

grpc::Status MessagingGrpcService::ListSavedMiniPrograms(
    grpc::ServerContext* context, const v1::ListSavedMiniProgramsRequest* request,
    v1::ListSavedMiniProgramsResponse* response) {
  return ToGrpcResponse(api_->ListSavedMiniPrograms(*request), context, response);
}

grpc::Status MessagingGrpcService::ListSavedVideoNums(grpc::ServerContext* context,
                                                      const v1::ListSavedVideoNumsRequest* request,
                                                      v1::ListSavedVideoNumsResponse* response) {
  return ToGrpcResponse(api_->ListSavedVideoNums(*request), context, response);
}

grpc::Status MessagingGrpcService::ConfirmBatchMessages(
    grpc::ServerContext* context, const v1::ConfirmBatchMessagesRequest* request,
    v1::ConfirmBatchMessagesResponse* response) {
  return ToGrpcResponse(api_->ConfirmBatchMessages(*request), context, response);
}

grpc::Status ContactsGrpcService::ListContacts(grpc::ServerContext* context,
                                               const v1::ListContactsRequest* request,
                                               v1::ListContactsResponse* response) {
  return ToGrpcResponse(api_->ListContacts(*request), context, response);
}

grpc::Status ContactsGrpcService::GetContacts(grpc::ServerContext* context,
                                              const v1::GetContactsRequest* request,
                                              v1::GetContactsResponse* response) {
  return ToGrpcResponse(api_->GetContacts(*request), context, response);
}

grpc::Status ContactsGrpcService::GetContactDetails(grpc::ServerContext* context,
                                                    const v1::GetContactDetailsRequest* request,
                                                    v1::GetContactDetailsResponse* response) {
  return ToGrpcResponse(api_->GetContactDetails(*request), context, response);
}

grpc::Status ContactsGrpcService::UpdateContact(grpc::ServerContext* context,
                                                const v1::UpdateContactRequest* request,
                                                v1::UpdateContactResponse* response) {
  return ToGrpcResponse(api_->UpdateContact(*request), context, response);
}

grpc::Status ContactsGrpcService::RemoveContact(grpc::ServerContext* context,
                                                const v1::RemoveContactRequest* request,
                                                v1::RemoveContactResponse* response) {
  return ToGrpcResponse(api_->RemoveContact(*request), context, response);
}

grpc::Status ContactsGrpcService::SearchContact(grpc::ServerContext* context,
                                                const v1::SearchContactRequest* request,
                                                v1::SearchContactResponse* response) {
  return ToGrpcResponse(api_->SearchContact(*request), context, response);
}

grpc::Status ContactsGrpcService::AddContact(grpc::ServerContext* context,
                                             const v1::AddContactRequest* request,
                                             v1::AddContactResponse* response) {
  return ToGrpcResponse(api_->AddContact(*request), context, response);
}

grpc::Status ContactsGrpcService::ConvertContactId(grpc::ServerContext* context,
                                                   const v1::ConvertContactIdRequest* request,
                                                   v1::ConvertContactIdResponse* response) {
  return ToGrpcResponse(api_->ConvertContactId(*request), context, response);
}

grpc::Status ContactsGrpcService::GetContactRelation(grpc::ServerContext* context,
                                                     const v1::GetContactRelationRequest* request,
                                                     v1::GetContactRelationResponse* response) {
  return ToGrpcResponse(api_->GetContactRelation(*request), context, response);
}

grpc::Status GroupsGrpcService::CreateGroup(grpc::ServerContext* context,
                                            const v1::CreateGroupRequest* request,
                                            v1::CreateGroupResponse* response) {
  return ToGrpcResponse(api_->CreateGroup(*request), context, response);
}

grpc::Status GroupsGrpcService::ListGroups(grpc::ServerContext* context,
                                           const v1::ListGroupsRequest* request,
                                           v1::ListGroupsResponse* response) {
  return ToGrpcResponse(api_->ListGroups(*request), context, response);
}

grpc::Status GroupsGrpcService::RenameGroup(grpc::ServerContext* context,
                                            const v1::RenameGroupRequest* request,
                                            v1::RenameGroupResponse* response) {
  return ToGrpcResponse(api_->RenameGroup(*request), context, response);
}

grpc::Status GroupsGrpcService::ListGroupMembers(grpc::ServerContext* context,
                                                 const v1::ListGroupMembersRequest* request,
                                                 v1::ListGroupMembersResponse* response) {
  return ToGrpcResponse(api_->ListGroupMembers(*request), context, response);
}

grpc::Status GroupsGrpcService::AddGroupMembers(grpc::ServerContext* context,
                                                const v1::AddGroupMembersRequest* request,
                                                v1::AddGroupMembersResponse* response) {
  return ToGrpcResponse(api_->AddGroupMembers(*request), context, response);
}

grpc::Status GroupsGrpcService::RemoveGroupMembers(grpc::ServerContext* context,
                                                   const v1::RemoveGroupMembersRequest* request,
                                                   v1::RemoveGroupMembersResponse* response) {
  return ToGrpcResponse(api_->RemoveGroupMembers(*request), context, response);
}

grpc::Status GroupsGrpcService::AddGroupMemberAsContact(
    grpc::ServerContext* context, const v1::AddGroupMemberAsContactRequest* request,
    v1::AddGroupMemberAsContactResponse* response) {
  return ToGrpcResponse(api_->AddGroupMemberAsContact(*request), context, response);
}

grpc::Status GroupsGrpcService::PublishGroupNotice(grpc::ServerContext* context,
                                                   const v1::PublishGroupNoticeRequest* request,
                                                   v1::PublishGroupNoticeResponse* response) {
  return ToGrpcResponse(api_->PublishGroupNotice(*request), context, response);
}

grpc::Status GroupsGrpcService::ConvertGroupId(grpc::ServerContext* context,
                                               const v1::ConvertGroupIdRequest* request,
                                               v1::ConvertGroupIdResponse* response) {
  return ToGrpcResponse(api_->ConvertGroupId(*request), context, response);
}

grpc::Status LabelsGrpcService::ListLabels(grpc::ServerContext* context,
                                           const v1::ListLabelsRequest* request,
                                           v1::ListLabelsResponse* response) {
  return ToGrpcResponse(api_->ListLabels(*request), context, response);
}

grpc::Status LabelsGrpcService::SetContactLabels(grpc::ServerContext* context,
                                                 const v1::SetContactLabelsRequest* request,
                                                 v1::SetContactLabelsResponse* response) {
  return ToGrpcResponse(api_->SetContactLabels(*request), context, response);
}

grpc::Status LabelsGrpcService::ListContactLabels(grpc::ServerContext* context,
                                                  const v1::ListContactLabelsRequest* request,
                                                  v1::ListContactLabelsResponse* response) {
  return ToGrpcResponse(api_->ListContactLabels(*request), context, response);
}

grpc::Status LabelsGrpcService::SearchContactsByLabels(
    grpc::ServerContext* context, const v1::SearchContactsByLabelsRequest* request,
    v1::SearchContactsByLabelsResponse* response) {
  return ToGrpcResponse(api_->SearchContactsByLabels(*request), context, response);
}

grpc::Status LabelsGrpcService::ListLabelContacts(grpc::ServerContext* context,
                                                  const v1::ListLabelContactsRequest* request,
                                                  v1::ListLabelContactsResponse* response) {
  return ToGrpcResponse(api_->ListLabelContacts(*request), context, response);
}

grpc::Status EventsGrpcService::StreamEvents(grpc::ServerContext* context,
                                             const v1::StreamEventsRequest* request,
                                             grpc::ServerWriter<v1::StreamEventsResponse>* writer) {
  absl::Status status = api_->StreamEvents(
      *request,
      [context, writer](const v1::StreamEventsResponse& response) {
        return !context->IsCancelled() && writer->Write(response);
      },
      [context] { return context->IsCancelled(); });
  return ToGrpcStatus(status, context);
}

grpc::Status EventsGrpcService::AckEvents(grpc::ServerContext* context,
                                          const v1::AckEventsRequest* request,
                                          v1::AckEventsResponse* response) {
  return ToGrpcResponse(api_->AckEvents(*request), context, response);
}

grpc::Status AccountsGrpcService::UpdateAccountProfile(
    grpc::ServerContext* context, const v1::UpdateAccountProfileRequest* request,
    v1::UpdateAccountProfileResponse* response) {
  return ToGrpcResponse(api_->UpdateAccountProfile(*request), context, response);
}

grpc::Status MessagingGrpcService::ForwardMessage(grpc::ServerContext* context,
                                                  const v1::ForwardMessageRequest* request,
                                                  v1::ForwardMessageResponse* response) {
  return ToGrpcResponse(api_->ForwardMessage(*request), context, response);
}

grpc::Status MessagingGrpcService::CreateMassSendTask(grpc::ServerContext* context,
                                                      const v1::CreateMassSendTaskRequest* request,
                                                      v1::CreateMassSendTaskResponse* response) {
  return ToGrpcResponse(api_->CreateMassSendTask(*request), context, response);
}

grpc::Status MessagingGrpcService::ListConversations(grpc::ServerContext* context,
                                                     const v1::ListConversationsRequest* request,
                                                     v1::ListConversationsResponse* response) {
  return ToGrpcResponse(api_->ListConversations(*request), context, response);
}

grpc::Status MessagingGrpcService::ListConversationMessages(
    grpc::ServerContext* context, const v1::ListConversationMessagesRequest* request,
    v1::ListConversationMessagesResponse* response) {
  return ToGrpcResponse(api_->ListConversationMessages(*request), context, response);
}

grpc::Status MessagingGrpcService::MarkConversationRead(
    grpc::ServerContext* context, const v1::MarkConversationReadRequest* request,
    v1::MarkConversationReadResponse* response) {
  return ToGrpcResponse(api_->MarkConversationRead(*request), context, response);
}

grpc::Status ContactsGrpcService::AcceptFriendRequest(grpc::ServerContext* context,
                                                      const v1::AcceptFriendRequestRequest* request,
                                                      v1::AcceptFriendRequestResponse* response) {
  return ToGrpcResponse(api_->AcceptFriendRequest(*request), context, response);
}

grpc::Status ContactsGrpcService::SyncContacts(grpc::ServerContext* context,
                                               const v1::SyncContactsRequest* request,
                                               v1::SyncContactsResponse* response) {
  return ToGrpcResponse(api_->SyncContacts(*request), context, response);
}

grpc::Status GroupsGrpcService::ListGroupAdmins(grpc::ServerContext* context,
                                                const v1::ListGroupAdminsRequest* request,
                                                v1::ListGroupAdminsResponse* response) {
  return ToGrpcResponse(api_->ListGroupAdmins(*request), context, response);
}

grpc::Status GroupsGrpcService::AddGroupAdmins(grpc::ServerContext* context,
                                               const v1::ChangeGroupAdminsRequest* request,
                                               v1::ChangeGroupAdminsResponse* response) {
  return ToGrpcResponse(api_->AddGroupAdmins(*request), context, response);
}

grpc::Status GroupsGrpcService::RemoveGroupAdmins(grpc::ServerContext* context,
                                                  const v1::ChangeGroupAdminsRequest* request,
                                                  v1::ChangeGroupAdminsResponse* response) {
  return ToGrpcResponse(api_->RemoveGroupAdmins(*request), context, response);
}

grpc::Status GroupsGrpcService::ExportGroups(grpc::ServerContext* context,
                                             const v1::ExportGroupsRequest* request,
                                             v1::ExportGroupsResponse* response) {
  return ToGrpcResponse(api_->ExportGroups(*request), context, response);
}

grpc::Status GroupsGrpcService::CopyGroupSettings(grpc::ServerContext* context,
                                                  const v1::CopyGroupSettingsRequest* request,
                                                  v1::CopyGroupSettingsResponse* response) {
  return ToGrpcResponse(api_->CopyGroupSettings(*request), context, response);
}

}  // namespace wecom::robot
