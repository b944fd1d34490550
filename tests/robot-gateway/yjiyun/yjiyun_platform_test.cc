// YjiyunPlatform against the yjiyun emulator: accounts and profiles;
// sends, forwards, mass-send tasks, conversations and their messages;
// customers, friends, groups, admins, exports and settings; labels. Each
// operation once as yjiyun should carry it out (the emulator's state checked)
// and once refused.
#include "services/robot-gateway/yjiyun/yjiyun_platform.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/http/http_client.h"
#include "common/status/status_macros.h"
#include "common/status/vendor_error.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "services/robot-gateway/core/account_id.h"
#include "services/robot-gateway/metrics/gateway_metrics.h"
#include "services/robot-gateway/yjiyun/yjiyun_event.h"
#include "tests/robot-gateway/yjiyun/yjiyun_fixture.h"

namespace wecom::robot {
namespace {

using ::testing::HasSubstr;
using testing::kRobotKey;
using ::testing::SizeIs;
using ::wecom::testing::IsOk;
using ::wecom::testing::StatusIs;

constexpr char kGroup[] = "R:10696051755024720";
constexpr char kRobotWxid[] = "1688853470427542";
constexpr char kCustomer[] = "7881299459945762";
constexpr char kCustomer2[] = "7881300384921455";
constexpr char kColleague[] = "1688853470829406";
// The one-to-one chatIds: the smaller id first.
constexpr char kCustomerChat[] = "S:1688853470427542_7881299459945762";
constexpr char kGroupChat[] = "S:1688853470427542_R:10696051755024720";
// The example config: two customers and one group, plus 50 and 5 generated.
constexpr int kCustomers = 52;
constexpr int kGroups = 6;

class YjiyunPlatformTest : public testing::YjiyunFixture {
 protected:
  void SetUp() override {
    YjiyunFixture::SetUp();
    ConnectPlatform();
  }

  // A platform on a new api and channel to emulator_.
  void ConnectPlatform() {
    platform_.reset();
    channel_.reset();
    api_ = MakeApi();
    ASSERT_NE(api_, nullptr);
    channel_ = MakeChannel(api_.get(), &sink_);
    platform_ = std::make_unique<YjiyunPlatform>(api_.get(), channel_.get());
  }

  static AccountRef RobotAccount(const std::string& robot_key) {
    AccountRef account;
    account.vendor = v1::VENDOR_YJIYUN;
    account.vendor_account_id = robot_key;
    account.account_id = FormatAccountId(v1::VENDOR_YJIYUN, robot_key);
    return account;
  }

  // The emulator's view of the robot (state.robots[0]).
  nlohmann::json RobotState() {
    absl::StatusOr<nlohmann::json> state = emulator_->State();
    EXPECT_THAT(state, IsOk());
    return state.ok() ? (*state)["robots"][0] : nlohmann::json();
  }

  // The state's `log` entries (actions, tasks, groupSettings, ...).
  nlohmann::json Logged(const std::string& log) {
    absl::StatusOr<nlohmann::json> state = emulator_->State();
    EXPECT_THAT(state, IsOk());
    return state.ok() ? (*state)[log] : nlohmann::json();
  }

  // `count` messages received in `chat_user` (from `from` in a group); their
  // {messageId, msgSvrID, timestamp}.
  nlohmann::json Receive(const std::string& chat_user, int count, nlohmann::json fields = {}) {
    fields["robotKey"] = kRobotKey;
    fields["chatUser"] = chat_user;
    fields["count"] = count;
    if (absl::StartsWith(chat_user, "R:") && !fields.contains("from")) fields["from"] = kCustomer;
    absl::StatusOr<nlohmann::json> received = emulator_->Control("messages", fields);
    EXPECT_THAT(received, IsOk());
    return received.ok() ? (*received)["messages"] : nlohmann::json::array();
  }

  // The robot's group ids, as ListGroups answers them.
  std::vector<std::string> GroupIds() {
    v1::ListGroupsRequest request;
    request.set_page_size(100);
    absl::StatusOr<v1::ListGroupsResponse> groups = platform_->ListGroups(robot_, request);
    EXPECT_THAT(groups, IsOk());
    std::vector<std::string> ids;
    if (groups.ok()) {
      for (const v1::Group& group : groups->groups()) ids.push_back(group.conversation_id());
    }
    return ids;
  }

  // An account of the same vendor that the emulator does not know.
  static AccountRef UnknownRobot() { return RobotAccount("0000000000000000000000000000dead"); }

  // How many robot.tags.sync actions the emulator was asked for.
  int TagSyncs() {
    int count = 0;
    for (const nlohmann::json& action : Logged("actions")) {
      if (action["type"] == "robot.tags.sync") ++count;
    }
    return count;
  }

  std::unique_ptr<YjiyunApi> api_;
  testing::RecordingSink sink_;
  std::unique_ptr<YjiyunChannel> channel_;
  std::unique_ptr<YjiyunPlatform> platform_;
  AccountRef robot_ = RobotAccount(kRobotKey);
};

TEST_F(YjiyunPlatformTest, ListsTheRobotsAsAccounts) {
  absl::StatusOr<std::vector<v1::Account>> accounts = platform_->ListAccounts({});
  ASSERT_THAT(accounts, IsOk());
  ASSERT_THAT(*accounts, SizeIs(1));
  const v1::Account& robot = (*accounts)[0];
  EXPECT_EQ(robot.account_id(), robot_.account_id);
  EXPECT_EQ(robot.vendor(), v1::VENDOR_YJIYUN);
  EXPECT_EQ(robot.wecom_user_id(), "1688853470427542");
  EXPECT_EQ(robot.name(), "甜甜甜");
  EXPECT_EQ(robot.corp_id(), "ww5484f5410f7f5445");
  EXPECT_EQ(robot.corp_user_id(), "LianSen");
  EXPECT_EQ(robot.status(), v1::ACCOUNT_STATUS_ONLINE);
  EXPECT_EQ(robot.send_transport(), v1::SEND_TRANSPORT_SOCKET_IO);

  // Offline robots are listed only when asked for.
  Control("robots", {{"robotKey", kRobotKey}, {"robotStatus", 4}});
  accounts = platform_->ListAccounts({});
  ASSERT_THAT(accounts, IsOk());
  EXPECT_THAT(*accounts, SizeIs(0));
  v1::ListAccountsRequest all;
  all.set_include_offline(true);
  accounts = platform_->ListAccounts(all);
  ASSERT_THAT(accounts, IsOk());
  ASSERT_THAT(*accounts, SizeIs(1));
  EXPECT_EQ((*accounts)[0].status(), v1::ACCOUNT_STATUS_KICKED);
}

TEST_F(YjiyunPlatformTest, PagesThroughEveryCustomerOnce) {
  v1::ListContactsRequest request;
  request.set_page_size(7);
  std::set<std::string> seen;
  int pages = 0;
  do {
    absl::StatusOr<v1::ListContactsResponse> page = platform_->ListContacts(robot_, request);
    ASSERT_THAT(page, IsOk());
    ++pages;
    for (const v1::Contact& contact : page->contacts()) {
      EXPECT_TRUE(seen.insert(contact.user_id()).second) << contact.user_id() << " twice";
    }
    request.set_page_token(page->next_page_token());
  } while (!request.page_token().empty() && pages < 100);
  EXPECT_EQ(seen.size(), static_cast<size_t>(kCustomers));
  EXPECT_EQ(pages, (kCustomers + 6) / 7);
  EXPECT_TRUE(seen.contains("7881299459945762"));
}

TEST_F(YjiyunPlatformTest, MapsACustomersFields) {
  v1::ListContactsRequest request;
  request.set_page_size(100);
  absl::StatusOr<v1::ListContactsResponse> page = platform_->ListContacts(robot_, request);
  ASSERT_THAT(page, IsOk());
  EXPECT_TRUE(page->next_page_token().empty());
  const auto it =
      std::find_if(page->contacts().begin(), page->contacts().end(),
                   [](const v1::Contact& c) { return c.user_id() == "7881299459945762"; });
  ASSERT_NE(it, page->contacts().end());
  EXPECT_EQ(it->name(), "聚焦职教2");
  EXPECT_EQ(it->remark(), "职教");
  EXPECT_EQ(it->mobile(), "13900000001");
  EXPECT_EQ(it->gender(), 1);
  EXPECT_FALSE(it->deleted());
}

TEST_F(YjiyunPlatformTest, RefusesWhatYjiyunCannotDoAndTokensItNeverGave) {
  v1::ListContactsRequest colleagues;
  colleagues.set_kind(v1::CONTACT_KIND_INTERNAL);
  EXPECT_THAT(platform_->ListContacts(robot_, colleagues),
              StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("yjiyun")));
  v1::ListContactsRequest bad_token;
  bad_token.set_page_token("next");
  EXPECT_THAT(platform_->ListContacts(robot_, bad_token),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")));
}

TEST_F(YjiyunPlatformTest, ListsGroupsAndTheirMembers) {
  v1::ListGroupsRequest groups_request;
  groups_request.set_page_size(100);
  absl::StatusOr<v1::ListGroupsResponse> groups = platform_->ListGroups(robot_, groups_request);
  ASSERT_THAT(groups, IsOk());
  ASSERT_THAT(groups->groups(), SizeIs(kGroups));
  const auto group = std::find_if(groups->groups().begin(), groups->groups().end(),
                                  [](const v1::Group& g) { return g.conversation_id() == kGroup; });
  ASSERT_NE(group, groups->groups().end());
  EXPECT_EQ(group->name(), "99998");
  EXPECT_TRUE(group->active());
  EXPECT_TRUE(group->external());
  // 2019-12-21 16:18:44 China time.
  EXPECT_EQ(group->create_time(), 1576916324);
  EXPECT_EQ(group->owner_id(), "1688853470427542");

  v1::ListGroupMembersRequest members_request;
  members_request.set_conversation_id(kGroup);
  absl::StatusOr<v1::ListGroupMembersResponse> members =
      platform_->ListGroupMembers(robot_, members_request);
  ASSERT_THAT(members, IsOk());
  std::set<std::string> ids;
  int owners = 0;
  for (const v1::GroupMember& member : members->members()) {
    ids.insert(member.user_id());
    if (member.owner()) {
      ++owners;
      EXPECT_EQ(member.user_id(), "1688853470427542");
    }
  }
  // The three configured members and the robot.
  EXPECT_EQ(ids, (std::set<std::string>{"7881299459945762", "7881300384921455", "1688853470829406",
                                        "1688853470427542"}));
  EXPECT_EQ(owners, 1);
}

OutgoingMessage MessageTo(const AccountRef& robot, const std::string& conversation,
                          v1::MessageContent content, const std::string& send_id) {
  return OutgoingMessage{.account = robot,
                         .conversation_id = conversation,
                         .content = std::move(content),
                         .send_id = send_id};
}

v1::MessageContent Text(const std::string& text) {
  v1::MessageContent content;
  content.mutable_text()->set_content(text);
  return content;
}

TEST_F(YjiyunPlatformTest, SendsATextAndItsEchoNamesTheSend) {
  absl::StatusOr<std::string> sent = platform_->SendMessage(MessageTo(
      robot_, "S:1688853470427542_7881299459945762", Text("你好"), "snd_0000000000000001"));
  ASSERT_THAT(sent, IsOk());
  EXPECT_EQ(*sent, "wg0000000000000001");
  const std::vector<v1::Event> events =
      sink_.WaitFor([](const std::vector<v1::Event>& e) { return !e.empty(); });
  ASSERT_THAT(events, SizeIs(1));
  EXPECT_EQ(events[0].event_id(), "yjiyun:wg0000000000000001@S:1688853470427542_7881299459945762");
  EXPECT_EQ(events[0].message().direction(), v1::DIRECTION_OUTBOUND);
  EXPECT_EQ(events[0].message().text(), "你好");
}

TEST_F(YjiyunPlatformTest, SendsToAGroupWithMentionsAndEveryMediaKind) {
  v1::MessageContent mention = Text("看这里");
  mention.mutable_text()->add_mention_user_ids("7881299459945762");
  ASSERT_THAT(platform_->SendMessage(MessageTo(robot_, kGroup, mention, "snd_1")), IsOk());
  v1::MessageContent image;
  image.mutable_image()->set_file_url("http://media.example/a.png");
  ASSERT_THAT(platform_->SendMessage(MessageTo(robot_, kGroup, image, "snd_2")), IsOk());
  v1::MessageContent file;
  file.mutable_file()->set_file_url("http://media.example/a.pdf");
  ASSERT_THAT(platform_->SendMessage(MessageTo(robot_, kGroup, file, "snd_3")), IsOk());
  v1::MessageContent video;
  video.mutable_video()->set_file_url("http://media.example/a.mp4");
  ASSERT_THAT(platform_->SendMessage(MessageTo(robot_, kGroup, video, "snd_4")), IsOk());
  v1::MessageContent link;
  link.mutable_link()->set_title("T");
  link.mutable_link()->set_url("http://example.com/x");
  link.mutable_link()->set_image_url("http://example.com/c.png");
  ASSERT_THAT(platform_->SendMessage(MessageTo(robot_, kGroup, link, "snd_5")), IsOk());

  absl::StatusOr<nlohmann::json> state = emulator_->State();
  ASSERT_THAT(state, IsOk());
  std::vector<int> types;
  for (const nlohmann::json& sent : (*state)["sent"]) {
    EXPECT_EQ(sent["chatId"], "S:1688853470427542_R:10696051755024720") << sent.dump();
    types.push_back(sent["content"]["contentType"].get<int>());
  }
  EXPECT_EQ(types, (std::vector<int>{1, 7, 8, 5, 13}));
  EXPECT_EQ((*state)["sent"][0]["content"]["atUserList"], "7881299459945762");
}

TEST_F(YjiyunPlatformTest, RefusesKindsYjiyunCannotSend) {
  v1::MessageContent voice;
  voice.mutable_voice()->set_file_url("http://media.example/a.aac");
  EXPECT_THAT(platform_->SendMessage(MessageTo(robot_, kGroup, voice, "snd_9")),
              StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("voice")));
  v1::MessageContent all = Text("hi all");
  all.mutable_text()->set_mention_all(true);
  EXPECT_THAT(platform_->SendMessage(MessageTo(robot_, kGroup, all, "snd_10")),
              StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("@all")));
}

// The emulator's view of the robot's group `conversation_id` (state.robots).
nlohmann::json GroupState(const nlohmann::json& state, const std::string& conversation_id) {
  for (const nlohmann::json& group : state["robots"][0]["groups"]) {
    if (group["conversationId"] == conversation_id) return group;
  }
  return nullptr;
}

// The members of `group` still in it.
std::set<std::string> MembersOf(const nlohmann::json& group) {
  std::set<std::string> members;
  for (const nlohmann::json& member : group["members"]) {
    if (member["status"] == 1) members.insert(member["userId"].get<std::string>());
  }
  return members;
}

TEST_F(YjiyunPlatformTest, GroupActionsChangeTheGroup) {
  const std::string kOther = "7881300384921455";
  v1::CreateGroupRequest create;
  create.add_member_user_ids("7881299459945762");
  create.add_member_user_ids(kOther);
  create.set_name("网关群");
  absl::StatusOr<v1::CreateGroupResponse> created = platform_->CreateGroup(robot_, create);
  ASSERT_THAT(created, IsOk());
  const std::string group = created->conversation_id();
  // Actions carry the gateway's action messageIds, never a send's.
  ASSERT_FALSE(Logged("actions").empty());
  for (const nlohmann::json& action : Logged("actions")) {
    EXPECT_TRUE(absl::StartsWith(action.value("messageId", ""), kGatewayActionIdPrefix))
        << action.dump();
  }
  EXPECT_THAT(group, ::testing::StartsWith("R:"));
  EXPECT_EQ(created->group_name(), "网关群");

  v1::RenameGroupRequest rename;
  rename.set_conversation_id(group);
  rename.set_name("新名字");
  ASSERT_THAT(platform_->RenameGroup(robot_, rename), IsOk());
  v1::RemoveGroupMembersRequest kick;
  kick.set_conversation_id(group);
  kick.add_member_user_ids(kOther);
  ASSERT_THAT(platform_->RemoveGroupMembers(robot_, kick), IsOk());
  v1::PublishGroupNoticeRequest notice;
  notice.set_conversation_id(group);
  notice.set_content("大家好");
  ASSERT_THAT(platform_->PublishGroupNotice(robot_, notice), IsOk());

  absl::StatusOr<nlohmann::json> state = emulator_->State();
  ASSERT_THAT(state, IsOk());
  nlohmann::json stored = GroupState(*state, group);
  ASSERT_FALSE(stored.is_null());
  EXPECT_EQ(stored["name"], "新名字");
  EXPECT_EQ(stored["notice"], "大家好");
  EXPECT_FALSE(MembersOf(stored).contains(kOther));

  v1::AddGroupMembersRequest invite;
  invite.set_conversation_id(group);
  invite.add_member_user_ids(kOther);
  ASSERT_THAT(platform_->AddGroupMembers(robot_, invite), IsOk());
  state = emulator_->State();
  ASSERT_THAT(state, IsOk());
  EXPECT_TRUE(MembersOf(GroupState(*state, group)).contains(kOther));
}

TEST_F(YjiyunPlatformTest, AGroupActionTheVendorRefusesCarriesItsMessage) {
  v1::RenameGroupRequest rename;
  rename.set_conversation_id("R:999");
  rename.set_name("x");
  const absl::Status refused = platform_->RenameGroup(robot_, rename);
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_TRUE(GetVendorError(refused).has_value());
  EXPECT_EQ(GetVendorError(refused)->vendor(), "yjiyun");
}

TEST_F(YjiyunPlatformTest, GetsContactsByInquiry) {
  v1::GetContactsRequest request;
  request.add_user_ids("7881299459945762");
  request.add_user_ids("7889999999999999");
  absl::StatusOr<v1::GetContactsResponse> contacts = platform_->GetContacts(robot_, request);
  ASSERT_THAT(contacts, IsOk());
  ASSERT_THAT(contacts->contacts(), SizeIs(1));
  EXPECT_EQ(contacts->contacts(0).user_id(), "7881299459945762");
}

TEST_F(YjiyunPlatformTest, ListsLabelsAndSetsThemThroughTheRobotsTagQueue) {
  absl::StatusOr<v1::ListLabelsResponse> labels = platform_->ListLabels(robot_);
  ASSERT_THAT(labels, IsOk());
  std::map<std::string, std::string> names;
  for (const v1::Label& label : labels->labels()) names[label.label_id()] = label.name();
  EXPECT_EQ(names["14073752703607623"], "消费品");
  EXPECT_EQ(names["14073750575623185"], "中间客户");

  // Concurrent tag requests of one robot: yjiyun fails them unless queued.
  absl::StatusOr<v1::ListContactsResponse> customers = [&] {
    v1::ListContactsRequest request;
    request.set_page_size(6);
    return platform_->ListContacts(robot_, request);
  }();
  ASSERT_THAT(customers, IsOk());
  ASSERT_THAT(customers->contacts(), SizeIs(6));
  std::vector<std::thread> taggers;
  std::vector<absl::Status> results(6);
  for (int i = 0; i < 6; ++i) {
    taggers.emplace_back([&, i] {
      v1::SetContactLabelsRequest request;
      request.set_user_id(customers->contacts(i).user_id());
      request.add_label_ids(i % 2 == 0 ? "14073752703607623" : "14073750575623185");
      results[i] = platform_->SetContactLabels(robot_, request);
    });
  }
  for (std::thread& tagger : taggers) tagger.join();
  for (const absl::Status& result : results) EXPECT_THAT(result, IsOk());
  absl::StatusOr<nlohmann::json> state = emulator_->State();
  ASSERT_THAT(state, IsOk());
  EXPECT_EQ((*state)["tagging"]["conflicts"], 0);
  for (const nlohmann::json& customer : (*state)["robots"][0]["customers"]) {
    for (int i = 0; i < 6; ++i) {
      if (customer["userId"] != customers->contacts(i).user_id()) continue;
      EXPECT_EQ(customer["tags"],
                nlohmann::json::array({i % 2 == 0 ? "14073752703607623" : "14073750575623185"}))
          << customer.dump();
    }
  }
  // The corp's label ids were synced once for all six (besides ListLabels).
  EXPECT_EQ(TagSyncs(), 2);
}

TEST_F(YjiyunPlatformTest, SyncsTheLabelsAgainForALabelItDoesNotKnow) {
  const auto tag = [&](absl::string_view label_id) {
    v1::SetContactLabelsRequest request;
    request.set_user_id("7881299459945762");
    request.add_label_ids(std::string(label_id));
    return platform_->SetContactLabels(robot_, request);
  };
  ASSERT_THAT(tag("14073752703607623"), IsOk());
  ASSERT_THAT(tag("14073750575623185"), IsOk());
  EXPECT_EQ(TagSyncs(), 1);
  // An id the last sync did not answer: synced again before yjiyun refuses.
  EXPECT_THAT(tag("99999999999999999"), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(TagSyncs(), 2);
}

// The labels of the example corp and a second one.
constexpr char kGoods[] = "14073752703607623";           // 行业: 消费品
constexpr char kRetail[] = "14073752703607625";          // 行业: 连锁零售
constexpr char kMiddleman[] = "14073750575623185";       // 个人标签: 中间客户
constexpr char kGoodsAgain[] = "14073752703607633";      // 渠道: 消费品, the same name
constexpr char kOtherCorpGoods[] = "24073752703607623";  // the second corp's 消费品
constexpr char kSecondRobotKey[] = "b2c96caffd246acb5bb69b657a0894e2";
// The example robot's customers added below: the first carries both labels
// of 行业, the next ones kGoods and the last ones kRetail.
constexpr int kAddedGoods = 104;
constexpr int kAddedRetail = 6;
constexpr uint64_t kFirstAdded = 7881299500000001;

// The label RPCs that external/user/list's tagList serves, on the example
// config with more labelled customers (more than one page of 100 carry
// kGoods) and a second robot in another corp whose label shares kGoods' name.
class YjiyunLabelFilterTest : public YjiyunPlatformTest {
 protected:
  void SetUp() override {
    YjiyunPlatformTest::SetUp();
    ASSERT_FALSE(HasFatalFailure());
    absl::StatusOr<nlohmann::json> config = ::wecom::testing::YjiyunEmulator::ExampleConfig();
    ASSERT_THAT(config, IsOk());
    nlohmann::json& corp_groups = (*config)["corps"][0]["tagGroups"];
    corp_groups.push_back({{"labelId", "14073752703607631"},
                           {"name", "渠道"},
                           {"labels", {{{"labelId", kGoodsAgain}, {"name", "消费品"}}}}});
    nlohmann::json& customers = (*config)["robots"][0]["customers"];
    for (int i = 0; i < kAddedGoods + kAddedRetail; ++i) {
      nlohmann::json tags = nlohmann::json::array();
      if (i < kAddedGoods) tags.push_back(kGoods);
      if (i == 0 || i >= kAddedGoods) tags.push_back(kRetail);
      customers.push_back({{"userId", std::to_string(kFirstAdded + i)},
                           {"name", absl::StrCat("标签客户", i)},
                           {"tags", std::move(tags)}});
    }
    (*config)["corps"].push_back(
        {{"corpid", "ww0000000000000002"},
         {"tagGroups",
          {{{"labelId", "24073752703607621"},
            {"name", "行业"},
            {"labels", {{{"labelId", kOtherCorpGoods}, {"name", "消费品"}}}}}}}});
    nlohmann::json second_customers = nlohmann::json::array();
    for (int i = 0; i < 4; ++i) {
      nlohmann::json tags = nlohmann::json::array();
      if (i < 3) tags.push_back(kOtherCorpGoods);
      second_customers.push_back(
          {{"userId", std::to_string(7881299600000001 + i)}, {"tags", std::move(tags)}});
    }
    (*config)["robots"].push_back({{"robotKey", kSecondRobotKey},
                                   {"wxid", "1688853470000002"},
                                   {"corpid", "ww0000000000000002"},
                                   {"customers", std::move(second_customers)}});
    // No tagging delay: the tests tag one customer at a time.
    (*config)["tagProcessingMs"] = 0;

    platform_.reset();
    channel_.reset();
    absl::StatusOr<std::unique_ptr<::wecom::testing::YjiyunEmulator>> emulator =
        ::wecom::testing::YjiyunEmulator::Start(*config);
    ASSERT_THAT(emulator, IsOk());
    emulator_ = *std::move(emulator);
    ConnectPlatform();
  }

  // The user ids of robots[robot]'s customers carrying any of `labels`, as
  // the emulator's state has them.
  std::set<std::string> Carrying(int robot, const std::set<std::string>& labels) {
    absl::StatusOr<nlohmann::json> state = emulator_->State();
    EXPECT_THAT(state, IsOk());
    std::set<std::string> ids;
    if (!state.ok()) return ids;
    for (const nlohmann::json& customer : (*state)["robots"][robot]["customers"]) {
      for (const nlohmann::json& tag : customer["tags"]) {
        if (labels.contains(tag.get<std::string>())) ids.insert(customer["userId"]);
      }
    }
    return ids;
  }

  // What SearchContactsByLabels answers page by page: account id → user ids,
  // and the size of each page.
  struct SearchResult {
    std::map<std::string, std::set<std::string>> found;
    std::vector<int> page_sizes;
  };
  SearchResult Search(const std::vector<AccountRef>& accounts,
                      const std::vector<std::string>& label_ids, int32_t page_size) {
    v1::SearchContactsByLabelsRequest request;
    for (const AccountRef& account : accounts) request.add_account_ids(account.account_id);
    for (const std::string& id : label_ids) request.add_label_ids(id);
    request.set_page_size(page_size);
    SearchResult result;
    do {
      absl::StatusOr<v1::SearchContactsByLabelsResponse> page =
          platform_->SearchContactsByLabels(accounts, request);
      EXPECT_THAT(page, IsOk());
      if (!page.ok()) break;
      result.page_sizes.push_back(page->contacts_size());
      for (const v1::LabeledContact& labeled : page->contacts()) {
        EXPECT_TRUE(result.found[labeled.account_id()].insert(labeled.contact().user_id()).second)
            << labeled.contact().user_id() << " twice";
      }
      request.set_page_token(page->next_page_token());
    } while (!request.page_token().empty() && result.page_sizes.size() < 20);
    return result;
  }

  // The user ids ListLabelContacts answers for `label_id`.
  std::set<std::string> LabelContacts(const std::string& label_id) {
    v1::ListLabelContactsRequest request;
    request.set_label_id(label_id);
    absl::StatusOr<v1::ListLabelContactsResponse> contacts =
        platform_->ListLabelContacts(robot_, request);
    EXPECT_THAT(contacts, IsOk());
    std::set<std::string> ids;
    if (!contacts.ok()) return ids;
    for (const v1::Contact& contact : contacts->contacts()) {
      EXPECT_TRUE(ids.insert(contact.user_id()).second) << contact.user_id() << " twice";
    }
    return ids;
  }

  // The label ids ListContactLabels answers for `user_id`.
  std::set<std::string> LabelsOf(const std::string& user_id) {
    v1::ListContactLabelsRequest request;
    request.set_user_id(user_id);
    absl::StatusOr<v1::ListContactLabelsResponse> labels =
        platform_->ListContactLabels(robot_, request);
    EXPECT_THAT(labels, IsOk());
    std::set<std::string> ids;
    if (!labels.ok()) return ids;
    for (const v1::Label& label : labels->labels()) {
      EXPECT_FALSE(label.name().empty()) << label.label_id();
      ids.insert(label.label_id());
    }
    return ids;
  }

  const AccountRef second_ = RobotAccount(kSecondRobotKey);
};

TEST_F(YjiyunLabelFilterTest, ListsEveryContactOfALabelAcrossPages) {
  const std::set<std::string> goods = LabelContacts(kGoods);
  // More than yjiyun's largest page of 100.
  EXPECT_THAT(goods, SizeIs(kAddedGoods + 1));
  EXPECT_EQ(goods, Carrying(0, {kGoods}));
  EXPECT_TRUE(goods.contains(kCustomer));
  const std::set<std::string> retail = LabelContacts(kRetail);
  EXPECT_THAT(retail, SizeIs(kAddedRetail + 1));
  EXPECT_EQ(retail, Carrying(0, {kRetail}));
  // Both lookups used one tags.sync.
  EXPECT_EQ(TagSyncs(), 1);
}

TEST_F(YjiyunLabelFilterTest, ALabelTheRobotLacksIsNotFound) {
  v1::ListLabelContactsRequest request;
  request.set_label_id("99999999999999999");
  EXPECT_THAT(platform_->ListLabelContacts(robot_, request),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("99999999999999999")));
  // The other corp's label, whose name the robot's kGoods shares.
  request.set_label_id(kOtherCorpGoods);
  EXPECT_THAT(platform_->ListLabelContacts(robot_, request),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(kOtherCorpGoods)));
}

TEST_F(YjiyunLabelFilterTest, SearchesTheAccountsPageByPage) {
  // The first account repeated: listed once.
  const SearchResult result =
      Search({robot_, second_, robot_}, {kGoods, kRetail, kOtherCorpGoods}, 50);
  // Any of the labels, each account by its own ids.
  EXPECT_EQ(result.found.at(robot_.account_id), Carrying(0, {kGoods, kRetail}));
  EXPECT_THAT(result.found.at(robot_.account_id), SizeIs(kAddedGoods + kAddedRetail + 1));
  EXPECT_EQ(result.found.at(second_.account_id), Carrying(1, {kOtherCorpGoods}));
  EXPECT_THAT(result.found.at(second_.account_id), SizeIs(3));
  EXPECT_THAT(result.found, SizeIs(2));
  // A page holds one account's customers.
  EXPECT_EQ(result.page_sizes, (std::vector<int>{50, 50, 11, 3}));
}

TEST_F(YjiyunLabelFilterTest, SearchMatchesEachAccountByItsOwnLabels) {
  // The second robot's 消费品 is another label than kGoods, of the same name:
  // none of its customers carry kGoods. The default page size is 100.
  SearchResult result = Search({second_, robot_}, {kGoods}, 0);
  EXPECT_EQ(result.found[robot_.account_id], Carrying(0, {kGoods}));
  EXPECT_THAT(result.found, SizeIs(1));
  EXPECT_EQ(result.page_sizes, (std::vector<int>{100, kAddedGoods + 1 - 100}));

  result = Search({robot_, second_}, {kOtherCorpGoods}, 0);
  EXPECT_EQ(result.found[second_.account_id], Carrying(1, {kOtherCorpGoods}));
  EXPECT_THAT(result.found, SizeIs(1));
  EXPECT_EQ(result.page_sizes, (std::vector<int>{3}));
}

TEST_F(YjiyunLabelFilterTest, SearchRefusesUnknownLabelsAndForeignTokens) {
  v1::SearchContactsByLabelsRequest request;
  request.add_account_ids(robot_.account_id);
  request.add_account_ids(second_.account_id);
  request.add_label_ids(kGoods);
  request.add_label_ids("99999999999999999");
  EXPECT_THAT(platform_->SearchContactsByLabels({robot_, second_}, request),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("99999999999999999")));
  request.clear_label_ids();
  request.add_label_ids(kGoods);
  for (const char* token : {"2/1", "1", "0/0", "x/1", "1/"}) {
    request.set_page_token(token);
    EXPECT_THAT(platform_->SearchContactsByLabels({robot_, second_}, request),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")))
        << token;
  }
}

TEST_F(YjiyunLabelFilterTest, ListsAContactsLabels) {
  // kGoodsAgain shares kGoods' name (see LabelsOfOneNameStandForEachOther).
  EXPECT_EQ(LabelsOf(kCustomer), (std::set<std::string>{kGoods, kGoodsAgain}));
  EXPECT_EQ(LabelsOf(std::to_string(kFirstAdded)),
            (std::set<std::string>{kGoods, kGoodsAgain, kRetail}));
  EXPECT_EQ(LabelsOf(kCustomer2), std::set<std::string>{});
  // Labels set through the platform are listed as set.
  v1::SetContactLabelsRequest tag;
  tag.set_user_id(kCustomer2);
  tag.add_label_ids(kMiddleman);
  tag.add_label_ids(kRetail);
  ASSERT_THAT(platform_->SetContactLabels(robot_, tag), IsOk());
  EXPECT_EQ(LabelsOf(kCustomer2), (std::set<std::string>{kMiddleman, kRetail}));
  tag.clear_label_ids();
  ASSERT_THAT(platform_->SetContactLabels(robot_, tag), IsOk());
  EXPECT_EQ(LabelsOf(kCustomer2), std::set<std::string>{});
  // The tagging and the lookups shared one tags.sync.
  EXPECT_EQ(TagSyncs(), 1);

  v1::ListContactLabelsRequest not_an_id;
  not_an_id.set_user_id("wmAbc");
  EXPECT_THAT(platform_->ListContactLabels(robot_, not_an_id),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("user_id")));
}

TEST_F(YjiyunLabelFilterTest, LabelsOfOneNameStandForEachOther) {
  // yjiyun filters by name: a contact carrying 渠道's 消费品 is listed with
  // 行业's too, and both are its labels.
  v1::SetContactLabelsRequest tag;
  tag.set_user_id(kCustomer2);
  tag.add_label_ids(kGoodsAgain);
  ASSERT_THAT(platform_->SetContactLabels(robot_, tag), IsOk());
  EXPECT_EQ(LabelsOf(kCustomer2), (std::set<std::string>{kGoods, kGoodsAgain}));
  const std::set<std::string> listed = LabelContacts(kGoods);
  EXPECT_EQ(listed, Carrying(0, {kGoods, kGoodsAgain}));
  EXPECT_TRUE(listed.contains(kCustomer2));
}

// Whether `status` is yjiyun's refusal: `code`, and the vendor's msg holding
// `part`.
::testing::AssertionResult RefusedBy(const absl::Status& status, absl::StatusCode code,
                                     absl::string_view part) {
  const std::optional<common::v1::VendorError> error = GetVendorError(status);
  if (status.code() != code || !error.has_value() || error->vendor() != "yjiyun" ||
      !absl::StrContains(error->message(), part)) {
    return ::testing::AssertionFailure() << status;
  }
  return ::testing::AssertionSuccess();
}

TEST_F(YjiyunPlatformTest, UpdatesTheRobotsProfileWithTheFieldsSetOnly) {
  v1::UpdateAccountProfileRequest request;
  request.set_name("HONG");
  request.set_gender(2);
  request.set_position("CPP");
  request.set_alias("小红");
  absl::StatusOr<v1::AccountProfile> profile = platform_->UpdateAccountProfile(robot_, request);
  ASSERT_THAT(profile, IsOk());
  EXPECT_EQ(profile->name(), "HONG");
  EXPECT_EQ(profile->gender(), 2);
  EXPECT_EQ(profile->position(), "CPP");
  EXPECT_EQ(profile->alias(), "小红");
  nlohmann::json robot = RobotState();
  EXPECT_EQ(robot["nickName"], "HONG");
  EXPECT_EQ(robot["gender"], 2);
  EXPECT_EQ(robot["position"], "CPP");

  // The mobile set and the alias cleared: what is not set stays.
  v1::UpdateAccountProfileRequest more;
  more.set_mobile("13900000000");
  more.set_alias("");
  profile = platform_->UpdateAccountProfile(robot_, more);
  ASSERT_THAT(profile, IsOk());
  EXPECT_EQ(profile->mobile(), "13900000000");
  EXPECT_EQ(profile->alias(), "");
  EXPECT_EQ(profile->name(), "HONG");
  EXPECT_EQ(profile->position(), "CPP");
  robot = RobotState();
  EXPECT_EQ(robot["mobile"], "13900000000");
  EXPECT_EQ(robot["alias"], "");
  EXPECT_EQ(robot["nickName"], "HONG");
}

TEST_F(YjiyunPlatformTest, AProfileUpdateYjiyunRefusesCarriesItsMessage) {
  // Nothing set: nothing is sent, and yjiyun refuses an empty change.
  EXPECT_TRUE(RefusedBy(platform_->UpdateAccountProfile(robot_, {}).status(),
                        absl::StatusCode::kFailedPrecondition, "没有要修改的信息"));
  Control("robots", {{"robotKey", kRobotKey}, {"robotStatus", 2}});
  v1::UpdateAccountProfileRequest request;
  request.set_name("HONG");
  EXPECT_TRUE(RefusedBy(platform_->UpdateAccountProfile(robot_, request).status(),
                        absl::StatusCode::kFailedPrecondition, "不在线"));
  EXPECT_EQ(RobotState()["nickName"], "甜甜甜");
}

TEST_F(YjiyunPlatformTest, ForwardsAMessageByItsServerId) {
  const nlohmann::json received = Receive(kCustomer, 1, {{"contentType", 7}});
  ASSERT_THAT(received, SizeIs(1));
  const std::string server_id = received[0]["msgSvrID"];
  v1::ForwardMessageRequest request;
  request.set_server_id(server_id);
  request.add_target_ids(kCustomer2);
  request.add_target_ids(kGroup);
  ASSERT_THAT(platform_->ForwardMessage(robot_, request), IsOk());

  std::set<std::string> chats;
  for (const nlohmann::json& sent : Logged("sent")) {
    if (sent.value("forwardOf", "") != server_id) continue;
    chats.insert(sent["chatId"].get<std::string>());
    EXPECT_EQ(sent["content"]["pic"], "http://media.yjiyun.com/image1.png");
  }
  EXPECT_EQ(chats, (std::set<std::string>{"S:1688853470427542_7881300384921455", kGroupChat}));
  // The copies reach the stream as the robot's messages.
  const std::vector<v1::Event> events = sink_.WaitFor([](const std::vector<v1::Event>& e) {
    return absl::c_count_if(e, [](const v1::Event& event) {
             return event.message().direction() == v1::DIRECTION_OUTBOUND;
           }) == 2;
  });
  EXPECT_EQ(absl::c_count_if(events,
                             [](const v1::Event& event) {
                               return event.message().direction() == v1::DIRECTION_OUTBOUND &&
                                      event.message().type() == v1::MESSAGE_TYPE_IMAGE;
                             }),
            2);
}

TEST_F(YjiyunPlatformTest, AForwardYjiyunRefusesCarriesItsMessage) {
  v1::ForwardMessageRequest unknown;
  unknown.set_server_id("999");
  unknown.add_target_ids(kCustomer2);
  EXPECT_TRUE(RefusedBy(platform_->ForwardMessage(robot_, unknown),
                        absl::StatusCode::kFailedPrecondition, "msgSvrID无效"));
  // Texts cannot be forwarded (3.7: mini programs, images, files, links).
  const nlohmann::json text = Receive(kCustomer, 1);
  ASSERT_THAT(text, SizeIs(1));
  v1::ForwardMessageRequest request;
  request.set_server_id(text[0]["msgSvrID"].get<std::string>());
  request.add_target_ids(kCustomer2);
  EXPECT_TRUE(RefusedBy(platform_->ForwardMessage(robot_, request),
                        absl::StatusCode::kFailedPrecondition, "不支持转发"));
  for (const nlohmann::json& sent : Logged("sent")) EXPECT_FALSE(sent.contains("forwardOf"));
}

TEST_F(YjiyunPlatformTest, SavesAOneTimeMassSendWithEveryKindOfMessage) {
  v1::CreateMassSendTaskRequest request;
  request.set_name("双十一");
  request.mutable_once()->set_start_time_ms(1700000000000);
  request.add_target_ids(kCustomer);
  request.add_target_ids(kCustomer2);
  *request.add_contents() = Text("你好");
  request.add_contents()->mutable_image()->set_file_url("http://media.example/a.png");
  v1::LinkContent& link = *request.add_contents()->mutable_link();
  link.set_title("标题");
  link.set_url("http://example.com/x");
  link.set_description("描述");
  link.set_image_url("http://example.com/c.png");
  request.add_contents()->mutable_file()->set_file_url("http://media.example/a.pdf");
  v1::MiniProgramContent& mini = *request.add_contents()->mutable_mini_program();
  mini.set_title("微信读书");
  mini.set_appname("凯撒");
  mini.set_appicon("https://wework.qpic.cn/wwhead/sender/0");
  mini.set_cover_path("http://wx.qlogo.cn/mmhead/logo/96");
  request.set_targets_per_batch(5);
  request.set_min_interval_seconds(45);
  request.set_max_interval_seconds(60);
  ASSERT_THAT(platform_->CreateMassSendTask(robot_, request), IsOk());

  const nlohmann::json tasks = Logged("tasks");
  ASSERT_THAT(tasks, SizeIs(1));
  const nlohmann::json& task = tasks[0];
  EXPECT_EQ(task["name"], "双十一");
  EXPECT_EQ(task["taskType"], 1);
  EXPECT_EQ(task["startTime"], 1700000000000);
  EXPECT_EQ(task["commandType"], "wxwork.robot.batch.send");
  EXPECT_EQ(task["isGroupChat"], 1);
  EXPECT_EQ(task["taskRule"], 2);
  EXPECT_EQ(task["suitCount"], 5);
  EXPECT_EQ(task["perSuitSecond"], 45);
  EXPECT_EQ(task["perSuitSecondUpper"], 60);
  EXPECT_EQ(task["acceptTarget"],
            nlohmann::json::parse(R"([{"robotKey": "f16096caffd246acb5bb69b657a0894e",
                                       "chatUser": ["7881299459945762", "7881300384921455"]}])"));
  EXPECT_EQ(task["contents"], nlohmann::json::parse(R"([
      {"msgType": 1, "content": "你好"},
      {"msgType": 3, "content": "http://media.example/a.png"},
      {"msgType": 16, "appType": 1, "link": "http://example.com/x", "title": "标题",
       "description": "描述", "coverImgFile": "http://example.com/c.png"},
      {"msgType": 49, "content": "http://media.example/a.pdf"},
      {"msgType": 78, "title": "微信读书", "content": "微信读书", "senderName": "凯撒",
       "senderHeadImg": "https://wework.qpic.cn/wwhead/sender/0",
       "logo": "http://wx.qlogo.cn/mmhead/logo/96"}])"));
}

TEST_F(YjiyunPlatformTest, SavesAWeeklyMassSendToGroupsWithYjiyunsDefaults) {
  const std::vector<std::string> groups = GroupIds();
  ASSERT_THAT(groups, SizeIs(kGroups));
  v1::CreateMassSendTaskRequest request;
  request.set_name("周报");
  request.mutable_weekly()->set_time_of_day("09:30");
  request.mutable_weekly()->add_weekdays("MON");
  request.mutable_weekly()->add_weekdays("FRI");
  request.add_target_ids(groups[0]);
  request.add_target_ids(groups[1]);
  *request.add_contents() = Text("本周总结");
  ASSERT_THAT(platform_->CreateMassSendTask(robot_, request), IsOk());

  const nlohmann::json tasks = Logged("tasks");
  ASSERT_THAT(tasks, SizeIs(1));
  const nlohmann::json& task = tasks[0];
  EXPECT_EQ(task["taskType"], 2);
  EXPECT_EQ(task["execStartTime"], "09:30");
  EXPECT_EQ(task["weekday"], nlohmann::json::array({"MON", "FRI"}));
  EXPECT_FALSE(task.contains("startTime"));
  EXPECT_EQ(task["isGroupChat"], 2);
  EXPECT_EQ(task["taskRule"], 1);
  EXPECT_EQ(task["suitCount"], 12);
  EXPECT_EQ(task["acceptTarget"][0]["chatUser"], nlohmann::json::array({groups[0], groups[1]}));
}

TEST_F(YjiyunPlatformTest, RefusesMassSendsYjiyunCannotCarry) {
  const auto task = [](std::vector<std::string> targets, std::vector<v1::MessageContent> contents) {
    v1::CreateMassSendTaskRequest request;
    request.set_name("x");
    for (std::string& target : targets) request.add_target_ids(std::move(target));
    for (v1::MessageContent& content : contents) *request.add_contents() = std::move(content);
    return request;
  };
  EXPECT_THAT(platform_->CreateMassSendTask(robot_, task({kCustomer, kGroup}, {Text("a")})),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("target_ids")));
  v1::MessageContent voice;
  voice.mutable_voice()->set_file_url("http://media.example/a.aac");
  EXPECT_THAT(platform_->CreateMassSendTask(robot_, task({kCustomer}, {Text("a"), voice})),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("contents[1]")));
  v1::MessageContent mention = Text("看这里");
  mention.mutable_text()->add_mention_user_ids(kCustomer);
  EXPECT_THAT(platform_->CreateMassSendTask(robot_, task({kGroup}, {mention})),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("contents[0]")));
  // Someone who is not the robot's friend: yjiyun refuses the task.
  EXPECT_TRUE(RefusedBy(
      platform_->CreateMassSendTask(robot_, task({kCustomer, "7889999999999999"}, {Text("a")})),
      absl::StatusCode::kFailedPrecondition, "7889999999999999"));
  EXPECT_THAT(Logged("tasks"), SizeIs(0));
}

// Every conversation of the robot, paged by `page_size`; `pages` counts the
// calls.
absl::StatusOr<std::vector<v1::Conversation>> AllConversations(YjiyunPlatform& platform,
                                                               const AccountRef& robot,
                                                               int page_size, int* pages) {
  std::vector<v1::Conversation> all;
  v1::ListConversationsRequest request;
  request.set_page_size(page_size);
  *pages = 0;
  do {
    ASSIGN_OR_RETURN(const v1::ListConversationsResponse page,
                     platform.ListConversations(robot, request));
    ++*pages;
    all.insert(all.end(), page.conversations().begin(), page.conversations().end());
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty() && *pages < 50);
  return all;
}

TEST_F(YjiyunPlatformTest, ListsConversationsNewestFirst) {
  Receive(kCustomer, 2);
  Receive(kGroup, 3);
  int pages = 0;
  absl::StatusOr<std::vector<v1::Conversation>> conversations =
      AllConversations(*platform_, robot_, 20, &pages);
  ASSERT_THAT(conversations, IsOk());
  ASSERT_THAT(*conversations, SizeIs(2));
  EXPECT_EQ(pages, 1);
  const v1::Conversation& group = (*conversations)[0];
  EXPECT_EQ(group.conversation_id(), kGroup);
  EXPECT_EQ(group.name(), "99998");
  EXPECT_EQ(group.unread_count(), 3);
  const v1::Conversation& customer = (*conversations)[1];
  EXPECT_EQ(customer.conversation_id(), kCustomerChat);
  // Its remark names it.
  EXPECT_EQ(customer.name(), "职教");
  EXPECT_EQ(customer.unread_count(), 2);
  EXPECT_GT(group.last_active_ms(), customer.last_active_ms());
  EXPECT_GT(customer.last_active_ms(), 0);
}

TEST_F(YjiyunPlatformTest, PagesConversationsThatShareOneTimeEachOnce) {
  // Six chats, four of them last active at one time: pages of two split them.
  v1::ListContactsRequest contacts_request;
  contacts_request.set_page_size(5);
  absl::StatusOr<v1::ListContactsResponse> contacts =
      platform_->ListContacts(robot_, contacts_request);
  ASSERT_THAT(contacts, IsOk());
  std::vector<std::string> chat_users = {kCustomer, kCustomer2, kColleague, kGroup};
  for (const v1::Contact& contact : contacts->contacts()) {
    if (chat_users.size() < 6 && !absl::c_linear_search(chat_users, contact.user_id())) {
      chat_users.push_back(contact.user_id());
    }
  }
  ASSERT_THAT(chat_users, SizeIs(6));
  int64_t tied_ms = 0;
  for (const std::string& chat_user : chat_users) {
    const nlohmann::json received = Receive(chat_user, 1);
    ASSERT_THAT(received, SizeIs(1));
    if (chat_user == kColleague) tied_ms = received[0]["timestamp"];
  }
  for (const char* chat_user : {kCustomer, kCustomer2, kGroup}) {
    Control("chats",
            {{"robotKey", kRobotKey}, {"chatUser", chat_user}, {"lastMsgActive", tied_ms}});
  }

  int pages = 0;
  absl::StatusOr<std::vector<v1::Conversation>> conversations =
      AllConversations(*platform_, robot_, 2, &pages);
  ASSERT_THAT(conversations, IsOk());
  std::set<std::string> ids;
  int tied = 0;
  for (size_t i = 0; i < conversations->size(); ++i) {
    const v1::Conversation& conversation = (*conversations)[i];
    EXPECT_TRUE(ids.insert(conversation.conversation_id()).second)
        << conversation.conversation_id() << " twice";
    if (conversation.last_active_ms() == tied_ms) ++tied;
    if (i > 0) {
      EXPECT_LE(conversation.last_active_ms(), (*conversations)[i - 1].last_active_ms());
    }
  }
  EXPECT_EQ(ids.size(), 6u);
  EXPECT_EQ(tied, 4);
  EXPECT_TRUE(ids.contains(kGroup));
  EXPECT_LE(pages, 4);
}

TEST_F(YjiyunPlatformTest, AConversationListYjiyunRefusesCarriesItsMessage) {
  EXPECT_TRUE(RefusedBy(platform_->ListConversations(UnknownRobot(), {}).status(),
                        absl::StatusCode::kFailedPrecondition, "robotKey无效"));
  v1::ListConversationsRequest foreign;
  foreign.set_page_token("next");
  EXPECT_THAT(platform_->ListConversations(robot_, foreign),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")));
}

// Every message of `request`'s conversation, page by page; `between` runs
// after the first page.
absl::StatusOr<std::vector<v1::Event>> AllMessages(YjiyunPlatform& platform,
                                                   const AccountRef& robot,
                                                   v1::ListConversationMessagesRequest request,
                                                   const std::function<void()>& between = {}) {
  std::vector<v1::Event> all;
  int pages = 0;
  do {
    ASSIGN_OR_RETURN(const v1::ListConversationMessagesResponse page,
                     platform.ListConversationMessages(robot, request));
    if (++pages == 1 && between) between();
    all.insert(all.end(), page.events().begin(), page.events().end());
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty() && pages < 50);
  return all;
}

TEST_F(YjiyunPlatformTest, ListsAConversationsMessagesAsTheStreamsEvents) {
  Receive(kCustomer, 5);
  const std::vector<v1::Event> streamed =
      sink_.WaitFor([](const std::vector<v1::Event>& e) { return e.size() >= 5; });
  ASSERT_THAT(streamed, SizeIs(5));

  v1::ListConversationMessagesRequest request;
  // Either side first.
  request.set_conversation_id("S:7881299459945762_1688853470427542");
  request.set_page_size(2);
  // Messages arriving while the client pages do not shift the pages.
  absl::StatusOr<std::vector<v1::Event>> listed =
      AllMessages(*platform_, robot_, request, [&] { Receive(kCustomer, 2); });
  ASSERT_THAT(listed, IsOk());
  std::vector<std::string> texts;
  std::set<std::string> listed_ids;
  for (const v1::Event& event : *listed) {
    texts.push_back(event.message().text());
    listed_ids.insert(event.event_id());
    EXPECT_EQ(event.message().conversation_id(), kCustomerChat);
  }
  EXPECT_EQ(texts, (std::vector<std::string>{"消息5", "消息4", "消息3", "消息2", "消息1"}));
  std::set<std::string> streamed_ids;
  for (const v1::Event& event : streamed) streamed_ids.insert(event.event_id());
  EXPECT_EQ(listed_ids, streamed_ids);
}

TEST_F(YjiyunPlatformTest, ListsAGroupsMessagesInATimeWindow) {
  const nlohmann::json received = Receive(kGroup, 4, {{"content", "群消息{i}"}});
  ASSERT_THAT(received, SizeIs(4));
  v1::ListConversationMessagesRequest request;
  request.set_conversation_id(kGroup);
  request.set_since_ms(received[1]["timestamp"].get<int64_t>());
  request.set_until_ms(received[2]["timestamp"].get<int64_t>());
  request.set_page_size(1);
  absl::StatusOr<std::vector<v1::Event>> listed = AllMessages(*platform_, robot_, request);
  ASSERT_THAT(listed, IsOk());
  ASSERT_THAT(*listed, SizeIs(2));
  EXPECT_EQ((*listed)[0].message().text(), "群消息3");
  EXPECT_EQ((*listed)[1].message().text(), "群消息2");
  EXPECT_EQ((*listed)[1].message().conversation_id(), kGroup);
  EXPECT_EQ((*listed)[1].message().sender_id(), kCustomer);
}

TEST_F(YjiyunPlatformTest, RefusesMessagesOfOtherRobotsAndPassesYjiyunsRefusal) {
  v1::ListConversationMessagesRequest foreign;
  foreign.set_conversation_id("S:1688800000000001_7881299459945762");
  EXPECT_THAT(platform_->ListConversationMessages(robot_, foreign),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("conversation_id")));
  v1::ListConversationMessagesRequest request;
  request.set_conversation_id(kGroup);
  // Busy on every attempt.
  Control("busy", {{"count", 3}});
  EXPECT_TRUE(RefusedBy(platform_->ListConversationMessages(robot_, request).status(),
                        absl::StatusCode::kUnavailable, "服务器繁忙"));
  request.set_page_token("5");
  EXPECT_THAT(platform_->ListConversationMessages(robot_, request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")));
}

// The emulator's chat of `chat_user` (state.robots[0].chats).
nlohmann::json ChatState(const nlohmann::json& robot, const std::string& chat_user) {
  for (const nlohmann::json& chat : robot["chats"]) {
    if (chat["chatUser"] == chat_user) return chat;
  }
  return nullptr;
}

TEST_F(YjiyunPlatformTest, MarksConversationsRead) {
  Receive(kGroup, 3);
  Receive(kCustomer, 2);
  ASSERT_EQ(ChatState(RobotState(), kGroup)["unreadCount"], 3);
  v1::MarkConversationReadRequest group;
  group.set_conversation_id(kGroup);
  ASSERT_THAT(platform_->MarkConversationRead(robot_, group), IsOk());
  // The customer first: yjiyun is sent its chatId, the robot first.
  v1::MarkConversationReadRequest customer;
  customer.set_conversation_id("S:7881299459945762_1688853470427542");
  ASSERT_THAT(platform_->MarkConversationRead(robot_, customer), IsOk());

  const nlohmann::json robot = RobotState();
  EXPECT_EQ(ChatState(robot, kGroup)["unreadCount"], 0);
  EXPECT_EQ(ChatState(robot, kCustomer)["unreadCount"], 0);
  EXPECT_EQ(Logged("unreadCleans"), nlohmann::json::parse(R"([
      {"robotKey": "f16096caffd246acb5bb69b657a0894e",
       "chatId": "S:1688853470427542_R:10696051755024720"},
      {"robotKey": "f16096caffd246acb5bb69b657a0894e",
       "chatId": "S:1688853470427542_7881299459945762"}])"));
}

TEST_F(YjiyunPlatformTest, AMarkReadYjiyunRefusesCarriesItsMessage) {
  // No message yet: yjiyun has no such chat.
  v1::MarkConversationReadRequest silent;
  silent.set_conversation_id("S:1688853470427542_1688853470829406");
  EXPECT_TRUE(RefusedBy(platform_->MarkConversationRead(robot_, silent),
                        absl::StatusCode::kFailedPrecondition, "chatId无效"));
  v1::MarkConversationReadRequest foreign;
  foreign.set_conversation_id("S:1688800000000001_7881299459945762");
  EXPECT_THAT(platform_->MarkConversationRead(robot_, foreign),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("conversation_id")));
  EXPECT_THAT(Logged("unreadCleans"), SizeIs(0));
}

// The actions of `type` the emulator answered with `code`.
int ActionsOf(const nlohmann::json& actions, const std::string& type, const std::string& code) {
  return static_cast<int>(absl::c_count_if(actions, [&](const nlohmann::json& action) {
    return action["type"] == type && action["code"] == code;
  }));
}

TEST_F(YjiyunPlatformTest, AddsAContactByPhone) {
  v1::AddContactRequest request;
  request.set_phone("15620000229");
  absl::StatusOr<v1::AddContactResponse> added = platform_->AddContact(robot_, request);
  ASSERT_THAT(added, IsOk());
  EXPECT_EQ(added->user().user_id(), "16888555558708");
  EXPECT_EQ(added->user().name(), "陈xx");
  EXPECT_FALSE(added->user().wechat_user());
  EXPECT_EQ(ActionsOf(Logged("actions"), "robot.phone.contact.add", "0"), 1);
}

TEST_F(YjiyunPlatformTest, RefusesAddingUnknownPhonesAndByUserId) {
  v1::AddContactRequest unknown;
  unknown.set_phone("15600000000");
  EXPECT_TRUE(RefusedBy(platform_->AddContact(robot_, unknown).status(),
                        absl::StatusCode::kFailedPrecondition, "15600000000"));
  v1::AddContactRequest by_id;
  by_id.set_user_id("16888555558708");
  EXPECT_THAT(platform_->AddContact(robot_, by_id),
              StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("yjiyun")));
  v1::AddContactRequest with_message;
  with_message.set_phone("15620000229");
  with_message.set_verify_message("你好");
  EXPECT_THAT(platform_->AddContact(robot_, with_message),
              StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("verify_message")));
  EXPECT_EQ(ActionsOf(Logged("actions"), "robot.phone.contact.add", "0"), 0);
}

// The emulator's customer `user_id` of `robot`.
nlohmann::json CustomerState(const nlohmann::json& robot, const std::string& user_id) {
  for (const nlohmann::json& customer : robot["customers"]) {
    if (customer["userId"] == user_id) return customer;
  }
  return nullptr;
}

TEST_F(YjiyunPlatformTest, AcceptsAFriendRequest) {
  const std::string kStranger = "7881300000000077";
  Control("events", {{"type", "robot.on.new.friend.request"},
                     {"robotKey", kRobotKey},
                     {"userId", kStranger},
                     {"name", "新朋友"}});
  sink_.WaitFor([](const std::vector<v1::Event>& e) {
    return absl::c_any_of(e, [](const v1::Event& event) { return event.has_friend_request(); });
  });
  ASSERT_TRUE(CustomerState(RobotState(), kStranger).is_null());
  v1::AcceptFriendRequestRequest request;
  request.set_user_id(kStranger);
  ASSERT_THAT(platform_->AcceptFriendRequest(robot_, request), IsOk());
  const nlohmann::json robot = RobotState();
  EXPECT_EQ(CustomerState(robot, kStranger)["name"], "新朋友");
  EXPECT_THAT(robot["friendRequests"], SizeIs(0));
  // Accepted once: there is no request any more.
  EXPECT_TRUE(RefusedBy(platform_->AcceptFriendRequest(robot_, request),
                        absl::StatusCode::kFailedPrecondition, kStranger));
}

TEST_F(YjiyunPlatformTest, HasYjiyunSyncTheAddressBook) {
  v1::SyncContactsRequest groups;
  groups.set_scope(v1::CONTACT_SYNC_SCOPE_GROUPS);
  ASSERT_THAT(platform_->SyncContacts(robot_, groups), IsOk());
  ASSERT_THAT(platform_->SyncContacts(robot_, {}), IsOk());
  EXPECT_EQ(Logged("contactSyncs"), nlohmann::json::parse(R"([
      {"robotKey": "f16096caffd246acb5bb69b657a0894e", "syncType": 2},
      {"robotKey": "f16096caffd246acb5bb69b657a0894e", "syncType": 0}])"));
  EXPECT_TRUE(RefusedBy(platform_->SyncContacts(UnknownRobot(), groups),
                        absl::StatusCode::kFailedPrecondition, "robotKey无效"));
}

TEST_F(YjiyunPlatformTest, UpdatesACustomersRemarkAndDescription) {
  v1::UpdateContactRequest request;
  request.set_user_id(kCustomer2);
  request.set_remark("老客户");
  request.set_description("VIP");
  ASSERT_THAT(platform_->UpdateContact(robot_, request), IsOk());
  nlohmann::json customer = CustomerState(RobotState(), kCustomer2);
  EXPECT_EQ(customer["realRemarks"], "老客户");
  EXPECT_EQ(customer["remarks"], "VIP");
  // The remark cleared; the description, not set, stays.
  v1::UpdateContactRequest clear;
  clear.set_user_id(kCustomer2);
  clear.set_remark("");
  ASSERT_THAT(platform_->UpdateContact(robot_, clear), IsOk());
  customer = CustomerState(RobotState(), kCustomer2);
  EXPECT_EQ(customer["realRemarks"], "");
  EXPECT_EQ(customer["remarks"], "VIP");
}

TEST_F(YjiyunPlatformTest, RefusesContactUpdatesYjiyunCannotDo) {
  v1::UpdateContactRequest phones;
  phones.set_user_id(kCustomer2);
  phones.set_remark("老客户");
  phones.mutable_phones()->add_phones("13900000002");
  EXPECT_THAT(platform_->UpdateContact(robot_, phones),
              StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("phone")));
  v1::UpdateContactRequest stranger;
  stranger.set_user_id("7889999999999999");
  stranger.set_remark("x");
  EXPECT_TRUE(RefusedBy(platform_->UpdateContact(robot_, stranger),
                        absl::StatusCode::kFailedPrecondition, "7889999999999999"));
  EXPECT_EQ(CustomerState(RobotState(), kCustomer2)["realRemarks"], "");
}

TEST_F(YjiyunPlatformTest, AddsListsAndRemovesGroupAdmins) {
  v1::ChangeGroupAdminsRequest change;
  change.set_conversation_id(kGroup);
  change.add_user_ids(kColleague);
  ASSERT_THAT(platform_->ChangeGroupAdmins(robot_, true, change), IsOk());
  absl::StatusOr<nlohmann::json> state = emulator_->State();
  ASSERT_THAT(state, IsOk());
  EXPECT_EQ(GroupState(*state, kGroup)["admins"], nlohmann::json::array({kColleague}));
  v1::ListGroupAdminsRequest list;
  list.set_conversation_id(kGroup);
  absl::StatusOr<v1::ListGroupAdminsResponse> admins = platform_->ListGroupAdmins(robot_, list);
  ASSERT_THAT(admins, IsOk());
  EXPECT_THAT(admins->admin_user_ids(), ::testing::ElementsAre(kColleague));

  ASSERT_THAT(platform_->ChangeGroupAdmins(robot_, false, change), IsOk());
  state = emulator_->State();
  ASSERT_THAT(state, IsOk());
  EXPECT_THAT(GroupState(*state, kGroup)["admins"], SizeIs(0));
  admins = platform_->ListGroupAdmins(robot_, list);
  ASSERT_THAT(admins, IsOk());
  EXPECT_THAT(admins->admin_user_ids(), SizeIs(0));
}

TEST_F(YjiyunPlatformTest, GroupAdminChangesYjiyunRefusesCarryItsMessage) {
  // Customers are not corp members.
  v1::ChangeGroupAdminsRequest customer;
  customer.set_conversation_id(kGroup);
  customer.add_user_ids(kCustomer);
  EXPECT_TRUE(RefusedBy(platform_->ChangeGroupAdmins(robot_, true, customer),
                        absl::StatusCode::kFailedPrecondition, "admins invalid"));
  // Removing one who is no admin.
  v1::ChangeGroupAdminsRequest colleague;
  colleague.set_conversation_id(kGroup);
  colleague.add_user_ids(kColleague);
  EXPECT_TRUE(RefusedBy(platform_->ChangeGroupAdmins(robot_, false, colleague),
                        absl::StatusCode::kFailedPrecondition, "admins invalid"));
  v1::ListGroupAdminsRequest unknown;
  unknown.set_conversation_id("R:999");
  EXPECT_TRUE(RefusedBy(platform_->ListGroupAdmins(robot_, unknown).status(),
                        absl::StatusCode::kFailedPrecondition, "invalid conversion id"));
  absl::StatusOr<nlohmann::json> state = emulator_->State();
  ASSERT_THAT(state, IsOk());
  EXPECT_THAT(GroupState(*state, kGroup)["admins"], SizeIs(0));
}

class YjiyunExportTest : public YjiyunPlatformTest {
 protected:
  // The group names of an export's spreadsheet (CSV from the emulator), in
  // its order.
  std::vector<std::string> ExportedNames(const v1::ExportGroupsRequest& request) {
    absl::StatusOr<v1::ExportGroupsResponse> exported = platform_->ExportGroups({robot_}, request);
    EXPECT_THAT(exported, IsOk());
    if (!exported.ok()) return {};
    HttpRequest download;
    download.url = exported->download_url();
    absl::StatusOr<HttpResponse> file = http_->Send(download);
    EXPECT_THAT(file, IsOk());
    if (!file.ok()) return {};
    EXPECT_EQ(file->status_code, 200) << download.url;
    std::vector<std::string> names;
    for (absl::string_view line : absl::StrSplit(file->body, '\n', absl::SkipEmpty())) {
      const std::vector<absl::string_view> cells = absl::StrSplit(line, ',');
      if (cells.size() > 1 && cells[0] != "序号") names.emplace_back(cells[1]);
    }
    return names;
  }
};

TEST_F(YjiyunExportTest, ExportsGroupsByIdOrByFilters) {
  v1::ExportGroupsRequest by_id;
  by_id.add_conversation_ids(kGroup);
  EXPECT_EQ(ExportedNames(by_id), std::vector<std::string>{"99998"});

  v1::ExportGroupsRequest newest_last;
  newest_last.set_order(v1::EXPORT_GROUPS_ORDER_CREATED_ASC);
  newest_last.set_account_in_group(true);
  newest_last.set_owner_user_id(kRobotWxid);
  std::vector<std::string> names = ExportedNames(newest_last);
  ASSERT_THAT(names, SizeIs(kGroups));
  // The configured group is older than the generated ones.
  EXPECT_EQ(names.front(), "99998");
  v1::ExportGroupsRequest by_name;
  by_name.set_order(v1::EXPORT_GROUPS_ORDER_NAME_DESC);
  by_name.set_name_contains("生成群");
  by_name.set_min_members(4);
  by_name.set_max_members(4);
  EXPECT_EQ(ExportedNames(by_name),
            (std::vector<std::string>{"生成群5", "生成群4", "生成群3", "生成群2", "生成群1"}));
  v1::ExportGroupsRequest internal;
  internal.set_external(false);
  EXPECT_THAT(ExportedNames(internal), SizeIs(0));
  v1::ExportGroupsRequest other_owner;
  other_owner.set_owner_name("nobody");
  EXPECT_THAT(ExportedNames(other_owner), SizeIs(0));
}

TEST_F(YjiyunExportTest, AnExportYjiyunRefusesCarriesItsMessage) {
  v1::ExportGroupsRequest unknown;
  unknown.add_conversation_ids(kGroup);
  unknown.add_conversation_ids("R:999");
  EXPECT_TRUE(RefusedBy(platform_->ExportGroups({robot_}, unknown).status(),
                        absl::StatusCode::kFailedPrecondition, "R:999"));
  v1::ExportGroupsRequest owner;
  owner.set_owner_user_id("LianSen");
  EXPECT_THAT(platform_->ExportGroups({robot_}, owner),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("owner_user_id")));
}

TEST_F(YjiyunPlatformTest, CopiesGroupSettingsOneEntryPerRobot) {
  const std::vector<std::string> groups = GroupIds();
  ASSERT_THAT(groups, SizeIs(kGroups));
  std::vector<std::string> targets;
  for (const std::string& id : groups) {
    if (id != kGroup) targets.push_back(id);
  }
  v1::CopyGroupSettingsRequest request;
  request.set_template_conversation_id(kGroup);
  request.add_modules(v1::GROUP_SETTING_MODULE_WELCOME_NEW_MEMBER);
  request.add_modules(v1::GROUP_SETTING_MODULE_DEFAULT_REPLY);
  request.add_modules(v1::GROUP_SETTING_MODULE_KEYWORD_REPLY);
  // Two targets of one robot.
  v1::GroupSettingTarget& first = *request.add_targets();
  first.set_account_id(robot_.account_id);
  first.add_conversation_ids(targets[0]);
  first.add_conversation_ids(targets[1]);
  v1::GroupSettingTarget& second = *request.add_targets();
  second.set_account_id(robot_.account_id);
  second.add_conversation_ids(targets[2]);
  ASSERT_THAT(platform_->CopyGroupSettings(robot_, {robot_, robot_}, request), IsOk());

  const nlohmann::json settings = Logged("groupSettings");
  ASSERT_THAT(settings, SizeIs(1));
  EXPECT_EQ(settings[0]["r"], kRobotKey);
  EXPECT_EQ(settings[0]["g"], kGroup);
  EXPECT_EQ(settings[0]["module"], nlohmann::json::array({"WELCOME_NEW_MEMBER", "PERIOD_AUTO_REPLY",
                                                          "GROUP_KEYWORD_REPLY"}));
  EXPECT_EQ(settings[0]["targets"],
            nlohmann::json::array(
                {{{"robotKey", kRobotKey}, {"groups", {targets[0], targets[1], targets[2]}}}}));
}

TEST_F(YjiyunPlatformTest, AGroupSettingCopyYjiyunRefusesCarriesItsMessage) {
  v1::CopyGroupSettingsRequest request;
  request.set_template_conversation_id("R:999");
  request.add_modules(v1::GROUP_SETTING_MODULE_WELCOME_NEW_MEMBER);
  v1::GroupSettingTarget& target = *request.add_targets();
  target.set_account_id(robot_.account_id);
  target.add_conversation_ids(kGroup);
  EXPECT_TRUE(RefusedBy(platform_->CopyGroupSettings(robot_, {robot_}, request),
                        absl::StatusCode::kFailedPrecondition, "R:999"));
  EXPECT_THAT(Logged("groupSettings"), SizeIs(0));
}

}  // namespace
}  // namespace wecom::robot
