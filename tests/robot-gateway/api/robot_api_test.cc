// The robot gateway's API classes without gRPC: every RPC's validation,
// routing by vendor, account states, sends and events.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status/vendor_error.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/robot-gateway/api/api_world.h"

namespace wecom::robot {
namespace {

using testing::ApiWorld;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::kChat;
using testing::kGroup;
using testing::kLoggedOutAccount;
using testing::kOfflineAccount;
using testing::kOnlineAccount;
using ::testing::StartsWith;
using ::wecom::testing::IsOk;
using ::wecom::testing::StatusIs;

// `request` after `change`.
template <typename Request, typename Change>
Request With(Request request, Change change) {
  change(request);
  return request;
}

// A call of `rpc` on `api` with `request`, answering its status.
template <typename Api, typename Request, typename Response>
std::function<absl::Status()> Calling(Api* api,
                                      absl::StatusOr<Response> (Api::*rpc)(const Request&),
                                      Request request) {
  return [api, rpc, request] { return (api->*rpc)(request).status(); };
}

v1::SendRequest TextSend(const std::string& conversation_id = kChat) {
  v1::SendRequest request;
  request.set_account_id(kOnlineAccount);
  request.set_conversation_id(conversation_id);
  request.mutable_content()->mutable_text()->set_content("hello");
  return request;
}

template <typename Request>
Request ForAccount(const std::string& account_id = kOnlineAccount) {
  Request request;
  request.set_account_id(account_id);
  return request;
}

v1::AccountsControlRequest Control(std::vector<std::string> account_ids) {
  v1::AccountsControlRequest request;
  for (std::string& id : account_ids) request.add_account_ids(std::move(id));
  return request;
}

class RobotApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<ApiWorld>> world = ApiWorld::Create();
    ASSERT_THAT(world, IsOk());
    world_ = *std::move(world);
  }

  std::unique_ptr<ApiWorld> world_;
};

struct BadRequest {
  std::string method;
  // The field the rejection is counted under (the path without indexes).
  std::string field;
  // The start of the INVALID_ARGUMENT message.
  std::string message;
  std::function<absl::Status()> call;
};

TEST_F(RobotApiTest, EveryBadRequestIsInvalidArgumentNamingTheFieldAndCounted) {
  AccountsApi* accounts = world_->accounts.get();
  MessagingApi* messaging = world_->messaging.get();
  ContactsApi* contacts = world_->contacts.get();
  GroupsApi* groups = world_->groups.get();
  LabelsApi* labels = world_->labels.get();
  EventsApi* events = world_->events_api.get();
  const std::string kBlank = "must not be blank";
  const std::string kRoom = "conversation_id: must be \"R:<room>\"";

  const std::vector<BadRequest> cases = {
      // Accounts.
      {"ListAccounts", "vendor", "vendor: must be VENDOR_QUNTOOL or VENDOR_YJIYUN",
       Calling(accounts, &AccountsApi::ListAccounts,
               With(v1::ListAccountsRequest(),
                    [](auto& r) { r.set_vendor(static_cast<v1::Vendor>(7)); }))},
      {"GetAccount", "account_id", "account_id: ",
       Calling(accounts, &AccountsApi::GetAccount, v1::GetAccountRequest())},
      {"GetAccount", "account_id", "account_id: unknown vendor",
       Calling(accounts, &AccountsApi::GetAccount, ForAccount<v1::GetAccountRequest>("wx:1"))},
      {"ListOperators", "vendor", "vendor: ",
       Calling(accounts, &AccountsApi::ListOperators, v1::ListOperatorsRequest())},
      {"StartLogin", "vendor", "vendor: ",
       Calling(accounts, &AccountsApi::StartLogin,
               With(v1::StartLoginRequest(), [](auto& r) { r.set_operator_id("op"); }))},
      {"StartLogin", "operator_id", "operator_id: " + kBlank,
       Calling(accounts, &AccountsApi::StartLogin, With(v1::StartLoginRequest(), [](auto& r) {
                 r.set_vendor(v1::VENDOR_QUNTOOL);
                 r.set_operator_id("  ");
               }))},
      {"VerifyLogin", "host", "host: " + kBlank,
       Calling(accounts, &AccountsApi::VerifyLogin, With(v1::VerifyLoginRequest(), [](auto& r) {
                 r.set_vendor(v1::VENDOR_QUNTOOL);
                 r.set_qrcode_key("k");
                 r.set_code("123456");
               }))},
      {"VerifyLogin", "qrcode_key", "qrcode_key: " + kBlank,
       Calling(accounts, &AccountsApi::VerifyLogin, With(v1::VerifyLoginRequest(), [](auto& r) {
                 r.set_vendor(v1::VENDOR_QUNTOOL);
                 r.set_host("h");
                 r.set_code("123456");
               }))},
      {"VerifyLogin", "code", "code: " + kBlank,
       Calling(accounts, &AccountsApi::VerifyLogin, With(v1::VerifyLoginRequest(), [](auto& r) {
                 r.set_vendor(v1::VENDOR_QUNTOOL);
                 r.set_host("h");
                 r.set_qrcode_key("k");
               }))},
      {"StartAccounts", "account_ids", "account_ids: 1-100 account ids",
       Calling(accounts, &AccountsApi::StartAccounts, Control({}))},
      {"StopAccounts", "account_ids", "account_ids[1]: ",
       Calling(accounts, &AccountsApi::StopAccounts, Control({kOnlineAccount, "quntool:"}))},
      {"RestartAccounts", "account_ids", "account_ids: all accounts must be of one vendor",
       Calling(accounts, &AccountsApi::RestartAccounts,
               Control({kOnlineAccount, "yjiyun:robot1"}))},
      {"LogOutAccounts", "account_ids", "account_ids: 1-100 account ids",
       Calling(accounts, &AccountsApi::LogOutAccounts, Control({}))},
      {"ListAccountResources", "vendor", "vendor: ",
       Calling(accounts, &AccountsApi::ListAccountResources, v1::ListAccountResourcesRequest())},

      // Messaging.
      {"Send", "account_id", "account_id: ",
       Calling(messaging, &MessagingApi::Send,
               With(TextSend(), [](auto& r) { r.clear_account_id(); }))},
      {"Send", "conversation_id",
       "conversation_id: must be \"S:<id>_<id>\" containing the account's own id or \"R:<room>\"",
       Calling(messaging, &MessagingApi::Send, TextSend("S:7881300001_7881300002"))},
      {"Send", "conversation_id", "conversation_id: must be",
       Calling(messaging, &MessagingApi::Send, TextSend("S:1688000001_"))},
      {"Send", "conversation_id", "conversation_id: must be",
       Calling(messaging, &MessagingApi::Send, TextSend("1688000001"))},
      {"Send", "content", "content: exactly one kind must be set",
       Calling(messaging, &MessagingApi::Send,
               With(TextSend(), [](auto& r) { r.clear_content(); }))},
      {"Send", "content.text.content", "content.text.content: " + kBlank,
       Calling(messaging, &MessagingApi::Send,
               With(TextSend(), [](auto& r) { r.mutable_content()->mutable_text()->set_content(" \n"); }))},
      {"Send", "content.text.mention_user_ids",
       "content.text.mention_user_ids: only in group (R:) conversations",
       Calling(messaging, &MessagingApi::Send, With(TextSend(), [](auto& r) {
                 r.mutable_content()->mutable_text()->add_mention_user_ids("7881300001");
               }))},
      {"Send", "content.text.mention_all",
       "content.text.mention_all: only in group (R:) conversations",
       Calling(messaging, &MessagingApi::Send, With(TextSend(), [](auto& r) {
                 r.mutable_content()->mutable_text()->set_mention_all(true);
               }))},
      {"Send", "content.text.mention_user_ids", "content.text.mention_user_ids[0]: " + kBlank,
       Calling(messaging, &MessagingApi::Send, With(TextSend(kGroup), [](auto& r) {
                 r.mutable_content()->mutable_text()->add_mention_user_ids("");
               }))},
      {"Send", "content.image.file_url", "content.image.file_url: " + kBlank,
       Calling(messaging, &MessagingApi::Send,
               With(TextSend(), [](auto& r) { r.mutable_content()->mutable_image(); }))},
      {"Send", "content.video.size_bytes", "content.video.size_bytes: at most 50 MiB",
       Calling(messaging, &MessagingApi::Send, With(TextSend(), [](auto& r) {
                 r.mutable_content()->mutable_video()->set_file_url("https://x/v.mp4");
                 r.mutable_content()->mutable_video()->set_size_bytes(51 * 1024 * 1024);
               }))},
      {"Send", "content.person_card.user_id", "content.person_card.user_id: " + kBlank,
       Calling(messaging, &MessagingApi::Send,
               With(TextSend(), [](auto& r) { r.mutable_content()->mutable_person_card(); }))},
      {"Send", "content.link.title", "content.link.title: " + kBlank,
       Calling(messaging, &MessagingApi::Send, With(TextSend(), [](auto& r) {
                 r.mutable_content()->mutable_link()->set_url("https://example.com");
               }))},
      {"Send", "content.link.url", "content.link.url: " + kBlank,
       Calling(messaging, &MessagingApi::Send, With(TextSend(), [](auto& r) {
                 r.mutable_content()->mutable_link()->set_title("A title");
               }))},
      {"Send", "content.mini_program.appid", "content.mini_program.appid: " + kBlank,
       Calling(messaging, &MessagingApi::Send,
               With(TextSend(), [](auto& r) { r.mutable_content()->mutable_mini_program(); }))},
      {"Send", "content.saved_mini_program_id", "content.saved_mini_program_id: must be positive",
       Calling(messaging, &MessagingApi::Send, With(TextSend(), [](auto& r) {
                 r.mutable_content()->set_saved_mini_program_id(0);
               }))},
      {"Send", "content.video_num.url", "content.video_num.url: " + kBlank,
       Calling(messaging, &MessagingApi::Send,
               With(TextSend(), [](auto& r) { r.mutable_content()->mutable_video_num(); }))},
      {"Send", "content.saved_video_num_id", "content.saved_video_num_id: must be positive",
       Calling(messaging, &MessagingApi::Send, With(TextSend(), [](auto& r) {
                 r.mutable_content()->set_saved_video_num_id(-3);
               }))},
      {"Send", "content.quote.quoted_server_id", "content.quote.quoted_server_id: " + kBlank,
       Calling(messaging, &MessagingApi::Send, With(TextSend(), [](auto& r) {
                 r.mutable_content()->mutable_quote()->set_content("yes");
               }))},
      {"Send", "content.quote.content", "content.quote.content: " + kBlank,
       Calling(messaging, &MessagingApi::Send, With(TextSend(), [](auto& r) {
                 r.mutable_content()->mutable_quote()->set_quoted_server_id("1001");
               }))},
      {"Send", "idempotency_key", "idempotency_key: 1-128 printable ASCII characters",
       Calling(messaging, &MessagingApi::Send,
               With(TextSend(), [](auto& r) { r.set_idempotency_key(std::string(129, 'k')); }))},
      {"Send", "idempotency_key", "idempotency_key: 1-128 printable ASCII characters",
       Calling(messaging, &MessagingApi::Send,
               With(TextSend(), [](auto& r) { r.set_idempotency_key("key\n1"); }))},
      {"GetSendStatus", "key", "key: set send_id, or idempotency_key with account_id",
       Calling(messaging, &MessagingApi::GetSendStatus, v1::GetSendStatusRequest())},
      {"GetSendStatus", "send_id", "send_id: " + kBlank,
       Calling(messaging, &MessagingApi::GetSendStatus,
               With(v1::GetSendStatusRequest(), [](auto& r) { r.set_send_id(""); }))},
      {"GetSendStatus", "account_id", "account_id: ",
       Calling(messaging, &MessagingApi::GetSendStatus,
               With(v1::GetSendStatusRequest(), [](auto& r) { r.set_idempotency_key("k1"); }))},
      {"GetSendStatus", "idempotency_key", "idempotency_key: ",
       Calling(messaging, &MessagingApi::GetSendStatus,
               With(ForAccount<v1::GetSendStatusRequest>(),
                    [](auto& r) { r.set_idempotency_key(""); }))},
      {"UploadFile", "header.account_id", "header.account_id: ",
       [messaging] {
         v1::UploadFileRequest::Header header;
         header.set_file_name("a.png");
         return messaging->UploadFile(header, "bytes").status();
       }},
      {"UploadFile", "header.file_name", "header.file_name: ",
       [messaging] {
         v1::UploadFileRequest::Header header;
         header.set_account_id(kOnlineAccount);
         return messaging->UploadFile(header, "bytes").status();
       }},
      {"UploadFile", "header.file_name", "header.file_name: ",
       [messaging] {
         v1::UploadFileRequest::Header header;
         header.set_account_id(kOnlineAccount);
         header.set_file_name("../a.png");
         return messaging->UploadFile(header, "bytes").status();
       }},
      {"ListSavedMiniPrograms", "account_id", "account_id: ",
       Calling(messaging, &MessagingApi::ListSavedMiniPrograms,
               v1::ListSavedMiniProgramsRequest())},
      {"ListSavedVideoNums", "account_id", "account_id: ",
       Calling(messaging, &MessagingApi::ListSavedVideoNums, v1::ListSavedVideoNumsRequest())},
      {"ConfirmBatchMessages", "account_id", "account_id: ",
       Calling(messaging, &MessagingApi::ConfirmBatchMessages,
               v1::ConfirmBatchMessagesRequest())},

      // Contacts.
      {"ListContacts", "account_id", "account_id: ",
       Calling(contacts, &ContactsApi::ListContacts, v1::ListContactsRequest())},
      {"ListContacts", "kind", "kind: ",
       Calling(contacts, &ContactsApi::ListContacts,
               With(ForAccount<v1::ListContactsRequest>(),
                    [](auto& r) { r.set_kind(static_cast<v1::ContactKind>(9)); }))},
      {"ListContacts", "page_size", "page_size: 0-1000",
       Calling(contacts, &ContactsApi::ListContacts,
               With(ForAccount<v1::ListContactsRequest>(), [](auto& r) { r.set_page_size(1001); }))},
      {"ListContacts", "page_size", "page_size: 0-1000",
       Calling(contacts, &ContactsApi::ListContacts,
               With(ForAccount<v1::ListContactsRequest>(), [](auto& r) { r.set_page_size(-1); }))},
      {"GetContacts", "user_ids", "user_ids: 1-100 ids",
       Calling(contacts, &ContactsApi::GetContacts, ForAccount<v1::GetContactsRequest>())},
      {"GetContacts", "user_ids", "user_ids: 1-100 ids",
       Calling(contacts, &ContactsApi::GetContacts,
               With(ForAccount<v1::GetContactsRequest>(),
                    [](auto& r) {
                      for (int i = 0; i < 101; ++i) r.add_user_ids(absl::StrCat("788", i));
                    }))},
      {"GetContacts", "user_ids", "user_ids[1]: " + kBlank,
       Calling(contacts, &ContactsApi::GetContacts,
               With(ForAccount<v1::GetContactsRequest>(),
                    [](auto& r) {
                      r.add_user_ids("7881300001");
                      r.add_user_ids("");
                    }))},
      {"GetContacts", "account_id", "account_id: ",
       Calling(contacts, &ContactsApi::GetContacts,
               With(ForAccount<v1::GetContactsRequest>("quntool:has space"),
                    [](auto& r) { r.add_user_ids("7881300001"); }))},
      {"GetContactDetails", "user_id", "user_id: " + kBlank,
       Calling(contacts, &ContactsApi::GetContactDetails,
               ForAccount<v1::GetContactDetailsRequest>())},
      {"UpdateContact", "user_id", "user_id: " + kBlank,
       Calling(contacts, &ContactsApi::UpdateContact,
               With(ForAccount<v1::UpdateContactRequest>(), [](auto& r) { r.set_remark("r"); }))},
      {"UpdateContact", "remark", "remark: set at least one of remark, description and phones",
       Calling(contacts, &ContactsApi::UpdateContact,
               With(ForAccount<v1::UpdateContactRequest>(),
                    [](auto& r) { r.set_user_id("7881300001"); }))},
      {"UpdateContact", "phones.phones", "phones.phones[0]: " + kBlank,
       Calling(contacts, &ContactsApi::UpdateContact,
               With(ForAccount<v1::UpdateContactRequest>(),
                    [](auto& r) {
                      r.set_user_id("7881300001");
                      r.mutable_phones()->add_phones(" ");
                    }))},
      {"RemoveContact", "user_id", "user_id: " + kBlank,
       Calling(contacts, &ContactsApi::RemoveContact, ForAccount<v1::RemoveContactRequest>())},
      {"SearchContact", "phone", "phone: 1-32 digits",
       Calling(contacts, &ContactsApi::SearchContact, ForAccount<v1::SearchContactRequest>())},
      {"SearchContact", "phone", "phone: 1-32 digits",
       Calling(contacts, &ContactsApi::SearchContact,
               With(ForAccount<v1::SearchContactRequest>(),
                    [](auto& r) { r.set_phone("138-0013-8000"); }))},
      {"AddContact", "user_id", "user_id: " + kBlank,
       Calling(contacts, &ContactsApi::AddContact, ForAccount<v1::AddContactRequest>())},
      {"ConvertContactId", "id", "id: set user_id or external_user_id",
       Calling(contacts, &ContactsApi::ConvertContactId,
               ForAccount<v1::ConvertContactIdRequest>())},
      {"ConvertContactId", "external_user_id", "external_user_id: " + kBlank,
       Calling(contacts, &ContactsApi::ConvertContactId,
               With(ForAccount<v1::ConvertContactIdRequest>(),
                    [](auto& r) { r.set_external_user_id(""); }))},
      {"GetContactRelation", "id", "id: set user_id or external_user_id",
       Calling(contacts, &ContactsApi::GetContactRelation,
               ForAccount<v1::GetContactRelationRequest>())},
      {"GetContactRelation", "sync", "sync: needs user_id",
       Calling(contacts, &ContactsApi::GetContactRelation,
               With(ForAccount<v1::GetContactRelationRequest>(),
                    [](auto& r) {
                      r.set_external_user_id("wmABC");
                      r.set_sync(true);
                    }))},

      // Groups.
      {"CreateGroup", "member_user_ids", "member_user_ids: at least two",
       Calling(groups, &GroupsApi::CreateGroup,
               With(ForAccount<v1::CreateGroupRequest>(),
                    [](auto& r) { r.add_member_user_ids("7881300001"); }))},
      {"CreateGroup", "member_user_ids", "member_user_ids[1]: " + kBlank,
       Calling(groups, &GroupsApi::CreateGroup,
               With(ForAccount<v1::CreateGroupRequest>(),
                    [](auto& r) {
                      r.add_member_user_ids("7881300001");
                      r.add_member_user_ids("");
                    }))},
      {"ListGroups", "page_size", "page_size: 0-1000",
       Calling(groups, &GroupsApi::ListGroups,
               With(ForAccount<v1::ListGroupsRequest>(), [](auto& r) { r.set_page_size(2000); }))},
      {"RenameGroup", "conversation_id", kRoom,
       Calling(groups, &GroupsApi::RenameGroup,
               With(ForAccount<v1::RenameGroupRequest>(),
                    [](auto& r) {
                      r.set_conversation_id(kChat);
                      r.set_name("n");
                    }))},
      {"RenameGroup", "name", "name: " + kBlank,
       Calling(groups, &GroupsApi::RenameGroup,
               With(ForAccount<v1::RenameGroupRequest>(),
                    [](auto& r) { r.set_conversation_id(kGroup); }))},
      {"ListGroupMembers", "conversation_id", kRoom,
       Calling(groups, &GroupsApi::ListGroupMembers, ForAccount<v1::ListGroupMembersRequest>())},
      {"ListGroupMembers", "page_size", "page_size: 0-1000",
       Calling(groups, &GroupsApi::ListGroupMembers,
               With(ForAccount<v1::ListGroupMembersRequest>(),
                    [](auto& r) {
                      r.set_conversation_id(kGroup);
                      r.set_page_size(1001);
                    }))},
      {"AddGroupMembers", "member_user_ids", "member_user_ids: 1-100 ids",
       Calling(groups, &GroupsApi::AddGroupMembers,
               With(ForAccount<v1::AddGroupMembersRequest>(),
                    [](auto& r) { r.set_conversation_id(kGroup); }))},
      {"AddGroupMembers", "conversation_id", kRoom,
       Calling(groups, &GroupsApi::AddGroupMembers,
               With(ForAccount<v1::AddGroupMembersRequest>(),
                    [](auto& r) { r.add_member_user_ids("7881300001"); }))},
      {"RemoveGroupMembers", "member_user_ids", "member_user_ids: 1-100 ids",
       Calling(groups, &GroupsApi::RemoveGroupMembers,
               With(ForAccount<v1::RemoveGroupMembersRequest>(),
                    [](auto& r) { r.set_conversation_id(kGroup); }))},
      {"AddGroupMemberAsContact", "member_user_id", "member_user_id: " + kBlank,
       Calling(groups, &GroupsApi::AddGroupMemberAsContact,
               With(ForAccount<v1::AddGroupMemberAsContactRequest>(),
                    [](auto& r) { r.set_conversation_id(kGroup); }))},
      {"PublishGroupNotice", "content", "content: " + kBlank,
       Calling(groups, &GroupsApi::PublishGroupNotice,
               With(ForAccount<v1::PublishGroupNoticeRequest>(),
                    [](auto& r) { r.set_conversation_id(kGroup); }))},
      {"ConvertGroupId", "id", "id: set conversation_id or external_room_id",
       Calling(groups, &GroupsApi::ConvertGroupId, ForAccount<v1::ConvertGroupIdRequest>())},
      {"ConvertGroupId", "conversation_id", kRoom,
       Calling(groups, &GroupsApi::ConvertGroupId,
               With(ForAccount<v1::ConvertGroupIdRequest>(),
                    [](auto& r) { r.set_conversation_id("R:"); }))},

      // Labels.
      {"ListLabels", "account_id", "account_id: ",
       Calling(labels, &LabelsApi::ListLabels, v1::ListLabelsRequest())},
      {"SetContactLabels", "user_id", "user_id: " + kBlank,
       Calling(labels, &LabelsApi::SetContactLabels, ForAccount<v1::SetContactLabelsRequest>())},
      {"SetContactLabels", "label_ids", "label_ids[0]: " + kBlank,
       Calling(labels, &LabelsApi::SetContactLabels,
               With(ForAccount<v1::SetContactLabelsRequest>(),
                    [](auto& r) {
                      r.set_user_id("7881300001");
                      r.add_label_ids("");
                    }))},
      {"ListContactLabels", "user_id", "user_id: " + kBlank,
       Calling(labels, &LabelsApi::ListContactLabels, ForAccount<v1::ListContactLabelsRequest>())},
      {"SearchContactsByLabels", "account_ids", "account_ids: 1-100 account ids",
       Calling(labels, &LabelsApi::SearchContactsByLabels,
               With(v1::SearchContactsByLabelsRequest(),
                    [](auto& r) { r.add_label_ids("label-1"); }))},
      {"SearchContactsByLabels", "account_ids", "account_ids: all accounts must be of one vendor",
       Calling(labels, &LabelsApi::SearchContactsByLabels,
               With(v1::SearchContactsByLabelsRequest(),
                    [](auto& r) {
                      r.add_account_ids(kOnlineAccount);
                      r.add_account_ids("yjiyun:robot1");
                      r.add_label_ids("label-1");
                    }))},
      {"SearchContactsByLabels", "label_ids", "label_ids: 1-100 ids",
       Calling(labels, &LabelsApi::SearchContactsByLabels,
               With(v1::SearchContactsByLabelsRequest(),
                    [](auto& r) { r.add_account_ids(kOnlineAccount); }))},
      {"SearchContactsByLabels", "page_size", "page_size: 0-1000",
       Calling(labels, &LabelsApi::SearchContactsByLabels,
               With(v1::SearchContactsByLabelsRequest(),
                    [](auto& r) {
                      r.add_account_ids(kOnlineAccount);
                      r.add_label_ids("label-1");
                      r.set_page_size(5000);
                    }))},
      {"ListLabelContacts", "label_id", "label_id: " + kBlank,
       Calling(labels, &LabelsApi::ListLabelContacts, ForAccount<v1::ListLabelContactsRequest>())},

      // Events.
      {"StreamEvents", "consumer", "consumer: 1-128 characters of [A-Za-z0-9._-]",
       [events] {
         v1::StreamEventsRequest request;
         request.set_consumer("billing/worker");
         return events->StreamEvents(
             request, [](const auto&) { return false; }, [] { return true; });
       }},
      {"StreamEvents", "consumer", "consumer: 1-128 characters of [A-Za-z0-9._-]",
       [events] {
         v1::StreamEventsRequest request;
         request.set_consumer("");
         return events->StreamEvents(
             request, [](const auto&) { return false; }, [] { return true; });
       }},
      {"StreamEvents", "account_ids", "account_ids[1]: ",
       [events] {
         v1::StreamEventsRequest request;
         request.add_account_ids(kOnlineAccount);
         request.add_account_ids("1688000001");
         return events->StreamEvents(
             request, [](const auto&) { return false; }, [] { return true; });
       }},
      {"StreamEvents", "vendors", "vendors[0]: must be VENDOR_QUNTOOL or VENDOR_YJIYUN",
       [events] {
         v1::StreamEventsRequest request;
         request.add_vendors(v1::VENDOR_UNSPECIFIED);
         return events->StreamEvents(
             request, [](const auto&) { return false; }, [] { return true; });
       }},
      {"StreamEvents", "vendor_types", "vendor_types[0]: must not be empty",
       [events] {
         v1::StreamEventsRequest request;
         request.add_vendor_types("");
         return events->StreamEvents(
             request, [](const auto&) { return false; }, [] { return true; });
       }},
      {"AckEvents", "consumer", "consumer: 1-128 characters of [A-Za-z0-9._-]",
       Calling(events, &EventsApi::AckEvents, v1::AckEventsRequest())},
      {"AckEvents", "position", "position: ",
       Calling(events, &EventsApi::AckEvents, With(v1::AckEventsRequest(), [](auto& r) {
                 r.set_consumer("billing");
                 r.set_position(5);
               }))},
  };

  for (const BadRequest& bad : cases) {
    SCOPED_TRACE(absl::StrCat(bad.method, " ", bad.message));
    const double counted = world_->Rejected(bad.method, bad.field);
    const double all = world_->TotalRejected();
    EXPECT_THAT(bad.call(), StatusIs(absl::StatusCode::kInvalidArgument, StartsWith(bad.message)));
    EXPECT_EQ(world_->Rejected(bad.method, bad.field), counted + 1);
    EXPECT_EQ(world_->TotalRejected(), all + 1);
  }
  // Nothing invalid reached the vendor or the outbox.
  EXPECT_THAT(world_->quntool.calls(), ::testing::IsEmpty());
  EXPECT_THAT(world_->dispatcher.accept_calls(), ::testing::IsEmpty());
}

struct GoodRequest {
  std::string method;
  absl::StatusCode expected;
  std::function<absl::Status()> call;
};

// The other side of the table: a valid request of every RPC gets past
// validation to the platform (the fake implements some operations; the rest
// answer the base class's UNIMPLEMENTED), and nothing is counted.
TEST_F(RobotApiTest, ValidRequestsReachThePlatform) {
  AccountsApi* accounts = world_->accounts.get();
  MessagingApi* messaging = world_->messaging.get();
  ContactsApi* contacts = world_->contacts.get();
  GroupsApi* groups = world_->groups.get();
  LabelsApi* labels = world_->labels.get();
  constexpr absl::StatusCode kOk = absl::StatusCode::kOk;
  constexpr absl::StatusCode kUnimplemented = absl::StatusCode::kUnimplemented;
  const auto quntool = [](auto r) {
    r.set_vendor(v1::VENDOR_QUNTOOL);
    return r;
  };

  const std::vector<GoodRequest> cases = {
      {"ListAccounts", kOk,
       Calling(accounts, &AccountsApi::ListAccounts, v1::ListAccountsRequest())},
      {"GetAccount", kOk,
       Calling(accounts, &AccountsApi::GetAccount, ForAccount<v1::GetAccountRequest>())},
      {"ListOperators", kOk,
       Calling(accounts, &AccountsApi::ListOperators, quntool(v1::ListOperatorsRequest()))},
      {"StartLogin", kUnimplemented,
       Calling(accounts, &AccountsApi::StartLogin,
               With(quntool(v1::StartLoginRequest()), [](auto& r) { r.set_operator_id("op"); }))},
      {"VerifyLogin", kUnimplemented,
       Calling(accounts, &AccountsApi::VerifyLogin,
               With(quntool(v1::VerifyLoginRequest()),
                    [](auto& r) {
                      r.set_host("h");
                      r.set_qrcode_key("k");
                      r.set_code("1");
                    }))},
      {"StartAccounts", kOk,
       Calling(accounts, &AccountsApi::StartAccounts, Control({kOfflineAccount}))},
      {"ListAccountResources", kUnimplemented,
       Calling(accounts, &AccountsApi::ListAccountResources,
               quntool(v1::ListAccountResourcesRequest()))},
      {"Send", kOk, Calling(messaging, &MessagingApi::Send, TextSend())},
      {"Send", kOk,
       Calling(messaging, &MessagingApi::Send,
               With(TextSend(kGroup),
                    [](auto& r) {
                      r.mutable_content()->mutable_text()->add_mention_user_ids("788");
                      r.mutable_content()->mutable_text()->set_mention_all(true);
                    }))},
      {"Send", kOk, Calling(messaging, &MessagingApi::Send, TextSend("S:7881300001_1688000001"))},
      {"Send", kOk,
       Calling(messaging, &MessagingApi::Send,
               With(TextSend(),
                    [](auto& r) {
                      r.mutable_content()->mutable_link()->set_title("t");
                      r.mutable_content()->mutable_link()->set_url("https://x");
                      r.set_idempotency_key(std::string(128, '~'));
                    }))},
      {"UploadFile", kOk,
       [messaging] {
         v1::UploadFileRequest::Header header;
         header.set_account_id(kOfflineAccount);
         header.set_file_name("a.png");
         return messaging->UploadFile(header, "bytes").status();
       }},
      {"ListSavedMiniPrograms", kUnimplemented,
       Calling(messaging, &MessagingApi::ListSavedMiniPrograms,
               ForAccount<v1::ListSavedMiniProgramsRequest>())},
      {"ListSavedVideoNums", kUnimplemented,
       Calling(messaging, &MessagingApi::ListSavedVideoNums,
               ForAccount<v1::ListSavedVideoNumsRequest>())},
      {"ConfirmBatchMessages", kUnimplemented,
       Calling(messaging, &MessagingApi::ConfirmBatchMessages,
               ForAccount<v1::ConfirmBatchMessagesRequest>())},
      {"ListContacts", kUnimplemented,
       Calling(
           contacts, &ContactsApi::ListContacts,
           With(ForAccount<v1::ListContactsRequest>(), [](auto& r) { r.set_page_size(1000); }))},
      {"GetContacts", kOk,
       Calling(contacts, &ContactsApi::GetContacts,
               With(ForAccount<v1::GetContactsRequest>(),
                    [](auto& r) { r.add_user_ids("7881300001"); }))},
      {"UpdateContact", kUnimplemented,
       Calling(contacts, &ContactsApi::UpdateContact,
               With(ForAccount<v1::UpdateContactRequest>(),
                    [](auto& r) {
                      r.set_user_id("7881300001");
                      r.set_remark("");
                    }))},
      {"SearchContact", kUnimplemented,
       Calling(contacts, &ContactsApi::SearchContact,
               With(ForAccount<v1::SearchContactRequest>(),
                    [](auto& r) { r.set_phone("13800138000"); }))},
      {"GetContactRelation", kUnimplemented,
       Calling(contacts, &ContactsApi::GetContactRelation,
               With(ForAccount<v1::GetContactRelationRequest>(),
                    [](auto& r) {
                      r.set_user_id("7881300001");
                      r.set_sync(true);
                    }))},
      {"CreateGroup", kUnimplemented,
       Calling(groups, &GroupsApi::CreateGroup,
               With(ForAccount<v1::CreateGroupRequest>(),
                    [](auto& r) {
                      r.add_member_user_ids("7881300001");
                      r.add_member_user_ids("7881300002");
                    }))},
      {"RenameGroup", kOk,
       Calling(groups, &GroupsApi::RenameGroup,
               With(ForAccount<v1::RenameGroupRequest>(),
                    [](auto& r) {
                      r.set_conversation_id(kGroup);
                      r.set_name("新群");
                    }))},
      {"ConvertGroupId", kUnimplemented,
       Calling(groups, &GroupsApi::ConvertGroupId,
               With(ForAccount<v1::ConvertGroupIdRequest>(),
                    [](auto& r) { r.set_external_room_id("wrABC"); }))},
      {"SetContactLabels", kUnimplemented,
       Calling(labels, &LabelsApi::SetContactLabels,
               With(ForAccount<v1::SetContactLabelsRequest>(),
                    [](auto& r) { r.set_user_id("7881300001"); }))},
      {"SearchContactsByLabels", kOk,
       Calling(labels, &LabelsApi::SearchContactsByLabels,
               With(v1::SearchContactsByLabelsRequest(),
                    [](auto& r) {
                      r.add_account_ids(kOnlineAccount);
                      r.add_account_ids(kOfflineAccount);
                      r.add_label_ids("label-1");
                    }))},
  };
  for (const GoodRequest& good : cases) {
    SCOPED_TRACE(good.method);
    EXPECT_THAT(good.call(), StatusIs(good.expected));
  }
  EXPECT_EQ(world_->TotalRejected(), 0);
}

TEST_F(RobotApiTest, RoutesToThePlatformOfTheAccountsVendor) {
  v1::GetContactsRequest request = ForAccount<v1::GetContactsRequest>();
  request.add_user_ids("7881300001");
  ASSERT_THAT(world_->contacts->GetContacts(request), IsOk());

  v1::SearchContactsByLabelsRequest search;
  search.add_account_ids(kOnlineAccount);
  search.add_account_ids(kOfflineAccount);
  search.add_label_ids("label-1");
  ASSERT_THAT(world_->labels->SearchContactsByLabels(search), IsOk());

  ASSERT_THAT(world_->accounts->StopAccounts(Control({kOnlineAccount, kOfflineAccount})), IsOk());

  EXPECT_THAT(
      world_->quntool.calls(),
      ElementsAre(absl::StrCat("GetContacts ", kOnlineAccount),
                  absl::StrCat("SearchContactsByLabels ", kOnlineAccount, " ", kOfflineAccount),
                  absl::StrCat("ControlAccounts ", static_cast<int>(AccountControl::kStop), " ",
                               kOnlineAccount, " ", kOfflineAccount)));
}

TEST_F(RobotApiTest, AVendorWithoutAPlatformIsFailedPrecondition) {
  const auto no_yjiyun = StatusIs(absl::StatusCode::kFailedPrecondition,
                                  HasSubstr("no yjiyun platform is configured"));
  v1::GetContactsRequest contacts = ForAccount<v1::GetContactsRequest>("yjiyun:robot1");
  contacts.add_user_ids("wxid_1");
  EXPECT_THAT(world_->contacts->GetContacts(contacts), no_yjiyun);
  v1::SendRequest send = TextSend("S:wxid_a_wxid_b");
  send.set_account_id("yjiyun:robot1");
  EXPECT_THAT(world_->messaging->Send(send), no_yjiyun);
  v1::ListOperatorsRequest operators;
  operators.set_vendor(v1::VENDOR_YJIYUN);
  EXPECT_THAT(world_->accounts->ListOperators(operators), no_yjiyun);
  EXPECT_THAT(world_->accounts->StartAccounts(Control({"yjiyun:robot1"})), no_yjiyun);
  v1::ListAccountsRequest list;
  list.set_vendor(v1::VENDOR_YJIYUN);
  EXPECT_THAT(world_->accounts->ListAccounts(list), no_yjiyun);
  EXPECT_THAT(world_->quntool.calls(), ::testing::IsEmpty());
  EXPECT_EQ(world_->TotalRejected(), 0);
}

TEST_F(RobotApiTest, UnknownAccountsAreNotFound) {
  v1::GetContactsRequest request = ForAccount<v1::GetContactsRequest>("quntool:1688999999");
  request.add_user_ids("7881300001");
  EXPECT_THAT(world_->contacts->GetContacts(request),
              StatusIs(absl::StatusCode::kNotFound,
                       "account_id: no account quntool:1688999999 on quntool"));
  EXPECT_THAT(world_->accounts->GetAccount(ForAccount<v1::GetAccountRequest>("quntool:1688999999")),
              StatusIs(absl::StatusCode::kNotFound));
  v1::SendRequest send = TextSend("S:1688999999_7881300001");
  send.set_account_id("quntool:1688999999");
  EXPECT_THAT(world_->messaging->Send(send), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(world_->accounts->LogOutAccounts(Control({kOnlineAccount, "quntool:1688999999"})),
              StatusIs(absl::StatusCode::kNotFound, StartsWith("account_ids[1]: no account")));
  EXPECT_THAT(world_->quntool.calls(), ::testing::IsEmpty());
  EXPECT_THAT(world_->dispatcher.accept_calls(), ::testing::IsEmpty());
}

TEST_F(RobotApiTest, OperationsThroughTheClientNeedTheAccountOnline) {
  v1::GetContactsRequest request = ForAccount<v1::GetContactsRequest>(kOfflineAccount);
  request.add_user_ids("7881300001");
  EXPECT_THAT(world_->contacts->GetContacts(request),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       absl::StrCat("account_id: ", kOfflineAccount,
                                    " is not online (ACCOUNT_STATUS_OFFLINE)")));
  v1::RenameGroupRequest rename = ForAccount<v1::RenameGroupRequest>(kLoggedOutAccount);
  rename.set_conversation_id(kGroup);
  rename.set_name("n");
  EXPECT_THAT(world_->groups->RenameGroup(rename), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(world_->quntool.calls(), ::testing::IsEmpty());
}

TEST_F(RobotApiTest, AnAccountThatJustCameOnlineIsRefetchedBeforeBeingRefused) {
  v1::GetContactsRequest request = ForAccount<v1::GetContactsRequest>(kOfflineAccount);
  request.add_user_ids("7881300001");
  ASSERT_THAT(world_->contacts->GetContacts(request),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  world_->quntool.SetAccounts(
      {testing::MakeAccount(v1::VENDOR_QUNTOOL, "1688000002", v1::ACCOUNT_STATUS_ONLINE)});
  world_->clock.Advance(absl::Seconds(1));
  EXPECT_THAT(world_->contacts->GetContacts(request), IsOk());
}

TEST_F(RobotApiTest, UnimplementedPassesThroughFromThePlatform) {
  v1::ListContactsRequest request = ForAccount<v1::ListContactsRequest>();
  EXPECT_THAT(world_->contacts->ListContacts(request),
              StatusIs(absl::StatusCode::kUnimplemented, "quntool has no ListContacts operation"));
  v1::ListAccountResourcesRequest resources;
  resources.set_vendor(v1::VENDOR_QUNTOOL);
  EXPECT_THAT(
      world_->accounts->ListAccountResources(resources),
      StatusIs(absl::StatusCode::kUnimplemented, "quntool has no ListAccountResources operation"));
}

TEST_F(RobotApiTest, VendorErrorsKeepTheirVendorError) {
  common::v1::VendorError error;
  error.set_vendor("quntool");
  error.set_code(-1);
  error.set_message("企微不在线");
  world_->quntool.SetOperationStatus(VendorFailure(absl::StatusCode::kFailedPrecondition, error));
  v1::GetContactsRequest request = ForAccount<v1::GetContactsRequest>();
  request.add_user_ids("7881300001");
  absl::StatusOr<v1::GetContactsResponse> response = world_->contacts->GetContacts(request);
  EXPECT_THAT(response, StatusIs(absl::StatusCode::kFailedPrecondition));
  const std::optional<common::v1::VendorError> carried = GetVendorError(response.status());
  ASSERT_TRUE(carried.has_value());
  EXPECT_EQ(carried->vendor(), "quntool");
  EXPECT_EQ(carried->code(), -1);
  EXPECT_EQ(carried->message(), "企微不在线");

  // A platform that cannot list its accounts: its error reaches the client too.
  world_->quntool.SetListAccountsStatus(VendorFailure(absl::StatusCode::kUnavailable, error));
  EXPECT_THAT(world_->accounts->ListAccounts(v1::ListAccountsRequest()),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_TRUE(GetVendorError(world_->accounts->ListAccounts(v1::ListAccountsRequest()).status())
                  .has_value());
}

TEST_F(RobotApiTest, SendAcceptsTheSendWithTheAccountsCorpAndTransport) {
  v1::SendRequest request = TextSend();
  request.set_idempotency_key("order-42");
  absl::StatusOr<v1::SendResponse> response = world_->messaging->Send(request);
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->send().send_id(), "send-1");
  EXPECT_EQ(response->send().state(), v1::SEND_STATE_QUEUED);
  EXPECT_FALSE(response->duplicate());

  const std::vector<testing::FakeDispatcher::AcceptCall> accepted =
      world_->dispatcher.accept_calls();
  ASSERT_EQ(accepted.size(), 1u);
  EXPECT_EQ(accepted[0].corp_id, "corp-1");
  const v1::Send& send = accepted[0].send;
  EXPECT_EQ(send.account_id(), kOnlineAccount);
  EXPECT_EQ(send.conversation_id(), kChat);
  EXPECT_EQ(send.content().text().content(), "hello");
  EXPECT_EQ(send.idempotency_key(), "order-42");
  EXPECT_EQ(send.transport(), v1::SEND_TRANSPORT_MQTT);
  EXPECT_TRUE(send.send_id().empty()) << "the outbox assigns send ids";
}

TEST_F(RobotApiTest, ARepeatedIdempotencyKeyReturnsTheEarlierSendAsDuplicate) {
  v1::SendRequest request = TextSend();
  request.set_idempotency_key("order-42");
  ASSERT_THAT(world_->messaging->Send(request), IsOk());
  absl::StatusOr<v1::SendResponse> again = world_->messaging->Send(request);
  ASSERT_THAT(again, IsOk());
  EXPECT_TRUE(again->duplicate());
  EXPECT_EQ(again->send().send_id(), "send-1");

  v1::GetSendStatusRequest by_key = ForAccount<v1::GetSendStatusRequest>();
  by_key.set_idempotency_key("order-42");
  absl::StatusOr<v1::GetSendStatusResponse> status = world_->messaging->GetSendStatus(by_key);
  ASSERT_THAT(status, IsOk());
  EXPECT_EQ(status->send().send_id(), "send-1");
  v1::GetSendStatusRequest by_id;
  by_id.set_send_id("send-1");
  EXPECT_THAT(world_->messaging->GetSendStatus(by_id), IsOk());

  by_id.set_send_id("send-9");
  EXPECT_THAT(world_->messaging->GetSendStatus(by_id), StatusIs(absl::StatusCode::kNotFound));
  by_key.set_idempotency_key("order-43");
  EXPECT_THAT(world_->messaging->GetSendStatus(by_key), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(RobotApiTest, SendsWaitForOfflineAccountsButNotForLoggedOutOnes) {
  v1::SendRequest offline = TextSend("S:1688000002_7881300001");
  offline.set_account_id(kOfflineAccount);
  EXPECT_THAT(world_->messaging->Send(offline), IsOk());

  v1::SendRequest logged_out = TextSend("S:1688000003_7881300001");
  logged_out.set_account_id(kLoggedOutAccount);
  EXPECT_THAT(world_->messaging->Send(logged_out),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("needs a new login")));
  EXPECT_EQ(world_->dispatcher.accept_calls().size(), 1u);
}

TEST_F(RobotApiTest, ListAccountsFiltersAndCarriesPacing) {
  v1::AccountPacing pacing;
  pacing.set_paused(true);
  pacing.set_paused_until_ms(1234);
  pacing.set_queued_sends(3);
  world_->dispatcher.SetPacing(kOnlineAccount, pacing);

  absl::StatusOr<v1::ListAccountsResponse> online =
      world_->accounts->ListAccounts(v1::ListAccountsRequest());
  ASSERT_THAT(online, IsOk());
  ASSERT_EQ(online->accounts_size(), 1);
  EXPECT_EQ(online->accounts(0).account_id(), kOnlineAccount);
  EXPECT_TRUE(online->accounts(0).pacing().paused());
  EXPECT_EQ(online->accounts(0).pacing().queued_sends(), 3);
  EXPECT_EQ(online->accounts(0).send_transport(), v1::SEND_TRANSPORT_MQTT);

  v1::ListAccountsRequest all;
  all.set_include_offline(true);
  EXPECT_EQ(world_->accounts->ListAccounts(all)->accounts_size(), 3);
  all.set_operator_id("operator-2");
  EXPECT_EQ(world_->accounts->ListAccounts(all)->accounts_size(), 0);

  absl::StatusOr<v1::GetAccountResponse> one =
      world_->accounts->GetAccount(ForAccount<v1::GetAccountRequest>());
  ASSERT_THAT(one, IsOk());
  EXPECT_EQ(one->account().pacing().paused_until_ms(), 1234);
}

TEST_F(RobotApiTest, FileUploadCollectsAHeaderAndBoundedBytes) {
  v1::UploadFileRequest header;
  header.mutable_header()->set_account_id(kOnlineAccount);
  header.mutable_header()->set_file_name("report.pdf");
  v1::UploadFileRequest chunk;
  chunk.set_chunk("0123456789");

  FileUpload upload = world_->messaging->StartUpload(16);
  ASSERT_THAT(upload.Add(header), IsOk());
  ASSERT_THAT(upload.Add(chunk), IsOk());
  ASSERT_THAT(upload.Finish(), IsOk());
  EXPECT_EQ(upload.bytes(), "0123456789");
  absl::StatusOr<v1::UploadFileResponse> uploaded =
      world_->messaging->UploadFile(upload.header(), upload.bytes());
  ASSERT_THAT(uploaded, IsOk());
  EXPECT_EQ(uploaded->size_bytes(), 10u);
  EXPECT_THAT(world_->quntool.calls(),
              ElementsAre(absl::StrCat("UploadFile ", kOnlineAccount, " report.pdf")));

  EXPECT_THAT(upload.Add(chunk), StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(upload.Add(header), StatusIs(absl::StatusCode::kInvalidArgument,
                                           "header: only the first message is a header"));

  FileUpload headless = world_->messaging->StartUpload(16);
  EXPECT_THAT(headless.Finish(), StatusIs(absl::StatusCode::kInvalidArgument,
                                          "header: the first message must be a header"));
  EXPECT_THAT(headless.Add(chunk), StatusIs(absl::StatusCode::kInvalidArgument,
                                            "header: the first message must be a header"));
  header.mutable_header()->set_file_name("dir/report.pdf");
  EXPECT_THAT(headless.Add(header),
              StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("header.file_name: ")));
  EXPECT_EQ(world_->Rejected("UploadFile", "header"), 3);
  EXPECT_EQ(world_->Rejected("UploadFile", "header.file_name"), 1);
}

v1::Event MakeEvent(const std::string& id, const std::string& account_id = kOnlineAccount) {
  v1::Event event;
  event.set_event_id(id);
  event.set_account_id(account_id);
  event.set_vendor(v1::VENDOR_QUNTOOL);
  event.set_vendor_type("text_msg");
  return event;
}

TEST_F(RobotApiTest, AckEventsMovesADurableConsumerForward) {
  for (const char* id : {"e1", "e2", "e3"}) {
    ASSERT_THAT(world_->events->log().Append(MakeEvent(id)), IsOk());
  }
  v1::AckEventsRequest ack;
  ack.set_consumer("billing");
  ack.set_position(0);
  EXPECT_THAT(world_->events_api->AckEvents(ack), IsOk()) << "a new consumer starts at 0";
  ack.set_position(2);
  ASSERT_THAT(world_->events_api->AckEvents(ack), IsOk());
  EXPECT_EQ(world_->events_api->AckEvents(ack)->position(), 2u);
  ack.set_position(1);
  EXPECT_EQ(world_->events_api->AckEvents(ack)->position(), 2u) << "acks only move forward";
  ack.set_position(4);
  EXPECT_THAT(world_->events_api->AckEvents(ack),
              StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("position: ")));
  EXPECT_EQ(world_->Rejected("AckEvents", "position"), 1);
}

TEST_F(RobotApiTest, StreamEventsReplaysFilteredEventsFromTheConsumersCursor) {
  ASSERT_THAT(world_->events->log().Append(MakeEvent("e1")), IsOk());
  ASSERT_THAT(world_->events->log().Append(MakeEvent("e2", kOfflineAccount)), IsOk());
  ASSERT_THAT(world_->events->log().Append(MakeEvent("e3")), IsOk());
  v1::AckEventsRequest ack;
  ack.set_consumer("billing");
  ack.set_position(1);
  ASSERT_THAT(world_->events_api->AckEvents(ack), IsOk());

  v1::StreamEventsRequest request;
  request.set_consumer("billing");
  request.add_account_ids(kOnlineAccount);
  request.add_vendors(v1::VENDOR_QUNTOOL);
  std::vector<std::string> seen;
  // The client leaves once the stored history is done.
  EXPECT_THAT(world_->events_api->StreamEvents(
                  request,
                  [&seen](const v1::StreamEventsResponse& response) {
                    for (const v1::Event& event : response.events()) {
                      seen.push_back(event.event_id());
                    }
                    return !response.caught_up();
                  },
                  [] { return false; }),
              IsOk());
  EXPECT_THAT(seen, ElementsAre("e3"));
}

}  // namespace
}  // namespace wecom::robot
