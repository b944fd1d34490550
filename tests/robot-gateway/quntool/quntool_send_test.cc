// QuntoolPlatform's messaging against the in-process quntool emulator: every
// kind of content reaches the right endpoint (the webhook receives the
// vendor's echo carrying the returned msgId), gifs over 5 MB go as files,
// uploads, saved items, and sends over MQTT for the accounts configured so.
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/status/vendor_error.h"
#include "emulators/quntool/request_params.h"
#include "services/robot-gateway/quntool/quntool_outgoing.h"
#include "tests/robot-gateway/quntool/quntool_fixture.h"
#include "tests/support/refused_port.h"

namespace wecom::robot::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::wecom::testing::IsOk;
using ::wecom::testing::StatusIs;

const std::string& PrivateChat() {
  static const std::string* const id =
      new std::string(absl::StrCat("S:", qt::kAccountA, "_", qt::kCustomer1));
  return *id;
}

OutgoingMessage Message(v1::MessageContent content, std::string conversation_id = PrivateChat(),
                        absl::string_view wx_id = qt::kAccountA) {
  OutgoingMessage message;
  message.account = Ref(wx_id);
  message.conversation_id = std::move(conversation_id);
  message.content = std::move(content);
  message.send_id = "send-1";
  return message;
}

v1::MessageContent Text(const std::string& text) {
  v1::MessageContent content;
  content.mutable_text()->set_content(text);
  return content;
}

class QuntoolSendTest : public QuntoolFixture {
 protected:
  // Sends `message` and returns the vendor's echo of it (the sent-message
  // callback of `echo_type` whose sendMsgId is the returned msgId).
  quntool::Json SendAndEcho(const OutgoingMessage& message, const std::string& echo_type) {
    absl::StatusOr<std::string> msg_id = platform_->SendMessage(message);
    EXPECT_THAT(msg_id, IsOk());
    if (!msg_id.ok()) return nullptr;
    EXPECT_FALSE(msg_id->empty());
    absl::StatusOr<quntool::Json> echo = world_.webhook().WaitForEcho(echo_type, *msg_id);
    EXPECT_THAT(echo, IsOk()) << echo_type;
    if (!echo.ok()) return nullptr;
    EXPECT_EQ((*echo)["data"]["isOpenApi"], true);
    return *echo;
  }

  // Uploads `size` bytes as `name`; its relative path.
  std::string Upload(const std::string& name, size_t size) {
    absl::StatusOr<v1::UploadFileResponse> uploaded =
        platform_->UploadFile(Ref(qt::kAccountA), name, std::string(size, 'G'));
    EXPECT_THAT(uploaded, IsOk());
    return uploaded.ok() ? uploaded->file_url() : "";
  }
};

TEST_F(QuntoolSendTest, TextReturnsTheMsgIdTheEchoCarries) {
  const quntool::Json echo = SendAndEcho(Message(Text("你真的是又美又仙啊")), "text_msg");
  EXPECT_EQ(echo["data"]["content"], "你真的是又美又仙啊");
  EXPECT_EQ(echo["data"]["conversation_id"], PrivateChat());
  EXPECT_EQ(echo["data"]["error_code"], 0);
  EXPECT_EQ(VendorRequests(registry_, "/msg/text", "ok"), 1);
}

TEST_F(QuntoolSendTest, MentionAllGoesToRoomAtWithZero) {
  v1::MessageContent content = Text("开会了");
  content.mutable_text()->set_mention_all(true);
  const quntool::Json echo = SendAndEcho(Message(content, qt::kGroup), "text_msg");
  EXPECT_EQ(echo["data"]["at_list"], quntool::Json::array({"0"}));
  EXPECT_EQ(echo["data"]["content"], "@所有人 开会了");
  EXPECT_EQ(VendorRequests(registry_, "/msg/roomAt", "ok"), 1);
}

TEST_F(QuntoolSendTest, MentionsFillTheirPlaceholders) {
  v1::MessageContent content = Text("你好{$@},还有{$@}");
  content.mutable_text()->add_mention_user_ids(qt::kCustomer1);
  content.mutable_text()->add_mention_user_ids(qt::kCustomer2);
  const quntool::Json echo = SendAndEcho(Message(content, qt::kGroup), "text_msg");
  EXPECT_EQ(echo["data"]["content"], "你好@左脚,还有@依然");
}

TEST_F(QuntoolSendTest, MediaKindsGoToTheirEndpoints) {
  const std::string path = Upload("photo.jpg", 1000);
  const std::vector<std::pair<std::string, v1::MediaContent* (v1::MessageContent::*)()>> kinds = {
      {"image_msg", &v1::MessageContent::mutable_image},
      {"file_msg", &v1::MessageContent::mutable_file},
      {"video_msg", &v1::MessageContent::mutable_video},
      {"voice_msg", &v1::MessageContent::mutable_voice},
      {"emoticon_msg", &v1::MessageContent::mutable_gif},
  };
  for (const auto& [echo_type, mutable_media] : kinds) {
    v1::MessageContent content;
    v1::MediaContent* media = (content.*mutable_media)();
    media->set_file_url(path);
    media->set_size_bytes(1000);
    const quntool::Json echo = SendAndEcho(Message(content), echo_type);
    if (echo_type != "emoticon_msg") {
      EXPECT_EQ(echo["data"]["file_path"], path) << echo_type;
    }
  }
}

TEST_F(QuntoolSendTest, GifOverFiveMegabytesGoesAsAFile) {
  // Size unknown: the gateway asks the file's server.
  const std::string path = Upload("big.gif", kQuntoolMaxGifBytes + 1);
  v1::MessageContent content;
  content.mutable_gif()->set_file_url(path);
  const quntool::Json echo = SendAndEcho(Message(content), "file_msg");
  EXPECT_EQ(echo["data"]["error_code"], 0) << "a file over 5 MB is deliverable";
  EXPECT_EQ(VendorRequests(registry_, "/msg/file", "ok"), 1);
  EXPECT_EQ(VendorRequests(registry_, "/msg/gif", "ok"), 0);

  // Size known: no need to ask.
  content.mutable_gif()->set_file_url("https://cdn.invalid/huge.gif");
  content.mutable_gif()->set_size_bytes(kQuntoolMaxGifBytes + 1);
  SendAndEcho(
      Message(content, absl::StrCat("S:", qt::kAccountB, "_", qt::kCustomer1), qt::kAccountB),
      "file_msg");

  // Exactly 5 MB is still a gif.
  content.mutable_gif()->set_file_url(Upload("edge.gif", kQuntoolMaxGifBytes));
  content.mutable_gif()->set_size_bytes(0);
  SendAndEcho(Message(content, qt::kGroup), "emoticon_msg");
}

TEST_F(QuntoolSendTest, GifOfUnknownSizeGoesAsAGif) {
  absl::StatusOr<wecom::testing::RefusedPort> refused = wecom::testing::RefusedPort::Reserve();
  ASSERT_THAT(refused, IsOk());
  v1::MessageContent content;
  content.mutable_gif()->set_file_url(
      absl::StrCat("http://127.0.0.1:", refused->port(), "/cat.gif"));
  SendAndEcho(Message(content), "emoticon_msg");
}

TEST_F(QuntoolSendTest, CardsLinksMiniProgramsVideoNumsAndQuotes) {
  v1::MessageContent card;
  card.mutable_person_card()->set_user_id(qt::kCustomer3);
  EXPECT_EQ(SendAndEcho(Message(card), "person_card_msg")["data"]["user_id"], qt::kCustomer3);

  v1::MessageContent link;
  link.mutable_link()->set_title("百度一下");
  link.mutable_link()->set_description("用科技让复杂的世界更简单!");
  link.mutable_link()->set_url("https://www.baidu.com");
  link.mutable_link()->set_image_url("http://www.example.com/x.jpg");
  const quntool::Json link_echo = SendAndEcho(Message(link), "link_card_msg");
  EXPECT_EQ(link_echo["data"]["title"], "百度一下");
  EXPECT_EQ(link_echo["data"]["desc"], "用科技让复杂的世界更简单!");
  EXPECT_EQ(link_echo["data"]["image_url"], "http://www.example.com/x.jpg");

  v1::MessageContent mini;
  mini.mutable_mini_program()->set_username("gh_72a4eb2d4324@app");
  mini.mutable_mini_program()->set_appid("wx2c348cf579062e56");
  mini.mutable_mini_program()->set_appname("美团外卖");
  mini.mutable_mini_program()->set_title("美团外卖,送啥都快");
  mini.mutable_mini_program()->set_page_path("pages/index/index.html");
  mini.mutable_mini_program()->set_cover_path("/gnapi/files/c.png");
  const quntool::Json mini_echo = SendAndEcho(Message(mini), "mini_program_msg");
  EXPECT_EQ(mini_echo["data"]["appid"], "wx2c348cf579062e56");
  EXPECT_EQ(mini_echo["data"]["page_path"], "pages/index/index.html");

  v1::MessageContent video;
  video.mutable_video_num()->set_url("https://channels.weixin.qq.com/web/pages/feed?eid=y");
  video.mutable_video_num()->set_nickname("唐瑜熙");
  video.mutable_video_num()->set_feed_type(4);
  video.mutable_video_num()->set_description("原声版");
  const quntool::Json video_echo = SendAndEcho(Message(video), "video_num_msg");
  EXPECT_EQ(video_echo["data"]["nickname"], "唐瑜熙");
  EXPECT_EQ(video_echo["data"]["desc"], "原声版");

  v1::MessageContent quote;
  quote.mutable_quote()->set_content("我很好");
  quote.mutable_quote()->set_quoted_server_id("1107070");
  quote.mutable_quote()->set_quoted_text("左脚:\n你好吗?");
  const quntool::Json quote_echo = SendAndEcho(Message(quote), "text_msg");
  EXPECT_EQ(quote_echo["data"]["content"], "我很好");
  EXPECT_EQ(quote_echo["data"]["quote"], "左脚:\n你好吗?");
}

TEST_F(QuntoolSendTest, SavedItemsAreListedAndSentById) {
  absl::StatusOr<v1::ListSavedMiniProgramsResponse> minis =
      platform_->ListSavedMiniPrograms(Ref(qt::kAccountA));
  ASSERT_THAT(minis, IsOk());
  ASSERT_EQ(minis->mini_programs_size(), 1);
  const v1::SavedMiniProgram& mini = minis->mini_programs(0);
  EXPECT_EQ(mini.id(), 7);
  EXPECT_EQ(mini.type(), 1);
  EXPECT_EQ(mini.mini_program().appname(), "多好APP");
  EXPECT_EQ(mini.mini_program().appid(), "wxa07672d4ed4d166a");
  EXPECT_EQ(mini.mini_program().cover_path(), "/gnapi/files/c.png");

  absl::StatusOr<v1::ListSavedVideoNumsResponse> videos =
      platform_->ListSavedVideoNums(Ref(qt::kAccountA));
  ASSERT_THAT(videos, IsOk());
  ASSERT_EQ(videos->video_nums_size(), 1);
  const v1::SavedVideoNum& video = videos->video_nums(0);
  EXPECT_EQ(video.id(), 20);
  EXPECT_EQ(video.video_num().nickname(), "通仔99");
  EXPECT_EQ(video.video_num().description(), "反诈");
  EXPECT_EQ(video.video_num().feed_type(), 4);

  v1::MessageContent saved_mini;
  saved_mini.set_saved_mini_program_id(mini.id());
  EXPECT_EQ(SendAndEcho(Message(saved_mini), "mini_program_msg")["data"]["appname"], "多好APP");
  v1::MessageContent saved_video;
  saved_video.set_saved_video_num_id(video.id());
  EXPECT_EQ(SendAndEcho(Message(saved_video), "video_num_msg")["data"]["nickname"], "通仔99");

  saved_video.set_saved_video_num_id(404);
  EXPECT_THAT(platform_->SendMessage(Message(saved_video)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(QuntoolSendTest, UploadAnswersBothUrlsAndTheSize) {
  absl::StatusOr<v1::UploadFileResponse> uploaded =
      platform_->UploadFile(Ref(qt::kAccountA), "发布群控.txt", "群控内容");
  ASSERT_THAT(uploaded, IsOk());
  EXPECT_THAT(uploaded->file_url(), ::testing::StartsWith("/gnapi/"));
  EXPECT_EQ(uploaded->download_url(), AbsoluteFileUrl(base_url(), uploaded->file_url()));
  EXPECT_EQ(uploaded->size_bytes(), std::string("群控内容").size());
  EXPECT_EQ(Fetch(uploaded->download_url()), "群控内容");
}

TEST_F(QuntoolSendTest, ConfirmBatchMessages) {
  EXPECT_THAT(platform_->ConfirmBatchMessages(Ref(qt::kAccountA)), IsOk());
  EXPECT_THAT(platform_->ConfirmBatchMessages(Ref(qt::kOfflineAccount)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(QuntoolSendTest, OfflineAccountCannotSend) {
  absl::StatusOr<std::string> sent = platform_->SendMessage(
      Message(Text("hi"), absl::StrCat("S:", qt::kOfflineAccount, "_", qt::kCustomer1),
              qt::kOfflineAccount));
  EXPECT_THAT(sent, StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("/msg/text")));
  std::optional<common::v1::VendorError> error = GetVendorError(sent.status());
  ASSERT_TRUE(error.has_value());
  EXPECT_THAT(error->message(), HasSubstr("企微不在线"));
}

TEST_F(QuntoolSendTest, ContentWithoutAKindIsInvalid) {
  EXPECT_THAT(platform_->SendMessage(Message(v1::MessageContent())),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// An MQTT channel standing in for the broker: it hands each message to the
// emulator's send path (as the emulator's MQTT front does) and answers its
// msgId, recording what it was given.
class EmulatorMqttChannel final : public QuntoolMqttChannel {
 public:
  explicit EmulatorMqttChannel(quntool::QuntoolEmulator& emulator) : emulator_(emulator) {}

  absl::StatusOr<std::string> Send(const nlohmann::json& message, absl::Duration) override {
    {
      absl::MutexLock lock(&mu_);
      published_.push_back(message);
    }
    const quntool::Json params = quntool::LowercaseKeys(quntool::Json::parse(message.dump()));
    return emulator_.SendMessage({message.value("type", ""), params});
  }

  std::vector<nlohmann::json> published() {
    absl::MutexLock lock(&mu_);
    return published_;
  }

 private:
  quntool::QuntoolEmulator& emulator_;
  absl::Mutex mu_;
  std::vector<nlohmann::json> published_ ABSL_GUARDED_BY(mu_);
};

class QuntoolMqttSendTest : public QuntoolSendTest {
 protected:
  void SetUp() override {
    QuntoolSendTest::SetUp();
    QuntoolPlatformOptions options;
    options.mqtt = &channel_;
    options.mqtt_wx_ids = {qt::kAccountA};
    platform_ = std::make_unique<QuntoolPlatform>(api_.get(), std::move(options));
  }

  EmulatorMqttChannel channel_{world_.emulator()};
};

TEST_F(QuntoolMqttSendTest, TransportIsMqttOnlyForConfiguredAccounts) {
  EXPECT_EQ(platform_->TransportFor(Ref(qt::kAccountA)), v1::SEND_TRANSPORT_MQTT);
  EXPECT_EQ(platform_->TransportFor(Ref(qt::kAccountB)), v1::SEND_TRANSPORT_HTTP);
  absl::StatusOr<std::vector<v1::Account>> accounts =
      platform_->ListAccounts(v1::ListAccountsRequest());
  ASSERT_THAT(accounts, IsOk());
  ASSERT_EQ(accounts->size(), 2u);
  EXPECT_EQ((*accounts)[0].send_transport(), v1::SEND_TRANSPORT_MQTT);
  EXPECT_EQ((*accounts)[1].send_transport(), v1::SEND_TRANSPORT_HTTP);

  QuntoolPlatform without_channel(api_.get(), {.mqtt_wx_ids = {qt::kAccountA}});
  EXPECT_EQ(without_channel.TransportFor(Ref(qt::kAccountA)), v1::SEND_TRANSPORT_HTTP);
}

TEST_F(QuntoolMqttSendTest, TextGoesOverMqttWithTypeAndId) {
  OutgoingMessage message = Message(Text("你好啊"));
  message.send_id = "send-42";
  const quntool::Json echo = SendAndEcho(message, "text_msg");
  EXPECT_EQ(echo["data"]["content"], "你好啊");
  const std::vector<nlohmann::json> published = channel_.published();
  ASSERT_EQ(published.size(), 1u);
  EXPECT_EQ(published[0], (nlohmann::json{{"wxId", qt::kAccountA},
                                          {"conversationId", PrivateChat()},
                                          {"content", "你好啊"},
                                          {"type", "text"},
                                          {"id", "send-42"}}));
  EXPECT_EQ(VendorRequests(registry_, "/msg/text", "ok"), 0);
}

TEST_F(QuntoolMqttSendTest, MqttCarriesTheSameFieldsAsHttp) {
  v1::MessageContent content = Text("{$@} 看这里");
  content.mutable_text()->add_mention_user_ids(qt::kCustomer1);
  SendAndEcho(Message(content, qt::kGroup), "text_msg");
  v1::MessageContent gif;
  gif.mutable_gif()->set_file_url("https://cdn.invalid/huge.gif");
  gif.mutable_gif()->set_size_bytes(kQuntoolMaxGifBytes + 1);
  SendAndEcho(Message(gif), "file_msg");

  const std::vector<nlohmann::json> published = channel_.published();
  ASSERT_EQ(published.size(), 2u);
  for (size_t i = 0; i < published.size(); ++i) {
    const OutgoingMessage sent = i == 0 ? Message(content, qt::kGroup) : Message(gif);
    absl::StatusOr<QuntoolSend> http = QuntoolSendFor(sent, /*gif_as_file=*/i == 1);
    ASSERT_THAT(http, IsOk());
    nlohmann::json expected = http->body;
    expected["type"] = http->mqtt_type;
    expected["id"] = "send-1";
    EXPECT_EQ(published[i], expected);
  }
  EXPECT_EQ(published[0]["type"], "roomAt");
  EXPECT_EQ(published[1]["type"], "file");
}

TEST_F(QuntoolMqttSendTest, KindsMqttLacksStillGoOverHttp) {
  v1::MessageContent voice;
  voice.mutable_voice()->set_file_url(Upload("v.aac", 100));
  SendAndEcho(Message(voice), "voice_msg");
  v1::MessageContent quote;
  quote.mutable_quote()->set_content("好");
  quote.mutable_quote()->set_quoted_server_id("1047001");
  SendAndEcho(Message(quote), "text_msg");
  v1::MessageContent saved;
  saved.set_saved_mini_program_id(7);
  SendAndEcho(Message(saved), "mini_program_msg");
  EXPECT_THAT(channel_.published(), IsEmpty());
  EXPECT_EQ(VendorRequests(registry_, "/msg/voice", "ok"), 1);
  EXPECT_EQ(VendorRequests(registry_, "/msg/quote", "ok"), 1);
  EXPECT_EQ(VendorRequests(registry_, "/miniProgram/send", "ok"), 1);

  // An account not configured for MQTT sends everything over HTTP.
  SendAndEcho(
      Message(Text("hi"), absl::StrCat("S:", qt::kAccountB, "_", qt::kCustomer1), qt::kAccountB),
      "text_msg");
  EXPECT_THAT(channel_.published(), IsEmpty());
}

}  // namespace
}  // namespace wecom::robot::testing
