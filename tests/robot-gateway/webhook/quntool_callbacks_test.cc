// Every callback type of seed 003, posted by the real quntool emulator to the
// real WebhookServer, as the typed events it stores: the emulator's control
// API injects what WeCom users do, and its send API produces the sent-message
// echoes with their sendMsgId.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/emulators/quntool/quntool_test_world.h"
#include "tests/robot-gateway/webhook/webhook_fixture.h"

namespace wecom::robot::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::SizeIs;
using ::testing::StartsWith;
using v1::GroupChangedEvent;
using v1::LoginEvent;
using ::wecom::quntool::Json;
using ::wecom::quntool::testing::kAccountA;
using ::wecom::quntool::testing::kColleague;
using ::wecom::quntool::testing::kCustomer1;
using ::wecom::quntool::testing::kCustomer2;
using ::wecom::quntool::testing::kCustomer3;
using ::wecom::quntool::testing::kGroup;
using ::wecom::testing::IsOk;

constexpr char kAccountId[] = "quntool:1688850000000001";
constexpr char kPrivateA1[] = "S:1688850000000001_7881300000000001";
constexpr char kHostA[] = "28cca2a4c405";

// The quntool emulator of the emulator tests' world, posting its callbacks to
// the fixture's webhook (with the secret in the path).
class QuntoolWebhookCallbacksTest : public WebhookFixture {
 protected:
  void SetUp() override {
    WebhookFixture::SetUp();
    if (HasFatalFailure()) return;
    quntool_ = std::make_unique<quntool::testing::QuntoolTestWorld>(
        quntool::testing::QuntoolTestWorldOptions{
            .webhook_url = absl::StrCat("http://127.0.0.1:", server_->port(), SecretPath())});
  }

  // Injects a callback (the emulator's control API); the callback's data.
  Json Inject(const Json& body) { return DataOf("/emulator/callback", quntool_->Inject(body)); }
  // POSTs to the openAPI (/gnapi/open<path>); the answer's data.
  Json Call(const std::string& path, const Json& body) {
    return DataOf(path, quntool_->Call("POST", path, body));
  }
  // The `data` of an emulator answer that must be a success (null, with a
  // test failure, when it is not).
  static Json DataOf(const std::string& path, const absl::StatusOr<Json>& answer) {
    EXPECT_THAT(answer, IsOk()) << path;
    if (!answer.ok()) return nullptr;
    EXPECT_TRUE(answer->is_object() && answer->value("code", -1) == 0)
        << path << ": " << answer->dump();
    return answer->is_object() ? answer->value("data", Json()) : Json();
  }

  // The stored event of `type`, waiting for it.
  v1::Event EventOfType(const std::string& type) {
    absl::StatusOr<v1::Event> event =
        WaitForEvent([&](const v1::Event& e) { return e.vendor_type() == type; });
    EXPECT_THAT(event, IsOk()) << type;
    return event.ok() ? *event : v1::Event();
  }
  // Injects a received message of `type` from customer 1 in the private chat.
  std::pair<Json, v1::MessageEvent> Receive(const std::string& type, Json overrides = nullptr) {
    Json injection = {{"type", type}, {"wxId", kAccountA}, {"conversationId", kPrivateA1}};
    if (!overrides.is_null()) injection["data"] = std::move(overrides);
    Json data = Inject(injection);
    return {std::move(data), EventOfType(type).message()};
  }
  // Sends through the openAPI; the vendor msgId.
  std::string Send(const std::string& path, Json body) {
    body["wxId"] = kAccountA;
    body["conversationId"] = kPrivateA1;
    const Json data = Call(path, body);
    return data.is_object() ? data.value("msgId", "") : "";
  }

  std::unique_ptr<quntool::testing::QuntoolTestWorld> quntool_;
};

int64_t Number(const Json& value) {
  int64_t number = 0;
  if (value.is_number_integer()) return value.get<int64_t>();
  if (value.is_string()) {
    EXPECT_TRUE(absl::SimpleAtoi(value.get<std::string>(), &number));
  }
  return number;
}

std::string AbsoluteUrl(const Json& relative_path) {
  EXPECT_TRUE(relative_path.is_string());
  const std::string path = relative_path.is_string() ? relative_path.get<std::string>() : "";
  EXPECT_THAT(path, StartsWith("/gnapi/"));
  return absl::StrCat(kQuntoolBaseUrl, path);
}

TEST_F(QuntoolWebhookCallbacksTest, ReceivedTextIsAnInboundMessageEvent) {
  Json data = Inject({{"type", "text_msg"}, {"wxId", kAccountA}, {"conversationId", kPrivateA1}});
  const v1::Event event = EventOfType("text_msg");
  EXPECT_EQ(event.position(), 1u);
  EXPECT_THAT(event.event_id(), SizeIs(36));  // the callback's msgId, a UUID
  EXPECT_EQ(event.account_id(), kAccountId);
  EXPECT_EQ(event.vendor(), v1::VENDOR_QUNTOOL);
  EXPECT_GT(event.occurred_at_ms(), 1700000000000);
  EXPECT_GE(event.received_at_ms(), event.occurred_at_ms());
  // The data as received (compared without regard to key order).
  EXPECT_EQ(nlohmann::json::parse(event.vendor_payload_json()), nlohmann::json::parse(data.dump()));

  const v1::MessageEvent& message = event.message();
  EXPECT_EQ(message.type(), v1::MESSAGE_TYPE_TEXT);
  EXPECT_EQ(message.direction(), v1::DIRECTION_INBOUND);
  EXPECT_EQ(message.conversation_id(), kPrivateA1);
  EXPECT_EQ(message.sender_id(), kCustomer1);
  EXPECT_EQ(message.sender_name(), "左脚");
  EXPECT_EQ(message.receiver_id(), kAccountA);
  EXPECT_EQ(message.server_id(), data["server_id"]);
  // A string in received callbacks.
  ASSERT_TRUE(data["send_time"].is_string());
  EXPECT_EQ(message.send_time(), Number(data["send_time"]));
  EXPECT_EQ(message.text(), "你好");
  EXPECT_TRUE(message.send_id().empty());
  EXPECT_EQ(outcomes_.outcomes().size(), 0u);
}

TEST_F(QuntoolWebhookCallbacksTest, GroupTextKeepsItsMentions) {
  Inject({{"type", "text_msg"},
          {"wxId", kAccountA},
          {"conversationId", kGroup},
          {"sender", kCustomer1},
          {"data", {{"at_list", {kAccountA, kCustomer2}}, {"content", "@YG @依然 看群公告"}}}});
  const v1::MessageEvent message = EventOfType("text_msg").message();
  EXPECT_EQ(message.conversation_id(), kGroup);
  EXPECT_EQ(message.sender_id(), kCustomer1);
  EXPECT_EQ(message.text(), "@YG @依然 看群公告");
  EXPECT_THAT(message.mention_user_ids(), ElementsAre(kAccountA, kCustomer2));
}

TEST_F(QuntoolWebhookCallbacksTest, ReceivedMediaPointsAtTheQuntoolHost) {
  const auto [image_data, image] = Receive("image_msg");
  EXPECT_EQ(image.type(), v1::MESSAGE_TYPE_IMAGE);
  EXPECT_EQ(image.media().url(), AbsoluteUrl(image_data["file_path"]));
  EXPECT_EQ(image.media().md5(), "9537ed76b4731c211e863dac2c9cffb0");
  EXPECT_EQ(image.media().size_bytes(), 149248u);
  EXPECT_EQ(image.media().width(), 1279);  // imgWidth, not the thumbnail's
  EXPECT_EQ(image.media().height(), 1706);

  const auto [video_data, video] = Receive("video_msg");
  EXPECT_EQ(video.type(), v1::MESSAGE_TYPE_VIDEO);
  EXPECT_EQ(video.media().url(), AbsoluteUrl(video_data["file_path"]));
  EXPECT_EQ(video.media().width(), 368);
  EXPECT_EQ(video.media().height(), 640);
  EXPECT_EQ(video.media().duration_seconds(), 29);
  EXPECT_EQ(video.media().size_bytes(), 2051752u);

  const auto [voice_data, voice] = Receive("voice_msg");
  EXPECT_EQ(voice.type(), v1::MESSAGE_TYPE_VOICE);
  EXPECT_EQ(voice.media().url(), AbsoluteUrl(voice_data["file_path"]));
  EXPECT_EQ(voice.media().duration_seconds(), 3);

  const auto [file_data, file] = Receive("file_msg");
  EXPECT_EQ(file.type(), v1::MESSAGE_TYPE_FILE);
  EXPECT_EQ(file.media().url(), AbsoluteUrl(file_data["file_path"]));
  EXPECT_EQ(file.media().file_name(), "Setup.log");
  EXPECT_EQ(file.media().size_bytes(), 3375050u);
  EXPECT_EQ(file.media().md5(), "67717327f234ccdaf083b132e66341f3");
}

TEST_F(QuntoolWebhookCallbacksTest, ReceivedLocationLinkAndEmoticon) {
  const v1::MessageEvent location = Receive("location_msg").second;
  EXPECT_EQ(location.type(), v1::MESSAGE_TYPE_LOCATION);
  EXPECT_DOUBLE_EQ(location.location().latitude(), 30.30261);
  EXPECT_DOUBLE_EQ(location.location().longitude(), 120.08213);
  EXPECT_EQ(location.location().address(), "浙江省杭州市西湖区余杭塘路866号");
  EXPECT_EQ(location.location().title(), "浙江大学(紫金港校区)");
  EXPECT_EQ(location.location().zoom(), 15);

  const v1::MessageEvent link = Receive("link_card_msg").second;
  EXPECT_EQ(link.type(), v1::MESSAGE_TYPE_LINK);
  EXPECT_EQ(link.link().title(), "光年实验室");
  EXPECT_EQ(link.link().description(), "真正的流量增长专家!");
  EXPECT_EQ(link.link().url(), "https://www.gnlab.com");
  EXPECT_EQ(link.text(), "真正的流量增长专家!");

  const v1::MessageEvent emoticon = Receive("emoticon_msg").second;
  EXPECT_EQ(emoticon.type(), v1::MESSAGE_TYPE_EMOTICON);
  // Already absolute: kept.
  EXPECT_EQ(emoticon.media().url(),
            "https://wework.qpic.cn/wwpic/wwwx_ac39c925acba989e615653dfcbe04398/0");
  EXPECT_EQ(emoticon.media().width(), 240);
  EXPECT_EQ(emoticon.media().md5(), "ac39c925acba989e615653dfcbe04398");
}

TEST_F(QuntoolWebhookCallbacksTest, ReceivedRedPacketCardMiniProgramAndVideoNum) {
  const v1::MessageEvent red_packet = Receive("red_packet_msg").second;
  EXPECT_EQ(red_packet.type(), v1::MESSAGE_TYPE_RED_PACKET);
  EXPECT_EQ(red_packet.text(), "来自客户的红包,请进入手机版企业微信查看");

  const v1::MessageEvent card = Receive("person_card_msg").second;
  EXPECT_EQ(card.type(), v1::MESSAGE_TYPE_PERSON_CARD);
  EXPECT_EQ(card.card_user_id(), "7881301954970001");
  EXPECT_EQ(card.card_name(), "峰哥");

  const v1::MessageEvent mini = Receive("mini_program_msg").second;
  EXPECT_EQ(mini.type(), v1::MESSAGE_TYPE_MINI_PROGRAM);
  EXPECT_EQ(mini.mini_program().appid(), "wx8f98d076d3459dd6");
  EXPECT_EQ(mini.mini_program().appname(), "雪球 App");
  EXPECT_EQ(mini.mini_program().username(), "gh_7a080f2e543d@app");
  EXPECT_EQ(mini.mini_program().title(), "Hi 聪明的投资者");
  EXPECT_EQ(mini.mini_program().page_path(), "pages/fundIndex/public.html?sourceFrom=share");

  const v1::MessageEvent video_num = Receive("video_num_msg").second;
  EXPECT_EQ(video_num.type(), v1::MESSAGE_TYPE_VIDEO_NUM);
  EXPECT_EQ(video_num.video_num().url(),
            "https://channels.weixin.qq.com/web/pages/feed?eid=export");
  EXPECT_EQ(video_num.video_num().nickname(), "白鹭洲知政");
  EXPECT_EQ(video_num.video_num().description(), "视频号动态");
  EXPECT_EQ(video_num.video_num().feed_type(), 4);
}

TEST_F(QuntoolWebhookCallbacksTest, GrayNoticeIsTheAccountsOwnSystemMessage) {
  const v1::MessageEvent gray = Receive("chat_gray_msg").second;
  EXPECT_EQ(gray.type(), v1::MESSAGE_TYPE_SYSTEM);
  EXPECT_EQ(gray.direction(), v1::DIRECTION_OUTBOUND);
  EXPECT_EQ(gray.sender_id(), kAccountA);
  EXPECT_EQ(gray.text(), "左脚开启了联系人验证,你还不是他(她)的联系人。");
}

TEST_F(QuntoolWebhookCallbacksTest, SentTextEchoReportsTheSendOutcome) {
  const std::string msg_id = Send("/msg/text", {{"content", "早晨"}});
  ASSERT_THAT(msg_id, SizeIs(36));
  const v1::Event event = EventOfType("text_msg");
  const v1::MessageEvent& message = event.message();
  EXPECT_EQ(message.direction(), v1::DIRECTION_OUTBOUND);
  EXPECT_EQ(message.sender_id(), kAccountA);
  EXPECT_EQ(message.receiver_id(), kCustomer1);
  EXPECT_EQ(message.text(), "早晨");
  EXPECT_EQ(message.error_code(), 0);
  // A number in sent callbacks.
  EXPECT_EQ(message.send_time(), Number(Json::parse(event.vendor_payload_json())["send_time"]));
  EXPECT_GT(message.send_time(), 1700000000);
  // The dispatcher got the outcome and the event names its send.
  EXPECT_EQ(message.send_id(), absl::StrCat("send-", msg_id));
  const std::vector<VendorSendOutcome> outcomes = outcomes_.outcomes();
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].vendor_msg_id, msg_id);
  EXPECT_EQ(outcomes[0].account_id, kAccountId);
  EXPECT_EQ(outcomes[0].conversation_id, kPrivateA1);
  EXPECT_EQ(outcomes[0].error_code, 0);
  EXPECT_EQ(outcomes[0].server_id, message.server_id());
  EXPECT_FALSE(outcomes[0].server_id.empty());
  EXPECT_EQ(outcomes[0].echo_type, v1::MESSAGE_TYPE_TEXT);
}

TEST_F(QuntoolWebhookCallbacksTest, ThrottledEchoCarriesTheVendorError) {
  const std::string first = Send("/msg/text", {{"content", "1"}});
  // Within the account's 500 ms: the vendor refuses it in the callback.
  const std::string second = Send("/msg/text", {{"content", "2"}});
  absl::StatusOr<v1::Event> throttled =
      WaitForEvent([](const v1::Event& e) { return e.message().text() == "2"; });
  ASSERT_THAT(throttled, IsOk());
  EXPECT_EQ(throttled->message().error_code(), -1000999);
  EXPECT_EQ(throttled->message().error_message(), "Abnormal request frequency");
  EXPECT_EQ(throttled->message().send_id(), absl::StrCat("send-", second));
  bool found = false;
  for (const VendorSendOutcome& outcome : outcomes_.outcomes()) {
    if (outcome.vendor_msg_id != second) continue;
    found = true;
    EXPECT_EQ(outcome.error_code, -1000999);
    EXPECT_EQ(outcome.error_message, "Abnormal request frequency");
  }
  EXPECT_TRUE(found);
}

TEST_F(QuntoolWebhookCallbacksTest, SentMediaEchoesPointAtTheQuntoolHost) {
  const std::string msg_id = Send("/msg/image", {{"fileUrl", "https://example.com/pic.png"}});
  const v1::Event event = EventOfType("image_msg");
  const v1::MessageEvent& message = event.message();
  EXPECT_EQ(message.direction(), v1::DIRECTION_OUTBOUND);
  EXPECT_EQ(message.media().url(),
            AbsoluteUrl(Json::parse(event.vendor_payload_json())["file_path"]));
  EXPECT_THAT(message.media().url(),
              StartsWith(absl::StrCat(kQuntoolBaseUrl, "/gnapi/files/Storage/")));
  EXPECT_EQ(message.media().width(), 200);
  const std::vector<VendorSendOutcome> outcomes = outcomes_.outcomes();
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].vendor_msg_id, msg_id);
  EXPECT_EQ(outcomes[0].echo_type, v1::MESSAGE_TYPE_IMAGE);
}

TEST_F(QuntoolWebhookCallbacksTest, NewContactIsAContactAddedEvent) {
  constexpr char kStranger[] = "7881299646990001";
  Inject({{"type", "notify_type_contact_add"}, {"wxId", kAccountA}, {"sender", kStranger}});
  const v1::Event event = EventOfType("notify_type_contact_add");
  EXPECT_EQ(event.account_id(), kAccountId);
  const v1::Contact& contact = event.contact_added().contact();
  EXPECT_EQ(contact.user_id(), kStranger);
  EXPECT_EQ(contact.name(), "我不知道");
  EXPECT_EQ(contact.conversation_id(), "S:1688850000000001_7881299646990001");
  EXPECT_EQ(contact.corp_id(), "1970325134026788");
  EXPECT_TRUE(contact.wechat_user());
}

TEST_F(QuntoolWebhookCallbacksTest, GroupChangesAreGroupChangedEvents) {
  constexpr char kNewGroup[] = "R:10899000000000077";
  Inject({{"type", "notify_type_room_create"},
          {"wxId", kAccountA},
          {"conversationId", kNewGroup},
          {"members", {kCustomer1, kCustomer3}}});
  const GroupChangedEvent created = EventOfType("notify_type_room_create").group_changed();
  EXPECT_EQ(created.change(), GroupChangedEvent::CHANGE_CREATED);
  EXPECT_EQ(created.conversation_id(), kNewGroup);
  EXPECT_EQ(created.operator_id(), kAccountA);
  EXPECT_EQ(created.operator_name(), "YG");
  ASSERT_EQ(created.members_size(), 2);
  EXPECT_EQ(created.members(0).user_id(), kCustomer1);
  EXPECT_EQ(created.members(0).name(), "左脚");
  EXPECT_EQ(created.members(1).user_id(), kCustomer3);

  Inject({{"type", "notify_type_room_add_member"},
          {"wxId", kAccountA},
          {"conversationId", kGroup},
          {"members", {kColleague}}});
  const GroupChangedEvent added = EventOfType("notify_type_room_add_member").group_changed();
  EXPECT_EQ(added.change(), GroupChangedEvent::CHANGE_MEMBERS_ADDED);
  EXPECT_EQ(added.conversation_id(), kGroup);
  EXPECT_EQ(added.group_name(), "YG、左脚、依然");
  ASSERT_EQ(added.members_size(), 1);
  EXPECT_EQ(added.members(0).user_id(), kColleague);

  Inject({{"type", "notify_type_room_del_member"},
          {"wxId", kAccountA},
          {"conversationId", kGroup},
          {"members", {kCustomer2}}});
  const GroupChangedEvent removed = EventOfType("notify_type_room_del_member").group_changed();
  EXPECT_EQ(removed.change(), GroupChangedEvent::CHANGE_MEMBERS_REMOVED);
  ASSERT_EQ(removed.members_size(), 1);
  EXPECT_EQ(removed.members(0).user_id(), kCustomer2);
  EXPECT_EQ(removed.members(0).name(), "依然");

  Inject({{"type", "notify_type_room_member_quit"},
          {"wxId", kAccountA},
          {"conversationId", kGroup},
          {"sender", kCustomer1}});
  const GroupChangedEvent quit = EventOfType("notify_type_room_member_quit").group_changed();
  EXPECT_EQ(quit.change(), GroupChangedEvent::CHANGE_MEMBER_QUIT);
  EXPECT_EQ(quit.operator_id(), kCustomer1);
  EXPECT_EQ(quit.operator_name(), "左脚");

  Inject({{"type", "room_name_changed"},
          {"wxId", kAccountA},
          {"conversationId", kGroup},
          {"name", "井上拟声"}});
  const GroupChangedEvent renamed = EventOfType("room_name_changed").group_changed();
  EXPECT_EQ(renamed.change(), GroupChangedEvent::CHANGE_RENAMED);
  EXPECT_EQ(renamed.conversation_id(), kGroup);
  EXPECT_EQ(renamed.group_name(), "井上拟声");
}

TEST_F(QuntoolWebhookCallbacksTest, LoginProgressIsLoginEvents) {
  Inject({{"type", "qrcode_status_msg"}, {"hostname", kHostA}, {"data", {{"status", 10}}}});
  const v1::Event qrcode = EventOfType("qrcode_status_msg");
  EXPECT_EQ(qrcode.account_id(), kAccountId);
  EXPECT_EQ(qrcode.login().kind(), LoginEvent::KIND_QRCODE_STATUS);
  EXPECT_EQ(qrcode.login().host(), kHostA);
  EXPECT_EQ(qrcode.login().qrcode_status(), 10);
  EXPECT_EQ(qrcode.login().qrcode_key(), "6E16C7042D0A4E832114E839EB1694CE");
  EXPECT_EQ(qrcode.login().name(), "YG");
  EXPECT_EQ(qrcode.login().corp_id(), "1970325057080574");

  const Json safe_data = Inject({{"type", "safe_validate"}, {"hostname", kHostA}});
  const LoginEvent safe = EventOfType("safe_validate").login();
  EXPECT_EQ(safe.kind(), LoginEvent::KIND_SAFE_VALIDATE);
  EXPECT_EQ(safe.qrcode_url(), AbsoluteUrl(safe_data["Qrcode"]));
  EXPECT_EQ(safe.name(), "YG");

  Inject({{"type", "user_offline"}, {"wxId", kAccountA}});
  const v1::Event offline = EventOfType("user_offline");
  EXPECT_EQ(offline.login().kind(), LoginEvent::KIND_OFFLINE);
  EXPECT_EQ(offline.login().host(), kHostA);
  // Its data is null.
  EXPECT_EQ(offline.vendor_payload_json(), "");

  Inject({{"type", "user_login"}, {"wxId", kAccountA}});
  const v1::Event login = EventOfType("user_login");
  EXPECT_EQ(login.account_id(), kAccountId);
  EXPECT_EQ(login.login().kind(), LoginEvent::KIND_LOGGED_IN);
  EXPECT_EQ(login.login().host(), kHostA);
  EXPECT_EQ(login.login().name(), "YG");
  EXPECT_EQ(login.login().corp_id(), "1970325057080574");
}

TEST_F(QuntoolWebhookCallbacksTest, NewContainerReportsLoginBeforeItHasAnAccount) {
  const Json container = Call("/container/create", {{"userId", "apps-1"}});
  ASSERT_TRUE(container.is_object());
  const std::string host = container.value("hostname", "");
  Inject({{"type", "qrcode_status_msg"}, {"hostname", host}});
  const v1::Event qrcode = EventOfType("qrcode_status_msg");
  EXPECT_EQ(qrcode.account_id(), "");
  EXPECT_EQ(qrcode.login().host(), host);
  EXPECT_EQ(qrcode.login().qrcode_status(), 2);
}

TEST_F(QuntoolWebhookCallbacksTest, BatchConfirmationIsConfirmedAutomatically) {
  Inject({{"type", "batch_msg_confirm"}, {"wxId", kAccountA}});
  const v1::Event event = EventOfType("batch_msg_confirm");
  EXPECT_EQ(event.batch_message_confirm().title(), "通知你群发消息给客户");
  EXPECT_GT(event.batch_message_confirm().send_time(), 1700000000);
  EXPECT_TRUE(event.batch_message_confirm().auto_confirmed());
  EXPECT_THAT(platform_.confirmed_accounts(), ElementsAre(kAccountId));
}

TEST_F(QuntoolWebhookCallbacksTest, FailedAutoConfirmationStillStoresTheEvent) {
  platform_.set_confirm_result(absl::FailedPreconditionError("企微不在线"));
  Inject({{"type", "batch_msg_confirm"}, {"wxId", kAccountA}});
  const v1::Event event = EventOfType("batch_msg_confirm");
  EXPECT_FALSE(event.batch_message_confirm().auto_confirmed());
  EXPECT_THAT(platform_.confirmed_accounts(), ElementsAre(kAccountId));
}

}  // namespace
}  // namespace wecom::robot::testing
