// MosquittoQuntoolChannel over a real mosquitto, with the emulator's MQTT
// front as the quntool server: msgIds and echoes, matching answers by id
// under concurrency, pacing, refusals, unknown answers, timeouts, and a
// broker restart, each send counted in the metrics by its result (the only
// place MQTT sends are counted).
#include "services/robot-gateway/quntool/mosquitto_quntool_channel.h"

#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/mqtt/mqtt_client.h"
#include "common/status/vendor_error.h"
#include "services/robot-gateway/platform/robot_platform.h"
#include "tests/robot-gateway/quntool/quntool_fixture.h"
#include "tests/support/mosquitto_broker.h"
#include "tests/support/refused_port.h"

namespace wecom::robot::testing {
namespace {

using ::testing::AnyOf;
using ::testing::HasSubstr;
using ::wecom::mqtt::MqttClient;
using ::wecom::mqtt::MqttMessage;
using ::wecom::testing::IsOk;
using ::wecom::testing::MosquittoBroker;
using ::wecom::testing::StatusIs;
using json = nlohmann::json;

constexpr absl::Duration kConnectTimeout = absl::Seconds(20);
constexpr absl::Duration kSendTimeout = absl::Seconds(10);
constexpr char kEndpoint[] = "mqtt:SendMessage";

json Text(const std::string& id, const std::string& account, const std::string& content) {
  return {{"wxId", account},
          {"conversationId", absl::StrCat("S:", account, "_", qt::kCustomer1)},
          {"content", content},
          {"type", "text"},
          {"id", id}};
}

absl::StatusOr<std::unique_ptr<MosquittoQuntoolChannel>> ConnectTo(
    const MosquittoBroker& broker, GatewayMetrics* metrics = nullptr) {
  MosquittoQuntoolChannelOptions options;
  options.host = broker.host();
  options.port = broker.port();
  options.connect_timeout = kConnectTimeout;
  options.metrics = metrics;
  return MosquittoQuntoolChannel::Connect(std::move(options));
}

class MosquittoQuntoolChannelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<MosquittoBroker>> broker = MosquittoBroker::Start();
    ASSERT_THAT(broker, IsOk());
    broker_ = *std::move(broker);
    world_ = std::make_unique<qt::QuntoolTestWorld>(broker_->port());
    absl::StatusOr<std::unique_ptr<MosquittoQuntoolChannel>> channel =
        ConnectTo(*broker_, &metrics_);
    ASSERT_THAT(channel, IsOk());
    channel_ = *std::move(channel);
  }

  prometheus::Registry registry_;
  GatewayMetrics metrics_{registry_};
  std::unique_ptr<MosquittoBroker> broker_;
  std::unique_ptr<qt::QuntoolTestWorld> world_;
  std::unique_ptr<MosquittoQuntoolChannel> channel_;
};

TEST_F(MosquittoQuntoolChannelTest, ATextAndAnImageComeBackWithMsgIdsAndAreEchoed) {
  absl::StatusOr<std::string> text =
      channel_->Send(Text("t-1", qt::kAccountA, "你好"), kSendTimeout);
  ASSERT_THAT(text, IsOk());
  // Another account, so that pacing does not touch the image.
  const json image = {{"wxId", qt::kAccountB},
                      {"conversationId", absl::StrCat("S:", qt::kAccountB, "_", qt::kCustomer1)},
                      {"fileUrl", "https://example.com/cat.png"},
                      {"type", "image"},
                      {"id", "i-1"}};
  absl::StatusOr<std::string> picture = channel_->Send(image, kSendTimeout);
  ASSERT_THAT(picture, IsOk());
  EXPECT_NE(*text, *picture);

  absl::StatusOr<quntool::Json> text_echo = world_->webhook().WaitForEcho("text_msg", *text);
  ASSERT_THAT(text_echo, IsOk());
  EXPECT_EQ((*text_echo)["data"]["content"], "你好");
  EXPECT_EQ((*text_echo)["data"]["error_code"], 0);
  absl::StatusOr<quntool::Json> image_echo = world_->webhook().WaitForEcho("image_msg", *picture);
  ASSERT_THAT(image_echo, IsOk());
  EXPECT_EQ((*image_echo)["wxid"], qt::kAccountB);
  EXPECT_EQ((*image_echo)["data"]["error_code"], 0);
  EXPECT_EQ(VendorRequests(registry_, kEndpoint, "ok"), 2);
}

TEST_F(MosquittoQuntoolChannelTest, ConcurrentSendsEachGetTheAnswerToTheirOwnId) {
  constexpr int kThreads = 4;
  constexpr int kSendsPerThread = 5;
  struct Sent {
    std::string content;
    absl::StatusOr<std::string> msg_id;
  };
  std::vector<std::vector<Sent>> sent(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kSendsPerThread; ++i) {
        const std::string content = absl::StrCat("thread ", t, " send ", i);
        sent[t].push_back(
            {content, channel_->Send(Text(absl::StrCat("c-", t, "-", i), qt::kAccountA, content),
                                     kSendTimeout)});
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  std::set<std::string> msg_ids;
  for (const std::vector<Sent>& one_thread : sent) {
    for (const Sent& send : one_thread) {
      ASSERT_THAT(send.msg_id, IsOk()) << send.content;
      msg_ids.insert(*send.msg_id);
      // The echo of the msgId this send got carries this send's text: the
      // answer was the one to its id. (Most are throttled: same account.)
      absl::StatusOr<quntool::Json> echo = world_->webhook().WaitForEcho("text_msg", *send.msg_id);
      ASSERT_THAT(echo, IsOk());
      EXPECT_EQ((*echo)["data"]["content"], send.content);
    }
  }
  EXPECT_EQ(msg_ids.size(), static_cast<size_t>(kThreads * kSendsPerThread));
}

TEST_F(MosquittoQuntoolChannelTest, TheServersPacingAppliesToMqttSends) {
  absl::StatusOr<std::string> first =
      channel_->Send(Text("p-1", qt::kAccountA, "一"), kSendTimeout);
  absl::StatusOr<std::string> second =
      channel_->Send(Text("p-2", qt::kAccountA, "二"), kSendTimeout);
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(second, IsOk());
  absl::StatusOr<quntool::Json> first_echo = world_->webhook().WaitForEcho("text_msg", *first);
  absl::StatusOr<quntool::Json> second_echo = world_->webhook().WaitForEcho("text_msg", *second);
  ASSERT_THAT(first_echo, IsOk());
  ASSERT_THAT(second_echo, IsOk());
  EXPECT_EQ((*first_echo)["data"]["error_code"], 0);
  EXPECT_EQ((*second_echo)["data"]["error_code"], quntool::kErrorAbnormalFrequency);
}

TEST_F(MosquittoQuntoolChannelTest, ARefusedSendIsAVendorFailureMarkedOfflineWhenItIs) {
  absl::StatusOr<std::string> refused =
      channel_->Send(Text("r-1", qt::kOfflineAccount, "hi"), kSendTimeout);
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("企微不在线")));
  std::optional<common::v1::VendorError> error = GetVendorError(refused.status());
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->vendor(), "quntool");
  EXPECT_EQ(error->code(), -1);
  EXPECT_EQ(error->message(), "企微不在线");
  // The dispatcher holds the account's queue instead of failing the send.
  EXPECT_TRUE(IsAccountOffline(refused.status()));
  EXPECT_EQ(VendorRequests(registry_, kEndpoint, "-1"), 1);
}

TEST_F(MosquittoQuntoolChannelTest, MessagesWithoutTypeOrIdAreRefusedBeforePublishing) {
  json no_id = Text("x", qt::kAccountA, "hi");
  no_id.erase("id");
  EXPECT_THAT(channel_->Send(no_id, kSendTimeout), StatusIs(absl::StatusCode::kInvalidArgument));
  json no_type = Text("x", qt::kAccountA, "hi");
  no_type.erase("type");
  EXPECT_THAT(channel_->Send(no_type, kSendTimeout), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(channel_->Send(json::array(), kSendTimeout),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(MosquittoQuntoolChannelTest, AnswersForUnknownIdsAndGarbageAreIgnored) {
  MqttClient stranger([](const MqttMessage&) {});
  ASSERT_THAT(stranger.Connect(broker_->host(), broker_->port(), "", kConnectTimeout), IsOk());
  ASSERT_THAT(stranger.Publish("SendMessageResp", R"({"id": "nobody", "msgId": "m-0"})", 1),
              IsOk());
  ASSERT_THAT(stranger.Publish("SendMessageResp", "not json", 1), IsOk());
  ASSERT_THAT(stranger.Publish("SendMessageResp", R"(["u-1"])", 1), IsOk());

  absl::StatusOr<std::string> sent = channel_->Send(Text("u-1", qt::kAccountA, "hi"), kSendTimeout);
  ASSERT_THAT(sent, IsOk());
  EXPECT_THAT(world_->webhook().WaitForEcho("text_msg", *sent), IsOk());
}

// A bare MQTT client standing in for the server: records the ids published
// to SendMessage and answers when told to.
class ManualServer {
 public:
  explicit ManualServer(const MosquittoBroker& broker)
      : client_([this](const MqttMessage& message) {
          json sent = json::parse(message.payload, nullptr, false);
          absl::MutexLock lock(&mu_);
          if (sent.is_object()) ids_.push_back(sent.value("id", ""));
        }) {
    EXPECT_THAT(client_.Subscribe("SendMessage", 1), IsOk());
    EXPECT_THAT(client_.Connect(broker.host(), broker.port(), "", kConnectTimeout), IsOk());
  }
  bool WaitForId(const std::string& id) {
    auto seen = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return std::find(ids_.begin(), ids_.end(), id) != ids_.end();
    };
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(&seen), kConnectTimeout);
  }
  void Answer(const json& answer) {
    EXPECT_THAT(client_.Publish("SendMessageResp", answer.dump(), 1), IsOk());
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> ids_ ABSL_GUARDED_BY(mu_);
  MqttClient client_;
};

class MosquittoQuntoolChannelWithoutEmulatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<MosquittoBroker>> broker = MosquittoBroker::Start();
    ASSERT_THAT(broker, IsOk());
    broker_ = *std::move(broker);
    absl::StatusOr<std::unique_ptr<MosquittoQuntoolChannel>> channel =
        ConnectTo(*broker_, &metrics_);
    ASSERT_THAT(channel, IsOk());
    channel_ = *std::move(channel);
  }

  prometheus::Registry registry_;
  GatewayMetrics metrics_{registry_};
  std::unique_ptr<MosquittoBroker> broker_;
  std::unique_ptr<MosquittoQuntoolChannel> channel_;
};

TEST_F(MosquittoQuntoolChannelWithoutEmulatorTest, NoAnswerIsDeadlineExceeded) {
  const absl::Time start = absl::Now();
  EXPECT_THAT(channel_->Send(Text("silent-1", qt::kAccountA, "hi"), absl::Milliseconds(300)),
              StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("may have been sent")));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(300));
  EXPECT_EQ(VendorRequests(registry_, kEndpoint, "transport_error"), 1);
}

TEST_F(MosquittoQuntoolChannelWithoutEmulatorTest, ASecondSendWithAWaitingIdIsRefused) {
  ManualServer server(*broker_);
  absl::StatusOr<std::string> first;
  std::thread waiting(
      [&] { first = channel_->Send(Text("dup-1", qt::kAccountA, "one"), kConnectTimeout); });
  ASSERT_TRUE(server.WaitForId("dup-1"));
  EXPECT_THAT(channel_->Send(Text("dup-1", qt::kAccountA, "two"), kSendTimeout),
              StatusIs(absl::StatusCode::kAlreadyExists));
  server.Answer({{"id", "dup-1"}, {"msgId", "m-1"}});
  waiting.join();
  EXPECT_THAT(first, IsOk());
  EXPECT_EQ(first.value_or(""), "m-1");
}

TEST_F(MosquittoQuntoolChannelWithoutEmulatorTest, AnAnswerWithNeitherMsgIdNorCodeIsMalformed) {
  ManualServer server(*broker_);
  absl::StatusOr<std::string> sent;
  std::thread waiting(
      [&] { sent = channel_->Send(Text("odd-1", qt::kAccountA, "hi"), kConnectTimeout); });
  ASSERT_TRUE(server.WaitForId("odd-1"));
  server.Answer({{"id", "odd-1"}, {"msgId", ""}});
  waiting.join();
  EXPECT_THAT(sent, StatusIs(absl::StatusCode::kInternal, HasSubstr("malformed")));
  EXPECT_EQ(VendorRequests(registry_, kEndpoint, "malformed_response"), 1);
}

TEST(MosquittoQuntoolChannelConnectTest, NoBrokerIsUnavailableWithinTheTimeout) {
  absl::StatusOr<wecom::testing::RefusedPort> refused = wecom::testing::RefusedPort::Reserve();
  ASSERT_THAT(refused, IsOk());
  MosquittoQuntoolChannelOptions options;
  options.host = "127.0.0.1";
  options.port = refused->port();
  options.connect_timeout = absl::Seconds(1);
  const absl::Time start = absl::Now();
  EXPECT_THAT(MosquittoQuntoolChannel::Connect(std::move(options)),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
}

TEST_F(MosquittoQuntoolChannelTest, ABrokerRestartInterruptsSendsAndTheChannelRecovers) {
  ASSERT_THAT(channel_->Send(Text("before", qt::kAccountA, "before"), kSendTimeout), IsOk());
  const int port = broker_->port();
  broker_.reset();  // SIGKILL

  const absl::Time start = absl::Now();
  EXPECT_THAT(channel_->Send(Text("down", qt::kAccountA, "down"), absl::Seconds(2)),
              AnyOf(StatusIs(absl::StatusCode::kUnavailable),
                    StatusIs(absl::StatusCode::kDeadlineExceeded)));
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  EXPECT_EQ(VendorRequests(registry_, kEndpoint, "transport_error"), 1);

  absl::StatusOr<std::unique_ptr<MosquittoBroker>> restarted = MosquittoBroker::Start(port);
  ASSERT_THAT(restarted, IsOk());
  broker_ = *std::move(restarted);
  ASSERT_TRUE(channel_->WaitReady(absl::Seconds(30)));
  ASSERT_TRUE(world_->mqtt_front()->WaitReady(absl::Seconds(30)));

  // Account B: a "down" send resent after the reconnect may pace account A.
  const json after = {{"wxId", qt::kAccountB},
                      {"conversationId", absl::StrCat("S:", qt::kAccountB, "_", qt::kCustomer1)},
                      {"content", "after"},
                      {"type", "text"},
                      {"id", "after"}};
  absl::StatusOr<std::string> sent = channel_->Send(after, kSendTimeout);
  ASSERT_THAT(sent, IsOk());
  absl::StatusOr<quntool::Json> echo = world_->webhook().WaitForEcho("text_msg", *sent);
  ASSERT_THAT(echo, IsOk());
  EXPECT_EQ((*echo)["data"]["content"], "after");
}

}  // namespace
}  // namespace wecom::robot::testing
