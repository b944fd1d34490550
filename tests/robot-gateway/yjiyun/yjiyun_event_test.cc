// yjiyun's pushed messages and actions as gateway events, from the
// document's examples (seed 001 3.2, 3.4, 2.11, 3.8, 3.22) and broken ones.
#include "services/robot-gateway/yjiyun/yjiyun_event.h"

#include "absl/strings/str_cat.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace wecom::robot {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::wecom::testing::IsOk;
using ::wecom::testing::StatusIs;

// 3.2: a group text mentioning two members.
json GroupText() {
  return json::parse(R"({
    "messageId": "202003241342304979", "msgSvrID": "1002484", "timestamp": 1585024550000,
    "robotKey": "cfb3e2c2686d437ab1109cd63b87ea48",
    "chatId": "S:1688853440227542_R:1736442911", "chatName": "客户群",
    "from": {"contactId": "1688853470825570", "nickName": "客服昵称",
             "headImg": "https://wework.qpic.cn/wwhead/xxx/0", "isGroupContact": 1},
    "isGroupChat": 1,
    "content": {"contentType": 1, "content": "get", "atUserList": "7881299823,1688853470"},
    "assignTo": "xiaohong"})");
}

// 3.4: the echo of the robot's own text send.
json SentEcho() {
  return json::parse(R"({
    "messageId": "wg2020030216285000000001", "msgSvrID": "1002484", "timestamp": 1585024550000,
    "robotKey": "cfb3e2c2686d437ab1109cd63b87ea48",
    "chatId": "S:1688853470427542_1688853470829406", "chatUser": "1688853470829406",
    "from": {"contactId": "1688853470427542", "nickName": "客服昵称", "isGroupContact": 0,
             "isSelf": 1},
    "isGroupChat": 0, "sendStatus": 1,
    "content": {"contentType": 1, "content": "123"}})");
}

TEST(YjiyunMessageTest, AGroupTextBecomesAnInboundTextOfTheGroup) {
  absl::StatusOr<VendorEvent> normalized = NormalizeYjiyunMessage(GroupText());
  ASSERT_THAT(normalized, IsOk());
  const v1::Event& event = normalized->event;
  EXPECT_EQ(event.event_id(), "yjiyun:202003241342304979@R:1736442911");
  EXPECT_EQ(event.account_id(), "yjiyun:cfb3e2c2686d437ab1109cd63b87ea48");
  EXPECT_EQ(event.vendor(), v1::VENDOR_YJIYUN);
  EXPECT_EQ(event.occurred_at_ms(), 1585024550000);
  EXPECT_EQ(event.vendor_type(), "message");
  const v1::MessageEvent& message = event.message();
  EXPECT_EQ(message.conversation_id(), "R:1736442911");
  EXPECT_EQ(message.direction(), v1::DIRECTION_INBOUND);
  EXPECT_EQ(message.type(), v1::MESSAGE_TYPE_TEXT);
  EXPECT_EQ(message.text(), "get");
  EXPECT_THAT(message.mention_user_ids(), ElementsAre("7881299823", "1688853470"));
  EXPECT_EQ(message.sender_id(), "1688853470825570");
  EXPECT_EQ(message.sender_name(), "客服昵称");
  EXPECT_EQ(message.server_id(), "1002484");
  EXPECT_EQ(message.send_time(), 1585024550);
  EXPECT_FALSE(normalized->send_outcome.has_value());
  EXPECT_THAT(event.vendor_payload_json(), HasSubstr("assignTo"));
}

TEST(YjiyunMessageTest, TheEchoOfASendIsItsOutcome) {
  absl::StatusOr<VendorEvent> normalized = NormalizeYjiyunMessage(SentEcho());
  ASSERT_THAT(normalized, IsOk());
  const v1::MessageEvent& message = normalized->event.message();
  EXPECT_EQ(message.direction(), v1::DIRECTION_OUTBOUND);
  EXPECT_EQ(message.conversation_id(), "S:1688853470427542_1688853470829406");
  ASSERT_TRUE(normalized->send_outcome.has_value());
  EXPECT_EQ(normalized->send_outcome->vendor_msg_id, "wg2020030216285000000001");
  EXPECT_EQ(normalized->send_outcome->error_code, 0);
  EXPECT_EQ(normalized->send_outcome->account_id, "yjiyun:cfb3e2c2686d437ab1109cd63b87ea48");
  EXPECT_EQ(normalized->send_outcome->echo_type, v1::MESSAGE_TYPE_TEXT);

  json failed = SentEcho();
  failed["sendStatus"] = 2;
  normalized = NormalizeYjiyunMessage(failed);
  ASSERT_THAT(normalized, IsOk());
  ASSERT_TRUE(normalized->send_outcome.has_value());
  EXPECT_EQ(normalized->send_outcome->error_code, 2);
  EXPECT_EQ(normalized->event.message().error_code(), 2);

  // The socket's echo (3.4) may carry no status: sent.
  json bare = SentEcho();
  bare.erase("sendStatus");
  normalized = NormalizeYjiyunMessage(bare);
  ASSERT_THAT(normalized, IsOk());
  ASSERT_TRUE(normalized->send_outcome.has_value());
  EXPECT_EQ(normalized->send_outcome->error_code, 0);

  // Sent otherwise (the console): an outbound message, no outcome of ours.
  json console = SentEcho();
  console["messageId"] = "2020030216285000000001";
  normalized = NormalizeYjiyunMessage(console);
  ASSERT_THAT(normalized, IsOk());
  EXPECT_EQ(normalized->event.message().direction(), v1::DIRECTION_OUTBOUND);
  EXPECT_FALSE(normalized->send_outcome.has_value());

  // Not sent yet (sentStatus 0, the table's spelling): no outcome.
  json pending = SentEcho();
  pending.erase("sendStatus");
  pending["sentStatus"] = 0;
  normalized = NormalizeYjiyunMessage(pending);
  ASSERT_THAT(normalized, IsOk());
  EXPECT_FALSE(normalized->send_outcome.has_value());
}

TEST(YjiyunMessageTest, ARefusedSendIsAFailedOutcomeWithTheVendorsCode) {
  const json refused = {{"messageId", "wg2020030216285000000009"},
                        {"chatId", "S:1688853470427542_7881300000000001"},
                        {"robotKey", "cfb3e2c2686d437ab1109cd63b87ea48"},
                        {"code", "1"},
                        {"msg", "chatUser不是好友"},
                        {"sendStatus", 2}};
  absl::StatusOr<VendorEvent> normalized = NormalizeYjiyunMessage(refused);
  ASSERT_THAT(normalized, IsOk());
  ASSERT_TRUE(normalized->send_outcome.has_value());
  EXPECT_EQ(normalized->send_outcome->error_code, 1);
  EXPECT_EQ(normalized->send_outcome->error_message, "chatUser不是好友");
  EXPECT_EQ(normalized->event.message().direction(), v1::DIRECTION_OUTBOUND);
}

TEST(YjiyunMessageTest, AForwardsMessagesToEachTargetAreEventsOfTheirOwn) {
  json to_customer = SentEcho();
  json to_group = SentEcho();
  to_group["chatId"] = "S:1688853470427542_R:10696051755024720";
  to_group.erase("chatUser");
  absl::StatusOr<VendorEvent> first = NormalizeYjiyunMessage(to_customer);
  absl::StatusOr<VendorEvent> second = NormalizeYjiyunMessage(to_group);
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(second, IsOk());
  EXPECT_NE(first->event.event_id(), second->event.event_id());
  EXPECT_EQ(second->event.message().conversation_id(), "R:10696051755024720");
}

TEST(YjiyunMessageTest, TheCopiesOfTheGatewaysForwardAreNoSendsOutcome) {
  // A forward's copies come back under the action's messageId, sent: they
  // must not confirm a send of the same kind to the same customer.
  json copy = SentEcho();
  copy["messageId"] = absl::StrCat(kGatewayActionIdPrefix, "20200302162850000000001");
  absl::StatusOr<VendorEvent> normalized = NormalizeYjiyunMessage(copy);
  ASSERT_THAT(normalized, IsOk());
  EXPECT_EQ(normalized->event.message().direction(), v1::DIRECTION_OUTBOUND);
  EXPECT_FALSE(normalized->send_outcome.has_value());
}

TEST(YjiyunMessageTest, AChatMessageItemIsTheSameEventAsTheSocketsMessage) {
  // 2.11 names the group in chatUser.
  json item = GroupText();
  item["chatUser"] = "R:1736442911";
  item["chatId"] = "S:1688853440227542 R:1736442911";
  absl::StatusOr<VendorEvent> from_history = NormalizeYjiyunMessage(item);
  absl::StatusOr<VendorEvent> from_socket = NormalizeYjiyunMessage(GroupText());
  ASSERT_THAT(from_history, IsOk());
  ASSERT_THAT(from_socket, IsOk());
  EXPECT_EQ(from_history->event.event_id(), from_socket->event.event_id());
  EXPECT_EQ(from_history->event.message().conversation_id(),
            from_socket->event.message().conversation_id());
}

TEST(YjiyunMessageTest, EveryContentTypeFillsItsFields) {
  struct Case {
    json content;
    v1::MessageType type;
  };
  const Case cases[] = {
      {{{"contentType", 7}, {"pic", "http://media/x.png"}}, v1::MESSAGE_TYPE_IMAGE},
      {{{"contentType", 29}, {"pic", "http://media/x.gif"}}, v1::MESSAGE_TYPE_EMOTICON},
      {{{"contentType", 8}, {"fileName", "http://media/a/report.pdf"}}, v1::MESSAGE_TYPE_FILE},
      {{{"contentType", 5}, {"fileName", "http://media/v.MP4"}}, v1::MESSAGE_TYPE_VIDEO},
      {{{"contentType", 9}, {"content", "http://media/voice.silk"}}, v1::MESSAGE_TYPE_VOICE},
      {{{"contentType", 13},
        {"title", "T"},
        {"link", "http://l"},
        {"description", "D"},
        {"coverImgFile", "http://c"}},
       v1::MESSAGE_TYPE_LINK},
      {{{"contentType", 78}, {"title", "小程序"}, {"senderName", "App"}},
       v1::MESSAGE_TYPE_MINI_PROGRAM},
      {{{"contentType", 2}, {"content", "from the phone"}}, v1::MESSAGE_TYPE_TEXT},
      {{{"contentType", 4242}, {"content", "?"}}, v1::MESSAGE_TYPE_OTHER},
  };
  for (const Case& c : cases) {
    json body = GroupText();
    body["content"] = c.content;
    absl::StatusOr<VendorEvent> normalized = NormalizeYjiyunMessage(body);
    ASSERT_THAT(normalized, IsOk()) << c.content.dump();
    const v1::MessageEvent& message = normalized->event.message();
    EXPECT_EQ(message.type(), c.type) << c.content.dump();
    switch (c.type) {
      case v1::MESSAGE_TYPE_IMAGE:
      case v1::MESSAGE_TYPE_EMOTICON:
      case v1::MESSAGE_TYPE_VIDEO:
      case v1::MESSAGE_TYPE_VOICE:
        EXPECT_THAT(message.media().url(), HasSubstr("http://media/")) << c.content.dump();
        break;
      case v1::MESSAGE_TYPE_FILE:
        EXPECT_EQ(message.media().file_name(), "report.pdf");
        break;
      case v1::MESSAGE_TYPE_LINK:
        EXPECT_EQ(message.link().url(), "http://l");
        EXPECT_EQ(message.link().image_url(), "http://c");
        break;
      case v1::MESSAGE_TYPE_MINI_PROGRAM:
        EXPECT_EQ(message.mini_program().title(), "小程序");
        break;
      case v1::MESSAGE_TYPE_TEXT:
        // Sent from the account's phone.
        EXPECT_EQ(message.direction(), v1::DIRECTION_OUTBOUND);
        break;
      default:
        EXPECT_EQ(message.text(), "?");
    }
  }
}

TEST(YjiyunMessageTest, AMessageWithoutWhatAnEventNeedsIsRefusedNamingTheField) {
  for (const char* field : {"messageId", "robotKey", "chatId", "timestamp", "content"}) {
    json body = GroupText();
    body.erase(field);
    EXPECT_THAT(NormalizeYjiyunMessage(body),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(field)))
        << field;
  }
  json no_type = GroupText();
  no_type["content"].erase("contentType");
  EXPECT_THAT(NormalizeYjiyunMessage(no_type),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("content.contentType")));
  json bad_time = GroupText();
  bad_time["timestamp"] = "yesterday";
  EXPECT_THAT(NormalizeYjiyunMessage(bad_time),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("timestamp")));
  EXPECT_THAT(NormalizeYjiyunMessage(json::array()), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(YjiyunMessageTest, TheMsgFilterPassesOneToOneTextsAndGroupTextsMentioningTheRobot) {
  json group_text = GroupText();
  EXPECT_FALSE(PassesYjiyunMsgFilter(group_text));
  group_text["content"]["atUserList"] = "7881299823, 1688853440227542";
  EXPECT_TRUE(PassesYjiyunMsgFilter(group_text));
  json one_to_one = SentEcho();
  EXPECT_TRUE(PassesYjiyunMsgFilter(one_to_one));
  one_to_one["content"]["contentType"] = 7;
  EXPECT_FALSE(PassesYjiyunMsgFilter(one_to_one));
  one_to_one["content"]["contentType"] = 2;
  EXPECT_FALSE(PassesYjiyunMsgFilter(one_to_one));
}

TEST(YjiyunActionTest, AFriendRequestBecomesAFriendRequestEvent) {
  const json pushed = json::parse(R"({
    "messageId": "20200427165446428160753820", "type": "robot.on.new.friend.request",
    "robotKey": "03f16c3b9b6a46108c38b9f2aa49b27b", "code": "0", "reason": "我是蘑菇",
    "wechatImgUrl": "http://wx.qlogo.cn/mmhead/xxxx", "name": "蘑菇", "userId": 780000919,
    "gender": 1, "remarks": "", "isOuterUser": 1})");
  absl::StatusOr<std::vector<VendorEvent>> events = NormalizeYjiyunAction(pushed);
  ASSERT_THAT(events, IsOk());
  ASSERT_THAT(*events, SizeIs(1));
  const v1::Event& event = (*events)[0].event;
  EXPECT_EQ(event.event_id(), "yjiyun:20200427165446428160753820");
  EXPECT_EQ(event.vendor_type(), "robot.on.new.friend.request");
  ASSERT_TRUE(event.has_friend_request());
  EXPECT_EQ(event.friend_request().reason(), "我是蘑菇");
  EXPECT_EQ(event.friend_request().contact().user_id(), "780000919");
  EXPECT_EQ(event.friend_request().contact().name(), "蘑菇");
  EXPECT_TRUE(event.friend_request().contact().wechat_user());
}

TEST(YjiyunActionTest, MemberChangesBecomeGroupChangedEvents) {
  // 3.22, with the document's stray spaces in the type; delMembers is the
  // emulator's addition for removals.
  const json pushed = json::parse(R"({
    "messageId": "20200217102316325781544414", "code": "0",
    "conversationId": "R:10696052725", "name": "测试 25", "dts": "1608974161609",
    "type": "robot. group. members. changed", "robotKey": "bcc23c5e76ab6887d51b0197cd017e66",
    "newMembers": [{"gender": "2", "nickName": "甜 99", "userId": "7881300920001"}],
    "delMembers": ["7881300920002"]})");
  absl::StatusOr<std::vector<VendorEvent>> events = NormalizeYjiyunAction(pushed);
  ASSERT_THAT(events, IsOk());
  ASSERT_THAT(*events, SizeIs(2));
  const v1::GroupChangedEvent& added = (*events)[0].event.group_changed();
  EXPECT_EQ(added.change(), v1::GroupChangedEvent::CHANGE_MEMBERS_ADDED);
  EXPECT_EQ(added.conversation_id(), "R:10696052725");
  ASSERT_THAT(added.members(), SizeIs(1));
  EXPECT_EQ(added.members(0).user_id(), "7881300920001");
  EXPECT_EQ(added.members(0).name(), "甜 99");
  EXPECT_EQ((*events)[0].event.occurred_at_ms(), 1608974161609);
  const v1::GroupChangedEvent& removed = (*events)[1].event.group_changed();
  EXPECT_EQ(removed.change(), v1::GroupChangedEvent::CHANGE_MEMBERS_REMOVED);
  ASSERT_THAT(removed.members(), SizeIs(1));
  EXPECT_EQ(removed.members(0).user_id(), "7881300920002");
  EXPECT_NE((*events)[0].event.event_id(), (*events)[1].event.event_id());
}

TEST(YjiyunActionTest, AnswersToOurOwnActionsAreNoEvents) {
  const json answer = {{"type", "robot.accept.friend.request"},
                       {"code", "0"},
                       {"msg", "OK"},
                       {"robotKey", "03f16c3b9b6a46108c38b9f2aa49b27b"},
                       {"friendWxid", "780000919"},
                       {"messageId", "20200427180413632805451075"}};
  absl::StatusOr<std::vector<VendorEvent>> events = NormalizeYjiyunAction(answer);
  ASSERT_THAT(events, IsOk());
  EXPECT_THAT(*events, SizeIs(0));
  json no_id = {{"type", "robot.on.new.friend.request"}, {"robotKey", "k"}, {"userId", "1"}};
  EXPECT_THAT(NormalizeYjiyunAction(no_id),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("messageId")));
}

}  // namespace
}  // namespace wecom::robot
