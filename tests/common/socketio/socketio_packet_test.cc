#include "common/socketio/socketio_packet.h"

#include <string>

#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace wecom::socketio {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::wecom::testing::IsOk;
using ::wecom::testing::StatusIs;

TEST(EngineIoPacketTest, DecodesEveryTextType) {
  const std::pair<std::string, EngineIoPacketType> cases[] = {
      {"0{}", EngineIoPacketType::kOpen},       {"1", EngineIoPacketType::kClose},
      {"2", EngineIoPacketType::kPing},         {"3probe", EngineIoPacketType::kPong},
      {"4hello", EngineIoPacketType::kMessage}, {"5", EngineIoPacketType::kUpgrade},
      {"6", EngineIoPacketType::kNoop},
  };
  for (const auto& [frame, type] : cases) {
    ASSERT_OK_AND_ASSIGN(const EngineIoPacket packet, DecodeEngineIoPacket(frame));
    EXPECT_EQ(packet.type, type) << frame;
    EXPECT_EQ(packet.data, frame.substr(1)) << frame;
  }
}

TEST(EngineIoPacketTest, EncodesTypeAndData) {
  EXPECT_EQ(EncodeEngineIoPacket(EngineIoPacketType::kPing), "2");
  EXPECT_EQ(EncodeEngineIoPacket(EngineIoPacketType::kPong, "probe"), "3probe");
  EXPECT_EQ(EncodeEngineIoPacket(EngineIoPacketType::kMessage, "2[\"a\"]"), "42[\"a\"]");
}

TEST(EngineIoPacketTest, RefusesMalformedFrames) {
  EXPECT_THAT(DecodeEngineIoPacket(""),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty engine.io packet")));
  EXPECT_THAT(DecodeEngineIoPacket("7"), StatusIs(absl::StatusCode::kInvalidArgument,
                                                  HasSubstr("unknown engine.io packet type")));
  EXPECT_THAT(DecodeEngineIoPacket("b4AAEC"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("binary")));
  EXPECT_THAT(DecodeEngineIoPacket(std::string("\0x", 2)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'\\x00'")));
}

TEST(EngineIoOpenTest, DecodesV4OpenPacket) {
  ASSERT_OK_AND_ASSIGN(
      const EngineIoOpen open,
      DecodeEngineIoOpen(R"({"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],)"
                         R"("pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})"));
  EXPECT_EQ(open.sid, "lv_VI97HAXpY6yYWAAAC");
  EXPECT_EQ(open.ping_interval, absl::Seconds(25));
  EXPECT_EQ(open.ping_timeout, absl::Seconds(20));
  EXPECT_THAT(open.upgrades, ::testing::ElementsAre("websocket"));
  EXPECT_EQ(open.max_payload, 1000000);
}

TEST(EngineIoOpenTest, DecodesV3OpenPacketWithoutMaxPayload) {
  ASSERT_OK_AND_ASSIGN(
      const EngineIoOpen open,
      DecodeEngineIoOpen(R"({"sid":"abc","upgrades":[],"pingInterval":300,"pingTimeout":200})"));
  EXPECT_EQ(open.ping_interval, absl::Milliseconds(300));
  EXPECT_EQ(open.ping_timeout, absl::Milliseconds(200));
  EXPECT_FALSE(open.max_payload.has_value());
}

TEST(EngineIoOpenTest, NamesWhatIsWrong) {
  const std::pair<std::string, std::string> cases[] = {
      {"not json", "not JSON"},
      {"[1]", "not a JSON object"},
      {R"({"pingInterval":1,"pingTimeout":1})", "no sid"},
      {R"({"sid":"","pingInterval":1,"pingTimeout":1})", "no sid"},
      {R"({"sid":7,"pingInterval":1,"pingTimeout":1})", "no sid"},
      {R"({"sid":"a","pingTimeout":1})", "no pingInterval"},
      {R"({"sid":"a","pingInterval":"25000","pingTimeout":1})", "pingInterval is not a positive"},
      {R"({"sid":"a","pingInterval":0,"pingTimeout":1})", "pingInterval is not a positive"},
      {R"({"sid":"a","pingInterval":1,"pingTimeout":-5})", "pingTimeout is not a positive"},
      {R"({"sid":"a","pingInterval":1,"pingTimeout":1,"upgrades":"websocket"})",
       "upgrades is not an array"},
      {R"({"sid":"a","pingInterval":1,"pingTimeout":1,"upgrades":[1]})", "upgrades are not"},
      {R"({"sid":"a","pingInterval":1,"pingTimeout":1,"maxPayload":"1"})", "maxPayload"},
  };
  for (const auto& [data, message] : cases) {
    EXPECT_THAT(DecodeEngineIoOpen(data),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(message)))
        << data;
  }
}

TEST(SocketIoPacketTest, DecodesEventWithNamespace) {
  ASSERT_OK_AND_ASSIGN(const SocketIoPacket packet,
                       DecodeSocketIoPacket(R"(2/imchat,["message",{"messageId":"1"}])"));
  EXPECT_EQ(packet.type, SocketIoPacketType::kEvent);
  EXPECT_EQ(packet.nsp, "/imchat");
  EXPECT_FALSE(packet.ack_id.has_value());
  EXPECT_EQ(packet.data, nlohmann::json::parse(R"(["message",{"messageId":"1"}])"));
}

TEST(SocketIoPacketTest, DecodesAckIdsOnRootAndNamespace) {
  ASSERT_OK_AND_ASSIGN(SocketIoPacket packet, DecodeSocketIoPacket(R"(212["hi"])"));
  EXPECT_EQ(packet.nsp, "/");
  EXPECT_EQ(packet.ack_id, 12u);
  ASSERT_OK_AND_ASSIGN(packet, DecodeSocketIoPacket(R"(3/imchat,7[{"ok":true}])"));
  EXPECT_EQ(packet.type, SocketIoPacketType::kAck);
  EXPECT_EQ(packet.nsp, "/imchat");
  EXPECT_EQ(packet.ack_id, 7u);
}

TEST(SocketIoPacketTest, DecodesConnectAnswersOfBothVersions) {
  // socket.io 4's join answer, socket.io 2's, and socket.io 2's unasked root join.
  ASSERT_OK_AND_ASSIGN(SocketIoPacket packet, DecodeSocketIoPacket(R"(0/imchat,{"sid":"x1"})"));
  EXPECT_EQ(packet.type, SocketIoPacketType::kConnect);
  EXPECT_EQ(packet.data["sid"], "x1");
  ASSERT_OK_AND_ASSIGN(packet, DecodeSocketIoPacket("0/imchat,"));
  EXPECT_EQ(packet.nsp, "/imchat");
  EXPECT_TRUE(packet.data.is_null());
  ASSERT_OK_AND_ASSIGN(packet, DecodeSocketIoPacket("0"));
  EXPECT_EQ(packet.nsp, "/");
  ASSERT_OK_AND_ASSIGN(packet, DecodeSocketIoPacket("1/imchat"));  // no comma at the end
  EXPECT_EQ(packet.type, SocketIoPacketType::kDisconnect);
  EXPECT_EQ(packet.nsp, "/imchat");
}

TEST(SocketIoPacketTest, DecodesNamespaceQueryOfV3Join) {
  ASSERT_OK_AND_ASSIGN(const SocketIoPacket packet,
                       DecodeSocketIoPacket("0/imchat?token=abc&msgFilter=1,"));
  EXPECT_EQ(packet.nsp, "/imchat");
  EXPECT_EQ(packet.nsp_query, "token=abc&msgFilter=1");
}

TEST(SocketIoPacketTest, DecodesConnectErrorsOfBothVersions) {
  ASSERT_OK_AND_ASSIGN(
      SocketIoPacket packet,
      DecodeSocketIoPacket(R"(4/imchat,{"message":"bad","data":{"code":"1000"}})"));
  EXPECT_EQ(packet.type, SocketIoPacketType::kConnectError);
  EXPECT_EQ(packet.data["message"], "bad");
  ASSERT_OK_AND_ASSIGN(packet, DecodeSocketIoPacket(R"(4/imchat,"Not authorized")"));
  EXPECT_EQ(packet.data, "Not authorized");
}

TEST(SocketIoPacketTest, RoundTripsEveryEncodablePacket) {
  SocketIoPacket event;
  event.nsp = "/imchat";
  event.ack_id = 3;
  event.data = nlohmann::json::array({"action", {{"type", "chat.heart"}}});
  SocketIoPacket v3_join;
  v3_join.type = SocketIoPacketType::kConnect;
  v3_join.nsp = "/imchat";
  v3_join.nsp_query = "token=t&msgFilter=1";
  SocketIoPacket v4_join;
  v4_join.type = SocketIoPacketType::kConnect;
  v4_join.nsp = "/imchat";
  v4_join.data = nlohmann::json::object();
  SocketIoPacket leave;
  leave.type = SocketIoPacketType::kDisconnect;
  leave.nsp = "/imchat";
  SocketIoPacket root_event;
  root_event.data = nlohmann::json::array({"x"});

  const std::pair<SocketIoPacket, std::string> cases[] = {
      {event, R"(2/imchat,3["action",{"type":"chat.heart"}])"},
      {v3_join, "0/imchat?token=t&msgFilter=1,"},
      {v4_join, "0/imchat,{}"},
      {leave, "1/imchat,"},
      {root_event, R"(2["x"])"},
  };
  for (const auto& [packet, text] : cases) {
    ASSERT_OK_AND_ASSIGN(const std::string encoded, EncodeSocketIoPacket(packet));
    EXPECT_EQ(encoded, text);
    ASSERT_OK_AND_ASSIGN(const SocketIoPacket decoded, DecodeSocketIoPacket(encoded));
    EXPECT_EQ(decoded.type, packet.type) << text;
    EXPECT_EQ(decoded.nsp, packet.nsp) << text;
    EXPECT_EQ(decoded.nsp_query, packet.nsp_query) << text;
    EXPECT_EQ(decoded.ack_id, packet.ack_id) << text;
    EXPECT_EQ(decoded.data, packet.data) << text;
  }
}

TEST(SocketIoPacketTest, EncodesEventFrames) {
  ASSERT_OK_AND_ASSIGN(
      const std::string frame,
      EncodeEventFrame("/imchat", "message", {{"chatId", "S:1_2"}, {"messageId", "m1"}}));
  EXPECT_EQ(frame, R"(42/imchat,["message",{"chatId":"S:1_2","messageId":"m1"}])");
  ASSERT_OK_AND_ASSIGN(const std::string root, EncodeEventFrame("/", "ping", nullptr));
  EXPECT_EQ(root, R"(42["ping",null])");
}

TEST(SocketIoPacketTest, RefusesMalformedPackets) {
  const std::pair<std::string, std::string> cases[] = {
      {"", "empty socket.io packet"},
      {"9", "unknown socket.io packet type"},
      {"x/imchat,", "unknown socket.io packet type"},
      {R"(51-["a",{"_placeholder":true,"num":0}])", "binary"},
      {"6", "binary"},
      {"2/imchat,", "event packet data is not an array"},
      {R"(2/imchat,{"a":1})", "event packet data is not an array"},
      {"2/imchat,[]", "event packet data is not an array"},
      {"2/imchat,[1,2]", "starting with the event name"},
      {R"(2/imchat,["a")", "not JSON"},
      {"2/imchat,12345678901234567890[\"a\"]", "ack id is too long"},
      {"0/imchat,[1]", "connect packet data is not a JSON object"},
      {"1/imchat,{}", "disconnect packet carries data"},
      {"3/imchat,1{}", "ack packet data is not an array"},
      {"4/imchat,", "connect error packet data is not an object or a string"},
      {"4/imchat,17", "connect error packet data is not an object or a string"},
  };
  for (const auto& [text, message] : cases) {
    EXPECT_THAT(DecodeSocketIoPacket(text),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(message)))
        << text;
  }
}

TEST(SocketIoPacketTest, MessagesDoNotQuoteThePayload) {
  const absl::StatusOr<SocketIoPacket> packet =
      DecodeSocketIoPacket(R"(2/imchat,{"phone":"13900000001"})");
  EXPECT_THAT(packet, StatusIs(absl::StatusCode::kInvalidArgument, Not(HasSubstr("139"))));
}

TEST(SocketIoPacketTest, RefusesToEncodeWhatCannotBeDecoded) {
  SocketIoPacket bad_nsp;
  bad_nsp.nsp = "imchat";
  bad_nsp.data = nlohmann::json::array({"a"});
  EXPECT_THAT(EncodeSocketIoPacket(bad_nsp),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("namespace")));
  SocketIoPacket comma_nsp = bad_nsp;
  comma_nsp.nsp = "/a,b";
  EXPECT_THAT(EncodeSocketIoPacket(comma_nsp), StatusIs(absl::StatusCode::kInvalidArgument));
  SocketIoPacket no_name;
  no_name.data = nlohmann::json::array({1});
  EXPECT_THAT(EncodeSocketIoPacket(no_name),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("event name")));
  SocketIoPacket binary;
  binary.type = SocketIoPacketType::kBinaryEvent;
  binary.data = nlohmann::json::array({"a"});
  EXPECT_THAT(EncodeSocketIoPacket(binary),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("binary")));
  EXPECT_THAT(EncodeEventFrame("/imchat", "message", std::string("\xff\xfe")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not UTF-8")));
  EXPECT_THAT(EncodeEventFrame("/imchat", "message", "ok"), IsOk());
}

}  // namespace
}  // namespace wecom::socketio
