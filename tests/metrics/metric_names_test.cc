// The golden list of metric names (deploy/metric-names.txt): what each
// service's /metrics exposes, read from a real scrape of the families its
// main registers. A family shows in a scrape once it has a series, so each
// test gives every family one. Dashboards and alert rules are checked
// against the list: a renamed or dropped metric fails here, not on a
// dashboard.
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/notification.h"
#include "common/config/secret.h"
#include "common/grpc/client.h"
#include "common/grpc/server.h"
#include "common/http/http_client.h"
#include "common/metrics/metrics_endpoint.h"
#include "common/testing/status_matchers.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "services/archive/metrics/archive_metrics.h"
#include "services/media/metrics/media_metrics.h"
#include "services/robot-gateway/metrics/gateway_metrics.h"

namespace wecom {
namespace {

using ::wecom::testing::IsOk;

// "<name> <type>" for every "# TYPE" line of a scrape.
std::set<std::string> ScrapedNames(const MetricsEndpoint& endpoint) {
  absl::StatusOr<std::unique_ptr<CurlHttpClient>> http = CurlHttpClient::Create({});
  EXPECT_THAT(http, IsOk());
  if (!http.ok()) return {};
  HttpRequest request;
  request.url = absl::StrCat("http://127.0.0.1:", endpoint.port(), "/metrics");
  request.timeout = absl::Seconds(10);
  absl::StatusOr<HttpResponse> response = (*http)->Send(request);
  EXPECT_THAT(response, IsOk());
  if (!response.ok()) return {};
  EXPECT_EQ(response->status_code, 200);
  std::set<std::string> names;
  for (absl::string_view line : absl::StrSplit(response->body, '\n')) {
    if (absl::ConsumePrefix(&line, "# TYPE ")) names.emplace(line);
  }
  return names;
}

// What every service's gRPC server exports (common/grpc/server.h), after one
// health check: the RED families and, with tokens set, the rejections.
std::unique_ptr<GrpcServer> StartServerAndCheckHealth(prometheus::Registry& registry) {
  absl::StatusOr<std::unique_ptr<GrpcServer>> server = GrpcServer::Start(
      {.listen_address = "127.0.0.1:0", .auth_tokens = {Secret("token")}}, {}, registry);
  EXPECT_THAT(server, IsOk());
  if (!server.ok()) return nullptr;
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      MakeChannel({.target = absl::StrCat("127.0.0.1:", (*server)->port())});
  EXPECT_THAT(channel, IsOk());
  if (channel.ok()) {
    grpc::ClientContext context;
    grpc::health::v1::HealthCheckResponse response;
    EXPECT_TRUE(grpc::health::v1::Health::NewStub(*channel)
                    ->Check(&context, grpc::health::v1::HealthCheckRequest(), &response)
                    .ok());
    // And one call without the token.
    grpc::GenericStub stub(*channel);
    grpc::ClientContext context_without_token;
    grpc::Slice empty("");
    grpc::ByteBuffer request(&empty, 1);
    grpc::ByteBuffer reply;
    absl::Notification done;
    grpc::Status status;
    stub.UnaryCall(&context_without_token, "/wecom.Nothing/Call", grpc::StubOptions(), &request,
                   &reply, [&](grpc::Status s) {
                     status = std::move(s);
                     done.Notify();
                   });
    done.WaitForNotification();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  return *std::move(server);
}

// The golden file's "<service> <name> <type>" lines, by service.
std::map<std::string, std::set<std::string>> GoldenNames() {
  std::ifstream file(WECOM_METRIC_NAMES_FILE);
  EXPECT_TRUE(file.good()) << WECOM_METRIC_NAMES_FILE;
  std::map<std::string, std::set<std::string>> golden;
  std::string line;
  while (std::getline(file, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::pair<std::string, std::string> service_and_rest =
        absl::StrSplit(line, absl::MaxSplits(' ', 1));
    golden[service_and_rest.first].insert(service_and_rest.second);
  }
  return golden;
}

class MetricNamesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<MetricsEndpoint>> endpoint =
        MetricsEndpoint::Start("127.0.0.1:0");
    ASSERT_THAT(endpoint, IsOk());
    endpoint_ = *std::move(endpoint);
    server_ = StartServerAndCheckHealth(*endpoint_->registry());
  }

  // The scrape equals the golden list of `service`; on a difference, the
  // lines the golden file should have.
  void ExpectGolden(const std::string& service) {
    const std::set<std::string> scraped = ScrapedNames(*endpoint_);
    const std::set<std::string> golden = GoldenNames()[service];
    std::vector<std::string> lines;
    for (const std::string& name : scraped) lines.push_back(absl::StrCat(service, " ", name));
    EXPECT_EQ(scraped, golden) << "deploy/metric-names.txt should list:\n"
                               << absl::StrJoin(lines, "\n");
  }

  std::unique_ptr<MetricsEndpoint> endpoint_;
  std::unique_ptr<GrpcServer> server_;
};

TEST_F(MetricNamesTest, TheArchiveExportsTheGoldenNames) {
  archive::ArchiveMetrics metrics(*endpoint_->registry());
  const std::string corp = "ww1";
  metrics.PullCalls(corp, "ok", "0").Increment();
  metrics.PullDuration(corp).Observe(0.1);
  metrics.Messages(corp, "text").Increment();
  metrics.Undecryptable(corp, "unknown_key").Increment();
  metrics.Recovered(corp).Increment();
  metrics.Duplicates(corp).Increment();
  metrics.UndecryptableStored(corp).Set(1);
  metrics.CursorSeq(corp).Set(1);
  metrics.LagSeconds(corp).Set(1);
  metrics.KeyVersions(corp).Set(1);
  metrics.KeysLastReloadSuccessful(corp).Set(1);
  metrics.StreamSubscribers(corp).Set(1);
  metrics.MediaChunks(corp, "ok").Increment();
  metrics.MediaBytes(corp).Increment();
  metrics.RejectedRequests("Get", "msgid").Increment();
  ExpectGolden("archive");
}

TEST_F(MetricNamesTest, TheMediaServiceExportsTheGoldenNames) {
  media::MediaMetrics metrics(*endpoint_->registry());
  const media::FetchTarget target{.corp_id = "ww1", .sdkfileid = "f"};
  metrics.OnPiece(target, 1);
  metrics.OnMd5Mismatch(target);
  metrics.OnSizeMismatch(target);
  metrics.OnRetry(target, media::RetryReason::kTransient);
  metrics.OnFinished(target, media::FetchResult{}, absl::Seconds(1));
  metrics.OnJobCounts({{{"ww1", media::v1::MEDIA_STATE_DONE}, 1}}, 1, 1);
  metrics.OnQueueDepth("ww1", 1);
  metrics.FollowPosition("ww1").Set(1);
  metrics.DownloadedBytes("ww1").Increment();
  metrics.RejectedRequests("GetMedia", "sdkfileid").Increment();
  ExpectGolden("media");
}

TEST_F(MetricNamesTest, TheRobotGatewayExportsTheGoldenNames) {
  robot::GatewayMetrics metrics(*endpoint_->registry());
  metrics.VendorCall("quntool", "/msg/text", "ok", absl::Milliseconds(5));
  metrics.SendState("quntool", "quntool:1688850000000001", wecom::robot::v1::SEND_STATE_QUEUED);
  metrics.SendsEchoOverdue("quntool", 1);
  metrics.PacingWait("quntool", "quntool:1688850000000001", "account_interval", absl::Seconds(1));
  metrics.AccountThrottled("quntool", "quntool:1688850000000001");
  metrics.SetPausedAccounts("quntool", "offline", 1);
  metrics.SetOutbox(1, 1);
  metrics.EventStored("quntool", "text_msg");
  metrics.EventDuplicate("quntool");
  metrics.WebhookRejected("quntool", "secret");
  metrics.RequestRejected("SendMessage", "content");
  metrics.SetSocketConnected("yjiyun", true);
  metrics.SocketConnectAttempt("yjiyun", "ok");
  metrics.SocketDisconnected("yjiyun", "transport close");
  metrics.GapFill("yjiyun", "ok", 1);
  metrics.SocketEventMalformed("yjiyun", "message");
  ExpectGolden("robot-gateway");
}

}  // namespace
}  // namespace wecom
