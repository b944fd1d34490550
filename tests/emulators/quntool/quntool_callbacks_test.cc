// The quntool emulator's callbacks: the sent-message echo of every send type
// with its sendMsgId, the vendor's 500 ms pacing per account and hourly limit
// per corp, and every callback the control API injects, each arriving at a
// webhook on a real socket.
#include <string>
#include <utility>
#include <vector>

#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/emulators/quntool/quntool_test_world.h"

namespace wecom::quntool::testing {
namespace {

using ::testing::HasSubstr;
using ::wecom::testing::IsOk;
using ::wecom::testing::StatusIs;

constexpr char kPrivateA1[] = "S:1688850000000001_7881300000000001";

class QuntoolCallbacksTest : public ::testing::Test {
 protected:
  explicit QuntoolCallbacksTest(QuntoolTestWorldOptions options = {})
      : world_(std::move(options)) {}

  // Sends and returns the msgId (or "" with a test failure).
  std::string Send(const std::string& path, Json body) {
    absl::StatusOr<Json> answer = world_.Call("POST", path, body);
    EXPECT_THAT(answer, IsOk());
    if (!answer.ok()) return "";
    EXPECT_EQ((*answer)["code"], 0) << path << ": " << answer->dump();
    return (*answer)["data"].value("msgId", "");
  }
  // The echo of msg_id, or a test failure.
  Json Echo(const std::string& type, const std::string& msg_id) {
    absl::StatusOr<Json> echo = world_.webhook().WaitForEcho(type, msg_id);
    EXPECT_THAT(echo, IsOk()) << type;
    return echo.ok() ? *echo : Json(nullptr);
  }
  // Each send below is on its own account or far enough apart: the pacing
  // test is the only one that sends fast on purpose.
  Json SendFromB(const std::string& path, Json body, const std::string& echo_type) {
    body["wxId"] = kAccountB;
    body["conversationId"] = "S:1688850000000002_7881300000000001";
    return Echo(echo_type, Send(path, std::move(body)));
  }
  // Uploads a gif just over the 5 MB WeCom delivers; its path (or "" with a
  // test failure).
  std::string UploadOversizedGif() {
    httplib::Client client("127.0.0.1", world_.port());
    httplib::MultipartFormDataItems items = {
        {"file", std::string(5 * 1024 * 1024 + 1, 'g'), "big.gif", "image/gif"}};
    httplib::Result upload = client.Post("/gnapi/open/file/upload", {{"apikey", kApiKey}}, items);
    EXPECT_TRUE(upload);
    if (!upload) return "";
    const Json answer = Json::parse(upload->body, nullptr, false);
    if (!answer.is_object() || !answer.contains("data") || !answer["data"].is_string()) {
      ADD_FAILURE() << "upload answered " << upload->body;
      return "";
    }
    return answer["data"].get<std::string>();
  }

  QuntoolTestWorld world_;
};

TEST_F(QuntoolCallbacksTest, TextSendAnswersMsgIdAndEchoesItAsSendMsgId) {
  const std::string msg_id =
      Send("/msg/text", {{"wxId", kAccountA}, {"conversationId", kPrivateA1}, {"content", "早晨"}});
  ASSERT_EQ(msg_id.size(), 36u) << msg_id;
  const Json echo = Echo("text_msg", msg_id);
  EXPECT_EQ(echo["source"], "28cca2a4c405");
  EXPECT_EQ(echo["userId"], "apps-1");
  EXPECT_EQ(echo["wxid"], kAccountA);
  EXPECT_TRUE(echo["timestamp"].is_number_integer());
  const Json& data = echo["data"];
  EXPECT_EQ(data["content"], "早晨");
  EXPECT_EQ(data["conversation_id"], kPrivateA1);
  EXPECT_EQ(data["sender"], kAccountA);
  EXPECT_EQ(data["receiver"], kCustomer1);
  EXPECT_EQ(data["is_pc"], 1);
  EXPECT_EQ(data["isOpenApi"], true);
  EXPECT_EQ(data["sendUserId"], "apps-1");
  EXPECT_EQ(data["sendUserName"], "眠羊");
  EXPECT_EQ(data["error_code"], 0);
  EXPECT_TRUE(data["send_time"].is_number_integer());
}

TEST_F(QuntoolCallbacksTest, FastSendsOfOneAccountEchoAbnormalFrequencyButNotAcrossAccounts) {
  const std::string first =
      Send("/msg/text", {{"wxId", kAccountA}, {"conversationId", kPrivateA1}, {"content", "1"}});
  const std::string second =
      Send("/msg/text", {{"wxId", kAccountA}, {"conversationId", kPrivateA1}, {"content", "2"}});
  const std::string other =
      Send("/msg/text", {{"wxId", kAccountB},
                         {"conversationId", "S:1688850000000002_7881300000000001"},
                         {"content", "3"}});
  EXPECT_EQ(Echo("text_msg", first)["data"]["error_code"], 0);
  const Json throttled = Echo("text_msg", second)["data"];
  EXPECT_EQ(throttled["error_code"], kErrorAbnormalFrequency);
  EXPECT_EQ(throttled["error_message"], "Abnormal request frequency");
  EXPECT_EQ(Echo("text_msg", other)["data"]["error_code"], 0);
}

// A corp limit of 3 and no pacing, with an account of another corp.
class QuntoolCorpLimitTest : public QuntoolCallbacksTest {
 protected:
  static constexpr char kOtherCorpAccount[] = "1688850000000004";

  QuntoolCorpLimitTest()
      : QuntoolCallbacksTest({.webhook_url = "", .adjust_config = &LimitThreeWithAnotherCorp}) {}

  static void LimitThreeWithAnotherCorp(QuntoolConfig& config) {
    config.corp_hourly_limit = 3;
    // Only the corp limit refuses sends here.
    config.min_send_interval_ms = 0;
    Account& other = config.world.accounts.emplace_back();
    other.wx_id = kOtherCorpAccount;
    other.user_id = "apps-1";
    other.hostname = "5d41402abc4b";
    other.corp_id = "1970325000000002";
  }

  // Sends a text from `wx_id` to customer 1; its echo's data.
  Json SendText(const std::string& wx_id, const std::string& content) {
    return Echo("text_msg",
                Send("/msg/text", {{"wxId", wx_id},
                                   {"conversationId", PrivateConversationId(wx_id, kCustomer1)},
                                   {"content", content}}))["data"];
  }
};

TEST_F(QuntoolCorpLimitTest, SendsBeyondTheCorpsHourlyLimitEchoAbnormalFrequency) {
  // A and B are one corp: their sends add up.
  EXPECT_EQ(SendText(kAccountA, "1")["error_code"], 0);
  EXPECT_EQ(SendText(kAccountB, "2")["error_code"], 0);
  EXPECT_EQ(SendText(kAccountA, "3")["error_code"], 0);
  const Json fourth = SendText(kAccountA, "4");
  EXPECT_EQ(fourth["error_code"], kErrorAbnormalFrequency);
  EXPECT_EQ(fourth["error_message"], "Abnormal request frequency");
  EXPECT_EQ(SendText(kAccountB, "5")["error_code"], kErrorAbnormalFrequency);
  // Another corp has its own hour.
  for (const char* content : {"6", "7", "8"}) {
    EXPECT_EQ(SendText(kOtherCorpAccount, content)["error_code"], 0) << content;
  }
  EXPECT_EQ(SendText(kOtherCorpAccount, "9")["error_code"], kErrorAbnormalFrequency);
}

TEST_F(QuntoolCorpLimitTest, UndeliveredSendsDoNotCount) {
  const Json gif = SendFromB("/msg/gif", {{"fileUrl", UploadOversizedGif()}}, "emoticon_msg");
  EXPECT_EQ(gif["data"]["error_code"], kErrorMediaTooLarge);
  for (const char* content : {"1", "2", "3"}) {
    EXPECT_EQ(SendText(kAccountA, content)["error_code"], 0) << content;
  }
  EXPECT_EQ(SendText(kAccountA, "4")["error_code"], kErrorAbnormalFrequency);
}

TEST(QuntoolCorpLimitConfigTest, TheLimitDefaultsToTheDocumentsAndIsAtLeastOne) {
  absl::StatusOr<QuntoolConfig> plain = ParseQuntoolConfig(R"({"apikey": "k"})");
  ASSERT_THAT(plain, IsOk());
  EXPECT_EQ(plain->corp_hourly_limit, 50000);
  absl::StatusOr<QuntoolConfig> small =
      ParseQuntoolConfig(R"({"apikey": "k", "corp_hourly_limit": 3})");
  ASSERT_THAT(small, IsOk());
  EXPECT_EQ(small->corp_hourly_limit, 3);
  EXPECT_THAT(ParseQuntoolConfig(R"({"apikey": "k", "corp_hourly_limit": 0})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("config.corp_hourly_limit")));
}

TEST_F(QuntoolCallbacksTest, RoomAtPlacesMentions) {
  const std::string msg_id = Send("/msg/roomAt", {{"wxId", kAccountA},
                                                  {"conversationId", kGroup},
                                                  {"content", "你好,世界{$@}、{$@}"},
                                                  {"atList", {kCustomer1, "0"}}});
  const Json data = Echo("text_msg", msg_id)["data"];
  EXPECT_EQ(data["content"], "你好,世界@左脚、@所有人");
  EXPECT_EQ(data["at_list"], (Json{kCustomer1, "0"}));
  EXPECT_EQ(data["receiver"], std::string(kGroup).substr(2));

  absl::StatusOr<Json> mismatch = world_.Call("POST", "/msg/roomAt",
                                              {{"wxId", kAccountB},
                                               {"conversationId", kGroup},
                                               {"content", "{$@}"},
                                               {"atList", {"1", "2"}}});
  ASSERT_THAT(mismatch, IsOk());
  EXPECT_EQ((*mismatch)["code"], -1);
  absl::StatusOr<Json> to_person = world_.Call(
      "POST", "/msg/roomAt",
      {{"wxId", kAccountB}, {"conversationId", kPrivateA1}, {"content", "x"}, {"atList", {"0"}}});
  ASSERT_THAT(to_person, IsOk());
  EXPECT_EQ((*to_person)["code"], -1);
}

TEST_F(QuntoolCallbacksTest, LinkTitleIsRequiredEvenAsSpaces) {
  absl::StatusOr<Json> answer =
      world_.Call("POST", "/msg/link",
                  {{"wxId", kAccountB},
                   {"conversationId", "S:1688850000000002_7881300000000001"},
                   {"title", "   "},
                   {"url", "https://www.baidu.com"}});
  ASSERT_THAT(answer, IsOk());
  EXPECT_EQ((*answer)["code"], -1);
  EXPECT_THAT((*answer)["msg"].get<std::string>(), HasSubstr("title"));
  EXPECT_TRUE((*answer)["data"].is_null());
}

TEST_F(QuntoolCallbacksTest, EverySendTypeEchoesItsCallbackType) {
  struct Case {
    std::string path;
    Json body;
    std::string echo_type;
    std::string field;  // one type-specific field the echo must carry
  };
  const std::vector<Case> cases = {
      {"/msg/image", {{"fileUrl", "http://x/a.jpg"}}, "image_msg", "file_path"},
      {"/msg/file", {{"fileUrl", "http://x/a.csv"}}, "file_msg", "cdn"},
      {"/msg/gif", {{"fileUrl", "http://x/a.gif"}}, "emoticon_msg", "url"},
      {"/msg/video", {{"fileUrl", "http://x/a.mp4"}}, "video_msg", "videoWidth"},
      {"/msg/voice", {{"fileUrl", "http://x/a.aac"}}, "voice_msg", "duration"},
      {"/msg/personCard",
       {{"personCardUserId", kCustomer3}, {"nickname", "峰哥"}, {"avatar", ""}},
       "person_card_msg",
       "user_id"},
      {"/msg/link",
       {{"title", "百度一下"}, {"url", "https://www.baidu.com"}},
       "link_card_msg",
       "title"},
      {"/msg/miniProgram",
       {{"appid", "wx2c348cf579062e56"}, {"title", "美团"}},
       "mini_program_msg",
       "appid"},
      {"/msg/videoNum",
       {{"url", "https://channels.weixin.qq.com/x"}, {"feed_type", 4}},
       "video_num_msg",
       "feed_type"},
      {"/msg/quote",
       {{"content", "我很好"}, {"serverId", "1107070"}, {"quote", "安:\n你好吗?"}},
       "text_msg",
       "quote"},
      {"/miniProgram/send", {{"miniProgramId", 7}}, "mini_program_msg", "username"},
      {"/videonum/send", {{"videoNumId", 20}}, "video_num_msg", "nickname"},
  };
  // One account per send would need twelve; the pacing is per account, so
  // alternate two and let each send's echo arrive before the next: the
  // round trip alone does not reach 500 ms, so the error code is not checked
  // here, only the echo's type and fields.
  for (const Case& c : cases) {
    const Json echo = SendFromB(c.path, c.body, c.echo_type);
    ASSERT_TRUE(echo.is_object()) << c.path;
    EXPECT_TRUE(echo["data"].contains(c.field)) << c.path << ": " << echo.dump();
    EXPECT_EQ(echo["data"]["isOpenApi"], true) << c.path;
  }
}

TEST_F(QuntoolCallbacksTest, OversizedGifIsAcceptedButNotDelivered) {
  const Json data =
      SendFromB("/msg/gif", {{"fileUrl", UploadOversizedGif()}}, "emoticon_msg")["data"];
  EXPECT_EQ(data["error_code"], kErrorMediaTooLarge);
  EXPECT_THAT(data["error_message"].get<std::string>(), HasSubstr("/msg/file"));
}

TEST_F(QuntoolCallbacksTest, EveryInjectableCallbackArrives) {
  struct Case {
    Json body;
    std::string check_field;  // a data field the callback must have
  };
  const std::vector<Case> cases = {
      {{{"type", "text_msg"},
        {"wxId", kAccountA},
        {"conversationId", kPrivateA1},
        {"data", {{"content", "呼啦"}}}},
       "content"},
      {{{"type", "image_msg"}, {"wxId", kAccountA}, {"conversationId", kPrivateA1}}, "file_path"},
      {{{"type", "video_msg"}, {"wxId", kAccountA}, {"conversationId", kPrivateA1}}, "duration"},
      {{{"type", "voice_msg"}, {"wxId", kAccountA}, {"conversationId", kPrivateA1}}, "cdn"},
      {{{"type", "file_msg"}, {"wxId", kAccountA}, {"conversationId", kPrivateA1}}, "file_size"},
      {{{"type", "location_msg"}, {"wxId", kAccountA}, {"conversationId", kPrivateA1}}, "latitude"},
      {{{"type", "link_card_msg"}, {"wxId", kAccountA}, {"conversationId", kPrivateA1}}, "url"},
      {{{"type", "emoticon_msg"}, {"wxId", kAccountA}, {"conversationId", kPrivateA1}}, "url"},
      {{{"type", "red_packet_msg"}, {"wxId", kAccountA}, {"conversationId", kPrivateA1}},
       "packet_id"},
      {{{"type", "person_card_msg"}, {"wxId", kAccountA}, {"conversationId", kPrivateA1}},
       "user_id"},
      {{{"type", "mini_program_msg"}, {"wxId", kAccountA}, {"conversationId", kPrivateA1}},
       "appid"},
      {{{"type", "video_num_msg"}, {"wxId", kAccountA}, {"conversationId", kPrivateA1}},
       "feed_type"},
      {{{"type", "text_msg"},
        {"wxId", kAccountA},
        {"conversationId", kGroup},
        {"sender", kCustomer2}},
       "at_list"},
      {{{"type", "chat_gray_msg"}, {"wxId", kAccountA}, {"conversationId", kPrivateA1}}, "content"},
      {{{"type", "notify_type_contact_add"}, {"wxId", kAccountA}, {"sender", "7881299646990001"}},
       "unionid"},
      {{{"type", "notify_type_room_create"},
        {"wxId", kAccountA},
        {"conversationId", "R:10849942805070001"},
        {"members", {kCustomer1, kCustomer2}}},
       "member_list"},
      {{{"type", "notify_type_room_add_member"},
        {"wxId", kAccountA},
        {"conversationId", kGroup},
        {"members", {kCustomer3}}},
       "member_list"},
      {{{"type", "notify_type_room_del_member"},
        {"wxId", kAccountA},
        {"conversationId", kGroup},
        {"members", {kCustomer3}}},
       "member_list"},
      {{{"type", "notify_type_room_member_quit"},
        {"wxId", kAccountA},
        {"conversationId", kGroup},
        {"sender", kCustomer2}},
       "op_user_id"},
      {{{"type", "room_name_changed"},
        {"wxId", kAccountA},
        {"conversationId", kGroup},
        {"name", "井上拟声"}},
       "room_name"},
      {{{"type", "qrcode_status_msg"}, {"hostname", "40c10a375784"}, {"data", {{"status", 10}}}},
       "qrcode_key"},
      {{{"type", "safe_validate"}, {"wxId", kAccountB}}, "Qrcode"},
      {{{"type", "batch_msg_confirm"}, {"wxId", kAccountA}}, "appinfo"},
      {{{"type", "user_login"}, {"wxId", kAccountB}}, "user_id"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<Json> injected = world_.Inject(c.body);
    ASSERT_THAT(injected, IsOk());
    ASSERT_EQ((*injected)["code"], 0) << c.body.dump() << " → " << injected->dump();
    const std::string type = c.body["type"];
    const Json expected_data = (*injected)["data"];
    absl::StatusOr<Json> callback = world_.webhook().WaitFor([&](const Json& callback) {
      return callback["type"] == type && callback["data"] == expected_data;
    });
    ASSERT_THAT(callback, IsOk()) << type;
    EXPECT_TRUE((*callback)["data"].contains(c.check_field)) << callback->dump();
    EXPECT_TRUE((*callback)["sendMsgId"].is_null()) << type;
    EXPECT_EQ((*callback)["msgId"].get<std::string>().size(), 36u);
  }
  // user_offline carries no data, and the account can no longer send.
  ASSERT_EQ((*world_.Inject({{"type", "user_offline"}, {"wxId", kAccountB}}))["code"], 0);
  absl::StatusOr<Json> offline = world_.webhook().WaitForType("user_offline");
  ASSERT_THAT(offline, IsOk());
  EXPECT_TRUE((*offline)["data"].is_null());
  EXPECT_EQ((*world_.Call("POST", "/msg/text",
                          {{"wxId", kAccountB},
                           {"conversationId", "S:1688850000000002_7881300000000001"},
                           {"content", "x"}}))["msg"],
            "企微不在线");
}

TEST_F(QuntoolCallbacksTest, InjectedEventsChangeTheWorld) {
  ASSERT_EQ((*world_.Inject({{"type", "notify_type_contact_add"},
                             {"wxId", kAccountA},
                             {"sender", "7881299646990001"}}))["code"],
            0);
  const Json external =
      (*world_.Call("GET", std::string("/contact/external/list?wxId=") + kAccountA))["data"];
  ASSERT_EQ(external.size(), 4u);
  EXPECT_EQ(external[3]["username"], "我不知道");

  ASSERT_EQ((*world_.Inject({{"type", "room_name_changed"},
                             {"wxId", kAccountA},
                             {"conversationId", kGroup},
                             {"name", "新名字"}}))["code"],
            0);
  EXPECT_EQ(
      (*world_.Call("GET", std::string("/group/list?wxId=") + kAccountA))["data"][0]["nickname"],
      "新名字");

  // Received media is fetchable at the emulator's base URL + file_path.
  const Json image = (*world_.Inject(
      {{"type", "image_msg"}, {"wxId", kAccountA}, {"conversationId", kPrivateA1}}))["data"];
  httplib::Client client(world_.emulator().base_url());
  httplib::Result file = client.Get(image["file_path"].get<std::string>().c_str());
  ASSERT_TRUE(file);
  EXPECT_EQ(file->status, 200);
}

}  // namespace
}  // namespace wecom::quntool::testing
