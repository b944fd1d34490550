// What the yjiyun adapter's tests share: the Node emulator on its example
// config, a real CurlHttpClient, the gateway metrics, YjiyunApis and
// YjiyunChannels on them, and a sink that keeps the events.
#pragma once

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/config/secret.h"
#include "common/http/http_client.h"
#include "common/testing/status_matchers.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "services/robot-gateway/metrics/gateway_metrics.h"
#include "services/robot-gateway/platform/vendor_event.h"
#include "services/robot-gateway/yjiyun/yjiyun_api.h"
#include "services/robot-gateway/yjiyun/yjiyun_channel.h"
#include "tests/support/yjiyun_emulator.h"

namespace wecom::robot::testing {

// The example config's account and robot.
inline constexpr char kAccessKey[] = "user1";
inline constexpr char kAccessSecret[] = "Q3KR21ME";
inline constexpr char kRobotKey[] = "f16096caffd246acb5bb69b657a0894e";

// Keeps the events it is given, once per event_id, as the event log does.
class RecordingSink : public VendorEventSink {
 public:
  absl::Status Deliver(VendorEvent event) override {
    absl::MutexLock lock(&mu_);
    if (ids_.insert(event.event.event_id()).second) events_.push_back(std::move(event.event));
    return absl::OkStatus();
  }

  // Waits (up to 30 s) until `done` holds for the events kept so far.
  std::vector<v1::Event> WaitFor(const std::function<bool(const std::vector<v1::Event>&)>& done) {
    struct Check {
      RecordingSink* sink;
      const std::function<bool(const std::vector<v1::Event>&)>* done;
    } check{this, &done};
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(
                             +[](Check* check) ABSL_NO_THREAD_SAFETY_ANALYSIS {
                               return (*check->done)(check->sink->events_);
                             },
                             &check),
                         absl::Seconds(30));
    return events_;
  }

 private:
  absl::Mutex mu_;
  std::set<std::string> ids_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::Event> events_ ABSL_GUARDED_BY(mu_);
};

class YjiyunFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<nlohmann::json> config = ::wecom::testing::YjiyunEmulator::ExampleConfig();
    ASSERT_THAT(config, ::wecom::testing::IsOk());
    absl::StatusOr<std::unique_ptr<::wecom::testing::YjiyunEmulator>> emulator =
        ::wecom::testing::YjiyunEmulator::Start(*config);
    ASSERT_THAT(emulator, ::wecom::testing::IsOk());
    emulator_ = *std::move(emulator);
    absl::StatusOr<std::unique_ptr<CurlHttpClient>> http = CurlHttpClient::Create({});
    ASSERT_THAT(http, ::wecom::testing::IsOk());
    http_ = *std::move(http);
  }

  // A YjiyunApi on the emulator; busy answers are retried quickly.
  std::unique_ptr<YjiyunApi> MakeApi(Clock* clock = RealClock::Get(),
                                     const std::string& secret = kAccessSecret) {
    YjiyunApiOptions options;
    options.base_url = emulator_->endpoint();
    options.access_key = kAccessKey;
    options.access_secret = Secret(secret);
    options.busy_backoff.initial = absl::Milliseconds(1);
    options.busy_backoff.max = absl::Milliseconds(5);
    options.busy_backoff.max_attempts = 3;
    options.http = http_.get();
    options.metrics = &metrics_;
    options.clock = clock;
    absl::StatusOr<std::unique_ptr<YjiyunApi>> api = YjiyunApi::Create(std::move(options));
    EXPECT_THAT(api, ::wecom::testing::IsOk());
    return api.ok() ? *std::move(api) : nullptr;
  }

  // A started YjiyunChannel on `api` with short reconnect waits, so tests do
  // not take the production 10 s.
  std::unique_ptr<YjiyunChannel> MakeChannel(YjiyunApi* api, VendorEventSink* sink,
                                             bool msg_filter = false) {
    YjiyunChannelOptions options;
    options.msg_filter = msg_filter;
    options.min_reconnect_delay = absl::Milliseconds(200);
    options.reconnect_backoff.initial = absl::Milliseconds(100);
    options.reconnect_backoff.max = absl::Milliseconds(400);
    options.answer_timeout = absl::Seconds(10);
    auto channel = std::make_unique<YjiyunChannel>(api, sink, options);
    EXPECT_THAT(channel->Start(), ::wecom::testing::IsOk());
    return channel;
  }

  // POSTs to the emulator's /emulator/<path>.
  void Control(const std::string& path, const nlohmann::json& body) {
    ASSERT_THAT(emulator_->Control(path, body).status(), ::wecom::testing::IsOk()) << path;
  }

  std::unique_ptr<::wecom::testing::YjiyunEmulator> emulator_;
  std::unique_ptr<CurlHttpClient> http_;
  prometheus::Registry registry_;
  GatewayMetrics metrics_{registry_};
};

}  // namespace wecom::robot::testing
