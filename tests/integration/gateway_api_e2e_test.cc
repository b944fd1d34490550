// Every RPC of the robot gateway through real gRPC, against the quntool
// emulator: each answers OK with what the emulator's world holds, and the
// changes it makes are visible through the API afterwards.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/grpc/status.h"
#include "common/status/status_macros.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/emulators/quntool/quntool_test_world.h"
#include "tests/integration/gateway_harness.h"

namespace wecom::testing {
namespace {

namespace v1 = wecom::robot::v1;
namespace q = wecom::quntool::testing;

using ::testing::Contains;
using ::testing::IsEmpty;
using ::testing::Not;

const std::string kAccountA = absl::StrCat("quntool:", q::kAccountA);
const std::string kAccountB = absl::StrCat("quntool:", q::kAccountB);

class GatewayApiE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<GatewayHarness>> gateway = GatewayHarness::Create();
    ASSERT_OK(gateway);
    gateway_ = *std::move(gateway);
  }
  std::unique_ptr<GatewayHarness> gateway_;
};

TEST_F(GatewayApiE2eTest, Accounts) {
  auto stub = gateway_->Accounts();
  v1::GetAccountRequest get;
  get.set_account_id(kAccountA);
  ASSERT_OK_AND_ASSIGN(v1::GetAccountResponse account,
                       Call(stub.get(), &v1::Accounts::Stub::GetAccount, get));
  EXPECT_EQ(account.account().name(), "YG");
  EXPECT_EQ(account.account().corp_id(), "1970325057080574");

  v1::ListOperatorsRequest operators;
  operators.set_vendor(v1::VENDOR_QUNTOOL);
  ASSERT_OK_AND_ASSIGN(v1::ListOperatorsResponse ops,
                       Call(stub.get(), &v1::Accounts::Stub::ListOperators, operators));
  ASSERT_EQ(ops.operators_size(), 1);
  EXPECT_EQ(ops.operators(0).operator_id(), "apps-1");

  v1::StartLoginRequest login;
  login.set_vendor(v1::VENDOR_QUNTOOL);
  login.set_operator_id("apps-1");
  ASSERT_OK_AND_ASSIGN(v1::StartLoginResponse started,
                       Call(stub.get(), &v1::Accounts::Stub::StartLogin, login));
  EXPECT_FALSE(started.host().empty());
  EXPECT_THAT(started.qrcode_url(), ::testing::StartsWith("http://127.0.0.1:"));
  v1::VerifyLoginRequest verify;
  verify.set_vendor(v1::VENDOR_QUNTOOL);
  verify.set_host(started.host());
  verify.set_qrcode_key("6E16C7042D0A4E832114E839EB1694CE");
  verify.set_code("386317");
  ASSERT_OK_AND_ASSIGN(v1::VerifyLoginResponse verified,
                       Call(stub.get(), &v1::Accounts::Stub::VerifyLogin, verify));
  EXPECT_TRUE(verified.accepted());

  v1::AccountsControlRequest control;
  control.add_account_ids(kAccountB);
  EXPECT_OK(Call(stub.get(), &v1::Accounts::Stub::StopAccounts, control).status());
  ASSERT_OK_AND_ASSIGN(account, Call(stub.get(), &v1::Accounts::Stub::GetAccount, [] {
                         v1::GetAccountRequest r;
                         r.set_account_id(kAccountB);
                         return r;
                       }()));
  EXPECT_EQ(account.account().status(), v1::ACCOUNT_STATUS_OFFLINE);
  EXPECT_OK(Call(stub.get(), &v1::Accounts::Stub::StartAccounts, control).status());
  EXPECT_OK(Call(stub.get(), &v1::Accounts::Stub::RestartAccounts, control).status());
  v1::AccountsControlRequest offline;
  offline.add_account_ids(absl::StrCat("quntool:", q::kOfflineAccount));
  EXPECT_OK(Call(stub.get(), &v1::Accounts::Stub::LogOutAccounts, offline).status());

  v1::ListAccountResourcesRequest resources;
  resources.set_vendor(v1::VENDOR_QUNTOOL);
  ASSERT_OK_AND_ASSIGN(v1::ListAccountResourcesResponse memory,
                       Call(stub.get(), &v1::Accounts::Stub::ListAccountResources, resources));
  EXPECT_THAT(memory.accounts(), Not(IsEmpty()));
}

TEST_F(GatewayApiE2eTest, MessagingBesidesSend) {
  auto stub = gateway_->Messaging();
  grpc::ClientContext context;
  v1::UploadFileResponse uploaded;
  auto writer = stub->UploadFile(&context, &uploaded);
  v1::UploadFileRequest header;
  header.mutable_header()->set_account_id(kAccountA);
  header.mutable_header()->set_file_name("price-list.txt");
  ASSERT_TRUE(writer->Write(header));
  v1::UploadFileRequest chunk;
  chunk.set_chunk("apples 3, pears 4\n");
  ASSERT_TRUE(writer->Write(chunk));
  writer->WritesDone();
  ASSERT_OK(FromGrpcStatus(writer->Finish()));
  EXPECT_EQ(uploaded.size_bytes(), 18u);
  EXPECT_THAT(uploaded.file_url(), ::testing::HasSubstr("price-list.txt"));

  v1::ListSavedMiniProgramsRequest minis;
  minis.set_account_id(kAccountA);
  ASSERT_OK_AND_ASSIGN(v1::ListSavedMiniProgramsResponse saved,
                       Call(stub.get(), &v1::Messaging::Stub::ListSavedMiniPrograms, minis));
  ASSERT_EQ(saved.mini_programs_size(), 1);
  EXPECT_EQ(saved.mini_programs(0).id(), 7);
  v1::ListSavedVideoNumsRequest videos;
  videos.set_account_id(kAccountA);
  ASSERT_OK_AND_ASSIGN(v1::ListSavedVideoNumsResponse nums,
                       Call(stub.get(), &v1::Messaging::Stub::ListSavedVideoNums, videos));
  ASSERT_EQ(nums.video_nums_size(), 1);
  EXPECT_EQ(nums.video_nums(0).id(), 20);

  // A saved mini program goes out by id and is confirmed.
  v1::SendRequest send;
  send.set_account_id(kAccountA);
  send.set_conversation_id(q::kGroup);
  send.mutable_content()->set_saved_mini_program_id(7);
  ASSERT_OK_AND_ASSIGN(v1::SendResponse sent, Call(stub.get(), &v1::Messaging::Stub::Send, send));
  ASSERT_OK(gateway_
                ->AwaitEvents(0, 1,
                              [&](const v1::Event& e) {
                                return e.has_send_status() &&
                                       e.send_status().send().send_id() == sent.send().send_id() &&
                                       e.send_status().send().state() == v1::SEND_STATE_CONFIRMED;
                              })
                .status());

  v1::ConfirmBatchMessagesRequest confirm;
  confirm.set_account_id(kAccountA);
  EXPECT_OK(Call(stub.get(), &v1::Messaging::Stub::ConfirmBatchMessages, confirm).status());
}

TEST_F(GatewayApiE2eTest, Contacts) {
  auto stub = gateway_->Contacts();
  v1::ListContactsRequest list;
  list.set_account_id(kAccountA);
  ASSERT_OK_AND_ASSIGN(v1::ListContactsResponse customers,
                       Call(stub.get(), &v1::Contacts::Stub::ListContacts, list));
  std::vector<std::string> ids;
  for (const v1::Contact& c : customers.contacts()) ids.push_back(c.user_id());
  EXPECT_THAT(ids, Contains(q::kCustomer1));
  list.set_kind(v1::CONTACT_KIND_INTERNAL);
  ASSERT_OK_AND_ASSIGN(v1::ListContactsResponse colleagues,
                       Call(stub.get(), &v1::Contacts::Stub::ListContacts, list));
  ASSERT_EQ(colleagues.contacts_size(), 1);
  EXPECT_EQ(colleagues.contacts(0).user_id(), q::kColleague);

  v1::GetContactsRequest get;
  get.set_account_id(kAccountA);
  get.add_user_ids(q::kCustomer1);
  ASSERT_OK_AND_ASSIGN(v1::GetContactsResponse got,
                       Call(stub.get(), &v1::Contacts::Stub::GetContacts, get));
  ASSERT_EQ(got.contacts_size(), 1);
  EXPECT_EQ(got.contacts(0).name(), "左脚");

  v1::UpdateContactRequest update;
  update.set_account_id(kAccountA);
  update.set_user_id(q::kCustomer1);
  update.set_remark("大客户");
  update.set_description("wants a quote");
  update.mutable_phones()->add_phones("13900000009");
  EXPECT_OK(Call(stub.get(), &v1::Contacts::Stub::UpdateContact, update).status());
  v1::GetContactDetailsRequest details;
  details.set_account_id(kAccountA);
  details.set_user_id(q::kCustomer1);
  ASSERT_OK_AND_ASSIGN(v1::GetContactDetailsResponse detail,
                       Call(stub.get(), &v1::Contacts::Stub::GetContactDetails, details));
  EXPECT_EQ(detail.details().remark(), "大客户");
  EXPECT_EQ(detail.details().description(), "wants a quote");
  EXPECT_THAT(detail.details().phones(), Contains("13900000009"));

  v1::SearchContactRequest search;
  search.set_account_id(kAccountA);
  search.set_phone("13400000080");
  ASSERT_OK_AND_ASSIGN(v1::SearchContactResponse found,
                       Call(stub.get(), &v1::Contacts::Stub::SearchContact, search));
  ASSERT_EQ(found.users_size(), 1);
  v1::AddContactRequest add;
  add.set_account_id(kAccountA);
  add.set_user_id(found.users(0).user_id());
  add.set_openid(found.users(0).openid());
  add.set_wx_ticket(found.users(0).wx_ticket());
  add.set_verify_message("你好");
  EXPECT_OK(Call(stub.get(), &v1::Contacts::Stub::AddContact, add).status());

  v1::ConvertContactIdRequest convert;
  convert.set_account_id(kAccountA);
  convert.set_user_id(q::kCustomer1);
  ASSERT_OK_AND_ASSIGN(v1::ConvertContactIdResponse external,
                       Call(stub.get(), &v1::Contacts::Stub::ConvertContactId, convert));
  ASSERT_FALSE(external.external_user_id().empty());
  convert.set_external_user_id(external.external_user_id());
  ASSERT_OK_AND_ASSIGN(v1::ConvertContactIdResponse back,
                       Call(stub.get(), &v1::Contacts::Stub::ConvertContactId, convert));
  EXPECT_EQ(back.user_id(), q::kCustomer1);
  // The second customer's mapping is not stored until a live lookup or sync.
  v1::ConvertContactIdRequest stored;
  stored.set_account_id(kAccountA);
  stored.set_user_id(q::kCustomer2);
  stored.set_stored_only(true);
  ASSERT_OK_AND_ASSIGN(v1::ConvertContactIdResponse none,
                       Call(stub.get(), &v1::Contacts::Stub::ConvertContactId, stored));
  EXPECT_EQ(none.external_user_id(), "");
  v1::GetContactRelationRequest relation;
  relation.set_account_id(kAccountA);
  relation.set_user_id(q::kCustomer2);
  relation.set_sync(true);
  ASSERT_OK_AND_ASSIGN(v1::GetContactRelationResponse synced,
                       Call(stub.get(), &v1::Contacts::Stub::GetContactRelation, relation));
  EXPECT_FALSE(synced.relation().external_user_id().empty());
  ASSERT_OK_AND_ASSIGN(none, Call(stub.get(), &v1::Contacts::Stub::ConvertContactId, stored));
  EXPECT_EQ(none.external_user_id(), synced.relation().external_user_id());

  v1::RemoveContactRequest remove;
  remove.set_account_id(kAccountA);
  remove.set_user_id(q::kCustomer3);
  EXPECT_OK(Call(stub.get(), &v1::Contacts::Stub::RemoveContact, remove).status());
  get.set_user_ids(0, q::kCustomer3);
  ASSERT_OK_AND_ASSIGN(got, Call(stub.get(), &v1::Contacts::Stub::GetContacts, get));
  ASSERT_EQ(got.contacts_size(), 1);
  EXPECT_TRUE(got.contacts(0).deleted());
}

TEST_F(GatewayApiE2eTest, Groups) {
  auto stub = gateway_->Groups();
  v1::ListGroupsRequest list;
  list.set_account_id(kAccountA);
  ASSERT_OK_AND_ASSIGN(v1::ListGroupsResponse groups,
                       Call(stub.get(), &v1::Groups::Stub::ListGroups, list));
  ASSERT_EQ(groups.groups_size(), 1);
  EXPECT_EQ(groups.groups(0).conversation_id(), q::kGroup);

  v1::RenameGroupRequest rename;
  rename.set_account_id(kAccountA);
  rename.set_conversation_id(q::kGroup);
  rename.set_name("VIP 客户群");
  EXPECT_OK(Call(stub.get(), &v1::Groups::Stub::RenameGroup, rename).status());
  ASSERT_OK_AND_ASSIGN(groups, Call(stub.get(), &v1::Groups::Stub::ListGroups, list));
  EXPECT_EQ(groups.groups(0).name(), "VIP 客户群");

  v1::AddGroupMembersRequest add;
  add.set_account_id(kAccountA);
  add.set_conversation_id(q::kGroup);
  add.add_member_user_ids(q::kCustomer3);
  EXPECT_OK(Call(stub.get(), &v1::Groups::Stub::AddGroupMembers, add).status());
  v1::ListGroupMembersRequest members;
  members.set_account_id(kAccountA);
  members.set_conversation_id(q::kGroup);
  auto member_ids = [&]() {
    std::vector<std::string> ids;
    absl::StatusOr<v1::ListGroupMembersResponse> listed =
        Call(stub.get(), &v1::Groups::Stub::ListGroupMembers, members);
    EXPECT_OK(listed.status());
    if (listed.ok()) {
      for (const v1::GroupMember& m : listed->members()) ids.push_back(m.user_id());
    }
    return ids;
  };
  EXPECT_THAT(member_ids(), Contains(q::kCustomer3));
  v1::RemoveGroupMembersRequest remove;
  remove.set_account_id(kAccountA);
  remove.set_conversation_id(q::kGroup);
  remove.add_member_user_ids(q::kCustomer3);
  EXPECT_OK(Call(stub.get(), &v1::Groups::Stub::RemoveGroupMembers, remove).status());
  EXPECT_THAT(member_ids(), Not(Contains(q::kCustomer3)));

  v1::AddGroupMemberAsContactRequest befriend;
  befriend.set_account_id(kAccountA);
  befriend.set_conversation_id(q::kGroup);
  befriend.set_member_user_id(q::kCustomer2);
  befriend.set_verify_message("你好");
  EXPECT_OK(Call(stub.get(), &v1::Groups::Stub::AddGroupMemberAsContact, befriend).status());
  v1::PublishGroupNoticeRequest notice;
  notice.set_account_id(kAccountA);
  notice.set_conversation_id(q::kGroup);
  notice.set_content("本周六休息");
  EXPECT_OK(Call(stub.get(), &v1::Groups::Stub::PublishGroupNotice, notice).status());

  v1::ConvertGroupIdRequest convert;
  convert.set_account_id(kAccountA);
  convert.set_conversation_id(q::kGroup);
  ASSERT_OK_AND_ASSIGN(v1::ConvertGroupIdResponse external,
                       Call(stub.get(), &v1::Groups::Stub::ConvertGroupId, convert));
  ASSERT_FALSE(external.external_room_id().empty());
  convert.set_external_room_id(external.external_room_id());
  ASSERT_OK_AND_ASSIGN(v1::ConvertGroupIdResponse back,
                       Call(stub.get(), &v1::Groups::Stub::ConvertGroupId, convert));
  EXPECT_EQ(back.conversation_id(), q::kGroup);

  v1::CreateGroupRequest create;
  create.set_account_id(kAccountA);
  create.add_member_user_ids(q::kCustomer1);
  create.add_member_user_ids(q::kCustomer2);
  ASSERT_OK_AND_ASSIGN(v1::CreateGroupResponse created,
                       Call(stub.get(), &v1::Groups::Stub::CreateGroup, create));
  EXPECT_EQ(created.added_user_ids_size(), 2);
  // The new group's id arrives as an event.
  ASSERT_OK(gateway_
                ->AwaitEvents(0, 1,
                              [](const v1::Event& e) {
                                return e.has_group_changed() &&
                                       e.group_changed().change() ==
                                           v1::GroupChangedEvent::CHANGE_CREATED;
                              })
                .status());
}

TEST_F(GatewayApiE2eTest, Labels) {
  auto stub = gateway_->Labels();
  v1::ListLabelsRequest list;
  list.set_account_id(kAccountA);
  ASSERT_OK_AND_ASSIGN(v1::ListLabelsResponse labels,
                       Call(stub.get(), &v1::Labels::Stub::ListLabels, list));
  EXPECT_EQ(labels.labels_size(), 2);

  v1::SetContactLabelsRequest set;
  set.set_account_id(kAccountA);
  set.set_user_id(q::kCustomer2);
  set.add_label_ids("L2");
  EXPECT_OK(Call(stub.get(), &v1::Labels::Stub::SetContactLabels, set).status());
  v1::ListContactLabelsRequest of_contact;
  of_contact.set_account_id(kAccountA);
  of_contact.set_user_id(q::kCustomer2);
  ASSERT_OK_AND_ASSIGN(v1::ListContactLabelsResponse on_contact,
                       Call(stub.get(), &v1::Labels::Stub::ListContactLabels, of_contact));
  ASSERT_EQ(on_contact.labels_size(), 1);
  EXPECT_EQ(on_contact.labels(0).label_id(), "L2");

  v1::SearchContactsByLabelsRequest search;
  search.add_account_ids(kAccountA);
  search.add_label_ids("L2");
  ASSERT_OK_AND_ASSIGN(v1::SearchContactsByLabelsResponse found,
                       Call(stub.get(), &v1::Labels::Stub::SearchContactsByLabels, search));
  ASSERT_EQ(found.contacts_size(), 1);
  EXPECT_EQ(found.contacts(0).contact().user_id(), q::kCustomer2);
  v1::ListLabelContactsRequest of_label;
  of_label.set_account_id(kAccountA);
  of_label.set_label_id("L1");
  ASSERT_OK_AND_ASSIGN(v1::ListLabelContactsResponse with_l1,
                       Call(stub.get(), &v1::Labels::Stub::ListLabelContacts, of_label));
  ASSERT_EQ(with_l1.contacts_size(), 1);
  EXPECT_EQ(with_l1.contacts(0).user_id(), q::kCustomer1);
}

TEST_F(GatewayApiE2eTest, EventsResumeADurableConsumer) {
  // A callback from the vendor, then a consumer reads it, acks, and resumes
  // after it.
  ASSERT_OK(
      gateway_
          ->CallEmulator("POST", "/callback",
                         {{"type", "text_msg"},
                          {"wxId", q::kAccountA},
                          {"conversationId", absl::StrCat("S:", q::kAccountA, "_", q::kCustomer1)},
                          {"data", {{"content", "在吗"}}}},
                         /*control=*/true)
          .status());
  ASSERT_OK_AND_ASSIGN(std::vector<v1::Event> inbound,
                       gateway_->AwaitEvents(0, 1, [](const v1::Event& e) {
                         return e.has_message() && e.message().direction() == v1::DIRECTION_INBOUND;
                       }));
  EXPECT_EQ(inbound[0].message().text(), "在吗");
  auto stub = gateway_->Events();
  v1::AckEventsRequest ack;
  ack.set_consumer("crm-sync");
  ack.set_position(inbound[0].position());
  ASSERT_OK_AND_ASSIGN(v1::AckEventsResponse acked,
                       Call(stub.get(), &v1::Events::Stub::AckEvents, ack));
  EXPECT_EQ(acked.position(), inbound[0].position());

  ASSERT_OK(gateway_
                ->CallEmulator("POST", "/callback",
                               {{"type", "user_offline"}, {"wxId", q::kAccountB}},
                               /*control=*/true)
                .status());
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  v1::StreamEventsRequest resume;
  resume.set_consumer("crm-sync");
  auto reader = stub->StreamEvents(&context, resume);
  v1::StreamEventsResponse response;
  bool saw_offline = false;
  while (!saw_offline && reader->Read(&response)) {
    for (const v1::Event& e : response.events()) {
      EXPECT_GT(e.position(), inbound[0].position());
      if (e.has_login() && e.login().kind() == v1::LoginEvent::KIND_OFFLINE) saw_offline = true;
    }
  }
  context.TryCancel();
  reader->Finish();
  EXPECT_TRUE(saw_offline);
}

}  // namespace
}  // namespace wecom::testing
