// The emulator's MQTT front against a real mosquitto: a client publishes to
// SendMessage as the document shows and reads SendMessageResp, and the
// webhook receives the sent-message echo.
#include "emulators/quntool/quntool_mqtt_front.h"

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "common/mqtt/mqtt_client.h"
#include "common/testing/status_matchers.h"
#include "emulators/quntool/api_routes.h"
#include "emulators/quntool/quntool_config.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/emulators/quntool/quntool_test_world.h"
#include "tests/support/child_process.h"
#include "tests/support/mosquitto_broker.h"
#include "tests/support/temp_dir.h"

namespace wecom::quntool::testing {
namespace {

using ::testing::HasSubstr;
using ::wecom::mqtt::MqttClient;
using ::wecom::mqtt::MqttMessage;
using ::wecom::testing::ChildProcess;
using ::wecom::testing::IsOk;
using ::wecom::testing::MosquittoBroker;
using ::wecom::testing::StatusIs;
using ::wecom::testing::TempDir;

constexpr absl::Duration kTimeout = absl::Seconds(20);

std::string PrivateChat(const std::string& account, const std::string& contact) {
  return absl::StrCat("S:", account, "_", contact);
}

// The gateway's side, bare: publishes to SendMessage and records what
// arrives on SendMessageResp.
class MqttPeer {
 public:
  explicit MqttPeer(const MosquittoBroker& broker)
      : client_([this](const MqttMessage& message) {
          absl::MutexLock lock(&mu_);
          answers_.push_back(Json::parse(message.payload, nullptr, false));
        }) {
    EXPECT_THAT(client_.Subscribe(kSendMessageRespTopic, 1), IsOk());
    EXPECT_THAT(client_.Connect(broker.host(), broker.port(), "", kTimeout), IsOk());
  }

  void PublishRaw(const std::string& payload) {
    EXPECT_THAT(client_.Publish(kSendMessageTopic, payload, 1), IsOk());
  }
  void Publish(const Json& message) { PublishRaw(message.dump()); }

  // The answer whose id is `id`.
  absl::StatusOr<Json> WaitForAnswer(const Json& id) {
    const Json* found = nullptr;
    auto arrived = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      for (const Json& answer : answers_) {
        if (answer.is_object() && answer.contains("id") && answer["id"] == id) {
          found = &answer;
          return true;
        }
      }
      return false;
    };
    absl::MutexLock lock(&mu_);
    if (!mu_.AwaitWithTimeout(absl::Condition(&arrived), kTimeout)) {
      return absl::DeadlineExceededError(absl::StrCat("no answer for id ", id.dump()));
    }
    return *found;
  }

 private:
  absl::Mutex mu_;
  std::vector<Json> answers_ ABSL_GUARDED_BY(mu_);
  MqttClient client_;  // last: stops calling back before answers_ goes
};

class QuntoolMqttFrontTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<MosquittoBroker>> broker = MosquittoBroker::Start();
    ASSERT_THAT(broker, IsOk());
    broker_ = *std::move(broker);
    world_ = std::make_unique<QuntoolTestWorld>(broker_->port());
    peer_ = std::make_unique<MqttPeer>(*broker_);
  }

  Json Text(const Json& id, const std::string& account, const std::string& content) {
    return {{"wxId", account},
            {"conversationId", PrivateChat(account, kCustomer1)},
            {"content", content},
            {"type", "text"},
            {"id", id}};
  }

  std::unique_ptr<MosquittoBroker> broker_;
  std::unique_ptr<QuntoolTestWorld> world_;
  std::unique_ptr<MqttPeer> peer_;
};

TEST_F(QuntoolMqttFrontTest, AnswersTheDocumentsExampleWithAMsgIdAndEchoesTheSend) {
  peer_->Publish(Text("1234567", kAccountA, "你好啊"));
  absl::StatusOr<Json> answer = peer_->WaitForAnswer("1234567");
  ASSERT_THAT(answer, IsOk());
  ASSERT_TRUE((*answer)["msgId"].is_string()) << answer->dump();
  const std::string msg_id = (*answer)["msgId"];
  EXPECT_FALSE(msg_id.empty());
  EXPECT_FALSE(answer->contains("code")) << answer->dump();

  absl::StatusOr<Json> echo = world_->webhook().WaitForEcho("text_msg", msg_id);
  ASSERT_THAT(echo, IsOk());
  EXPECT_EQ((*echo)["data"]["content"], "你好啊");
  EXPECT_EQ((*echo)["data"]["error_code"], 0);
  EXPECT_EQ((*echo)["data"]["isOpenApi"], true);
}

TEST_F(QuntoolMqttFrontTest, ReadsKeysInAnyCaseAndAnswersANumericIdAsSent) {
  peer_->Publish(Json{{"WxId", kAccountA},
                      {"ConversationId", PrivateChat(kAccountA, kCustomer1)},
                      {"FileUrl", "https://example.com/a.png"},
                      {"Type", "image"},
                      {"ID", 42}});
  absl::StatusOr<Json> answer = peer_->WaitForAnswer(42);
  ASSERT_THAT(answer, IsOk());
  ASSERT_TRUE((*answer)["msgId"].is_string()) << answer->dump();
  EXPECT_THAT(world_->webhook().WaitForEcho("image_msg", (*answer)["msgId"]), IsOk());
}

TEST_F(QuntoolMqttFrontTest, ARefusedSendAnswersCodeAndMessage) {
  peer_->Publish(Text("offline-1", kOfflineAccount, "hi"));
  absl::StatusOr<Json> answer = peer_->WaitForAnswer("offline-1");
  ASSERT_THAT(answer, IsOk());
  EXPECT_EQ(*answer, (Json{{"id", "offline-1"},
                           {"msgId", nullptr},
                           {"code", kCodeFailed},
                           {"msg", std::string(kAccountOffline)}}));
}

TEST_F(QuntoolMqttFrontTest, TypesTheDocumentDoesNotListForMqttAreRefused) {
  Json voice = Text("voice-1", kAccountA, "");
  voice["type"] = "voice";
  voice["fileUrl"] = "https://example.com/a.silk";
  peer_->Publish(voice);
  Json untyped = Text("untyped-1", kAccountA, "hi");
  untyped.erase("type");
  peer_->Publish(untyped);

  absl::StatusOr<Json> voice_answer = peer_->WaitForAnswer("voice-1");
  ASSERT_THAT(voice_answer, IsOk());
  EXPECT_EQ((*voice_answer)["code"], kCodeFailed);
  EXPECT_THAT((*voice_answer)["msg"].get<std::string>(), HasSubstr("voice"));
  absl::StatusOr<Json> untyped_answer = peer_->WaitForAnswer("untyped-1");
  ASSERT_THAT(untyped_answer, IsOk());
  EXPECT_EQ((*untyped_answer)["msg"], "type不能为空");
}

TEST_F(QuntoolMqttFrontTest, MessagesWithoutAnIdAreDroppedAndTheNextOneIsServed) {
  peer_->PublishRaw("not json {");
  peer_->PublishRaw("[1, 2, 3]");
  Json no_id = Text("", kAccountA, "hi");
  no_id.erase("id");
  peer_->Publish(no_id);
  peer_->Publish(Text(Json::array({"x"}), kAccountA, "hi"));  // an id nobody can match

  // One publisher's messages on one topic arrive in order, so once this
  // one is answered the four before it have been handled.
  peer_->Publish(Text("after-garbage", kAccountA, "still here"));
  absl::StatusOr<Json> answer = peer_->WaitForAnswer("after-garbage");
  ASSERT_THAT(answer, IsOk());
  EXPECT_TRUE((*answer)["msgId"].is_string()) << answer->dump();
  EXPECT_EQ(world_->mqtt_front()->dropped_messages(), 4);
}

TEST(QuntoolMqttConfigTest, MqttPortIsOptionalAndRangeChecked) {
  absl::StatusOr<QuntoolConfig> plain = ParseQuntoolConfig(R"({"apikey": "k"})");
  ASSERT_THAT(plain, IsOk());
  EXPECT_EQ(plain->mqtt_port, 0);
  EXPECT_EQ(plain->mqtt_host, "127.0.0.1");
  absl::StatusOr<QuntoolConfig> mqtt =
      ParseQuntoolConfig(R"({"apikey": "k", "mqtt_host": "broker", "mqtt_port": 1884})");
  ASSERT_THAT(mqtt, IsOk());
  EXPECT_EQ(mqtt->mqtt_host, "broker");
  EXPECT_EQ(mqtt->mqtt_port, 1884);
  EXPECT_THAT(ParseQuntoolConfig(R"({"apikey": "k", "mqtt_port": 70000})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("config.mqtt_port")));
}

TEST(QuntoolMqttBinaryTest, TheBinaryTakesSendsFromTheConfiguredBroker) {
  absl::StatusOr<std::unique_ptr<MosquittoBroker>> broker = MosquittoBroker::Start();
  ASSERT_THAT(broker, IsOk());
  absl::StatusOr<TempDir> dir = TempDir::Create("quntool_mqtt_binary_test");
  ASSERT_THAT(dir, IsOk());
  const std::string config = dir->path() + "/quntool.json";
  Json config_json = Json::parse(TestConfigJson(/*webhook_port=*/1));
  config_json["mqtt_port"] = (*broker)->port();
  std::ofstream(config) << config_json.dump();
  absl::StatusOr<std::unique_ptr<ChildProcess>> emulator =
      ChildProcess::Start({QUNTOOL_EMULATOR_PATH, "--config", config, "--listen", "127.0.0.1:0"});
  ASSERT_THAT(emulator, IsOk());
  // The front is subscribed before the server listens.
  ASSERT_THAT((*emulator)->ReadLineStartingWith("listening on "), IsOk());

  MqttPeer peer(**broker);
  peer.Publish(Json{{"wxId", kAccountA},
                    {"conversationId", PrivateChat(kAccountA, kCustomer1)},
                    {"content", "hi"},
                    {"type", "text"},
                    {"id", "binary-1"}});
  absl::StatusOr<Json> answer = peer.WaitForAnswer("binary-1");
  ASSERT_THAT(answer, IsOk());
  EXPECT_TRUE((*answer)["msgId"].is_string()) << answer->dump();
}

}  // namespace
}  // namespace wecom::quntool::testing
