// The robot gateway on yjiyun as its users run it: the gateway process, gRPC
// over loopback, the yjiyun emulator's HTTP API and socket.io server behind
// it (engine.io v4 and v3), sends confirmed by their echo, inbound messages on
// the event stream, and a 30 s disconnect while 500 messages arrive.
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/grpc/status.h"
#include "common/status/status_macros.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/gateway_harness.h"

namespace wecom::testing {
namespace {

namespace v1 = wecom::robot::v1;

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kRobotKey[] = "f16096caffd246acb5bb69b657a0894e";
constexpr char kCustomer[] = "7881299459945762";
const std::string kRobot = absl::StrCat("yjiyun:", kRobotKey);
const std::string kChat = absl::StrCat("S:1688853470427542_", kCustomer);

class GatewayYjiyunE2eTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    GatewayHarnessOptions options;
    options.yjiyun = true;
    options.yjiyun_engine_io = GetParam();
    ASSERT_OK_AND_ASSIGN(gateway_, GatewayHarness::Create(options));
  }

  // `count` texts from the customer, "<prefix> {i}".
  void Inject(int count, const std::string& prefix) {
    ASSERT_OK(gateway_->yjiyun()
                  ->Control("messages", {{"robotKey", kRobotKey},
                                         {"chatUser", kCustomer},
                                         {"count", count},
                                         {"content", absl::StrCat(prefix, " {i}")}})
                  .status());
  }

  static bool IsInboundYjiyunText(const v1::Event& event) {
    return event.account_id() == kRobot && event.has_message() &&
           event.message().direction() == v1::DIRECTION_INBOUND;
  }

  std::unique_ptr<GatewayHarness> gateway_;
};

TEST_P(GatewayYjiyunE2eTest, TheSocketsCountersStartAtZero) {
  // Before any traffic: the socket's failure series exist at 0, so a first
  // disconnect or malformed event is an increase rate() sees.
  const std::string metrics = gateway_->MetricsText();
  for (const char* reason :
       {"transport close", "ping timeout", "io server disconnect", "io client disconnect"}) {
    EXPECT_THAT(metrics,
                HasSubstr(absl::StrCat("\nrobot_gateway_socket_disconnects_total{reason=\"", reason,
                                       "\",vendor=\"yjiyun\"} 0\n")));
  }
  for (const char* event : {"message", "action", "chat/message"}) {
    EXPECT_THAT(metrics,
                HasSubstr(absl::StrCat("\nrobot_gateway_socket_events_malformed_total{event=\"",
                                       event, "\",vendor=\"yjiyun\"} 0\n")));
  }
  EXPECT_THAT(metrics, HasSubstr("\nrobot_gateway_socket_connects_total{result=\"refused\","
                                 "vendor=\"yjiyun\"} 0\n"));
  EXPECT_THAT(metrics,
              HasSubstr("\nrobot_gateway_sends_echo_overdue_total{vendor=\"yjiyun\"} 0\n"));
  // yjiyun posts no callbacks: the webhook's series are quntool's only.
  EXPECT_THAT(metrics, Not(HasSubstr("robot_gateway_webhook_rejects_total{reason=\"secret\","
                                     "vendor=\"yjiyun\"}")));
}

TEST_P(GatewayYjiyunE2eTest, ListsTheRobotAndItsCustomers) {
  grpc::ClientContext context;
  v1::ListAccountsRequest request;
  request.set_vendor(v1::VENDOR_YJIYUN);
  v1::ListAccountsResponse response;
  ASSERT_OK(FromGrpcStatus(gateway_->Accounts()->ListAccounts(&context, request, &response)));
  ASSERT_EQ(response.accounts_size(), 1);
  EXPECT_EQ(response.accounts(0).account_id(), kRobot);
  EXPECT_EQ(response.accounts(0).status(), v1::ACCOUNT_STATUS_ONLINE);

  grpc::ClientContext contacts_context;
  v1::ListContactsRequest contacts;
  contacts.set_account_id(kRobot);
  contacts.set_page_size(100);
  v1::ListContactsResponse listed;
  ASSERT_OK(
      FromGrpcStatus(gateway_->Contacts()->ListContacts(&contacts_context, contacts, &listed)));
  EXPECT_EQ(listed.contacts_size(), 52);
}

TEST_P(GatewayYjiyunE2eTest, ASendIsConfirmedByItsEchoOnTheSocket) {
  grpc::ClientContext context;
  v1::SendRequest request;
  request.set_account_id(kRobot);
  request.set_conversation_id(kChat);
  request.mutable_content()->mutable_text()->set_content("来自网关");
  v1::SendResponse response;
  ASSERT_OK(FromGrpcStatus(gateway_->Messaging()->Send(&context, request, &response)));
  const std::string send_id = response.send().send_id();
  ASSERT_OK_AND_ASSIGN(
      std::vector<v1::Event> confirmed, gateway_->AwaitEvents(0, 1, [&](const v1::Event& e) {
        return e.has_send_status() && e.send_status().send().send_id() == send_id &&
               e.send_status().send().state() == v1::SEND_STATE_CONFIRMED;
      }));
  EXPECT_EQ(confirmed[0].send_status().send().transport(), v1::SEND_TRANSPORT_SOCKET_IO);
  absl::StatusOr<nlohmann::json> state = gateway_->yjiyun()->State();
  ASSERT_OK(state.status());
  ASSERT_EQ((*state)["sent"].size(), 1u);
  EXPECT_EQ((*state)["sent"][0]["content"]["content"], "来自网关");
  EXPECT_EQ((*state)["sent"][0]["via"], "socket");
}

TEST_P(GatewayYjiyunE2eTest, ADisconnectOf30sWhile500MessagesArriveLeavesNoHoleAndNoDuplicate) {
  Inject(3, "before");
  ASSERT_OK(gateway_->AwaitEvents(0, 3, IsInboundYjiyunText).status());
  // The server drops the socket and refuses it for 30 s; yjiyun keeps what
  // arrives meanwhile only for chat/message.
  ASSERT_OK(gateway_->yjiyun()->Control("drop", {{"refuseMs", 30000}}).status());
  Inject(500, "away");
  // Reconnected (no sooner than 10 s, then refused until the 30 s are over):
  // the gap is filled; then a live pair.
  ASSERT_OK(gateway_->AwaitEvents(0, 503, IsInboundYjiyunText, absl::Seconds(180)).status());
  Inject(2, "after");
  ASSERT_OK(gateway_->AwaitEvents(0, 505, IsInboundYjiyunText).status());
  std::vector<std::string> expected = {"before 1", "before 2", "before 3"};
  for (int i = 1; i <= 500; ++i) expected.push_back(absl::StrCat("away ", i));
  expected.push_back("after 1");
  expected.push_back("after 2");
  ASSERT_OK_AND_ASSIGN(std::vector<v1::Event> stored, gateway_->StoredEvents());
  std::vector<std::string> texts;
  for (const v1::Event& event : stored) {
    if (IsInboundYjiyunText(event)) texts.push_back(event.message().text());
  }
  EXPECT_EQ(texts, expected);
}

INSTANTIATE_TEST_SUITE_P(EngineIo, GatewayYjiyunE2eTest, ::testing::Values("4", "3"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return absl::StrCat("v", info.param);
                         });

}  // namespace
}  // namespace wecom::testing
