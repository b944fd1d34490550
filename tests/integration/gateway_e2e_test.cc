// The robot gateway as its users run it: real processes, gRPC over loopback,
// the quntool emulator behind it and its callbacks through the webhook.
#include <algorithm>
#include <csignal>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/grpc/status.h"
#include "common/http/http_client.h"
#include "common/status/status_macros.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/emulators/quntool/quntool_test_world.h"
#include "tests/integration/gateway_harness.h"

namespace wecom::testing {
namespace {

namespace v1 = wecom::robot::v1;
namespace q = wecom::quntool::testing;

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kAccountA = absl::StrCat("quntool:", q::kAccountA);
const std::string kChatA1 = absl::StrCat("S:", q::kAccountA, "_", q::kCustomer1);

v1::SendRequest TextSend(const std::string& text, const std::string& key = "") {
  v1::SendRequest request;
  request.set_account_id(kAccountA);
  request.set_conversation_id(kChatA1);
  request.mutable_content()->mutable_text()->set_content(text);
  request.set_idempotency_key(key);
  return request;
}

absl::StatusOr<v1::Send> Send(GatewayHarness& gateway, const v1::SendRequest& request,
                              bool* duplicate = nullptr) {
  grpc::ClientContext context;
  v1::SendResponse response;
  RETURN_IF_ERROR(FromGrpcStatus(gateway.Messaging()->Send(&context, request, &response)));
  if (duplicate != nullptr) *duplicate = response.duplicate();
  return response.send();
}

bool IsSendState(const v1::Event& event, const std::string& send_id, v1::SendState state) {
  return event.has_send_status() && event.send_status().send().send_id() == send_id &&
         event.send_status().send().state() == state;
}

TEST(GatewayE2eTest, ListsTheEmulatorsAccounts) {
  ASSERT_OK_AND_ASSIGN(auto gateway, GatewayHarness::Create());
  grpc::ClientContext context;
  v1::ListAccountsRequest request;
  request.set_include_offline(true);
  v1::ListAccountsResponse response;
  ASSERT_OK(FromGrpcStatus(gateway->Accounts()->ListAccounts(&context, request, &response)));
  std::map<std::string, v1::AccountStatus> statuses;
  for (const v1::Account& account : response.accounts()) {
    statuses[account.account_id()] = account.status();
  }
  EXPECT_EQ(statuses[kAccountA], v1::ACCOUNT_STATUS_ONLINE);
  EXPECT_EQ(statuses[absl::StrCat("quntool:", q::kOfflineAccount)], v1::ACCOUNT_STATUS_OFFLINE);
}

TEST(GatewayE2eTest, TheConfiguredVendorsCountersStartAtZero) {
  ASSERT_OK_AND_ASSIGN(auto gateway, GatewayHarness::Create());
  // Before any traffic: the quntool series exist at 0, so a first overdue
  // echo or reject is an increase rate() sees.
  const std::string metrics = gateway->MetricsText();
  EXPECT_THAT(metrics,
              HasSubstr("\nrobot_gateway_sends_echo_overdue_total{vendor=\"quntool\"} 0\n"));
  EXPECT_THAT(metrics, HasSubstr("\nrobot_gateway_event_duplicates_total{vendor=\"quntool\"} 0\n"));
  for (const char* reason :
       {"secret", "too_large", "malformed_json", "bad_callback", "store_error"}) {
    EXPECT_THAT(metrics, HasSubstr(absl::StrCat("\nrobot_gateway_webhook_rejects_total{reason=\"",
                                                reason, "\",vendor=\"quntool\"} 0\n")));
  }
  // The sending series are per account, made on an account's first send.
  EXPECT_THAT(metrics, Not(HasSubstr("robot_gateway_sends_total{")));
  // yjiyun is not configured, and quntool has no push socket.
  EXPECT_THAT(metrics, Not(HasSubstr("robot_gateway_sends_echo_overdue_total{vendor=\"yjiyun\"}")));
  EXPECT_THAT(metrics, Not(HasSubstr("robot_gateway_socket_disconnects_total{")));
  EXPECT_THAT(metrics, Not(HasSubstr("robot_gateway_gap_fills_total{")));
}

TEST(GatewayE2eTest, SendIsConfirmedByTheVendorsCallback) {
  ASSERT_OK_AND_ASSIGN(auto gateway, GatewayHarness::Create());
  ASSERT_OK_AND_ASSIGN(v1::Send send, Send(*gateway, TextSend("hello from the gateway")));
  EXPECT_EQ(send.state(), v1::SEND_STATE_QUEUED);
  ASSERT_FALSE(send.send_id().empty());

  // The stream shows the send confirmed and the account's own message echoed.
  ASSERT_OK_AND_ASSIGN(std::vector<v1::Event> confirmed,
                       gateway->AwaitEvents(0, 1, [&](const v1::Event& e) {
                         return IsSendState(e, send.send_id(), v1::SEND_STATE_CONFIRMED);
                       }));
  const v1::Send& done = confirmed[0].send_status().send();
  EXPECT_FALSE(done.vendor_msg_id().empty());
  ASSERT_OK_AND_ASSIGN(std::vector<v1::Event> echoes,
                       gateway->AwaitEvents(0, 1, [&](const v1::Event& e) {
                         return e.has_message() && e.message().send_id() == send.send_id();
                       }));
  EXPECT_EQ(echoes[0].message().direction(), v1::DIRECTION_OUTBOUND);
  EXPECT_EQ(echoes[0].message().text(), "hello from the gateway");
  EXPECT_EQ(echoes[0].event_id().empty(), false);

  grpc::ClientContext context;
  v1::GetSendStatusRequest status_request;
  status_request.set_send_id(send.send_id());
  v1::GetSendStatusResponse status;
  ASSERT_OK(FromGrpcStatus(gateway->Messaging()->GetSendStatus(&context, status_request, &status)));
  EXPECT_EQ(status.send().state(), v1::SEND_STATE_CONFIRMED);
  // Counted for its account, whose other states and throttles exist at 0.
  const std::string metrics = gateway->MetricsText();
  const std::string account = absl::StrCat("account=\"", send.account_id(), "\"");
  EXPECT_THAT(metrics, HasSubstr(absl::StrCat("\nrobot_gateway_sends_total{", account,
                                              ",state=\"confirmed\",vendor=\"quntool\"} 1\n")));
  EXPECT_THAT(metrics, HasSubstr(absl::StrCat("\nrobot_gateway_sends_total{", account,
                                              ",state=\"failed\",vendor=\"quntool\"} 0\n")));
  EXPECT_THAT(metrics, HasSubstr(absl::StrCat("\nrobot_gateway_account_throttles_total{", account,
                                              ",vendor=\"quntool\"} 0\n")));
}

TEST(GatewayE2eTest, AnIdempotencyKeyNeverSendsTwice) {
  ASSERT_OK_AND_ASSIGN(auto gateway, GatewayHarness::Create());
  bool duplicate = true;
  ASSERT_OK_AND_ASSIGN(v1::Send first, Send(*gateway, TextSend("once", "order-42"), &duplicate));
  EXPECT_FALSE(duplicate);
  ASSERT_OK_AND_ASSIGN(v1::Send again, Send(*gateway, TextSend("once", "order-42"), &duplicate));
  EXPECT_TRUE(duplicate);
  EXPECT_EQ(again.send_id(), first.send_id());
  // The same key for other content is a client bug, not a retry.
  EXPECT_THAT(Send(*gateway, TextSend("twice", "order-42")).status(),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("idempotency_key")));

  // One message reached the vendor: after a later send is echoed, only one
  // echo of "once" exists.
  ASSERT_OK_AND_ASSIGN(v1::Send marker, Send(*gateway, TextSend("marker")));
  ASSERT_OK(gateway
                ->AwaitEvents(0, 1,
                              [&](const v1::Event& e) {
                                return e.has_message() && e.message().send_id() == marker.send_id();
                              })
                .status());
  ASSERT_OK_AND_ASSIGN(std::vector<v1::Event> events, gateway->StoredEvents());
  int echoes_of_once = 0;
  for (const v1::Event& e : events) {
    if (e.has_message() && e.message().text() == "once") ++echoes_of_once;
  }
  EXPECT_EQ(echoes_of_once, 1);
}

TEST(GatewayE2eTest, PacesOneAccountsSendsAtLeast500MsApart) {
  // The emulator throttles (-1000999) any send of an account less than 500 ms
  // after its previous one; a long cool-down makes a pacing bug fail the test
  // instead of being retried away.
  GatewayHarnessOptions options;
  options.sending_yaml = "  initial_cooldown: 1h\n  max_cooldown: 1h\n";
  ASSERT_OK_AND_ASSIGN(auto gateway, GatewayHarness::Create(options));
  std::set<std::string> ids;
  for (int i = 0; i < 6; ++i) {
    ASSERT_OK_AND_ASSIGN(v1::Send send, Send(*gateway, TextSend(absl::StrCat("paced ", i))));
    ids.insert(send.send_id());
  }
  ASSERT_OK_AND_ASSIGN(
      std::vector<v1::Event> done, gateway->AwaitEvents(0, ids.size(), [&](const v1::Event& e) {
        return e.has_send_status() && ids.contains(e.send_status().send().send_id()) &&
               (e.send_status().send().state() == v1::SEND_STATE_CONFIRMED ||
                e.send_status().send().state() == v1::SEND_STATE_FAILED ||
                (e.send_status().send().state() == v1::SEND_STATE_QUEUED &&
                 e.send_status().send().attempts() > 0));
      }));
  std::vector<int64_t> sent_at;
  for (const v1::Event& e : done) {
    EXPECT_EQ(e.send_status().send().state(), v1::SEND_STATE_CONFIRMED)
        << e.send_status().send().ShortDebugString();
    sent_at.push_back(e.send_status().send().sent_at_ms());
  }
  std::sort(sent_at.begin(), sent_at.end());
  for (size_t i = 1; i < sent_at.size(); ++i) EXPECT_GE(sent_at[i] - sent_at[i - 1], 500);
}

bool Final(const v1::Send& send) {
  return send.state() == v1::SEND_STATE_CONFIRMED || send.state() == v1::SEND_STATE_FAILED;
}

TEST(GatewayE2eTest, KillNineMidQueueDeliversEveryAcceptedSendExactlyOnce) {
  // Fast pacing on both sides, so 1,000 sends take seconds; callbacks posted
  // while the gateway is down are retried by the emulator until it is back.
  GatewayHarnessOptions options;
  options.emulator_min_send_interval_ms = 5;
  options.sending_yaml = "  min_account_interval: 10ms\n  initial_cooldown: 1h\n";
  ASSERT_OK_AND_ASSIGN(auto gateway, GatewayHarness::Create(options));
  const std::string account_b = absl::StrCat("quntool:", q::kAccountB);
  const std::string chat_b1 = absl::StrCat("S:", q::kAccountB, "_", q::kCustomer1);
  constexpr int kSends = 1000;
  std::set<std::string> ids;
  for (int i = 0; i < kSends; ++i) {
    v1::SendRequest request = TextSend(absl::StrCat("bulk ", i));
    if (i % 2 == 1) {
      request.set_account_id(account_b);
      request.set_conversation_id(chat_b1);
    }
    ASSERT_OK_AND_ASSIGN(v1::Send send, Send(*gateway, request));
    ids.insert(send.send_id());
  }
  // Some went out; most are still queued.
  ASSERT_OK(gateway
                ->AwaitEvents(0, 50,
                              [](const v1::Event& e) {
                                return e.has_send_status() &&
                                       e.send_status().send().state() == v1::SEND_STATE_SENT;
                              })
                .status());
  gateway->StopGateway(SIGKILL);
  ASSERT_OK(gateway->StartGateway());

  // Every send ends, each message reached the vendor once (one echo each),
  // and none failed.
  std::map<std::string, v1::Send> last;
  ASSERT_OK(gateway
                ->AwaitEvents(
                    0, kSends,
                    [&](const v1::Event& e) {
                      if (!e.has_send_status()) return false;
                      const v1::Send& send = e.send_status().send();
                      if (!ids.contains(send.send_id()) || !Final(send)) return false;
                      return last.emplace(send.send_id(), send).second;
                    },
                    absl::Seconds(240))
                .status());
  for (const auto& [id, send] : last) {
    EXPECT_EQ(send.state(), v1::SEND_STATE_CONFIRMED) << send.ShortDebugString();
  }
  ASSERT_OK_AND_ASSIGN(std::vector<v1::Event> events, gateway->StoredEvents());
  std::map<std::string, int> echoes;
  for (const v1::Event& e : events) {
    if (e.has_message() && e.message().direction() == v1::DIRECTION_OUTBOUND) {
      ++echoes[e.message().text()];
    }
  }
  for (int i = 0; i < kSends; ++i) {
    EXPECT_EQ(echoes[absl::StrCat("bulk ", i)], 1) << "bulk " << i;
  }
}

TEST(GatewayE2eTest, WebhookRejectsBadInputCountsItAndStoresNothing) {
  ASSERT_OK_AND_ASSIGN(auto gateway, GatewayHarness::Create());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<CurlHttpClient> http, CurlHttpClient::Create({}));
  auto post = [&](const std::string& url, const std::string& body) {
    HttpRequest request;
    request.method = "POST";
    request.url = url;
    request.headers = {{"Content-Type", "application/json"}};
    request.body = body;
    absl::StatusOr<HttpResponse> response = http->Send(request);
    return response.ok() ? response->status_code : 0;
  };
  const std::string base = absl::StrCat("http://127.0.0.1:", gateway->webhook_port());
  EXPECT_EQ(post(gateway->webhook_url(), "{\"msgId\": \"x\", "), 400);
  EXPECT_EQ(post(gateway->webhook_url(), R"({"type": "text_msg", "wxid": "1", "data": {}})"), 400);
  EXPECT_EQ(post(absl::StrCat(base, "/quntool/callback/not-the-secret-at-all"),
                 R"({"msgId": "m1", "type": "user_offline", "wxid": "1", "timestamp": 1})"),
            401);
  EXPECT_EQ(post(gateway->webhook_url(), std::string(2 << 20, ' ')), 413);

  ASSERT_OK_AND_ASSIGN(std::vector<v1::Event> events, gateway->StoredEvents());
  EXPECT_TRUE(events.empty());
  const std::string metrics = gateway->MetricsText();
  // Each once: the series exist at 0 from the start, so their presence says nothing.
  for (const char* reason : {"malformed_json", "bad_callback", "secret", "too_large"}) {
    EXPECT_THAT(metrics, HasSubstr(absl::StrCat("\nrobot_gateway_webhook_rejects_total{reason=\"",
                                                reason, "\",vendor=\"quntool\"} 1\n")));
  }
  EXPECT_THAT(metrics, Not(HasSubstr(GatewayHarness::webhook_secret())));
}

TEST(GatewayE2eTest, SendsOverMqttForTheConfiguredAccount) {
  GatewayHarnessOptions options;
  options.mqtt = true;
  ASSERT_OK_AND_ASSIGN(auto gateway, GatewayHarness::Create(options));
  ASSERT_OK_AND_ASSIGN(v1::Send send, Send(*gateway, TextSend("over mqtt")));
  EXPECT_EQ(send.transport(), v1::SEND_TRANSPORT_MQTT);
  ASSERT_OK(gateway
                ->AwaitEvents(0, 1,
                              [&](const v1::Event& e) {
                                return IsSendState(e, send.send_id(), v1::SEND_STATE_CONFIRMED);
                              })
                .status());
  // The MQTT answer is counted when it arrives, which may be after the
  // webhook's echo confirmed the send: poll the process's /metrics.
  const std::string counted = "api=\"mqtt:SendMessage\",result=\"ok\"";
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (!absl::StrContains(gateway->MetricsText(), counted) && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_THAT(gateway->MetricsText(), HasSubstr(counted));
}

}  // namespace
}  // namespace wecom::testing
