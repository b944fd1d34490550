// YjiyunChannel against the yjiyun emulator's real socket.io server: pushed
// messages and actions become events, requests are answered over the socket
// or the bridge, and a reconnect fills the gap with no hole, no duplicate and
// nothing out of order.
#include "services/robot-gateway/yjiyun/yjiyun_channel.h"

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/robot-gateway/yjiyun/yjiyun_fixture.h"

namespace wecom::robot {
namespace {

using ::testing::HasSubstr;
using testing::kRobotKey;
using testing::RecordingSink;
using ::testing::SizeIs;
using ::wecom::testing::IsOk;
using ::wecom::testing::StatusIs;

constexpr char kCustomer[] = "7881299459945762";
// The example robot's group with kCustomer in it.
constexpr char kGroup[] = "R:10696051755024720";

// The inbound texts among `events`, in order.
std::vector<std::string> InboundTexts(const std::vector<v1::Event>& events) {
  std::vector<std::string> texts;
  for (const v1::Event& event : events) {
    if (event.has_message() && event.message().direction() == v1::DIRECTION_INBOUND) {
      texts.push_back(event.message().text());
    }
  }
  return texts;
}

class YjiyunChannelTest : public testing::YjiyunFixture {
 protected:
  void SetUp() override {
    YjiyunFixture::SetUp();
    api_ = MakeApi();
    ASSERT_NE(api_, nullptr);
  }

  void StartChannel(bool msg_filter = false) {
    channel_ = MakeChannel(api_.get(), &sink_, msg_filter);
    ASSERT_NE(channel_, nullptr);
  }

  // `count` texts from the customer, "<prefix> {i}".
  void Inject(int count, const std::string& prefix) {
    Control("messages", {{"robotKey", kRobotKey},
                         {"chatUser", kCustomer},
                         {"count", count},
                         {"contentType", 1},
                         {"content", absl::StrCat(prefix, " {i}")}});
  }

  std::unique_ptr<YjiyunApi> api_;
  RecordingSink sink_;
  std::unique_ptr<YjiyunChannel> channel_;
};

TEST_F(YjiyunChannelTest, PushedMessagesBecomeEventsInOrder) {
  StartChannel();
  Inject(5, "hello");
  const std::vector<v1::Event> events =
      sink_.WaitFor([](const std::vector<v1::Event>& e) { return InboundTexts(e).size() >= 5; });
  EXPECT_THAT(InboundTexts(events),
              ::testing::ElementsAre("hello 1", "hello 2", "hello 3", "hello 4", "hello 5"));
  EXPECT_EQ(events[0].account_id(), absl::StrCat("yjiyun:", kRobotKey));
}

TEST_F(YjiyunChannelTest, AnActionIsAnsweredOverTheSocketAndOverTheBridgeWhenItIsDown) {
  StartChannel();
  absl::StatusOr<nlohmann::json> tags =
      channel_->Request("action", {{"type", "robot.tags.sync"},
                                   {"robotKey", kRobotKey},
                                   {"messageId", "20260101000000000001"}});
  ASSERT_THAT(tags, IsOk());
  EXPECT_TRUE((*tags)["labelList"].is_array());
  EXPECT_EQ((*tags)["messageId"], "20260101000000000001");

  // Down for a while: the next request goes over the bridge.
  Control("drop", {{"refuseMs", 5000}});
  ASSERT_TRUE(channel_->WaitUntil(false, 0, absl::Now() + absl::Seconds(10)));
  tags = channel_->Request("action", {{"type", "robot.tags.sync"},
                                      {"robotKey", kRobotKey},
                                      {"messageId", "20260101000000000002"}});
  ASSERT_THAT(tags, IsOk());
  EXPECT_TRUE((*tags)["labelList"].is_array());
  absl::StatusOr<nlohmann::json> state = emulator_->State();
  ASSERT_THAT(state, IsOk());
  std::vector<std::string> vias;
  for (const nlohmann::json& action : (*state)["actions"]) vias.push_back(action["via"]);
  EXPECT_THAT(vias, ::testing::ElementsAre("socket", "bridge"));
}

TEST_F(YjiyunChannelTest, ARefusedActionCarriesTheVendorsCodeAndMessage) {
  StartChannel();
  absl::StatusOr<nlohmann::json> refused =
      channel_->Request("action", {{"type", "robot.conv.admins"},
                                   {"robotKey", kRobotKey},
                                   {"conversationId", "not-a-group"},
                                   {"messageId", "20260101000000000003"}});
  EXPECT_THAT(refused,
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("invalid conversion id")));
}

TEST_F(YjiyunChannelTest, AnExpiredTokenOnTheSocketIsRenewedAndTheRequestGoesAgain) {
  StartChannel();
  // The socket stays open with its token, which expires.
  Control("tokens/expire", nlohmann::json::object());
  absl::StatusOr<nlohmann::json> tags =
      channel_->Request("action", {{"type", "robot.tags.sync"},
                                   {"robotKey", kRobotKey},
                                   {"messageId", "wg20260101000000000004"}});
  ASSERT_THAT(tags, IsOk());
  EXPECT_TRUE((*tags)["labelList"].is_array());
  absl::StatusOr<nlohmann::json> state = emulator_->State();
  ASSERT_THAT(state, IsOk());
  std::vector<std::string> codes;
  for (const nlohmann::json& action : (*state)["actions"]) codes.push_back(action["code"]);
  EXPECT_THAT(codes, ::testing::ElementsAre("1000", "0"));
}

TEST_F(YjiyunChannelTest, AReconnectFillsTheGapOnceAndInOrder) {
  StartChannel();
  Inject(3, "before");
  sink_.WaitFor([](const std::vector<v1::Event>& e) { return InboundTexts(e).size() >= 3; });
  // Dropped, and refused for a while: these arrive while nobody listens.
  Control("drop", {{"refuseMs", 1500}});
  ASSERT_TRUE(channel_->WaitUntil(false, 0, absl::Now() + absl::Seconds(10)));
  Inject(50, "away");
  // Back: the gap comes first, then what arrives after the reconnect.
  ASSERT_TRUE(channel_->WaitUntil(true, 1, absl::Now() + absl::Seconds(30)));
  EXPECT_EQ(channel_->gap_fills(), 1);
  Inject(2, "after");
  const std::vector<v1::Event> events =
      sink_.WaitFor([](const std::vector<v1::Event>& e) { return InboundTexts(e).size() >= 55; });
  std::vector<std::string> expected = {"before 1", "before 2", "before 3"};
  for (int i = 1; i <= 50; ++i) expected.push_back(absl::StrCat("away ", i));
  expected.push_back("after 1");
  expected.push_back("after 2");
  EXPECT_EQ(InboundTexts(events), expected);
}

// With msgFilter=1 the gap holds what the socket would have pushed: a
// one-to-one text and a group text @-ing the robot, not an image or a group
// text for others.
TEST_F(YjiyunChannelTest, WithTheMsgFilterTheGapHoldsWhatTheSocketWouldHavePushed) {
  const auto inject_mix = [&](const std::string& when) {
    Inject(1, absl::StrCat(when, " text"));
    Control("messages", {{"robotKey", kRobotKey}, {"chatUser", kCustomer}, {"contentType", 7}});
    Control("messages", {{"robotKey", kRobotKey},
                         {"chatUser", kGroup},
                         {"from", kCustomer},
                         {"content", absl::StrCat(when, " group chatter")}});
    Control("messages", {{"robotKey", kRobotKey},
                         {"chatUser", kGroup},
                         {"from", kCustomer},
                         {"atRobot", true},
                         {"content", absl::StrCat(when, " group @robot")}});
  };
  StartChannel(/*msg_filter=*/true);
  inject_mix("live");
  sink_.WaitFor([](const std::vector<v1::Event>& e) { return InboundTexts(e).size() >= 2; });
  Control("drop", {{"refuseMs", 1500}});
  ASSERT_TRUE(channel_->WaitUntil(false, 0, absl::Now() + absl::Seconds(10)));
  inject_mix("away");
  ASSERT_TRUE(channel_->WaitUntil(true, 1, absl::Now() + absl::Seconds(30)));
  // A marker after the fill: everything before it has been delivered.
  Inject(1, "after");
  const std::vector<v1::Event> events = sink_.WaitFor([](const std::vector<v1::Event>& e) {
    const std::vector<std::string> texts = InboundTexts(e);
    return !texts.empty() && texts.back() == "after 1";
  });
  EXPECT_EQ(InboundTexts(events),
            (std::vector<std::string>{"live text 1", "live group @robot", "away text 1",
                                      "away group @robot", "after 1"}));
  int images = 0;
  for (const v1::Event& event : events) images += event.message().type() == v1::MESSAGE_TYPE_IMAGE;
  EXPECT_EQ(images, 0);
}

}  // namespace
}  // namespace wecom::robot
