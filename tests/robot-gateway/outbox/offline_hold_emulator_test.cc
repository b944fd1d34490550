// The offline hold end to end: the quntool adapter over the in-process
// emulator, whose callbacks reach the dispatcher through the real webhook and
// CallbackIngestor. The dispatcher runs on a FakeClock; vendor calls and
// callbacks are real, so the test waits for their events.
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/config/secret.h"
#include "common/http/http_client.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "services/robot-gateway/core/account_id.h"
#include "services/robot-gateway/metrics/gateway_metrics.h"
#include "services/robot-gateway/outbox/outbox_dispatcher.h"
#include "services/robot-gateway/quntool/quntool_api.h"
#include "services/robot-gateway/quntool/quntool_platform.h"
#include "services/robot-gateway/webhook/callback_ingestor.h"
#include "services/robot-gateway/webhook/webhook_server.h"
#include "tests/emulators/quntool/quntool_test_world.h"
#include "tests/robot-gateway/outbox/dispatcher_fixture.h"
#include "tests/robot-gateway/outbox/outbox_test_env.h"
#include "tests/robot-gateway/quntool/quntool_fixture.h"
#include "tests/support/metric_values.h"

namespace wecom::robot::testing {
namespace {

namespace qt = ::wecom::quntool::testing;
using ::testing::HasSubstr;
using wecom::testing::IsOk;
using wecom::testing::MetricValue;

constexpr char kWebhookSecret[] = "offline-hold-secret";
constexpr absl::Duration kInterval = absl::Milliseconds(500);

class OfflineHoldTest : public DispatcherFixture {
 protected:
  void SetUp() override {
    DispatcherFixture::SetUp();
    absl::StatusOr<std::unique_ptr<CurlHttpClient>> http = CurlHttpClient::Create({});
    ASSERT_THAT(http, IsOk());
    http_ = *std::move(http);
    const std::string quntool_url = absl::StrCat("http://127.0.0.1:", world_.port());
    absl::StatusOr<std::unique_ptr<QuntoolApi>> api =
        MakeQuntoolApi(quntool_url, qt::kApiKey, http_.get(), &metrics_);
    ASSERT_THAT(api, IsOk());
    api_ = *std::move(api);
    platform_ = std::make_unique<QuntoolPlatform>(api_.get());

    const auto platforms = [this](v1::Vendor vendor) -> RobotPlatform* {
      return vendor == v1::VENDOR_QUNTOOL ? platform_.get() : nullptr;
    };
    dispatcher_ = std::make_unique<OutboxDispatcher>(&env_->outbox(), platforms, &metrics_,
                                                     &env_->clock(), DispatchOptions());
    ingestor_ = std::make_unique<CallbackIngestor>(&env_->log(), dispatcher_.get(), platforms,
                                                   &metrics_, CallbackIngestor::Options());
    absl::StatusOr<std::unique_ptr<WebhookServer>> webhook =
        WebhookServer::Start(WebhookOptions{.listen_address = "127.0.0.1:0",
                                            .secret = Secret(kWebhookSecret),
                                            .quntool_base_url = quntool_url},
                             ingestor_.get(), &metrics_);
    ASSERT_THAT(webhook, IsOk());
    webhook_ = *std::move(webhook);
    world_.emulator().set_webhook_url(
        absl::StrCat("http://127.0.0.1:", webhook_->port(), "/quntool/callback/", kWebhookSecret));
    ASSERT_THAT(dispatcher_->Start(), IsOk());
    Settle();
  }

  // No callback may reach the dispatcher once it is gone.
  void TearDown() override {
    webhook_.reset();
    DispatcherFixture::TearDown();
  }

  v1::Send Accept(const std::string& wx_id, const std::string& text) {
    return DispatcherFixture::Accept(
        TextSend(AccountOf(wx_id), text, "", absl::StrCat("S:", wx_id, "_", qt::kCustomer1)),
        "1970325057080574");
  }

  static std::string AccountOf(const std::string& wx_id) {
    return FormatAccountId(v1::VENDOR_QUNTOOL, wx_id);
  }

  // The emulator posts the account's login or offline callback; returns once
  // the gateway stored it.
  void Inject(const std::string& type, const std::string& wx_id) {
    ASSERT_THAT(world_.Inject({{"type", type}, {"wxId", wx_id}}), IsOk());
    ASSERT_THAT(env_->WaitForEvent([&](const v1::Event& event) {
      return event.vendor_type() == type && event.account_id() == AccountOf(wx_id);
    }),
                IsOk());
  }

  // Waits for the send's SendStatusEvent with `state`.
  void WaitForState(const std::string& send_id, v1::SendState state) {
    ASSERT_THAT(env_->WaitForEvent([&](const v1::Event& event) {
      return event.has_send_status() && event.send_status().send().send_id() == send_id &&
             event.send_status().send().state() == state;
    }),
                IsOk())
        << send_id << " never became " << v1::SendState_Name(state);
  }

  double TextSends(const std::string& result) {
    return MetricValue(registry_, "robot_gateway_vendor_requests_total",
                       {{"vendor", "quntool"}, {"api", "/msg/text"}, {"result", result}});
  }

  qt::QuntoolTestWorld world_;
  std::unique_ptr<CurlHttpClient> http_;
  std::unique_ptr<QuntoolApi> api_;
  std::unique_ptr<QuntoolPlatform> platform_;
  std::unique_ptr<CallbackIngestor> ingestor_;
  std::unique_ptr<WebhookServer> webhook_;
};

TEST_F(OfflineHoldTest, AnOfflineAccountsSendWaitsForItsLoginAndThenGoesOutOnce) {
  const v1::Send send = Accept(qt::kOfflineAccount, "hello");
  Run(kInterval);
  EXPECT_EQ(TextSends("-1"), 1);
  const v1::Send held = Stored(send.send_id());
  EXPECT_EQ(held.state(), v1::SEND_STATE_QUEUED);
  EXPECT_EQ(held.attempts(), 0);
  EXPECT_THAT(held.error().message(), HasSubstr("企微不在线"));
  EXPECT_TRUE(dispatcher_->Pacing(AccountOf(qt::kOfflineAccount)).offline());

  Inject("user_login", qt::kOfflineAccount);
  EXPECT_FALSE(dispatcher_->Pacing(AccountOf(qt::kOfflineAccount)).offline());
  // Well before the next probe.
  Run(kInterval);
  WaitForState(send.send_id(), v1::SEND_STATE_CONFIRMED);
  const v1::Send confirmed = Stored(send.send_id());
  EXPECT_EQ(confirmed.attempts(), 1);
  EXPECT_FALSE(confirmed.server_id().empty());
  EXPECT_EQ(TextSends("-1"), 1);
  EXPECT_EQ(TextSends("ok"), 1);
}

TEST_F(OfflineHoldTest, AnOfflineCallbackHoldsTheAccountsSendsUntilItsLogin) {
  Inject("user_offline", qt::kAccountA);
  EXPECT_TRUE(dispatcher_->Pacing(AccountOf(qt::kAccountA)).offline());
  const v1::Send send = Accept(qt::kAccountA, "hello");
  Run(absl::Seconds(30));
  EXPECT_EQ(TextSends("-1") + TextSends("ok"), 0);
  EXPECT_EQ(Stored(send.send_id()).state(), v1::SEND_STATE_QUEUED);

  Inject("user_login", qt::kAccountA);
  Run(kInterval);
  WaitForState(send.send_id(), v1::SEND_STATE_CONFIRMED);
  EXPECT_EQ(Stored(send.send_id()).attempts(), 1);
}

}  // namespace
}  // namespace wecom::robot::testing
