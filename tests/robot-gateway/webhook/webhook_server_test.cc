// The webhook's door: the secret in the path or a header, the body cap,
// malformed and incomplete callbacks, redeliveries and store failures, each
// answered with its status, counted, and nothing stored that should not be.
#include <string>

#include "absl/strings/str_cat.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/robot-gateway/webhook/webhook_fixture.h"
#include "tests/support/metric_values.h"

namespace wecom::robot::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::wecom::testing::IsOk;
using ::wecom::testing::MetricValue;
using ::wecom::testing::StatusIs;
using Json = nlohmann::json;

// A text message callback as seed 003 shows it.
Json TextCallback(const std::string& msg_id) {
  return {{"msgId", msg_id},
          {"source", "40c10a375784"},
          {"userId", "apps-1"},
          {"wxid", "1688850563930001"},
          {"timestamp", 1686708147954},
          {"type", "text_msg"},
          {"data",
           {{"at_list", Json::array()},
            {"content", "呼啦"},
            {"content_type", 2},
            {"conversation_id", "S:1688850563930001_7881300839070001"},
            {"receiver", "1688850563930001"},
            {"send_time", "1686708146"},
            {"sender", "7881300839070001"},
            {"sender_name", "左脚"},
            {"server_id", "1012206"}}},
          {"sendMsgId", nullptr}};
}

// The sent-message callback of a send through the openAPI.
Json SentTextCallback(const std::string& msg_id, const std::string& send_msg_id) {
  Json callback = TextCallback(msg_id);
  callback["data"]["sender"] = "1688850563930001";
  callback["data"]["receiver"] = "7881300839070001";
  callback["data"]["send_time"] = 1686708431;
  callback["data"]["sendUserId"] = "apps-1";
  callback["data"]["error_code"] = 0;
  callback["data"]["error_message"] = "";
  callback["sendMsgId"] = send_msg_id;
  return callback;
}

class WebhookServerTest : public WebhookFixture {
 protected:
  // POSTs `body` and expects `status`, one more rejection for `reason` and
  // nothing stored.
  void ExpectRejected(const std::string& path, const std::string& body,
                      const httplib::Headers& headers, int status, const std::string& reason,
                      const std::string& message_part = "") {
    const double before = Rejections(reason);
    httplib::Result result = Post(path, body, headers);
    ASSERT_TRUE(result) << "transport error " << static_cast<int>(result.error());
    EXPECT_EQ(result->status, status) << result->body;
    const Json answer = Json::parse(result->body, nullptr, false);
    ASSERT_TRUE(answer.is_object()) << result->body;
    EXPECT_EQ(answer.value("code", 0), status);
    EXPECT_THAT(answer.value("msg", ""), HasSubstr(message_part));
    // The secret is never echoed.
    EXPECT_THAT(result->body, Not(HasSubstr(kWebhookSecret)));
    EXPECT_EQ(Rejections(reason), before + 1) << reason;
    EXPECT_EQ(log().head(), 0u);
  }
};

TEST_F(WebhookServerTest, CallbackWithSecretInPathIsStoredBeforeTheAnswer) {
  httplib::Result result = Post(SecretPath(), TextCallback("m-1").dump());
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(Json::parse(result->body, nullptr, false), Json({{"code", 0}, {"msg", ""}}));
  // Stored by the time the vendor hears 200: no waiting.
  ASSERT_EQ(log().head(), 1u);
  absl::StatusOr<v1::Event> event = WaitForEvent([](const v1::Event&) { return true; });
  ASSERT_THAT(event, IsOk());
  EXPECT_EQ(event->event_id(), "m-1");
  EXPECT_EQ(event->message().text(), "呼啦");
  EXPECT_EQ(MetricValue(registry_, "robot_gateway_events_total",
                        {{"vendor", "quntool"}, {"type", "text_msg"}}),
            1);
}

TEST_F(WebhookServerTest, CallbackWithSecretHeaderIsStored) {
  httplib::Result result =
      Post("/quntool/callback", TextCallback("m-1").dump(), {{"X-Webhook-Secret", kWebhookSecret}});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(log().head(), 1u);
}

TEST_F(WebhookServerTest, WrongOrMissingSecretIsUnauthorized) {
  const std::string body = TextCallback("m-1").dump();
  ExpectRejected("/quntool/callback/not-the-secret", body, {}, 401, "secret");
  ExpectRejected(absl::StrCat(SecretPath(), "x"), body, {}, 401, "secret");
  ExpectRejected("/quntool/callback", body, {{"X-Webhook-Secret", "not-the-secret"}}, 401,
                 "secret");
  ExpectRejected("/quntool/callback", body, {}, 401, "secret");
  EXPECT_EQ(Rejections("secret"), 4);
}

TEST_F(WebhookServerTest, MalformedJsonIsRefused) {
  ExpectRejected(SecretPath(), R"({"msgId": "m-1", "type": )", {}, 400, "malformed_json");
  ExpectRejected(SecretPath(), "", {}, 400, "malformed_json");
}

TEST_F(WebhookServerTest, OversizeBodyIsRefused) {
  // Valid JSON, just too long: 1 MiB of text in a field.
  Json callback = TextCallback("m-big");
  callback["data"]["content"] = std::string(1 << 20, 'x');
  ExpectRejected(SecretPath(), callback.dump(), {}, 413, "too_large");
}

TEST_F(WebhookServerTest, OversizeChunkedBodyIsRefused) {
  const double before = Rejections("too_large");
  httplib::Client client("127.0.0.1", server_->port());
  const std::string chunk(64 * 1024, ' ');
  httplib::Result result = client.Post(
      SecretPath().c_str(),
      [&](size_t offset, httplib::DataSink& sink) {
        if (offset >= (2u << 20)) {
          sink.done();
        } else {
          sink.write(chunk.data(), chunk.size());
        }
        return true;
      },
      "application/json");
  ASSERT_TRUE(result) << "transport error " << static_cast<int>(result.error());
  EXPECT_EQ(result->status, 413);
  EXPECT_EQ(Rejections("too_large"), before + 1);
  EXPECT_EQ(log().head(), 0u);
}

TEST_F(WebhookServerTest, IncompleteOrUnknownCallbacksAreRefusedWithTheReason) {
  Json no_msg_id = TextCallback("m-1");
  no_msg_id.erase("msgId");
  ExpectRejected(SecretPath(), no_msg_id.dump(), {}, 400, "bad_callback", "msgId: missing");

  Json no_conversation = TextCallback("m-2");
  no_conversation["data"].erase("conversation_id");
  ExpectRejected(SecretPath(), no_conversation.dump(), {}, 400, "bad_callback",
                 "data.conversation_id: missing");

  Json unknown = TextCallback("m-3");
  unknown["type"] = "room_dissolved";
  ExpectRejected(SecretPath(), unknown.dump(), {}, 400, "bad_callback",
                 "type: unknown callback type");

  ExpectRejected(SecretPath(), "[1, 2]", {}, 400, "bad_callback", "not a JSON object");
  EXPECT_EQ(Rejections("bad_callback"), 4);
}

// A callback of `type` with `data`, as the envelope of every callback.
Json Callback(const std::string& type, Json data) {
  Json callback = TextCallback("m-1");
  callback["type"] = type;
  callback["data"] = std::move(data);
  return callback;
}

TEST_F(WebhookServerTest, FieldsATypeCannotDoWithoutAreRequired) {
  struct Case {
    Json callback;
    std::string reason;
  };
  Json msg_id_object = TextCallback("m-1");
  msg_id_object["msgId"] = {{"id", 1}};
  Json no_wxid = TextCallback("m-1");
  no_wxid.erase("wxid");
  Json bad_wxid = TextCallback("m-1");
  bad_wxid["wxid"] = "1688 85";
  Json no_timestamp = TextCallback("m-1");
  no_timestamp.erase("timestamp");
  Json data_string = TextCallback("m-1");
  data_string["data"] = "{}";
  Json send_msg_id_number = TextCallback("m-1");
  send_msg_id_number["sendMsgId"] = 7;
  const Case cases[] = {
      {msg_id_object, "msgId: not a string"},
      {no_wxid, "wxid: missing"},
      {bad_wxid, "wxid: the id may hold only"},
      {no_timestamp, "timestamp: missing"},
      {data_string, "data: not an object"},
      {send_msg_id_number, "sendMsgId: not a string"},
      {Callback("image_msg", Json::object()), "data.conversation_id: missing"},
      {Callback("notify_type_contact_add", {{"username", "左脚"}}), "data.user_id: missing"},
      {Callback("notify_type_room_add_member", {{"room_name", "群"}}),
       "data.room_conversation_id: missing"},
      {Callback("qrcode_status_msg", {{"qrcode_key", "K"}}), "data.status: missing"},
      {Callback("qrcode_status_msg", {{"status", "scanned"}}), "data.status: not an integer"},
      {Callback("safe_validate", {{"UserName", "YG"}}), "data.Qrcode: missing"},
      {Callback("batch_msg_confirm", nullptr), "data: missing"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.reason);
    ExpectRejected(SecretPath(), c.callback.dump(), {}, 400, "bad_callback", c.reason);
  }
}

TEST_F(WebhookServerTest, SameCallbackDeliveredTwiceIsOneEvent) {
  const std::string body = SentTextCallback("m-1", "send-msg-1").dump();
  for (int delivery = 0; delivery < 2; ++delivery) {
    httplib::Result result = Post(SecretPath(), body);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 200);
  }
  EXPECT_EQ(log().head(), 1u);
  EXPECT_EQ(MetricValue(registry_, "robot_gateway_event_duplicates_total", {{"vendor", "quntool"}}),
            1);
  EXPECT_EQ(MetricValue(registry_, "robot_gateway_events_total",
                        {{"vendor", "quntool"}, {"type", "text_msg"}}),
            1);
  // The send's outcome was applied once.
  EXPECT_EQ(outcomes_.outcomes().size(), 1u);
}

TEST_F(WebhookServerTest, StoreFailureAnswers500AndARetrySucceeds) {
  outcomes_.set_fail(true);
  const std::string body = SentTextCallback("m-1", "send-msg-1").dump();
  ExpectRejected(SecretPath(), body, {}, 500, "store_error");

  // The vendor delivers again once the gateway can store it.
  outcomes_.set_fail(false);
  httplib::Result result = Post(SecretPath(), body);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  absl::StatusOr<v1::Event> event = WaitForEvent([](const v1::Event&) { return true; });
  ASSERT_THAT(event, IsOk());
  EXPECT_EQ(event->message().send_id(), "send-send-msg-1");
}

TEST_F(WebhookServerTest, UnmodelledMessageTypeIsKeptAsOther) {
  Json callback = TextCallback("m-1");
  callback["type"] = "vote_msg";
  httplib::Result result = Post(SecretPath(), callback.dump());
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  absl::StatusOr<v1::Event> event = WaitForEvent([](const v1::Event&) { return true; });
  ASSERT_THAT(event, IsOk());
  EXPECT_EQ(event->vendor_type(), "vote_msg");
  EXPECT_EQ(event->message().type(), v1::MESSAGE_TYPE_OTHER);
  EXPECT_EQ(Json::parse(event->vendor_payload_json())["content"], "呼啦");
}

TEST(WebhookServerStartTest, RefusesToRunWithoutASecret) {
  prometheus::Registry registry;
  GatewayMetrics metrics(registry);
  class NullSink : public VendorEventSink {
    absl::Status Deliver(VendorEvent) override { return absl::OkStatus(); }
  } sink;
  WebhookOptions no_secret;
  no_secret.listen_address = "127.0.0.1:0";
  EXPECT_THAT(WebhookServer::Start(no_secret, &sink, &metrics),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("secret")));
  WebhookOptions bad_address;
  bad_address.listen_address = "nonsense";
  bad_address.secret = Secret("s");
  EXPECT_THAT(WebhookServer::Start(bad_address, &sink, &metrics),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("host:port")));
}

}  // namespace
}  // namespace wecom::robot::testing
