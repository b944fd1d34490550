// A WebhookServer on a kernel-picked port in front of the real
// CallbackIngestor and an EventLog in a temporary directory, with fakes for
// the send dispatcher and the quntool platform, and the Prometheus registry
// its metrics go to.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "prometheus/registry.h"
#include "services/robot-gateway/metrics/gateway_metrics.h"
#include "services/robot-gateway/outbox/send_dispatcher.h"
#include "services/robot-gateway/platform/robot_platform.h"
#include "services/robot-gateway/webhook/callback_ingestor.h"
#include "services/robot-gateway/webhook/webhook_server.h"
#include "tests/robot-gateway/events/temp_event_log.h"

namespace wecom::robot::testing {

inline constexpr char kWebhookSecret[] = "test-webhook-secret-4f9a1c";
// Where the webhook takes quntool's relative file paths to be. Not served:
// the emulator's port is only known after it has been given the webhook's.
inline constexpr char kQuntoolBaseUrl[] = "http://quntool.test:8090";

// Records the outcomes it is given and answers each with a send named after
// the vendor msgId ("send-<msgId>"), or fails while `fail` is set.
class FakeOutcomeSink : public SendOutcomeSink {
 public:
  absl::StatusOr<std::optional<v1::Send>> OnVendorOutcome(
      const VendorSendOutcome& outcome) override;
  std::vector<VendorSendOutcome> outcomes();
  void set_fail(bool fail);

 private:
  absl::Mutex mu_;
  std::vector<VendorSendOutcome> outcomes_ ABSL_GUARDED_BY(mu_);
  bool fail_ ABSL_GUARDED_BY(mu_) = false;
};

// A quntool platform whose ConfirmBatchMessages records the account and
// answers `confirm_result`.
class FakeQuntoolPlatform : public RobotPlatform {
 public:
  v1::Vendor vendor() const override { return v1::VENDOR_QUNTOOL; }
  absl::Status ConfirmBatchMessages(const AccountRef& account) override;
  std::vector<std::string> confirmed_accounts();
  void set_confirm_result(absl::Status result);

 private:
  absl::Mutex mu_;
  std::vector<std::string> confirmed_accounts_ ABSL_GUARDED_BY(mu_);
  absl::Status confirm_result_ ABSL_GUARDED_BY(mu_);
};

class WebhookFixture : public ::testing::Test {
 protected:
  void SetUp() override;

  // "/quntool/callback/<secret>".
  static std::string SecretPath();
  // POSTs `body` to the webhook.
  httplib::Result Post(const std::string& path, const std::string& body,
                       const httplib::Headers& headers = {});
  // The first stored event matching `match`, waiting up to 20 s for it.
  absl::StatusOr<v1::Event> WaitForEvent(const std::function<bool(const v1::Event&)>& match);
  // robot_gateway_webhook_rejects_total{vendor="quntool", reason}.
  double Rejections(const std::string& reason);

  EventLog& log() { return events_->log(); }

  prometheus::Registry registry_;
  std::unique_ptr<GatewayMetrics> metrics_;
  FakeOutcomeSink outcomes_;
  FakeQuntoolPlatform platform_;
  std::unique_ptr<TempEventLog> events_;
  std::unique_ptr<CallbackIngestor> ingestor_;
  std::unique_ptr<WebhookServer> server_;
};

}  // namespace wecom::robot::testing
