// Every RPC the robot gateway serves for yjiyun accounts, through the gateway
// process and real gRPC against the yjiyun emulator: each changes the
// emulator's world as asked (or answers what it holds), bad arguments are
// INVALID_ARGUMENT before yjiyun is asked, and yjiyun's refusals reach the
// caller. Also: tokens expiring mid-traffic, concurrent tagging of one robot,
// and actions over /wxworkapi/bridge while the socket is down.
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/grpc/status.h"
#include "common/status/status_macros.h"
#include "common/status/vendor_error.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/gateway_harness.h"

namespace wecom::testing {
namespace {

namespace v1 = wecom::robot::v1;

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr char kRobotKey[] = "f16096caffd246acb5bb69b657a0894e";
constexpr char kRobotWxid[] = "1688853470427542";
constexpr char kCustomer[] = "7881299459945762";
constexpr char kCustomer2[] = "7881300384921455";
constexpr char kColleague[] = "1688853470829406";
constexpr char kGroup[] = "R:10696051755024720";
const std::string kRobot = absl::StrCat("yjiyun:", kRobotKey);
const std::string kChat = absl::StrCat("S:", kRobotWxid, "_", kCustomer);

// The status is a refusal by yjiyun with `code`, carrying its message.
void ExpectRefusedByYjiyun(const absl::Status& status, absl::StatusCode code,
                           absl::string_view message_part) {
  EXPECT_EQ(status.code(), code) << status;
  const std::optional<common::v1::VendorError> error = GetVendorError(status);
  ASSERT_TRUE(error.has_value()) << status;
  EXPECT_EQ(error->vendor(), "yjiyun");
  EXPECT_THAT(error->message(), HasSubstr(message_part));
}

class GatewayYjiyunRpcsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    GatewayHarnessOptions options;
    options.yjiyun = true;
    options.sending_yaml = "  min_account_interval: 10ms\n";
    ASSERT_OK_AND_ASSIGN(gateway_, GatewayHarness::Create(options));
  }

  YjiyunEmulator& yjiyun() { return *gateway_->yjiyun(); }

  nlohmann::json State() {
    absl::StatusOr<nlohmann::json> state = yjiyun().State();
    EXPECT_OK(state.status());
    return state.ok() ? *state : nlohmann::json::object();
  }
  nlohmann::json Robot() { return State()["robots"][0]; }
  static nlohmann::json Find(const nlohmann::json& list, absl::string_view key,
                             absl::string_view value) {
    for (const nlohmann::json& item : list) {
      if (item.value(std::string(key), "") == value) return item;
    }
    return nullptr;
  }

  // Sends `text` to the customer; its send id.
  std::string Send(const std::string& text) {
    v1::SendRequest request;
    request.set_account_id(kRobot);
    request.set_conversation_id(kChat);
    request.mutable_content()->mutable_text()->set_content(text);
    auto stub = gateway_->Messaging();
    absl::StatusOr<v1::SendResponse> sent = Call(stub.get(), &v1::Messaging::Stub::Send, request);
    EXPECT_OK(sent.status());
    return sent.ok() ? sent->send().send_id() : "";
  }

  // Waits until the gateway's metrics contain `line`.
  bool AwaitMetric(absl::string_view line) {
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (!absl::StrContains(gateway_->MetricsText(), line)) {
      if (absl::Now() > deadline) return false;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return true;
  }

  std::unique_ptr<GatewayHarness> gateway_;
};

TEST_F(GatewayYjiyunRpcsTest, Accounts) {
  auto stub = gateway_->Accounts();
  v1::UpdateAccountProfileRequest profile;
  profile.set_account_id(kRobot);
  profile.set_name("HONG");
  profile.set_position("CPP");
  ASSERT_OK_AND_ASSIGN(v1::UpdateAccountProfileResponse updated,
                       Call(stub.get(), &v1::Accounts::Stub::UpdateAccountProfile, profile));
  EXPECT_EQ(updated.profile().name(), "HONG");
  EXPECT_EQ(updated.profile().position(), "CPP");
  EXPECT_EQ(Robot()["nickName"], "HONG");

  v1::UpdateAccountProfileRequest nothing;
  nothing.set_account_id(kRobot);
  EXPECT_THAT(Call(stub.get(), &v1::Accounts::Stub::UpdateAccountProfile, nothing).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("name")));
  v1::UpdateAccountProfileRequest bad_gender = nothing;
  bad_gender.set_gender(3);
  EXPECT_THAT(Call(stub.get(), &v1::Accounts::Stub::UpdateAccountProfile, bad_gender).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("gender")));
  EXPECT_THAT(gateway_->MetricsText(),
              HasSubstr("robot_gateway_rejected_requests_total{field=\"gender\","
                        "grpc_method=\"UpdateAccountProfile\"}"));
}

TEST_F(GatewayYjiyunRpcsTest, Contacts) {
  auto stub = gateway_->Contacts();
  // By phone, in one step.
  v1::AddContactRequest add;
  add.set_account_id(kRobot);
  add.set_phone("15620000229");
  ASSERT_OK_AND_ASSIGN(v1::AddContactResponse added,
                       Call(stub.get(), &v1::Contacts::Stub::AddContact, add));
  EXPECT_EQ(added.user().user_id(), "16888555558708");
  EXPECT_EQ(added.user().name(), "陈xx");
  add.set_phone("15620000000");
  ExpectRefusedByYjiyun(Call(stub.get(), &v1::Contacts::Stub::AddContact, add).status(),
                        absl::StatusCode::kFailedPrecondition, "15620000000");
  add.set_phone("156-2000");
  EXPECT_THAT(Call(stub.get(), &v1::Contacts::Stub::AddContact, add).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("phone")));

  // A friend request on the stream, accepted.
  const std::string stranger = "7881300000000077";
  ASSERT_OK(yjiyun()
                .Control("events", {{"type", "robot.on.new.friend.request"},
                                    {"robotKey", kRobotKey},
                                    {"userId", stranger},
                                    {"name", "新朋友"},
                                    {"reason", "我是新朋友"}})
                .status());
  ASSERT_OK_AND_ASSIGN(std::vector<v1::Event> requests,
                       gateway_->AwaitEvents(0, 1, [](const v1::Event& event) {
                         return event.has_friend_request();
                       }));
  EXPECT_EQ(requests[0].friend_request().contact().user_id(), stranger);
  v1::AcceptFriendRequestRequest accept;
  accept.set_account_id(kRobot);
  accept.set_user_id(requests[0].friend_request().contact().user_id());
  ASSERT_OK(Call(stub.get(), &v1::Contacts::Stub::AcceptFriendRequest, accept).status());
  EXPECT_EQ(Find(Robot()["customers"], "userId", stranger)["name"], "新朋友");
  ExpectRefusedByYjiyun(Call(stub.get(), &v1::Contacts::Stub::AcceptFriendRequest, accept).status(),
                        absl::StatusCode::kFailedPrecondition, stranger);

  // Remark and description.
  v1::UpdateContactRequest update;
  update.set_account_id(kRobot);
  update.set_user_id(kCustomer);
  update.set_remark("老客户");
  update.set_description("来自展会");
  ASSERT_OK(Call(stub.get(), &v1::Contacts::Stub::UpdateContact, update).status());
  const nlohmann::json customer = Find(Robot()["customers"], "userId", kCustomer);
  EXPECT_EQ(customer["realRemarks"], "老客户");
  EXPECT_EQ(customer["remarks"], "来自展会");
  update.mutable_phones()->add_phones("13900000002");
  EXPECT_THAT(Call(stub.get(), &v1::Contacts::Stub::UpdateContact, update).status(),
              StatusIs(absl::StatusCode::kUnimplemented));

  v1::SyncContactsRequest sync;
  sync.set_account_id(kRobot);
  sync.set_scope(v1::CONTACT_SYNC_SCOPE_CUSTOMERS);
  ASSERT_OK(Call(stub.get(), &v1::Contacts::Stub::SyncContacts, sync).status());
  EXPECT_EQ(State()["contactSyncs"],
            nlohmann::json::array({{{"robotKey", kRobotKey}, {"syncType", 1}}}));

  // Inquiry of known and unknown ids.
  v1::GetContactsRequest get;
  get.set_account_id(kRobot);
  get.add_user_ids(kCustomer);
  get.add_user_ids("7889999999999999");
  ASSERT_OK_AND_ASSIGN(v1::GetContactsResponse got,
                       Call(stub.get(), &v1::Contacts::Stub::GetContacts, get));
  ASSERT_THAT(got.contacts(), SizeIs(1));
  EXPECT_EQ(got.contacts(0).remark(), "老客户");
}

TEST_F(GatewayYjiyunRpcsTest, Groups) {
  auto stub = gateway_->Groups();
  v1::ListGroupAdminsRequest admins;
  admins.set_account_id(kRobot);
  admins.set_conversation_id(kGroup);
  ASSERT_OK_AND_ASSIGN(v1::ListGroupAdminsResponse before,
                       Call(stub.get(), &v1::Groups::Stub::ListGroupAdmins, admins));
  EXPECT_THAT(before.admin_user_ids(), IsEmpty());
  v1::ChangeGroupAdminsRequest change;
  change.set_account_id(kRobot);
  change.set_conversation_id(kGroup);
  change.add_user_ids(kColleague);
  ASSERT_OK(Call(stub.get(), &v1::Groups::Stub::AddGroupAdmins, change).status());
  ASSERT_OK_AND_ASSIGN(v1::ListGroupAdminsResponse after,
                       Call(stub.get(), &v1::Groups::Stub::ListGroupAdmins, admins));
  EXPECT_THAT(after.admin_user_ids(), ElementsAre(kColleague));
  ASSERT_OK(Call(stub.get(), &v1::Groups::Stub::RemoveGroupAdmins, change).status());
  EXPECT_THAT(Find(Robot()["groups"], "conversationId", kGroup)["admins"], IsEmpty());
  // Customers cannot be admins.
  change.set_user_ids(0, kCustomer);
  ExpectRefusedByYjiyun(Call(stub.get(), &v1::Groups::Stub::AddGroupAdmins, change).status(),
                        absl::StatusCode::kFailedPrecondition, "admins invalid");
  change.clear_user_ids();
  EXPECT_THAT(Call(stub.get(), &v1::Groups::Stub::AddGroupAdmins, change).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("user_ids")));

  // Create, rename, invite, kick, notice.
  v1::CreateGroupRequest create;
  create.set_account_id(kRobot);
  create.set_name("新群");
  create.add_member_user_ids(kCustomer);
  create.add_member_user_ids(kCustomer2);
  ASSERT_OK_AND_ASSIGN(v1::CreateGroupResponse created,
                       Call(stub.get(), &v1::Groups::Stub::CreateGroup, create));
  ASSERT_TRUE(absl::StartsWith(created.conversation_id(), "R:")) << created.conversation_id();
  v1::RenameGroupRequest rename;
  rename.set_account_id(kRobot);
  rename.set_conversation_id(created.conversation_id());
  rename.set_name("改名群");
  ASSERT_OK(Call(stub.get(), &v1::Groups::Stub::RenameGroup, rename).status());
  v1::AddGroupMembersRequest invite;
  invite.set_account_id(kRobot);
  invite.set_conversation_id(created.conversation_id());
  invite.add_member_user_ids(kColleague);
  ASSERT_OK(Call(stub.get(), &v1::Groups::Stub::AddGroupMembers, invite).status());
  v1::RemoveGroupMembersRequest kick;
  kick.set_account_id(kRobot);
  kick.set_conversation_id(created.conversation_id());
  kick.add_member_user_ids(kCustomer2);
  ASSERT_OK(Call(stub.get(), &v1::Groups::Stub::RemoveGroupMembers, kick).status());
  v1::PublishGroupNoticeRequest notice;
  notice.set_account_id(kRobot);
  notice.set_conversation_id(created.conversation_id());
  notice.set_content("群公告");
  ASSERT_OK(Call(stub.get(), &v1::Groups::Stub::PublishGroupNotice, notice).status());
  const nlohmann::json group = Find(Robot()["groups"], "conversationId", created.conversation_id());
  EXPECT_EQ(group["name"], "改名群");
  EXPECT_EQ(group["notice"], "群公告");
  std::set<std::string> members;
  for (const nlohmann::json& member : group["members"]) {
    if (member["status"] == 1) members.insert(member["userId"].get<std::string>());
  }
  EXPECT_EQ(members, (std::set<std::string>{kRobotWxid, kCustomer, kColleague}));
  v1::ListGroupMembersRequest list_members;
  list_members.set_account_id(kRobot);
  list_members.set_conversation_id(created.conversation_id());
  ASSERT_OK_AND_ASSIGN(v1::ListGroupMembersResponse listed,
                       Call(stub.get(), &v1::Groups::Stub::ListGroupMembers, list_members));
  EXPECT_THAT(listed.members(), SizeIs(3));

  // Export and copy settings to the new group.
  v1::ExportGroupsRequest exported;
  exported.add_account_ids(kRobot);
  exported.add_conversation_ids(kGroup);
  ASSERT_OK_AND_ASSIGN(v1::ExportGroupsResponse file,
                       Call(stub.get(), &v1::Groups::Stub::ExportGroups, exported));
  EXPECT_TRUE(absl::StartsWith(file.download_url(), yjiyun().endpoint())) << file.download_url();
  exported.set_name_contains("99998");
  EXPECT_THAT(Call(stub.get(), &v1::Groups::Stub::ExportGroups, exported).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("conversation_ids")));
  exported.clear_conversation_ids();
  ASSERT_OK_AND_ASSIGN(file, Call(stub.get(), &v1::Groups::Stub::ExportGroups, exported));
  EXPECT_TRUE(absl::StartsWith(file.download_url(), yjiyun().endpoint())) << file.download_url();
  v1::CopyGroupSettingsRequest copy;
  copy.set_template_account_id(kRobot);
  copy.set_template_conversation_id(kGroup);
  copy.add_modules(v1::GROUP_SETTING_MODULE_WELCOME_NEW_MEMBER);
  copy.add_modules(v1::GROUP_SETTING_MODULE_DEFAULT_REPLY);
  v1::GroupSettingTarget& target = *copy.add_targets();
  target.set_account_id(kRobot);
  target.add_conversation_ids(created.conversation_id());
  ASSERT_OK(Call(stub.get(), &v1::Groups::Stub::CopyGroupSettings, copy).status());
  const nlohmann::json settings = State()["groupSettings"];
  ASSERT_THAT(settings, SizeIs(1));
  EXPECT_EQ(settings[0]["g"], kGroup);
  EXPECT_EQ(settings[0]["module"],
            nlohmann::json::array({"WELCOME_NEW_MEMBER", "PERIOD_AUTO_REPLY"}));
  EXPECT_EQ(settings[0]["targets"][0]["groups"],
            nlohmann::json::array({created.conversation_id()}));
  copy.add_modules(v1::GROUP_SETTING_MODULE_UNSPECIFIED);
  EXPECT_THAT(Call(stub.get(), &v1::Groups::Stub::CopyGroupSettings, copy).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("modules[2]")));
}

TEST_F(GatewayYjiyunRpcsTest, Labels) {
  auto stub = gateway_->Labels();
  v1::ListLabelsRequest list;
  list.set_account_id(kRobot);
  ASSERT_OK_AND_ASSIGN(v1::ListLabelsResponse labels,
                       Call(stub.get(), &v1::Labels::Stub::ListLabels, list));
  std::set<std::string> ids;
  for (const v1::Label& label : labels.labels()) ids.insert(label.label_id());
  EXPECT_EQ(ids,
            (std::set<std::string>{"14073752703607623", "14073752703607625", "14073750575623185"}));
  // Concurrent tagging of one robot: yjiyun fails it unless queued.
  v1::ListContactsRequest customers_request;
  customers_request.set_account_id(kRobot);
  customers_request.set_page_size(8);
  auto contacts = gateway_->Contacts();
  ASSERT_OK_AND_ASSIGN(v1::ListContactsResponse customers,
                       Call(contacts.get(), &v1::Contacts::Stub::ListContacts, customers_request));
  ASSERT_THAT(customers.contacts(), SizeIs(8));
  std::vector<absl::Status> results(customers.contacts_size());
  std::vector<std::thread> taggers;
  for (int i = 0; i < customers.contacts_size(); ++i) {
    taggers.emplace_back([&, i] {
      v1::SetContactLabelsRequest request;
      request.set_account_id(kRobot);
      request.set_user_id(customers.contacts(i).user_id());
      request.add_label_ids(i % 2 == 0 ? "14073752703607625" : "14073750575623185");
      auto own_stub = gateway_->Labels();
      results[i] = Call(own_stub.get(), &v1::Labels::Stub::SetContactLabels, request).status();
    });
  }
  for (std::thread& tagger : taggers) tagger.join();
  for (const absl::Status& result : results) EXPECT_OK(result);
  const nlohmann::json state = State();
  EXPECT_EQ(state["tagging"]["conflicts"], 0);
  for (int i = 0; i < customers.contacts_size(); ++i) {
    EXPECT_EQ(
        Find(state["robots"][0]["customers"], "userId", customers.contacts(i).user_id())["tags"],
        nlohmann::json::array({i % 2 == 0 ? "14073752703607625" : "14073750575623185"}));
  }
}

TEST_F(GatewayYjiyunRpcsTest, Messaging) {
  auto stub = gateway_->Messaging();
  // An image from the customer, forwarded by its server id.
  ASSERT_OK(yjiyun()
                .Control("messages",
                         {{"robotKey", kRobotKey}, {"chatUser", kCustomer}, {"contentType", 7}})
                .status());
  ASSERT_OK_AND_ASSIGN(std::vector<v1::Event> images,
                       gateway_->AwaitEvents(0, 1, [](const v1::Event& event) {
                         return event.message().type() == v1::MESSAGE_TYPE_IMAGE;
                       }));
  v1::ForwardMessageRequest forward;
  forward.set_account_id(kRobot);
  forward.set_server_id(images[0].message().server_id());
  forward.add_target_ids(kCustomer2);
  forward.add_target_ids(kGroup);
  ASSERT_OK(Call(stub.get(), &v1::Messaging::Stub::ForwardMessage, forward).status());
  ASSERT_OK_AND_ASSIGN(std::vector<v1::Event> copies,
                       gateway_->AwaitEvents(0, 2, [](const v1::Event& event) {
                         return event.message().type() == v1::MESSAGE_TYPE_IMAGE &&
                                event.message().direction() == v1::DIRECTION_OUTBOUND;
                       }));
  EXPECT_EQ((std::set<std::string>{copies[0].message().conversation_id(),
                                   copies[1].message().conversation_id()}),
            (std::set<std::string>{absl::StrCat("S:", kRobotWxid, "_", kCustomer2), kGroup}));
  forward.set_server_id("12ab");
  EXPECT_THAT(Call(stub.get(), &v1::Messaging::Stub::ForwardMessage, forward).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("server_id")));

  // A weekly mass send to two customers.
  v1::CreateMassSendTaskRequest task;
  task.set_account_id(kRobot);
  task.set_name("周报");
  task.mutable_weekly()->set_time_of_day("09:30");
  task.mutable_weekly()->add_weekdays("MON");
  task.add_target_ids(kCustomer);
  task.add_target_ids(kCustomer2);
  task.add_contents()->mutable_text()->set_content("本周新品");
  task.set_min_interval_seconds(45);
  task.set_max_interval_seconds(60);
  ASSERT_OK(Call(stub.get(), &v1::Messaging::Stub::CreateMassSendTask, task).status());
  const nlohmann::json tasks = State()["tasks"];
  ASSERT_THAT(tasks, SizeIs(1));
  EXPECT_EQ(tasks[0]["name"], "周报");
  EXPECT_EQ(tasks[0]["taskType"], 2);
  EXPECT_EQ(tasks[0]["execStartTime"], "09:30");
  EXPECT_EQ(tasks[0]["weekday"], nlohmann::json::array({"MON"}));
  EXPECT_EQ(tasks[0]["taskRule"], 2);
  EXPECT_EQ(tasks[0]["perSuitSecond"], 45);
  EXPECT_EQ(tasks[0]["perSuitSecondUpper"], 60);
  EXPECT_EQ(tasks[0]["suitCount"], 12);
  EXPECT_EQ(tasks[0]["isGroupChat"], 1);
  EXPECT_EQ(tasks[0]["contents"],
            nlohmann::json::array({{{"msgType", 1}, {"content", "本周新品"}}}));
  EXPECT_EQ(tasks[0]["acceptTarget"][0]["chatUser"],
            nlohmann::json::array({kCustomer, kCustomer2}));
  // Refused by the gateway, counted, and never asked of yjiyun.
  v1::CreateMassSendTaskRequest bad_time = task;
  bad_time.mutable_weekly()->set_time_of_day("9:30");
  EXPECT_THAT(Call(stub.get(), &v1::Messaging::Stub::CreateMassSendTask, bad_time).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("weekly.time_of_day")));
  v1::CreateMassSendTaskRequest mixed = task;
  mixed.add_target_ids(kGroup);
  EXPECT_THAT(Call(stub.get(), &v1::Messaging::Stub::CreateMassSendTask, mixed).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("target_ids")));
  v1::CreateMassSendTaskRequest blank = task;
  blank.mutable_contents(0)->mutable_text()->set_content(" ");
  EXPECT_THAT(Call(stub.get(), &v1::Messaging::Stub::CreateMassSendTask, blank).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("contents[0].text.content")));
  EXPECT_THAT(State()["tasks"], SizeIs(1));
  EXPECT_THAT(gateway_->MetricsText(),
              HasSubstr("robot_gateway_rejected_requests_total{field=\"contents.text.content\","
                        "grpc_method=\"CreateMassSendTask\"} 1"));

  // Conversations: the customer's is the newest, unread until marked read.
  v1::ListConversationsRequest conversations;
  conversations.set_account_id(kRobot);
  ASSERT_OK_AND_ASSIGN(v1::ListConversationsResponse listed,
                       Call(stub.get(), &v1::Messaging::Stub::ListConversations, conversations));
  ASSERT_FALSE(listed.conversations().empty());
  v1::Conversation chat;
  for (const v1::Conversation& c : listed.conversations()) {
    if (c.conversation_id() == kChat) chat = c;
  }
  ASSERT_EQ(chat.conversation_id(), kChat);
  EXPECT_GE(chat.unread_count(), 1);
  v1::MarkConversationReadRequest read;
  read.set_account_id(kRobot);
  read.set_conversation_id(kChat);
  ASSERT_OK(Call(stub.get(), &v1::Messaging::Stub::MarkConversationRead, read).status());
  EXPECT_EQ(State()["unreadCleans"],
            nlohmann::json::array({{{"robotKey", kRobotKey}, {"chatId", kChat}}}));

  // History: the conversation's messages as the stream's events, paged.
  v1::ListConversationMessagesRequest history;
  history.set_account_id(kRobot);
  history.set_conversation_id(kChat);
  history.set_page_size(1);
  std::vector<std::string> paged;
  do {
    ASSERT_OK_AND_ASSIGN(v1::ListConversationMessagesResponse page,
                         Call(stub.get(), &v1::Messaging::Stub::ListConversationMessages, history));
    for (const v1::Event& event : page.events()) paged.push_back(event.event_id());
    history.set_page_token(page.next_page_token());
  } while (!history.page_token().empty() && paged.size() < 10);
  ASSERT_OK_AND_ASSIGN(std::vector<v1::Event> stored, gateway_->StoredEvents());
  std::vector<std::string> streamed;
  for (const v1::Event& event : stored) {
    if (event.has_message() && event.message().conversation_id() == kChat) {
      streamed.insert(streamed.begin(), event.event_id());
    }
  }
  EXPECT_EQ(paged, streamed);
  history.set_until_ms(1);
  history.set_since_ms(2);
  EXPECT_THAT(Call(stub.get(), &v1::Messaging::Stub::ListConversationMessages, history).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("until_ms")));
}

TEST_F(GatewayYjiyunRpcsTest, TokensExpiringMidTrafficLoseNoRequest) {
  std::vector<std::string> sends;
  for (int i = 0; i < 5; ++i) sends.push_back(Send(absl::StrCat("before ", i)));
  ASSERT_OK(yjiyun().Control("tokens/expire", {{"disconnect", false}}).status());
  for (int i = 0; i < 5; ++i) sends.push_back(Send(absl::StrCat("after ", i)));
  // An HTTP list and a socket action with the expired token, too.
  v1::ListGroupsRequest groups;
  groups.set_account_id(kRobot);
  auto groups_stub = gateway_->Groups();
  EXPECT_OK(Call(groups_stub.get(), &v1::Groups::Stub::ListGroups, groups).status());
  v1::ListLabelsRequest labels;
  labels.set_account_id(kRobot);
  auto labels_stub = gateway_->Labels();
  EXPECT_OK(Call(labels_stub.get(), &v1::Labels::Stub::ListLabels, labels).status());
  const std::set<std::string> wanted(sends.begin(), sends.end());
  ASSERT_OK_AND_ASSIGN(std::vector<v1::Event> confirmed,
                       gateway_->AwaitEvents(0, sends.size(), [&](const v1::Event& event) {
                         return event.has_send_status() &&
                                wanted.contains(event.send_status().send().send_id()) &&
                                event.send_status().send().state() == v1::SEND_STATE_CONFIRMED;
                       }));
  const nlohmann::json state = State();
  EXPECT_THAT(state["sent"], SizeIs(10));
  EXPECT_GE(state["tokens"]["issued"], 2);
  // The socket's requests met the expired token and went again.
  EXPECT_THAT(gateway_->MetricsText(),
              HasSubstr("robot_gateway_vendor_requests_total{api=\"socket message\","
                        "result=\"1000\",vendor=\"yjiyun\"}"));
}

TEST_F(GatewayYjiyunRpcsTest, ActionsGoOverTheBridgeWhileTheSocketIsDown) {
  ASSERT_TRUE(AwaitMetric("robot_gateway_socket_connected{vendor=\"yjiyun\"} 1"));
  ASSERT_OK(yjiyun().Control("drop", {{"refuseMs", 60000}}).status());
  ASSERT_TRUE(AwaitMetric("robot_gateway_socket_connected{vendor=\"yjiyun\"} 0"));
  v1::ListGroupAdminsRequest admins;
  admins.set_account_id(kRobot);
  admins.set_conversation_id(kGroup);
  auto stub = gateway_->Groups();
  ASSERT_OK(Call(stub.get(), &v1::Groups::Stub::ListGroupAdmins, admins).status());
  const std::string sent = Send("over the bridge");
  ASSERT_OK(gateway_
                ->AwaitEvents(0, 1,
                              [&](const v1::Event& event) {
                                return event.send_status().send().send_id() == sent &&
                                       event.send_status().send().state() == v1::SEND_STATE_SENT;
                              })
                .status());
  const nlohmann::json state = State();
  ASSERT_FALSE(state["actions"].empty());
  EXPECT_EQ(state["actions"].back()["type"], "robot.conv.admins");
  EXPECT_EQ(state["actions"].back()["via"], "bridge");
  ASSERT_THAT(state["sent"], SizeIs(1));
  EXPECT_EQ(state["sent"][0]["via"], "bridge");
  const std::string metrics = gateway_->MetricsText();
  EXPECT_THAT(metrics, HasSubstr("robot_gateway_socket_disconnects_total{"));
  EXPECT_THAT(metrics, HasSubstr("api=\"/wxworkapi/bridge\""));
}

}  // namespace
}  // namespace wecom::testing
