// YjiyunPlatform's HTTP operations against the yjiyun emulator: accounts,
// customers, groups and members, paged to the end.
#include "services/robot-gateway/yjiyun/yjiyun_platform.h"

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/status/vendor_error.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "services/robot-gateway/core/account_id.h"
#include "services/robot-gateway/metrics/gateway_metrics.h"
#include "tests/robot-gateway/yjiyun/yjiyun_fixture.h"

namespace wecom::robot {
namespace {

using ::testing::HasSubstr;
using testing::kRobotKey;
using ::testing::SizeIs;
using ::wecom::testing::IsOk;
using ::wecom::testing::StatusIs;

constexpr char kGroup[] = "R:10696051755024720";
// The example config: two customers and one group, plus 50 and 5 generated.
constexpr int kCustomers = 52;
constexpr int kGroups = 6;

class YjiyunPlatformTest : public testing::YjiyunFixture {
 protected:
  void SetUp() override {
    YjiyunFixture::SetUp();
    api_ = MakeApi();
    ASSERT_NE(api_, nullptr);
    channel_ = MakeChannel(api_.get(), &sink_);
    platform_ = std::make_unique<YjiyunPlatform>(api_.get(), channel_.get());
    robot_.vendor = v1::VENDOR_YJIYUN;
    robot_.vendor_account_id = kRobotKey;
    robot_.account_id = FormatAccountId(v1::VENDOR_YJIYUN, kRobotKey);
  }

  std::unique_ptr<YjiyunApi> api_;
  testing::RecordingSink sink_;
  std::unique_ptr<YjiyunChannel> channel_;
  std::unique_ptr<YjiyunPlatform> platform_;
  AccountRef robot_;
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
  int syncs = 0;
  for (const nlohmann::json& action : (*state)["actions"]) {
    if (action["type"] == "robot.tags.sync") ++syncs;
  }
  EXPECT_EQ(syncs, 2);
}

TEST_F(YjiyunPlatformTest, SyncsTheLabelsAgainForALabelItDoesNotKnow) {
  const auto tag = [&](absl::string_view label_id) {
    v1::SetContactLabelsRequest request;
    request.set_user_id("7881299459945762");
    request.add_label_ids(std::string(label_id));
    return platform_->SetContactLabels(robot_, request);
  };
  const auto syncs = [&] {
    absl::StatusOr<nlohmann::json> state = emulator_->State();
    int count = 0;
    if (!state.ok()) return -1;
    for (const nlohmann::json& action : (*state)["actions"]) {
      if (action["type"] == "robot.tags.sync") ++count;
    }
    return count;
  };
  ASSERT_THAT(tag("14073752703607623"), IsOk());
  ASSERT_THAT(tag("14073750575623185"), IsOk());
  EXPECT_EQ(syncs(), 1);
  // An id the last sync did not answer: synced again before yjiyun refuses.
  EXPECT_THAT(tag("99999999999999999"), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(syncs(), 2);
}

}  // namespace
}  // namespace wecom::robot
