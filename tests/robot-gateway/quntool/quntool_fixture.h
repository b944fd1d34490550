// What the quntool adapter's tests share: the in-process emulator with its
// webhook receiver, a real CurlHttpClient, QuntoolApi and QuntoolPlatform on
// them, and the metrics they record.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/http/http_client.h"
#include "common/http/http_server.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "prometheus/registry.h"
#include "services/robot-gateway/core/account_id.h"
#include "services/robot-gateway/metrics/gateway_metrics.h"
#include "services/robot-gateway/quntool/quntool_api.h"
#include "services/robot-gateway/quntool/quntool_platform.h"
#include "tests/emulators/quntool/quntool_test_world.h"
#include "tests/support/metric_values.h"

namespace wecom::robot::testing {

namespace qt = ::wecom::quntool::testing;

inline AccountRef Ref(absl::string_view wx_id) {
  AccountRef ref;
  ref.vendor = v1::VENDOR_QUNTOOL;
  ref.vendor_account_id = std::string(wx_id);
  ref.account_id = FormatAccountId(v1::VENDOR_QUNTOOL, wx_id);
  return ref;
}

// The value of robot_gateway_vendor_requests_total{vendor="quntool",
// api, result}, 0 when it was never counted.
inline double VendorRequests(const prometheus::Registry& registry, absl::string_view api,
                             absl::string_view result) {
  return ::wecom::testing::MetricValue(
      registry, "robot_gateway_vendor_requests_total",
      {{"vendor", "quntool"}, {"api", std::string(api)}, {"result", std::string(result)}});
}

// A QuntoolApi at `base_url` (the emulator, or a server standing in for it).
inline absl::StatusOr<std::unique_ptr<QuntoolApi>> MakeQuntoolApi(const std::string& base_url,
                                                                  const std::string& apikey,
                                                                  HttpClient* http,
                                                                  GatewayMetrics* metrics) {
  QuntoolApiOptions options;
  options.base_url = base_url;
  options.apikey = Secret(apikey);
  options.request_timeout = absl::Seconds(10);
  options.http = http;
  options.metrics = metrics;
  return QuntoolApi::Create(std::move(options));
}

// An HTTP server on a kernel-picked port that answers every request with one
// fixed status and body, for answers the emulator never gives.
class FixedAnswerServer {
 public:
  FixedAnswerServer(int status, std::string body) {
    auto answer = [status, body](const httplib::Request&, httplib::Response& response) {
      response.status = status;
      // Else teardown waits for curl's kept-alive connection to time out.
      response.set_header("Connection", "close");
      response.set_content(body, "application/json");
    };
    server_.http().Get(".*", answer);
    server_.http().Post(".*", answer);
    absl::StatusOr<int> port = server_.Bind("127.0.0.1", 0);
    if (!port.ok()) {
      ADD_FAILURE() << port.status();
      return;
    }
    port_ = *port;
    thread_ = std::thread([this] { (void)server_.Serve(); });
  }
  ~FixedAnswerServer() {
    server_.Stop();
    if (thread_.joinable()) thread_.join();
  }
  std::string base_url() const { return absl::StrCat("http://127.0.0.1:", port_); }

 private:
  HttpServer server_;
  int port_ = -1;
  std::thread thread_;
};

class QuntoolFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<CurlHttpClient>> http = CurlHttpClient::Create({});
    ASSERT_THAT(http, ::wecom::testing::IsOk());
    http_ = *std::move(http);
    absl::StatusOr<std::unique_ptr<QuntoolApi>> api = MakeApi(base_url(), qt::kApiKey);
    ASSERT_THAT(api, ::wecom::testing::IsOk());
    api_ = *std::move(api);
    platform_ = std::make_unique<QuntoolPlatform>(api_.get());
  }

  std::string base_url() const { return absl::StrCat("http://127.0.0.1:", world_.port()); }

  absl::StatusOr<std::unique_ptr<QuntoolApi>> MakeApi(const std::string& base_url,
                                                      const std::string& apikey) {
    return MakeQuntoolApi(base_url, apikey, http_.get(), &metrics_);
  }

  // GETs an absolute URL; the body, or "" with a test failure.
  std::string Fetch(const std::string& url) {
    HttpRequest request;
    request.url = url;
    absl::StatusOr<HttpResponse> response = http_->Send(request);
    EXPECT_THAT(response, ::wecom::testing::IsOk());
    if (!response.ok()) return "";
    EXPECT_EQ(response->status_code, 200) << url;
    return response->body;
  }

  qt::QuntoolTestWorld world_;
  prometheus::Registry registry_;
  GatewayMetrics metrics_{registry_};
  std::unique_ptr<CurlHttpClient> http_;
  std::unique_ptr<QuntoolApi> api_;
  std::unique_ptr<QuntoolPlatform> platform_;
};

}  // namespace wecom::robot::testing
