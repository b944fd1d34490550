// QuntoolPlatform's accounts, contacts, groups and labels against the
// in-process quntool emulator: each method's mapping of the vendor's answer,
// and the emulator's world after the changes it makes.
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "common/status/vendor_error.h"
#include "tests/robot-gateway/quntool/quntool_fixture.h"

namespace wecom::robot::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;
using ::wecom::testing::IsOk;
using ::wecom::testing::StatusIs;

class QuntoolPlatformTest : public QuntoolFixture {
 protected:
  std::vector<v1::Account> Accounts(bool include_offline) {
    v1::ListAccountsRequest request;
    request.set_include_offline(include_offline);
    absl::StatusOr<std::vector<v1::Account>> accounts = platform_->ListAccounts(request);
    EXPECT_THAT(accounts, IsOk());
    return accounts.ok() ? *accounts : std::vector<v1::Account>();
  }

  const v1::Account* FindAccount(const std::vector<v1::Account>& accounts,
                                 absl::string_view wx_id) {
    for (const v1::Account& account : accounts) {
      if (account.vendor_account_id() == wx_id) return &account;
    }
    return nullptr;
  }

  std::vector<v1::Contact> Contacts(v1::ContactKind kind) {
    v1::ListContactsRequest request;
    request.set_kind(kind);
    absl::StatusOr<v1::ListContactsResponse> response =
        platform_->ListContacts(Ref(qt::kAccountA), request);
    EXPECT_THAT(response, IsOk());
    if (!response.ok()) return {};
    return {response->contacts().begin(), response->contacts().end()};
  }

  std::vector<v1::Group> Groups() {
    absl::StatusOr<v1::ListGroupsResponse> response =
        platform_->ListGroups(Ref(qt::kAccountA), v1::ListGroupsRequest());
    EXPECT_THAT(response, IsOk());
    if (!response.ok()) return {};
    return {response->groups().begin(), response->groups().end()};
  }

  std::vector<std::string> MemberIds() {
    v1::ListGroupMembersRequest request;
    request.set_conversation_id(qt::kGroup);
    absl::StatusOr<v1::ListGroupMembersResponse> response =
        platform_->ListGroupMembers(Ref(qt::kAccountA), request);
    EXPECT_THAT(response, IsOk());
    std::vector<std::string> ids;
    if (response.ok()) {
      for (const v1::GroupMember& member : response->members()) ids.push_back(member.user_id());
    }
    return ids;
  }
};

// Accounts.

TEST_F(QuntoolPlatformTest, ListAccountsMapsTheVendorsFields) {
  const std::vector<v1::Account> online = Accounts(false);
  ASSERT_EQ(online.size(), 2u);
  const v1::Account* a = FindAccount(online, qt::kAccountA);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->account_id(), absl::StrCat("quntool:", qt::kAccountA));
  EXPECT_EQ(a->vendor(), v1::VENDOR_QUNTOOL);
  EXPECT_EQ(a->wecom_user_id(), qt::kAccountA);
  EXPECT_EQ(a->name(), "YG");
  EXPECT_EQ(a->corp_id(), "1970325057080574");
  EXPECT_EQ(a->corp_user_id(), "yg");
  EXPECT_EQ(a->status(), v1::ACCOUNT_STATUS_ONLINE);
  EXPECT_EQ(a->operator_id(), "apps-1");
  EXPECT_EQ(a->host(), "28cca2a4c405");
  EXPECT_EQ(a->login_qrcode_url(), "");
  EXPECT_EQ(a->send_transport(), v1::SEND_TRANSPORT_HTTP);

  const std::vector<v1::Account> all = Accounts(true);
  ASSERT_EQ(all.size(), 3u);
  const v1::Account* offline = FindAccount(all, qt::kOfflineAccount);
  ASSERT_NE(offline, nullptr);
  EXPECT_EQ(offline->status(), v1::ACCOUNT_STATUS_OFFLINE);
  EXPECT_EQ(offline->name(), "离线");

  v1::ListAccountsRequest by_operator;
  by_operator.set_include_offline(true);
  by_operator.set_operator_id("apps-2");
  EXPECT_THAT(platform_->ListAccounts(by_operator), ::wecom::testing::IsOkAndHolds(IsEmpty()));
}

TEST_F(QuntoolPlatformTest, ListOperators) {
  absl::StatusOr<v1::ListOperatorsResponse> response =
      platform_->ListOperators(v1::ListOperatorsRequest());
  ASSERT_THAT(response, IsOk());
  ASSERT_EQ(response->operators_size(), 1);
  EXPECT_EQ(response->operators(0).operator_id(), "apps-1");
  EXPECT_EQ(response->operators(0).name(), "眠羊");
  EXPECT_TRUE(response->operators(0).admin());
  EXPECT_FALSE(response->operators(0).created_at().empty());
}

TEST_F(QuntoolPlatformTest, StartLoginThenVerifyLogin) {
  v1::StartLoginRequest start;
  start.set_operator_id("apps-1");
  absl::StatusOr<v1::StartLoginResponse> login = platform_->StartLogin(start);
  ASSERT_THAT(login, IsOk());
  EXPECT_THAT(login->qrcode_url(), StartsWith(absl::StrCat(base_url(), "/gnapi/files/")));
  EXPECT_FALSE(login->host().empty());
  EXPECT_EQ(login->client_version(), "1.3.0.13");
  // The new container has no wxId yet, so it is no account.
  EXPECT_EQ(Accounts(true).size(), 3u);

  v1::VerifyLoginRequest verify;
  verify.set_host(login->host());
  verify.set_qrcode_key("6E16C7042D0A4E832114E839EB1694CE");
  verify.set_code("386317");
  absl::StatusOr<v1::VerifyLoginResponse> accepted = platform_->VerifyLogin(verify);
  ASSERT_THAT(accepted, IsOk());
  EXPECT_TRUE(accepted->accepted());
  verify.set_code("38");
  absl::StatusOr<v1::VerifyLoginResponse> refused = platform_->VerifyLogin(verify);
  ASSERT_THAT(refused, IsOk());
  EXPECT_FALSE(refused->accepted());
  EXPECT_FALSE(refused->message().empty());

  start.set_operator_id("apps-404");
  EXPECT_THAT(platform_->StartLogin(start), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(QuntoolPlatformTest, ControlAccountsMovesContainers) {
  ASSERT_THAT(platform_->ControlAccounts(AccountControl::kStop, {Ref(qt::kAccountB)}), IsOk());
  EXPECT_EQ(FindAccount(Accounts(true), qt::kAccountB)->status(), v1::ACCOUNT_STATUS_OFFLINE);
  EXPECT_EQ(Accounts(false).size(), 1u);

  ASSERT_THAT(platform_->ControlAccounts(AccountControl::kStart,
                                         {Ref(qt::kAccountB), Ref(qt::kOfflineAccount)}),
              IsOk());
  EXPECT_EQ(Accounts(false).size(), 3u);
  ASSERT_THAT(world_.webhook().WaitFor([](const quntool::Json& callback) {
    return callback.value("type", "") == "user_login" &&
           callback.value("wxid", "") == qt::kAccountB;
  }),
              IsOk());

  ASSERT_THAT(platform_->ControlAccounts(AccountControl::kRestart, {Ref(qt::kAccountA)}), IsOk());
  ASSERT_THAT(platform_->ControlAccounts(AccountControl::kLogOut, {Ref(qt::kOfflineAccount)}),
              IsOk());
  EXPECT_EQ(FindAccount(Accounts(true), qt::kOfflineAccount)->status(),
            v1::ACCOUNT_STATUS_LOGGED_OUT);

  EXPECT_THAT(platform_->ControlAccounts(AccountControl::kStop,
                                         {Ref(qt::kAccountA), Ref("1688859999999999")}),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("quntool:1688859999999999")));
  EXPECT_EQ(Accounts(false).size(), 2u) << "nothing is stopped when one account is unknown";
}

TEST_F(QuntoolPlatformTest, ListAccountResources) {
  absl::StatusOr<v1::ListAccountResourcesResponse> response =
      platform_->ListAccountResources(v1::ListAccountResourcesRequest());
  ASSERT_THAT(response, IsOk());
  ASSERT_EQ(response->accounts_size(), 2);
  const v1::AccountResources& a = response->accounts(0);
  EXPECT_EQ(a.account_id(), absl::StrCat("quntool:", qt::kAccountA));
  EXPECT_EQ(a.name(), "YG");
  EXPECT_EQ(a.host(), "28cca2a4c405");
  EXPECT_GT(a.memory_kib(), 0);
}

// Contacts.

TEST_F(QuntoolPlatformTest, ListContactsOfBothKinds) {
  const std::vector<v1::Contact> external = Contacts(v1::CONTACT_KIND_EXTERNAL);
  ASSERT_EQ(external.size(), 3u);
  EXPECT_EQ(external[0].user_id(), qt::kCustomer1);
  EXPECT_EQ(external[0].name(), "左脚");
  EXPECT_EQ(external[0].conversation_id(), absl::StrCat("S:", qt::kAccountA, "_", qt::kCustomer1));
  EXPECT_TRUE(external[0].wechat_user());
  EXPECT_FALSE(external[0].internal());
  EXPECT_FALSE(external[0].external_user_id().empty());
  EXPECT_FALSE(external[0].deleted());
  EXPECT_EQ(Contacts(v1::CONTACT_KIND_UNSPECIFIED).size(), 3u) << "external is the default";

  const std::vector<v1::Contact> internal = Contacts(v1::CONTACT_KIND_INTERNAL);
  ASSERT_EQ(internal.size(), 1u);
  EXPECT_EQ(internal[0].user_id(), qt::kColleague);
  EXPECT_EQ(internal[0].name(), "同事");
  EXPECT_TRUE(internal[0].internal());
  EXPECT_FALSE(internal[0].wechat_user());
  EXPECT_EQ(internal[0].corp_id(), "1970325057080574");
}

TEST_F(QuntoolPlatformTest, GetContactsById) {
  v1::GetContactsRequest request;
  request.add_user_ids(qt::kCustomer2);
  request.add_user_ids(qt::kCustomer3);
  absl::StatusOr<v1::GetContactsResponse> response =
      platform_->GetContacts(Ref(qt::kAccountA), request);
  ASSERT_THAT(response, IsOk());
  ASSERT_EQ(response->contacts_size(), 2);
  EXPECT_EQ(response->contacts(0).name(), "依然");
  EXPECT_EQ(response->contacts(1).name(), "峰哥");
}

TEST_F(QuntoolPlatformTest, UpdateContactIsVisibleInDetails) {
  v1::UpdateContactRequest update;
  update.set_user_id(qt::kCustomer1);
  update.set_remark("老客户");
  update.set_description("买过两次");
  update.mutable_phones()->add_phones("13900000002");
  update.mutable_phones()->add_phones("13900000003");
  ASSERT_THAT(platform_->UpdateContact(Ref(qt::kAccountA), update), IsOk());

  v1::GetContactDetailsRequest get;
  get.set_user_id(qt::kCustomer1);
  absl::StatusOr<v1::GetContactDetailsResponse> details =
      platform_->GetContactDetails(Ref(qt::kAccountA), get);
  ASSERT_THAT(details, IsOk());
  EXPECT_EQ(details->details().user_id(), qt::kCustomer1);
  EXPECT_EQ(details->details().remark(), "老客户");
  EXPECT_EQ(details->details().description(), "买过两次");
  EXPECT_THAT(details->details().phones(), ElementsAre("13900000002", "13900000003"));
  EXPECT_EQ(details->details().status(), 1);

  // Only the fields set are changed; an empty string clears.
  v1::UpdateContactRequest clear_remark;
  clear_remark.set_user_id(qt::kCustomer1);
  clear_remark.set_remark("");
  ASSERT_THAT(platform_->UpdateContact(Ref(qt::kAccountA), clear_remark), IsOk());
  details = platform_->GetContactDetails(Ref(qt::kAccountA), get);
  ASSERT_THAT(details, IsOk());
  EXPECT_EQ(details->details().remark(), "");
  EXPECT_EQ(details->details().description(), "买过两次");
  EXPECT_EQ(details->details().phones_size(), 2);
  EXPECT_EQ(Contacts(v1::CONTACT_KIND_EXTERNAL)[0].remark(), "");
}

TEST_F(QuntoolPlatformTest, RemoveContactMarksItDeleted) {
  v1::RemoveContactRequest remove;
  remove.set_user_id(qt::kCustomer3);
  ASSERT_THAT(platform_->RemoveContact(Ref(qt::kAccountA), remove), IsOk());
  const std::vector<v1::Contact> contacts = Contacts(v1::CONTACT_KIND_EXTERNAL);
  ASSERT_EQ(contacts.size(), 3u);
  EXPECT_FALSE(contacts[0].deleted());
  EXPECT_TRUE(contacts[2].deleted());
  EXPECT_FALSE(contacts[2].delete_time().empty());
}

TEST_F(QuntoolPlatformTest, SearchContactThenAddIt) {
  v1::SearchContactRequest search;
  search.set_phone("13400000080");
  absl::StatusOr<v1::SearchContactResponse> found =
      platform_->SearchContact(Ref(qt::kAccountA), search);
  ASSERT_THAT(found, IsOk());
  ASSERT_EQ(found->users_size(), 1);
  const v1::FoundUser& user = found->users(0);
  EXPECT_EQ(user.user_id(), "7881299646990001");
  EXPECT_TRUE(user.wechat_user());
  EXPECT_EQ(user.name(), "我不知道");
  EXPECT_EQ(user.openid(), "orFrbsiCQTREoLU5e7KC8vU");

  v1::AddContactRequest add;
  add.set_user_id(user.user_id());
  add.set_openid(user.openid());
  add.set_wx_ticket(user.wx_ticket());
  add.set_verify_message("你好");
  EXPECT_THAT(platform_->AddContact(Ref(qt::kAccountA), add), IsOk());
  add.set_user_id("7881200000000404");
  EXPECT_THAT(platform_->AddContact(Ref(qt::kAccountA), add),
              StatusIs(absl::StatusCode::kFailedPrecondition));

  search.set_phone("13400000000");
  EXPECT_THAT(platform_->SearchContact(Ref(qt::kAccountA), search), IsOk());
  EXPECT_EQ(platform_->SearchContact(Ref(qt::kAccountA), search)->users_size(), 0);
}

TEST_F(QuntoolPlatformTest, ConvertContactIdBothWaysAndFromTheStore) {
  v1::ConvertContactIdRequest to_external;
  to_external.set_user_id(qt::kCustomer1);
  absl::StatusOr<v1::ConvertContactIdResponse> external =
      platform_->ConvertContactId(Ref(qt::kAccountA), to_external);
  ASSERT_THAT(external, IsOk());
  EXPECT_EQ(external->user_id(), qt::kCustomer1);
  ASSERT_FALSE(external->external_user_id().empty());

  v1::ConvertContactIdRequest to_user;
  to_user.set_external_user_id(external->external_user_id());
  absl::StatusOr<v1::ConvertContactIdResponse> user =
      platform_->ConvertContactId(Ref(qt::kAccountA), to_user);
  ASSERT_THAT(user, IsOk());
  EXPECT_EQ(user->user_id(), qt::kCustomer1);
  EXPECT_EQ(user->external_user_id(), external->external_user_id());

  // Customer 2's mapping is not stored until a live conversion stores it.
  v1::ConvertContactIdRequest stored;
  stored.set_user_id(qt::kCustomer2);
  stored.set_stored_only(true);
  absl::StatusOr<v1::ConvertContactIdResponse> none =
      platform_->ConvertContactId(Ref(qt::kAccountA), stored);
  ASSERT_THAT(none, IsOk());
  EXPECT_EQ(none->external_user_id(), "");
  v1::ConvertContactIdRequest live = stored;
  live.set_stored_only(false);
  ASSERT_THAT(platform_->ConvertContactId(Ref(qt::kAccountA), live), IsOk());
  absl::StatusOr<v1::ConvertContactIdResponse> now =
      platform_->ConvertContactId(Ref(qt::kAccountA), stored);
  ASSERT_THAT(now, IsOk());
  EXPECT_FALSE(now->external_user_id().empty());

  EXPECT_THAT(platform_->ConvertContactId(Ref(qt::kAccountA), v1::ConvertContactIdRequest()),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(QuntoolPlatformTest, GetContactRelationAndSync) {
  v1::GetContactRelationRequest request;
  request.set_user_id(qt::kCustomer1);
  absl::StatusOr<v1::GetContactRelationResponse> relation =
      platform_->GetContactRelation(Ref(qt::kAccountA), request);
  ASSERT_THAT(relation, IsOk());
  EXPECT_EQ(relation->relation().user_id(), qt::kCustomer1);
  EXPECT_FALSE(relation->relation().external_user_id().empty());
  EXPECT_THAT(relation->relation().corp_id(), StartsWith("ww"));
  EXPECT_EQ(relation->relation().platform_corp_id(), "1970325057080574");
  EXPECT_EQ(relation->relation().add_way_description(), "未知来源");
  EXPECT_FALSE(relation->relation().create_time().empty());
  EXPECT_EQ(relation->relation().name(), "") << "only sync fills the name";

  v1::GetContactRelationRequest by_external;
  by_external.set_external_user_id(relation->relation().external_user_id());
  absl::StatusOr<v1::GetContactRelationResponse> same =
      platform_->GetContactRelation(Ref(qt::kAccountA), by_external);
  ASSERT_THAT(same, IsOk());
  EXPECT_EQ(same->relation().user_id(), qt::kCustomer1);

  v1::GetContactRelationRequest sync;
  sync.set_user_id(qt::kCustomer2);
  sync.set_sync(true);
  absl::StatusOr<v1::GetContactRelationResponse> synced =
      platform_->GetContactRelation(Ref(qt::kAccountA), sync);
  ASSERT_THAT(synced, IsOk());
  EXPECT_EQ(synced->relation().name(), "依然");

  by_external.set_sync(true);
  EXPECT_THAT(platform_->GetContactRelation(Ref(qt::kAccountA), by_external),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// Groups.

TEST_F(QuntoolPlatformTest, ListGroupsAndRename) {
  std::vector<v1::Group> groups = Groups();
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].conversation_id(), qt::kGroup);
  EXPECT_EQ(groups[0].name(), "YG、左脚、依然");
  EXPECT_EQ(groups[0].owner_id(), qt::kAccountA);
  EXPECT_EQ(groups[0].member_count(), 3);
  EXPECT_TRUE(groups[0].external());
  EXPECT_TRUE(groups[0].active());

  v1::RenameGroupRequest rename;
  rename.set_conversation_id(qt::kGroup);
  rename.set_name("PK赛第五场");
  ASSERT_THAT(platform_->RenameGroup(Ref(qt::kAccountA), rename), IsOk());
  groups = Groups();
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].name(), "PK赛第五场");
  EXPECT_THAT(world_.webhook().WaitForType("room_name_changed"), IsOk());
}

TEST_F(QuntoolPlatformTest, CreateGroup) {
  v1::CreateGroupRequest create;
  create.add_member_user_ids(qt::kCustomer1);
  create.add_member_user_ids(qt::kCustomer3);
  absl::StatusOr<v1::CreateGroupResponse> created =
      platform_->CreateGroup(Ref(qt::kAccountA), create);
  ASSERT_THAT(created, IsOk());
  EXPECT_THAT(created->added_user_ids(), ElementsAre(qt::kCustomer1, qt::kCustomer3));
  EXPECT_THAT(created->failed_user_ids(), IsEmpty());
  EXPECT_EQ(Groups().size(), 2u);
  EXPECT_THAT(world_.webhook().WaitForType("notify_type_room_create"), IsOk());
}

TEST_F(QuntoolPlatformTest, ListMembersThenAddAndRemoveSome) {
  v1::ListGroupMembersRequest list;
  list.set_conversation_id(qt::kGroup);
  absl::StatusOr<v1::ListGroupMembersResponse> members =
      platform_->ListGroupMembers(Ref(qt::kAccountA), list);
  ASSERT_THAT(members, IsOk());
  ASSERT_EQ(members->members_size(), 3);
  EXPECT_EQ(members->members(0).user_id(), qt::kAccountA);
  EXPECT_EQ(members->members(0).name(), "YG");
  EXPECT_TRUE(members->members(0).owner());
  EXPECT_FALSE(members->members(0).wechat_user());
  EXPECT_EQ(members->members(1).name(), "左脚");
  EXPECT_FALSE(members->members(1).owner());
  EXPECT_TRUE(members->members(1).wechat_user());

  v1::AddGroupMembersRequest add;
  add.set_conversation_id(qt::kGroup);
  add.add_member_user_ids(qt::kCustomer3);
  ASSERT_THAT(platform_->AddGroupMembers(Ref(qt::kAccountA), add), IsOk());
  EXPECT_THAT(MemberIds(),
              ElementsAre(qt::kAccountA, qt::kCustomer1, qt::kCustomer2, qt::kCustomer3));

  v1::RemoveGroupMembersRequest remove;
  remove.set_conversation_id(qt::kGroup);
  remove.add_member_user_ids(qt::kCustomer1);
  remove.add_member_user_ids(qt::kCustomer3);
  ASSERT_THAT(platform_->RemoveGroupMembers(Ref(qt::kAccountA), remove), IsOk());
  EXPECT_THAT(MemberIds(), ElementsAre(qt::kAccountA, qt::kCustomer2));
}

TEST_F(QuntoolPlatformTest, AddMemberAsContactAndPublishNotice) {
  v1::AddGroupMemberAsContactRequest add;
  add.set_conversation_id(qt::kGroup);
  add.set_member_user_id(qt::kCustomer2);
  add.set_verify_message("加个好友");
  EXPECT_THAT(platform_->AddGroupMemberAsContact(Ref(qt::kAccountA), add), IsOk());
  add.set_member_user_id(qt::kCustomer3);
  EXPECT_THAT(platform_->AddGroupMemberAsContact(Ref(qt::kAccountA), add),
              StatusIs(absl::StatusCode::kFailedPrecondition));

  v1::PublishGroupNoticeRequest notice;
  notice.set_conversation_id(qt::kGroup);
  notice.set_content("这是群公告");
  ASSERT_THAT(platform_->PublishGroupNotice(Ref(qt::kAccountA), notice), IsOk());
  quntool::QuntoolEmulator& emulator = world_.emulator();
  absl::MutexLock lock(&emulator.mu);
  const quntool::Group* group = quntool::FindGroup(emulator.world.accounts[0], qt::kGroup);
  ASSERT_NE(group, nullptr);
  EXPECT_EQ(group->notice, "这是群公告");
}

TEST_F(QuntoolPlatformTest, ConvertGroupIdBothWays) {
  v1::ConvertGroupIdRequest to_external;
  to_external.set_conversation_id(qt::kGroup);
  absl::StatusOr<v1::ConvertGroupIdResponse> external =
      platform_->ConvertGroupId(Ref(qt::kAccountA), to_external);
  ASSERT_THAT(external, IsOk());
  EXPECT_EQ(external->conversation_id(), qt::kGroup);
  EXPECT_THAT(external->external_room_id(), StartsWith("wr"));

  v1::ConvertGroupIdRequest to_room;
  to_room.set_external_room_id(external->external_room_id());
  absl::StatusOr<v1::ConvertGroupIdResponse> room =
      platform_->ConvertGroupId(Ref(qt::kAccountA), to_room);
  ASSERT_THAT(room, IsOk());
  EXPECT_EQ(room->conversation_id(), qt::kGroup);
}

// Labels.

TEST_F(QuntoolPlatformTest, ListLabels) {
  absl::StatusOr<v1::ListLabelsResponse> labels = platform_->ListLabels(Ref(qt::kAccountA));
  ASSERT_THAT(labels, IsOk());
  ASSERT_EQ(labels->labels_size(), 2);
  EXPECT_EQ(labels->labels(0).label_id(), "L1");
  EXPECT_EQ(labels->labels(0).name(), "房地产");
  EXPECT_EQ(labels->labels(0).group_id(), "0");
  EXPECT_EQ(labels->labels(0).type(), 2);
  EXPECT_EQ(labels->labels(0).corp_id(), "1970325057080574");
  EXPECT_EQ(labels->labels(1).name(), "私域回答");
}

TEST_F(QuntoolPlatformTest, SetLabelsThenListThem) {
  v1::SetContactLabelsRequest set;
  set.set_user_id(qt::kCustomer2);
  set.add_label_ids("L1");
  set.add_label_ids("L2");
  ASSERT_THAT(platform_->SetContactLabels(Ref(qt::kAccountA), set), IsOk());

  v1::ListContactLabelsRequest list;
  list.set_user_id(qt::kCustomer2);
  absl::StatusOr<v1::ListContactLabelsResponse> labels =
      platform_->ListContactLabels(Ref(qt::kAccountA), list);
  ASSERT_THAT(labels, IsOk());
  ASSERT_EQ(labels->labels_size(), 2);
  EXPECT_EQ(labels->labels(0).label_id(), "L1");
  EXPECT_EQ(labels->labels(0).name(), "房地产");
  EXPECT_EQ(labels->labels(1).label_id(), "L2");

  v1::ListLabelContactsRequest by_label;
  by_label.set_label_id("L2");
  absl::StatusOr<v1::ListLabelContactsResponse> contacts =
      platform_->ListLabelContacts(Ref(qt::kAccountA), by_label);
  ASSERT_THAT(contacts, IsOk());
  ASSERT_EQ(contacts->contacts_size(), 1);
  EXPECT_EQ(contacts->contacts(0).user_id(), qt::kCustomer2);
  EXPECT_EQ(contacts->contacts(0).name(), "依然");

  set.clear_label_ids();
  ASSERT_THAT(platform_->SetContactLabels(Ref(qt::kAccountA), set), IsOk());
  labels = platform_->ListContactLabels(Ref(qt::kAccountA), list);
  ASSERT_THAT(labels, IsOk());
  EXPECT_EQ(labels->labels_size(), 0);
}

TEST_F(QuntoolPlatformTest, SearchContactsByLabelsPages) {
  v1::SetContactLabelsRequest set;
  set.set_user_id(qt::kCustomer3);
  set.add_label_ids("L1");
  ASSERT_THAT(platform_->SetContactLabels(Ref(qt::kAccountA), set), IsOk());

  v1::SearchContactsByLabelsRequest search;
  search.add_label_ids("L1");
  search.set_page_size(1);
  std::vector<std::string> found;
  for (int page = 0; page < 5; ++page) {
    absl::StatusOr<v1::SearchContactsByLabelsResponse> response =
        platform_->SearchContactsByLabels({Ref(qt::kAccountA), Ref(qt::kAccountB)}, search);
    ASSERT_THAT(response, IsOk());
    for (const v1::LabeledContact& labeled : response->contacts()) {
      EXPECT_EQ(labeled.account_id(), absl::StrCat("quntool:", qt::kAccountA));
      found.push_back(labeled.contact().user_id());
    }
    if (response->next_page_token().empty()) break;
    search.set_page_token(response->next_page_token());
  }
  EXPECT_THAT(found, ElementsAre(qt::kCustomer1, qt::kCustomer3));

  search.set_page_token("0");
  EXPECT_THAT(platform_->SearchContactsByLabels({Ref(qt::kAccountA)}, search),
              StatusIs(absl::StatusCode::kInvalidArgument));
  search.clear_page_token();
  search.set_page_size(0);
  absl::StatusOr<v1::SearchContactsByLabelsResponse> all =
      platform_->SearchContactsByLabels({Ref(qt::kAccountA)}, search);
  ASSERT_THAT(all, IsOk());
  EXPECT_EQ(all->contacts_size(), 2);
  EXPECT_EQ(all->next_page_token(), "");
  EXPECT_EQ(all->contacts(0).contact().name(), "左脚");
}

// Errors and odd answers.

TEST_F(QuntoolPlatformTest, OfflineAccountIsFailedPrecondition) {
  absl::StatusOr<v1::ListLabelsResponse> labels = platform_->ListLabels(Ref(qt::kOfflineAccount));
  EXPECT_THAT(labels, StatusIs(absl::StatusCode::kFailedPrecondition));
  std::optional<common::v1::VendorError> error = GetVendorError(labels.status());
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->message(), "企微不在线");
}

TEST_F(QuntoolPlatformTest, DataOfTheWrongShapeIsMalformed) {
  FixedAnswerServer odd(200, R"({"msg":"","code":0,"data":"oops"})");
  absl::StatusOr<std::unique_ptr<QuntoolApi>> api = MakeApi(odd.base_url(), qt::kApiKey);
  ASSERT_THAT(api, IsOk());
  QuntoolPlatform platform(api->get());
  EXPECT_THAT(platform.ListAccounts(v1::ListAccountsRequest()),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("malformed response")));
  EXPECT_THAT(platform.GetContactDetails(Ref(qt::kAccountA), v1::GetContactDetailsRequest()),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("malformed response")));
  OutgoingMessage message;
  message.account = Ref(qt::kAccountA);
  message.conversation_id = qt::kGroup;
  message.content.mutable_text()->set_content("hi");
  EXPECT_THAT(platform.SendMessage(message), StatusIs(absl::StatusCode::kInternal));
}

TEST_F(QuntoolPlatformTest, WronglyTypedFieldsReadAsEmpty) {
  FixedAnswerServer odd(200, R"({"msg":"","code":0,"data":[
    {"wxId": 1688850000000077, "username": [5], "Status": "0", "QrCode": null,
     "hostname": [1, 2], "corp_short_name": {"x": 1}},
    "not an object",
    {"wxId": null}
  ]})");
  absl::StatusOr<std::unique_ptr<QuntoolApi>> api = MakeApi(odd.base_url(), qt::kApiKey);
  ASSERT_THAT(api, IsOk());
  QuntoolPlatform platform(api->get());
  absl::StatusOr<std::vector<v1::Account>> accounts =
      platform.ListAccounts(v1::ListAccountsRequest());
  ASSERT_THAT(accounts, IsOk());
  ASSERT_EQ(accounts->size(), 1u) << "items without a wxId are no accounts";
  const v1::Account& account = (*accounts)[0];
  EXPECT_EQ(account.account_id(), "quntool:1688850000000077");
  EXPECT_EQ(account.name(), "");
  EXPECT_EQ(account.status(), v1::ACCOUNT_STATUS_UNSPECIFIED);
  EXPECT_EQ(account.host(), "");
  EXPECT_EQ(account.corp_name(), "");
  EXPECT_EQ(account.login_qrcode_url(), "");

  absl::StatusOr<v1::ListContactsResponse> contacts =
      platform.ListContacts(Ref(qt::kAccountA), v1::ListContactsRequest());
  ASSERT_THAT(contacts, IsOk());
  EXPECT_EQ(contacts->contacts_size(), 3);
  EXPECT_EQ(contacts->contacts(0).user_id(), "");
}

}  // namespace
}  // namespace wecom::robot::testing
