#include "tests/integration/gateway_harness.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/grpc/client.h"
#include "common/grpc/status.h"
#include "common/http/http_client.h"
#include "common/status/status_macros.h"
#include "tests/emulators/quntool/quntool_test_world.h"
#include "tests/support/service_process.h"

namespace wecom::testing {
namespace {

constexpr char kToken[] = "gateway-test-token";
constexpr char kWebhookSecret[] = "webhook-secret-0123456789";

}  // namespace

const char* GatewayHarness::webhook_secret() { return kWebhookSecret; }

GatewayHarness::GatewayHarness(GatewayHarnessOptions options, TempDir dir)
    : options_(std::move(options)), dir_(std::move(dir)) {}

absl::StatusOr<std::unique_ptr<GatewayHarness>> GatewayHarness::Create(
    GatewayHarnessOptions options) {
  ASSIGN_OR_RETURN(TempDir dir, TempDir::Create("gateway-it-"));
  std::unique_ptr<GatewayHarness> harness(new GatewayHarness(std::move(options), std::move(dir)));
  const std::string root = harness->dir_.path();
  // The quntool test world's accounts; callbacks go nowhere until the gateway runs.
  nlohmann::json config = nlohmann::json::parse(wecom::quntool::testing::TestConfigJson(0));
  config["webhook_url"] = "";
  config["min_send_interval_ms"] = harness->options_.emulator_min_send_interval_ms;
  config["webhook_attempts"] = harness->options_.emulator_webhook_attempts;
  if (harness->options_.mqtt) {
    ASSIGN_OR_RETURN(harness->broker_, MosquittoBroker::Start());
    config["mqtt_host"] = harness->broker_->host();
    config["mqtt_port"] = harness->broker_->port();
  }
  RETURN_IF_ERROR(WriteTestFile(absl::StrCat(root, "/quntool.json"), config.dump(), 0600));
  ASSIGN_OR_RETURN(harness->emulator_, ChildProcess::Start({QUNTOOL_EMULATOR_BIN, "--config",
                                                            absl::StrCat(root, "/quntool.json"),
                                                            "--listen", "127.0.0.1:0"}));
  ASSIGN_OR_RETURN(std::string line, harness->emulator_->ReadLineStartingWith("listening on"));
  harness->emulator_port_ = PortAfter(line, "127.0.0.1:");
  if (harness->emulator_port_ == 0) return absl::InternalError(absl::StrCat("no port in: ", line));
  if (harness->options_.yjiyun) {
    ASSIGN_OR_RETURN(const nlohmann::json yjiyun, YjiyunEmulator::ExampleConfig());
    ASSIGN_OR_RETURN(harness->yjiyun_,
                     YjiyunEmulator::Start(yjiyun, harness->options_.yjiyun_engine_io));
  }
  RETURN_IF_ERROR(harness->StartGateway());
  return harness;
}

absl::Status GatewayHarness::StartGateway() {
  const std::string root = dir_.path();
  RETURN_IF_ERROR(WriteTestFile(absl::StrCat(root, "/token"), kToken, 0600));
  RETURN_IF_ERROR(WriteTestFile(absl::StrCat(root, "/webhook-secret"), kWebhookSecret, 0600));
  RETURN_IF_ERROR(
      WriteTestFile(absl::StrCat(root, "/apikey"), wecom::quntool::testing::kApiKey, 0600));
  std::string config = absl::StrCat(
      "listen: 127.0.0.1:0\n", "metrics_listen: 127.0.0.1:0\n", "log_level: ", options_.log_level,
      "\n", "auth_token: {file: ", root, "/token}\n", "data_dir: ", root, "/gateway\n",
      "webhook:\n", "  listen: 127.0.0.1:0\n", "  secret: {file: ", root, "/webhook-secret}\n",
      "quntool:\n", "  base_url: http://127.0.0.1:", emulator_port_, "\n",
      "  apikey: {file: ", root, "/apikey}\n");
  if (broker_ != nullptr) {
    absl::StrAppend(&config, "  mqtt:\n", "    host: ", broker_->host(), "\n",
                    "    port: ", broker_->port(), "\n", "    accounts: [\"",
                    wecom::quntool::testing::kAccountA, "\"]\n");
  }
  if (yjiyun_ != nullptr) {
    // The example config's account.
    RETURN_IF_ERROR(WriteTestFile(absl::StrCat(root, "/yjiyun-secret"), "Q3KR21ME", 0600));
    absl::StrAppend(&config, "yjiyun:\n", "  base_url: ", yjiyun_->endpoint(), "\n",
                    "  access_key: user1\n", "  access_secret: {file: ", root, "/yjiyun-secret}\n");
  }
  if (!options_.sending_yaml.empty()) absl::StrAppend(&config, "sending:\n", options_.sending_yaml);
  RETURN_IF_ERROR(WriteTestFile(absl::StrCat(root, "/gateway.yaml"), config, 0600));
  ASSIGN_OR_RETURN(gateway_, ChildProcess::Start({WECOM_ROBOT_GATEWAY_BIN, "--config",
                                                  absl::StrCat(root, "/gateway.yaml")}));
  ASSIGN_OR_RETURN(std::string ready, gateway_->ReadLineStartingWith("robot-gateway ready"));
  grpc_port_ = PortAfter(ready, "grpc_port=");
  metrics_port_ = PortAfter(ready, "metrics_port=");
  webhook_port_ = PortAfter(ready, "webhook_port=");
  if (grpc_port_ == 0 || metrics_port_ == 0 || webhook_port_ == 0) {
    return absl::InternalError(absl::StrCat("no ports in: ", ready));
  }
  return CallEmulator("POST", "/webhook", {{"url", webhook_url()}}, /*control=*/true).status();
}

int GatewayHarness::StopGateway(int signal) {
  if (gateway_ == nullptr) return -1;
  gateway_->Signal(signal);
  const int status = gateway_->Wait();
  gateway_.reset();
  return status;
}

std::string GatewayHarness::webhook_url() const {
  return absl::StrCat("http://127.0.0.1:", webhook_port_, "/quntool/callback/", kWebhookSecret);
}

std::shared_ptr<grpc::Channel> GatewayHarness::channel() const {
  GrpcClientOptions options;
  options.target = absl::StrCat("127.0.0.1:", grpc_port_);
  options.auth_token = Secret(kToken);
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = MakeChannel(options);
  return channel.ok() ? *channel : nullptr;
}

std::unique_ptr<wecom::robot::v1::Accounts::Stub> GatewayHarness::Accounts() const {
  return wecom::robot::v1::Accounts::NewStub(channel());
}
std::unique_ptr<wecom::robot::v1::Messaging::Stub> GatewayHarness::Messaging() const {
  return wecom::robot::v1::Messaging::NewStub(channel());
}
std::unique_ptr<wecom::robot::v1::Contacts::Stub> GatewayHarness::Contacts() const {
  return wecom::robot::v1::Contacts::NewStub(channel());
}
std::unique_ptr<wecom::robot::v1::Groups::Stub> GatewayHarness::Groups() const {
  return wecom::robot::v1::Groups::NewStub(channel());
}
std::unique_ptr<wecom::robot::v1::Labels::Stub> GatewayHarness::Labels() const {
  return wecom::robot::v1::Labels::NewStub(channel());
}
std::unique_ptr<wecom::robot::v1::Events::Stub> GatewayHarness::Events() const {
  return wecom::robot::v1::Events::NewStub(channel());
}

std::string GatewayHarness::MetricsText() const { return FetchMetricsText(metrics_port_); }

absl::StatusOr<nlohmann::json> GatewayHarness::CallEmulator(const std::string& method,
                                                            const std::string& path,
                                                            const nlohmann::json& body,
                                                            bool control) const {
  ASSIGN_OR_RETURN(std::unique_ptr<CurlHttpClient> http, CurlHttpClient::Create({}));
  HttpRequest request;
  request.method = method;
  request.url = absl::StrCat("http://127.0.0.1:", emulator_port_,
                             control ? "/emulator" : "/gnapi/open", path);
  request.headers = {{"apikey", wecom::quntool::testing::kApiKey},
                     {"Content-Type", "application/json"}};
  if (!body.is_null()) request.body = body.dump();
  ASSIGN_OR_RETURN(HttpResponse response, http->Send(request));
  nlohmann::json parsed = nlohmann::json::parse(response.body, nullptr, false);
  if (parsed.is_discarded()) {
    return absl::InternalError(absl::StrCat("emulator answered HTTP ", response.status_code, ": ",
                                            response.body.substr(0, 200)));
  }
  return parsed;
}

absl::StatusOr<std::vector<wecom::robot::v1::Event>> GatewayHarness::StoredEvents() const {
  auto stub = Events();
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
  auto reader = stub->StreamEvents(&context, wecom::robot::v1::StreamEventsRequest());
  std::vector<wecom::robot::v1::Event> events;
  wecom::robot::v1::StreamEventsResponse response;
  bool caught_up = false;
  while (!caught_up && reader->Read(&response)) {
    events.insert(events.end(), response.events().begin(), response.events().end());
    caught_up = response.caught_up();
  }
  context.TryCancel();
  absl::Status finished = FromGrpcStatus(reader->Finish());
  if (!caught_up) return absl::InternalError(absl::StrCat("stream ended: ", finished.ToString()));
  return events;
}

absl::StatusOr<std::vector<wecom::robot::v1::Event>> GatewayHarness::AwaitEvents(
    uint64_t after, size_t count, const std::function<bool(const wecom::robot::v1::Event&)>& match,
    absl::Duration timeout) const {
  auto stub = Events();
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  wecom::robot::v1::StreamEventsRequest request;
  request.set_after_position(after);
  auto reader = stub->StreamEvents(&context, request);
  std::vector<wecom::robot::v1::Event> matched;
  wecom::robot::v1::StreamEventsResponse response;
  while (matched.size() < count && reader->Read(&response)) {
    for (const wecom::robot::v1::Event& event : response.events()) {
      if (match(event)) matched.push_back(event);
    }
  }
  if (matched.size() >= count) {
    context.TryCancel();
    reader->Finish();
    return matched;
  }
  absl::Status finished = FromGrpcStatus(reader->Finish());
  return absl::DeadlineExceededError(absl::StrCat("only ", matched.size(), " of ", count,
                                                  " events arrived: ", finished.ToString()));
}

}  // namespace wecom::testing
