// SocketIoClient against the yjiyun emulator (emulators/yjiyun, the npm
// socket.io servers) in each of its engine.io modes: "4" (socket.io 4), "3"
// (socket.io 2) and "both" (socket.io 4 with allowEIO3).
#include "common/socketio/socket_io_client.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/node_script.h"
#include "tests/support/refused_port.h"
#include "tests/support/yjiyun_emulator.h"

namespace wecom::socketio {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::wecom::testing::IsOk;
using ::wecom::testing::NodeScript;
using ::wecom::testing::RefusedPort;
using ::wecom::testing::StartNodeScript;
using ::wecom::testing::StatusIs;
using ::wecom::testing::YjiyunEmulator;

// The robot and a customer of emulators/yjiyun/example-config.json.
constexpr char kRobotKey[] = "f16096caffd246acb5bb69b657a0894e";
constexpr char kRobotWxid[] = "1688853470427542";
constexpr char kCustomer[] = "7881299459945762";

// Short enough that a test lives through several heartbeats in seconds.
constexpr int kPingIntervalMs = 300;
constexpr int kPingTimeoutMs = 200;
constexpr absl::Duration kWait = absl::Seconds(10);

struct Received {
  std::string event;
  nlohmann::json payload;
};

// Records what the client's handlers see, for tests to wait on.
class Recorder {
 public:
  // Handlers for `events` (by default /imchat's) and the disconnect.
  void Attach(SocketIoClient& client,
              const std::vector<std::string>& events = {"chat", "message", "action"}) {
    for (const std::string& event : events) {
      client.On(event, [this, event](const nlohmann::json& payload) {
        absl::MutexLock lock(&mu_);
        received_.push_back({event, payload});
        threads_.push_back(std::this_thread::get_id());
      });
    }
    client.OnDisconnect([this](DisconnectReason reason, const std::string& detail) {
      absl::MutexLock lock(&mu_);
      disconnects_.push_back(reason);
      threads_.push_back(std::this_thread::get_id());
    });
  }

  // The first `event` matching `match`, waiting up to `timeout` for it.
  std::optional<nlohmann::json> WaitFor(const std::string& event,
                                        const std::function<bool(const nlohmann::json&)>& match,
                                        absl::Duration timeout = kWait) {
    absl::MutexLock lock(&mu_);
    std::optional<nlohmann::json> found;
    const auto arrived = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      for (const Received& received : received_) {
        if (received.event == event && match(received.payload)) {
          found = received.payload;
          return true;
        }
      }
      return false;
    };
    mu_.AwaitWithTimeout(absl::Condition(&arrived), timeout);
    return found;
  }

  // Waits until `count` `event`s arrived; returns all of them in order.
  std::vector<nlohmann::json> WaitForCount(const std::string& event, size_t count) {
    absl::MutexLock lock(&mu_);
    const auto enough = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return Count(event) >= count; };
    mu_.AwaitWithTimeout(absl::Condition(&enough), kWait);
    std::vector<nlohmann::json> payloads;
    for (const Received& received : received_) {
      if (received.event == event) payloads.push_back(received.payload);
    }
    return payloads;
  }

  std::optional<DisconnectReason> WaitForDisconnect(absl::Duration timeout = kWait) {
    absl::MutexLock lock(&mu_);
    const auto disconnected = [this]()
                                  ABSL_SHARED_LOCKS_REQUIRED(mu_) { return !disconnects_.empty(); };
    if (!mu_.AwaitWithTimeout(absl::Condition(&disconnected), timeout)) return std::nullopt;
    return disconnects_.front();
  }

  std::vector<DisconnectReason> disconnects() {
    absl::MutexLock lock(&mu_);
    return disconnects_;
  }

  std::vector<std::thread::id> threads() {
    absl::MutexLock lock(&mu_);
    return threads_;
  }

 private:
  size_t Count(const std::string& event) const ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    size_t count = 0;
    for (const Received& received : received_) count += received.event == event;
    return count;
  }

  absl::Mutex mu_;
  std::vector<Received> received_ ABSL_GUARDED_BY(mu_);
  std::vector<DisconnectReason> disconnects_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread::id> threads_ ABSL_GUARDED_BY(mu_);
};

std::function<bool(const nlohmann::json&)> MessageWithText(const std::string& text) {
  return [text](const nlohmann::json& message) {
    return message.contains("content") && message["content"].value("content", "") == text;
  };
}

// /imchat at `url` with `token`, as yjiyun's channel is joined.
SocketIoOptions ImchatOptions(const std::string& url, const std::string& token) {
  SocketIoOptions options;
  options.url = url;
  options.nsp = "/imchat";
  options.secret_query = {{"token", Secret(token)}};
  options.connect_timeout = kWait;
  return options;
}

class SocketIoClientTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(nlohmann::json config, YjiyunEmulator::ExampleConfig());
    config["pingIntervalMs"] = kPingIntervalMs;
    config["pingTimeoutMs"] = kPingTimeoutMs;
    ASSERT_OK_AND_ASSIGN(emulator_, YjiyunEmulator::Start(config, GetParam()));
    ASSERT_OK_AND_ASSIGN(token_, emulator_->Token());
    recorder_.Attach(client_);
  }

  SocketIoOptions Options() const { return ImchatOptions(emulator_->endpoint(), token_); }

  EngineIoVersion ExpectedVersion() const {
    return GetParam() == "3" ? EngineIoVersion::kV3 : EngineIoVersion::kV4;
  }

  // The emulator's sockets, once there are `count` of them.
  nlohmann::json WaitForSockets(size_t count) {
    const absl::Time deadline = absl::Now() + kWait;
    nlohmann::json sockets;
    while (absl::Now() < deadline) {
      absl::StatusOr<nlohmann::json> state = emulator_->State();
      if (!state.ok()) break;
      sockets = (*state)["sockets"];
      if (sockets.size() == count) break;
      absl::SleepFor(absl::Milliseconds(10));  // paces the polling
    }
    return sockets;
  }

  // Pushes one received text message from the customer to the robot.
  void Inject(const std::string& text, int count = 1) {
    ASSERT_OK_AND_ASSIGN(const nlohmann::json data,
                         emulator_->Control("messages", {{"robotKey", kRobotKey},
                                                         {"chatUser", kCustomer},
                                                         {"content", text},
                                                         {"count", count}}));
    EXPECT_EQ(data["delivered"], count);
  }

  std::unique_ptr<YjiyunEmulator> emulator_;
  std::string token_;
  // Declared before the client: handlers must outlive it.
  Recorder recorder_;
  SocketIoClient client_;
};

INSTANTIATE_TEST_SUITE_P(EngineIoModes, SocketIoClientTest, ::testing::Values("4", "3", "both"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return absl::StrCat("EngineIo_", info.param);
                         });

TEST_P(SocketIoClientTest, ConnectsAndDetectsTheEngineIoVersion) {
  SocketIoOptions options = Options();
  options.query = {{"msgFilter", "1"}};
  ASSERT_OK(client_.Connect(options));
  EXPECT_TRUE(client_.connected());
  EXPECT_EQ(client_.engine_io_version(), ExpectedVersion());

  // One socket (the v4 probe of a socket.io 2 server left no ghost), of the
  // detected version, with the query's msgFilter.
  const nlohmann::json sockets = WaitForSockets(1);
  ASSERT_EQ(sockets.size(), 1u) << sockets.dump();
  EXPECT_EQ(sockets[0]["engineIo"], static_cast<int>(ExpectedVersion()));
  EXPECT_EQ(sockets[0]["transport"], "websocket");
  EXPECT_EQ(sockets[0]["accessKey"], "user1");
  EXPECT_EQ(sockets[0]["msgFilter"], true);
}

TEST_P(SocketIoClientTest, ReceivesPushedEvents) {
  ASSERT_OK(client_.Connect(Options()));
  Inject("你好 robot");
  const std::optional<nlohmann::json> message =
      recorder_.WaitFor("message", MessageWithText("你好 robot"));
  ASSERT_TRUE(message.has_value());
  EXPECT_EQ((*message)["robotKey"], kRobotKey);
  EXPECT_EQ((*message)["from"]["contactId"], kCustomer);
  EXPECT_EQ((*message)["content"]["contentType"], 1);
  const std::optional<nlohmann::json> chat =
      recorder_.WaitFor("chat", [](const nlohmann::json& chat) {
        return chat.value("chatId", "") == absl::StrCat("S:", kRobotWxid, "_", kCustomer);
      });
  EXPECT_TRUE(chat.has_value());
}

TEST_P(SocketIoClientTest, DeliversEventsInOrderOnOneThread) {
  ASSERT_OK(client_.Connect(Options()));
  constexpr int kCount = 100;
  Inject("n{i}", kCount);
  const std::vector<nlohmann::json> messages = recorder_.WaitForCount("message", kCount);
  ASSERT_EQ(messages.size(), static_cast<size_t>(kCount));
  for (int i = 0; i < kCount; ++i) {
    EXPECT_EQ(messages[i]["content"]["content"], absl::StrCat("n", i + 1));
  }
  const std::vector<std::thread::id> threads = recorder_.threads();
  ASSERT_FALSE(threads.empty());
  for (const std::thread::id& thread : threads) EXPECT_EQ(thread, threads.front());
  EXPECT_NE(threads.front(), std::this_thread::get_id());
}

TEST_P(SocketIoClientTest, EmittedSendIsAnsweredByItsMessageId) {
  ASSERT_OK(client_.Connect(Options()));
  const std::string message_id = "2020030216285000000001";
  ASSERT_OK(client_.Emit("message", {{"chatId", absl::StrCat("S:", kRobotWxid, "_", kCustomer)},
                                     {"messageId", message_id},
                                     {"message", {{"contentType", 1}, {"content", "来自网关"}}}}));
  const std::optional<nlohmann::json> echo = recorder_.WaitFor(
      "message",
      [&](const nlohmann::json& message) { return message.value("messageId", "") == message_id; });
  ASSERT_TRUE(echo.has_value());
  EXPECT_EQ((*echo)["from"]["isSelf"], 1);
  EXPECT_EQ((*echo)["sendStatus"], 1);
  EXPECT_EQ((*echo)["content"]["content"], "来自网关");
  EXPECT_FALSE(echo->contains("code")) << echo->dump();

  ASSERT_OK_AND_ASSIGN(const nlohmann::json state, emulator_->State());
  ASSERT_EQ(state["sent"].size(), 1u);
  EXPECT_EQ(state["sent"][0]["via"], "socket");

  // An action is answered on "action" with the request's messageId.
  const std::string action_id = "2020030216285000000002";
  ASSERT_OK(client_.Emit(
      "action", {{"type", "robot.tags.sync"}, {"robotKey", kRobotKey}, {"messageId", action_id}}));
  const std::optional<nlohmann::json> answer = recorder_.WaitFor(
      "action",
      [&](const nlohmann::json& action) { return action.value("messageId", "") == action_id; });
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ((*answer)["code"], "0") << answer->dump();
  EXPECT_TRUE((*answer)["labelList"].is_array()) << answer->dump();
}

TEST_P(SocketIoClientTest, ServerDropIsReportedAndConnectWorksAgain) {
  ASSERT_OK(client_.Connect(Options()));
  ASSERT_OK_AND_ASSIGN(const nlohmann::json dropped,
                       emulator_->Control("drop", {{"mode", "transport"}}));
  EXPECT_EQ(dropped["dropped"], 1);
  EXPECT_EQ(recorder_.WaitForDisconnect(), DisconnectReason::kTransportClose);
  EXPECT_FALSE(client_.connected());
  EXPECT_THAT(client_.Emit("message", {{"messageId", "x"}}),
              StatusIs(absl::StatusCode::kUnavailable));

  // The owner reconnects when it decides to; the same handlers serve.
  ASSERT_OK(client_.Connect(Options()));
  Inject("after the drop");
  EXPECT_TRUE(recorder_.WaitFor("message", MessageWithText("after the drop")).has_value());
  EXPECT_EQ(recorder_.disconnects().size(), 1u);
}

TEST_P(SocketIoClientTest, ServerDisconnectIsReported) {
  ASSERT_OK(client_.Connect(Options()));
  ASSERT_OK(emulator_->Control("drop", {{"mode", "server"}}).status());
  EXPECT_EQ(recorder_.WaitForDisconnect(), DisconnectReason::kServerDisconnect);
  EXPECT_FALSE(client_.connected());
  EXPECT_EQ(WaitForSockets(0).size(), 0u);
}

TEST_P(SocketIoClientTest, ResetConnectionIsReported) {
  ASSERT_OK(client_.Connect(Options()));
  ASSERT_OK(emulator_->Control("drop", {{"mode", "reset"}}).status());
  EXPECT_EQ(recorder_.WaitForDisconnect(), DisconnectReason::kTransportClose);
}

TEST_P(SocketIoClientTest, CloseLeavesTheNamespaceAndIsReported) {
  ASSERT_OK(client_.Connect(Options()));
  ASSERT_EQ(WaitForSockets(1).size(), 1u);
  client_.Close();
  EXPECT_FALSE(client_.connected());
  EXPECT_EQ(recorder_.WaitForDisconnect(), DisconnectReason::kClientClose);
  EXPECT_EQ(WaitForSockets(0).size(), 0u);
  client_.Close();  // nothing more to do
  EXPECT_EQ(recorder_.disconnects().size(), 1u);
}

TEST_P(SocketIoClientTest, BadTokenIsPermissionDeniedWithoutTheToken) {
  const std::string bad_token = "a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5";
  SocketIoOptions options = Options();
  options.secret_query = {{"token", Secret(bad_token)}};
  const absl::Status status = client_.Connect(options);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kPermissionDenied,
                               AllOf(HasSubstr("1000"), Not(HasSubstr(bad_token)))));
  EXPECT_FALSE(client_.connected());
  EXPECT_EQ(WaitForSockets(0).size(), 0u);

  // An expired token is refused the same way, and a good one still works.
  ASSERT_OK(emulator_->Control("tokens/expire").status());
  EXPECT_THAT(client_.Connect(Options()),
              StatusIs(absl::StatusCode::kPermissionDenied, Not(HasSubstr(token_))));
  ASSERT_OK_AND_ASSIGN(token_, emulator_->Token());
  EXPECT_OK(client_.Connect(Options()));
}

TEST_P(SocketIoClientTest, HeartbeatKeepsTheConnectionAlive) {
  ASSERT_OK(client_.Connect(Options()));
  // Without pings and pongs the server drops the connection after
  // pingInterval + pingTimeout (500 ms): none in six times that.
  EXPECT_EQ(recorder_.WaitForDisconnect(6 * absl::Milliseconds(kPingIntervalMs + kPingTimeoutMs)),
            std::nullopt);
  EXPECT_TRUE(client_.connected());
  Inject("still here");
  EXPECT_TRUE(recorder_.WaitFor("message", MessageWithText("still here")).has_value());
  EXPECT_EQ(WaitForSockets(1).size(), 1u);
}

TEST_P(SocketIoClientTest, RefusedHandshakeIsUnavailable) {
  ASSERT_OK(emulator_->Control("refuse", {{"refuse", true}}).status());
  EXPECT_THAT(client_.Connect(Options()),
              StatusIs(absl::StatusCode::kUnavailable, Not(HasSubstr(token_))));
  EXPECT_FALSE(client_.connected());
  ASSERT_OK(emulator_->Control("refuse", {{"refuse", false}}).status());
  EXPECT_OK(client_.Connect(Options()));
}

TEST_P(SocketIoClientTest, SecondConnectWhileConnectedIsRefused) {
  ASSERT_OK(client_.Connect(Options()));
  EXPECT_THAT(client_.Connect(Options()), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_TRUE(client_.connected());
}

TEST(SocketIoClientOptionsTest, RefusesWhatItCannotConnectTo) {
  SocketIoClient client;
  SocketIoOptions options;
  options.nsp = "/imchat";
  options.url = "https://www.yjiyun.com";
  EXPECT_THAT(client.Connect(options), StatusIs(absl::StatusCode::kUnimplemented));
  options.url = "ftp://127.0.0.1:1";
  EXPECT_THAT(client.Connect(options), StatusIs(absl::StatusCode::kInvalidArgument));
  options.url = "http://127.0.0.1:1/imchat";
  EXPECT_THAT(client.Connect(options),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("without a path")));
  options.url = "http://127.0.0.1:1";
  options.nsp = "imchat";
  EXPECT_THAT(client.Connect(options),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("namespace")));
}

TEST(SocketIoClientOptionsTest, UnreachableServerIsUnavailable) {
  ASSERT_OK_AND_ASSIGN(const RefusedPort port, RefusedPort::Reserve());
  SocketIoClient client;
  SocketIoOptions options;
  options.url = absl::StrCat("http://127.0.0.1:", port.port());
  options.nsp = "/imchat";
  options.secret_query = {{"token", Secret("secret-token-value")}};
  EXPECT_THAT(client.Connect(options),
              StatusIs(absl::StatusCode::kUnavailable, Not(HasSubstr("secret-token-value"))));
  EXPECT_FALSE(client.engine_io_version().has_value());
}

// Server behaviours the emulator does not have, from socket_io_test_server.js.
class SocketIoClientServerTest : public ::testing::Test {
 protected:
  absl::StatusOr<NodeScript> StartServer(const std::string& flag) {
    return StartNodeScript("tests/common/socketio/socket_io_test_server.js", {flag}, {"socket.io"},
                           "listening on ");
  }
};

TEST_F(SocketIoClientServerTest, FallsBackToV3WhenV4IsRefusedWithHttp400) {
  ASSERT_OK_AND_ASSIGN(const NodeScript server, StartServer("--refuse-eio4"));
  Recorder recorder;
  SocketIoClient client;
  recorder.Attach(client, {"echo"});
  ASSERT_OK(client.Connect(ImchatOptions(server.endpoint(), "t1")));
  EXPECT_EQ(client.engine_io_version(), EngineIoVersion::kV3);
  ASSERT_OK(client.Emit("echo", {{"n", 1}}));
  EXPECT_TRUE(
      recorder
          .WaitFor("echo", [](const nlohmann::json& payload) { return payload.value("n", 0) == 1; })
          .has_value());
}

TEST_F(SocketIoClientServerTest, RefusalsThatQuoteTheTokenAreRedacted) {
  ASSERT_OK_AND_ASSIGN(const NodeScript server, StartServer("--echo-token-refusal"));
  SocketIoClient client;
  // Characters that the query percent-encodes, so both spellings are at stake.
  const std::string token = "s3cr3t/token+value=";
  EXPECT_THAT(client.Connect(ImchatOptions(server.endpoint(), token)),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       AllOf(HasSubstr("[redacted]"), HasSubstr("1000"), Not(HasSubstr(token)),
                             Not(HasSubstr("s3cr3t")))));
}

}  // namespace
}  // namespace wecom::socketio
