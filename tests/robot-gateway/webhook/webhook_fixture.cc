#include "tests/robot-gateway/webhook/webhook_fixture.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status/status_macros.h"
#include "common/testing/status_matchers.h"
#include "tests/support/metric_values.h"

namespace wecom::robot::testing {

using ::wecom::testing::IsOk;
using ::wecom::testing::MetricValue;

absl::StatusOr<std::optional<v1::Send>> FakeOutcomeSink::OnVendorOutcome(
    const VendorSendOutcome& outcome) {
  absl::MutexLock lock(&mu_);
  if (fail_) return absl::UnavailableError("outbox unavailable");
  outcomes_.push_back(outcome);
  v1::Send send;
  send.set_send_id(absl::StrCat("send-", outcome.vendor_msg_id));
  return send;
}

std::vector<VendorSendOutcome> FakeOutcomeSink::outcomes() {
  absl::MutexLock lock(&mu_);
  return outcomes_;
}

void FakeOutcomeSink::set_fail(bool fail) {
  absl::MutexLock lock(&mu_);
  fail_ = fail;
}

absl::Status FakeQuntoolPlatform::ConfirmBatchMessages(const AccountRef& account) {
  absl::MutexLock lock(&mu_);
  confirmed_accounts_.push_back(account.account_id);
  return confirm_result_;
}

std::vector<std::string> FakeQuntoolPlatform::confirmed_accounts() {
  absl::MutexLock lock(&mu_);
  return confirmed_accounts_;
}

void FakeQuntoolPlatform::set_confirm_result(absl::Status result) {
  absl::MutexLock lock(&mu_);
  confirm_result_ = std::move(result);
}

void WebhookFixture::SetUp() {
  metrics_ = std::make_unique<GatewayMetrics>(registry_);
  absl::StatusOr<std::unique_ptr<TempEventLog>> events = TempEventLog::Create();
  ASSERT_THAT(events, IsOk());
  events_ = *std::move(events);
  ingestor_ = std::make_unique<CallbackIngestor>(
      &events_->log(), &outcomes_,
      [this](v1::Vendor vendor) -> RobotPlatform* {
        return vendor == v1::VENDOR_QUNTOOL ? &platform_ : nullptr;
      },
      metrics_.get(), CallbackIngestor::Options{.auto_confirm_batch_messages = true});
  absl::StatusOr<std::unique_ptr<WebhookServer>> server =
      WebhookServer::Start(WebhookOptions{.listen_address = "127.0.0.1:0",
                                          .secret = Secret(kWebhookSecret),
                                          .max_body_bytes = 1 << 20,
                                          .quntool_base_url = kQuntoolBaseUrl},
                           ingestor_.get(), metrics_.get());
  ASSERT_THAT(server, IsOk());
  server_ = *std::move(server);
}

std::string WebhookFixture::SecretPath() {
  return absl::StrCat("/quntool/callback/", kWebhookSecret);
}

httplib::Result WebhookFixture::Post(const std::string& path, const std::string& body,
                                     const httplib::Headers& headers) {
  httplib::Client client("127.0.0.1", server_->port());
  return client.Post(path.c_str(), headers, body, "application/json");
}

absl::StatusOr<v1::Event> WebhookFixture::WaitForEvent(
    const std::function<bool(const v1::Event&)>& match) {
  return testing::WaitForEvent(log(), match, absl::Seconds(20));
}

double WebhookFixture::Rejections(const std::string& reason) {
  return MetricValue(registry_, "robot_gateway_webhook_rejects_total",
                     {{"vendor", "quntool"}, {"reason", reason}});
}

}  // namespace wecom::robot::testing
