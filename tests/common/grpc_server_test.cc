// GrpcServer and MakeChannel over real loopback sockets.
#include <curl/curl.h>
#include <stdlib.h>

#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "common/config/config_reader.h"
#include "common/grpc/client.h"
#include "common/grpc/server.h"
#include "common/grpc/server_config.h"
#include "common/grpc/status.h"
#include "common/metrics/metrics_endpoint.h"
#include "common/status/vendor_error.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "test_service.grpc.pb.h"
#include "tests/support/temp_dir.h"

namespace wecom {
namespace {

using ::grpc::health::v1::Health;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;
using ::testing::HasSubstr;
using ::testing::Optional;
using ::wecom::test::v1::EchoRequest;
using ::wecom::test::v1::EchoResponse;
using ::wecom::test::v1::TestService;
using ::wecom::test::v1::Tick;
using ::wecom::test::v1::TicksRequest;
using ::wecom::testing::IsOk;
using ::wecom::testing::StatusIs;
using ::wecom::testing::TempDir;

constexpr char kToken[] = "test-token-1";
constexpr char kService[] = "wecom.test.v1.TestService";

class TestServiceImpl final : public TestService::Service {
 public:
  grpc::Status Echo(grpc::ServerContext* context, const EchoRequest* request,
                    EchoResponse* response) override {
    response->set_text(request->text());
    response->set_saw_authorization(context->client_metadata().count("authorization") > 0);
    if (request->fail_with_code() == 0) return grpc::Status::OK;
    const auto code = static_cast<absl::StatusCode>(request->fail_with_code());
    if (request->vendor().empty()) return ToGrpcStatus(absl::Status(code, "asked to fail"));
    wecom::common::v1::VendorError error;
    error.set_vendor(request->vendor());
    error.set_code(request->vendor_code());
    error.set_message("vendor said no");
    error.set_retryable(true);
    return ToGrpcStatus(VendorFailure(code, error), context);
  }

  grpc::Status Ticks(grpc::ServerContext* context, const TicksRequest* request,
                     grpc::ServerWriter<Tick>* writer) override {
    Tick tick;
    if (request->mode() == TicksRequest::UNTIL_CANCELLED) {
      // Write blocks on flow control while the client does not read, and
      // fails once the call is cancelled.
      while (writer->Write(tick)) tick.set_index(tick.index() + 1);
      return grpc::Status(grpc::StatusCode::CANCELLED, "stream cancelled");
    }
    if (!writer->Write(tick)) return grpc::Status(grpc::StatusCode::CANCELLED, "write failed");
    release_.WaitForNotification();
    tick.set_index(1);
    writer->Write(tick);
    return grpc::Status::OK;
  }

  // Lets a HOLD_BEFORE_LAST stream finish.
  void Release() {
    if (!release_.HasBeenNotified()) release_.Notify();
  }

 private:
  absl::Notification release_;
};

// The body of an HTTP GET.
std::string HttpGet(const std::string& url) {
  CURL* curl = curl_easy_init();
  std::string body;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(
      curl, CURLOPT_WRITEFUNCTION, +[](char* data, size_t size, size_t count, void* out) {
        static_cast<std::string*>(out)->append(data, size * count);
        return size * count;
      });
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  const CURLcode result = curl_easy_perform(curl);
  curl_easy_cleanup(curl);
  EXPECT_EQ(result, CURLE_OK) << curl_easy_strerror(result);
  return body;
}

// The value of the sample of `name` whose labels include all of `labels`.
std::optional<double> SampleValue(const std::string& exposition, const std::string& name,
                                  const std::map<std::string, std::string>& labels) {
  const std::vector<std::string> lines = absl::StrSplit(exposition, '\n');
  for (const std::string& line : lines) {
    if (!line.starts_with(name + "{")) continue;
    const size_t close = line.rfind('}');
    const std::string label_text = line.substr(name.size() + 1, close - name.size() - 1);
    bool all = true;
    for (const auto& [key, value] : labels) {
      all = all && absl::StrContains(label_text, absl::StrCat(key, "=\"", value, "\""));
    }
    double sample = 0;
    if (all && absl::SimpleAtod(line.substr(close + 2), &sample)) return sample;
  }
  return std::nullopt;
}

// A plaintext channel to 127.0.0.1:`port`.
std::shared_ptr<grpc::Channel> PlaintextChannel(int port) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      MakeChannel(GrpcClientOptions{.target = absl::StrCat("127.0.0.1:", port)});
  EXPECT_THAT(channel, IsOk());
  return channel.ok() ? *channel : nullptr;
}

// Checks `service`'s health, with a deadline that only guards against a hang.
grpc::Status CheckHealth(const std::shared_ptr<grpc::Channel>& channel, const std::string& service,
                         HealthCheckResponse* response) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  HealthCheckRequest request;
  request.set_service(service);
  return Health::NewStub(channel)->Check(&context, request, response);
}

// A Watch of the overall health; cancelled when destroyed (an open Watch would
// hold up the server's Shutdown).
class HealthWatch {
 public:
  explicit HealthWatch(const std::shared_ptr<grpc::Channel>& channel)
      : stub_(Health::NewStub(channel)), reader_(stub_->Watch(&context_, HealthCheckRequest())) {}
  ~HealthWatch() {
    context_.TryCancel();
    reader_->Finish();
  }

  // The next status the server reports; UNKNOWN if the stream ended instead.
  HealthCheckResponse::ServingStatus Next() {
    HealthCheckResponse response;
    return reader_->Read(&response) ? response.status() : HealthCheckResponse::UNKNOWN;
  }

 private:
  grpc::ClientContext context_;
  std::unique_ptr<Health::Stub> stub_;
  std::unique_ptr<grpc::ClientReader<HealthCheckResponse>> reader_;
};

struct ReflectionReply {
  grpc::Status status;
  std::string text;  // The response's bytes, if one came.
};

// Asks server reflection to list the services, over a raw generic stream:
// gRPC ships no generated C++ reflection client.
ReflectionReply ListServicesByReflection(const std::shared_ptr<grpc::Channel>& channel) {
  grpc::GenericStub stub(channel);
  grpc::CompletionQueue queue;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  // Each step completes with its own tag on `queue`; whether it succeeded.
  auto completed = [&queue](intptr_t expected) {
    void* tag = nullptr;
    bool ok = false;
    EXPECT_TRUE(queue.Next(&tag, &ok));
    EXPECT_EQ(reinterpret_cast<intptr_t>(tag), expected);
    return ok;
  };
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call = stub.PrepareCall(
      &context, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &queue);
  call->StartCall(reinterpret_cast<void*>(1));
  completed(1);
  // ServerReflectionRequest{list_services: ""}: field 7, length-delimited, empty.
  grpc::Slice request_slice(std::string("\x3a\x00", 2));
  call->Write(grpc::ByteBuffer(&request_slice, 1), reinterpret_cast<void*>(2));
  completed(2);
  call->WritesDone(reinterpret_cast<void*>(3));
  completed(3);
  ReflectionReply reply;
  grpc::ByteBuffer response;
  call->Read(&response, reinterpret_cast<void*>(4));
  if (completed(4)) {
    std::vector<grpc::Slice> slices;
    EXPECT_TRUE(response.Dump(&slices).ok());
    for (const grpc::Slice& slice : slices) reply.text.append(slice.begin(), slice.end());
  }
  call->Finish(&reply.status, reinterpret_cast<void*>(5));
  completed(5);
  queue.Shutdown();
  void* tag = nullptr;
  bool ok = false;
  while (queue.Next(&tag, &ok)) {
  }
  return reply;
}

class GrpcServerTest : public ::testing::Test {
 protected:
  // Serves the registry the next server records in over HTTP. Only tests that
  // scrape start one: stopping it takes CivetWeb about two seconds.
  void StartMetricsEndpoint() {
    absl::StatusOr<std::unique_ptr<MetricsEndpoint>> metrics =
        MetricsEndpoint::Start("127.0.0.1:0");
    ASSERT_THAT(metrics, IsOk());
    metrics_ = *std::move(metrics);
    registry_ = metrics_->registry();
  }

  void TearDown() override {
    // A held stream must end before the server can.
    service_.Release();
    if (shutdown_.joinable()) shutdown_.join();
    server_.reset();
  }

  // Shuts the server down with a long grace on another thread, which
  // FinishShutdown (or TearDown, on every exit path) joins.
  void StartShutdown() {
    shutdown_ = std::thread([this] { server_->Shutdown(absl::Minutes(5)); });
  }

  // Lets a held stream finish and waits for Shutdown to return.
  void FinishShutdown() {
    service_.Release();
    shutdown_.join();
  }

  absl::Status StartServer(GrpcServerOptions options) {
    options.listen_address = "127.0.0.1:0";
    absl::StatusOr<std::unique_ptr<GrpcServer>> server =
        GrpcServer::Start(options, {&service_}, *registry_);
    if (!server.ok()) return server.status();
    server_ = *std::move(server);
    return absl::OkStatus();
  }

  absl::Status StartServerWithToken() {
    GrpcServerOptions options;
    options.auth_tokens = {Secret("other-token"), Secret(kToken)};
    return StartServer(options);
  }

  std::string Target() const { return absl::StrCat("127.0.0.1:", server_->port()); }

  std::unique_ptr<TestService::Stub> Stub(GrpcClientOptions options) {
    if (options.target.empty()) options.target = Target();
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = MakeChannel(options);
    EXPECT_THAT(channel, IsOk());
    return channel.ok() ? TestService::NewStub(*channel) : nullptr;
  }

  std::unique_ptr<TestService::Stub> StubWithToken(std::string token) {
    return Stub(GrpcClientOptions{.auth_token = Secret(std::move(token))});
  }

  // Calls Echo with a deadline that only guards against a hang.
  static grpc::Status Echo(TestService::Stub& stub, const EchoRequest& request,
                           EchoResponse* response = nullptr) {
    EchoResponse ignored;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    return stub.Echo(&context, request, response != nullptr ? response : &ignored);
  }

  std::string Scrape() {
    return HttpGet(absl::StrCat("http://127.0.0.1:", metrics_->port(), "/metrics"));
  }

  std::unique_ptr<MetricsEndpoint> metrics_;
  std::shared_ptr<prometheus::Registry> registry_ = std::make_shared<prometheus::Registry>();
  TestServiceImpl service_;
  std::unique_ptr<GrpcServer> server_;  // After service_, which it uses.
  std::thread shutdown_;
};

EchoRequest Hello() {
  EchoRequest request;
  request.set_text("hello");
  return request;
}

TEST_F(GrpcServerTest, HealthNeedsNoToken) {
  ASSERT_THAT(StartServerWithToken(), IsOk());
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      MakeChannel(GrpcClientOptions{.target = Target()});
  ASSERT_THAT(channel, IsOk());
  for (const std::string service : {"", kService}) {
    HealthCheckResponse response;
    const grpc::Status status = CheckHealth(*channel, service, &response);
    ASSERT_TRUE(status.ok()) << "service \"" << service << "\": " << status.error_message();
    EXPECT_EQ(response.status(), HealthCheckResponse::SERVING) << service;
  }
  HealthCheckResponse response;
  EXPECT_EQ(CheckHealth(*channel, "wecom.test.v1.NoSuchService", &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(GrpcServerTest, CallWithoutTokenIsUnauthenticated) {
  StartMetricsEndpoint();
  ASSERT_THAT(StartServerWithToken(), IsOk());
  const grpc::Status status = Echo(*Stub({}), Hello());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), HasSubstr("missing authorization"));
  EXPECT_THAT(SampleValue(Scrape(), "grpc_server_unauthenticated_total",
                          {{"grpc_service", kService}, {"grpc_method", "Echo"}}),
              Optional(1.0));
}

TEST_F(GrpcServerTest, CallWithWrongTokenIsUnauthenticated) {
  ASSERT_THAT(StartServerWithToken(), IsOk());
  const grpc::Status status = Echo(*StubWithToken("test-token-2"), Hello());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), ::testing::Not(HasSubstr("test-token")));
}

TEST_F(GrpcServerTest, CallWithRightTokenSucceedsAndHandlerDoesNotSeeIt) {
  ASSERT_THAT(StartServerWithToken(), IsOk());
  EchoResponse response;
  const grpc::Status status = Echo(*StubWithToken(kToken), Hello(), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.text(), "hello");
  EXPECT_FALSE(response.saw_authorization());
}

TEST_F(GrpcServerTest, WithoutTokensAuthIsOff) {
  ASSERT_THAT(StartServer({}), IsOk());
  EXPECT_TRUE(Echo(*Stub({}), Hello()).ok());
}

TEST_F(GrpcServerTest, MetricsCountHandledCallsByCode) {
  StartMetricsEndpoint();
  ASSERT_THAT(StartServerWithToken(), IsOk());
  std::unique_ptr<TestService::Stub> stub = StubWithToken(kToken);
  ASSERT_TRUE(Echo(*stub, Hello()).ok());
  EchoRequest failing = Hello();
  failing.set_fail_with_code(static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  ASSERT_EQ(Echo(*stub, failing).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_EQ(Echo(*stub, failing).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  const std::string metrics = Scrape();
  const std::map<std::string, std::string> echo = {
      {"grpc_service", kService}, {"grpc_method", "Echo"}, {"grpc_type", "unary"}};
  auto with_code = [&](const std::string& code) {
    auto labels = echo;
    labels["grpc_code"] = code;
    return labels;
  };
  EXPECT_THAT(SampleValue(metrics, "grpc_server_handled_total", with_code("OK")), Optional(1.0));
  EXPECT_THAT(SampleValue(metrics, "grpc_server_handled_total", with_code("InvalidArgument")),
              Optional(2.0));
  EXPECT_THAT(SampleValue(metrics, "grpc_server_started_total", echo), Optional(3.0));
  EXPECT_THAT(SampleValue(metrics, "grpc_server_handling_seconds_count", echo), Optional(3.0));
  EXPECT_THAT(SampleValue(metrics, "grpc_server_msg_received_total", echo), Optional(3.0));
  // Failed unary calls send no message.
  EXPECT_THAT(SampleValue(metrics, "grpc_server_msg_sent_total", echo), Optional(1.0));
}

TEST_F(GrpcServerTest, StreamingMetricsCountMessages) {
  StartMetricsEndpoint();
  ASSERT_THAT(StartServer({}), IsOk());
  service_.Release();
  std::unique_ptr<TestService::Stub> stub = Stub({});
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReader<Tick>> reader = stub->Ticks(&context, TicksRequest());
  Tick tick;
  int ticks = 0;
  while (reader->Read(&tick)) ++ticks;
  ASSERT_TRUE(reader->Finish().ok());
  ASSERT_EQ(ticks, 2);
  const std::map<std::string, std::string> labels = {
      {"grpc_service", kService}, {"grpc_method", "Ticks"}, {"grpc_type", "server_stream"}};
  EXPECT_THAT(SampleValue(Scrape(), "grpc_server_msg_sent_total", labels), Optional(2.0));
}

TEST_F(GrpcServerTest, VendorErrorTrailerRoundTrips) {
  ASSERT_THAT(StartServer({}), IsOk());
  EchoRequest request = Hello();
  request.set_fail_with_code(static_cast<int>(grpc::StatusCode::UNAVAILABLE));
  request.set_vendor("finance-sdk");
  request.set_vendor_code(10001);
  grpc::ClientContext context;
  EchoResponse response;
  const grpc::Status status = Stub({})->Echo(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(status.error_message(), HasSubstr("finance-sdk error 10001"));

  const std::optional<wecom::common::v1::VendorError> trailer = VendorErrorFromTrailers(context);
  ASSERT_TRUE(trailer.has_value());
  EXPECT_EQ(trailer->vendor(), "finance-sdk");
  EXPECT_EQ(trailer->code(), 10001);
  EXPECT_EQ(trailer->message(), "vendor said no");
  EXPECT_TRUE(trailer->retryable());

  const absl::Status converted = FromGrpcStatus(status, context);
  EXPECT_THAT(converted, StatusIs(absl::StatusCode::kUnavailable));
  ASSERT_TRUE(GetVendorError(converted).has_value());
  EXPECT_EQ(GetVendorError(converted)->code(), 10001);
}

TEST_F(GrpcServerTest, PlainFailureHasNoVendorTrailer) {
  ASSERT_THAT(StartServer({}), IsOk());
  EchoRequest request = Hello();
  request.set_fail_with_code(static_cast<int>(grpc::StatusCode::INTERNAL));
  grpc::ClientContext context;
  EchoResponse response;
  ASSERT_EQ(Stub({})->Echo(&context, request, &response).error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_FALSE(VendorErrorFromTrailers(context).has_value());
}

TEST_F(GrpcServerTest, ReflectionListsServices) {
  ASSERT_THAT(StartServerWithToken(), IsOk());
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      MakeChannel(GrpcClientOptions{.target = Target(), .auth_token = Secret(kToken)});
  ASSERT_THAT(channel, IsOk());
  const ReflectionReply reply = ListServicesByReflection(*channel);
  EXPECT_TRUE(reply.status.ok()) << reply.status.error_message();
  EXPECT_THAT(reply.text, HasSubstr(kService));
}

TEST_F(GrpcServerTest, ShutdownLetsOpenStreamFinish) {
  ASSERT_THAT(StartServer({}), IsOk());
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      MakeChannel(GrpcClientOptions{.target = Target()});
  ASSERT_THAT(channel, IsOk());
  std::unique_ptr<TestService::Stub> stub = TestService::NewStub(*channel);
  grpc::ClientContext stream_context;
  std::unique_ptr<grpc::ClientReader<Tick>> stream = stub->Ticks(&stream_context, TicksRequest());
  Tick tick;
  ASSERT_TRUE(stream->Read(&tick));
  EXPECT_EQ(tick.index(), 0);

  {
    HealthWatch watch(*channel);
    ASSERT_EQ(watch.Next(), HealthCheckResponse::SERVING);
    StartShutdown();
    // Shutdown first reports NOT_SERVING...
    ASSERT_EQ(watch.Next(), HealthCheckResponse::NOT_SERVING);
  }
  // ...then stops accepting calls: wait until a new connection is refused.
  std::unique_ptr<TestService::Stub> late = Stub({});
  while (Echo(*late, Hello()).error_code() != grpc::StatusCode::UNAVAILABLE) {
  }
  // The open stream still completes normally.
  service_.Release();
  ASSERT_TRUE(stream->Read(&tick));
  EXPECT_EQ(tick.index(), 1);
  EXPECT_FALSE(stream->Read(&tick));
  const grpc::Status status = stream->Finish();
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(GrpcServerTest, ShutdownCancelsStreamsOpenPastTheGrace) {
  ASSERT_THAT(StartServer({}), IsOk());
  std::unique_ptr<TestService::Stub> stub = Stub({});
  grpc::ClientContext context;
  TicksRequest request;
  request.set_mode(TicksRequest::UNTIL_CANCELLED);
  std::unique_ptr<grpc::ClientReader<Tick>> stream = stub->Ticks(&context, request);
  Tick tick;
  ASSERT_TRUE(stream->Read(&tick));
  server_->Shutdown(absl::Milliseconds(100));
  while (stream->Read(&tick)) {
  }
  EXPECT_FALSE(stream->Finish().ok());
}

TEST_F(GrpcServerTest, StartRejectsBadOptions) {
  GrpcServerOptions cert_only;
  cert_only.tls_cert_file = "/nonexistent/server.crt";
  EXPECT_THAT(StartServer(cert_only), StatusIs(absl::StatusCode::kInvalidArgument));

  GrpcServerOptions missing_files;
  missing_files.tls_cert_file = "/nonexistent/server.crt";
  missing_files.tls_key_file = "/nonexistent/server.key";
  EXPECT_THAT(StartServer(missing_files),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("/nonexistent/server.crt")));

  GrpcServerOptions bad_address;
  bad_address.listen_address = "256.1.1.1:1";
  EXPECT_THAT(GrpcServer::Start(bad_address, {&service_}, *registry_),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("256.1.1.1:1")));

  GrpcServerOptions bad_health_address;
  bad_health_address.health_listen_address = "256.1.1.2:1";
  EXPECT_THAT(StartServer(bad_health_address),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("256.1.1.2:1")));
}

TEST_F(GrpcServerTest, WithoutHealthListenAddressThereIsNoHealthPort) {
  ASSERT_THAT(StartServer({}), IsOk());
  EXPECT_EQ(server_->health_port(), 0);
}

// TLS with a throwaway CA made by the openssl command.
class GrpcTlsTest : public GrpcServerTest {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<TempDir> dir = TempDir::Create("wecom_grpc_tls_");
    ASSERT_THAT(dir, IsOk());
    dir_ = new TempDir(*std::move(dir));
    const std::string d = dir_->path();
    std::ofstream(d + "/server.ext") << "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                                     << "extendedKeyUsage=serverAuth\n";
    std::ofstream(d + "/client.ext") << "extendedKeyUsage=clientAuth\n";
    const std::string key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    for (const std::string& command : {
             absl::StrCat("openssl req -x509 ", key, " -keyout ", d, "/ca.key -out ", d,
                          "/ca.crt -days 1 -subj /CN=wecom-test-ca"),
             absl::StrCat("openssl req ", key, " -keyout ", d, "/server.key -out ", d,
                          "/server.csr -subj /CN=localhost"),
             absl::StrCat("openssl x509 -req -in ", d, "/server.csr -CA ", d, "/ca.crt -CAkey ", d,
                          "/ca.key -set_serial 2 -days 1 -extfile ", d, "/server.ext -out ", d,
                          "/server.crt"),
             absl::StrCat("openssl req ", key, " -keyout ", d, "/client.key -out ", d,
                          "/client.csr -subj /CN=wecom-test-client"),
             absl::StrCat("openssl x509 -req -in ", d, "/client.csr -CA ", d, "/ca.crt -CAkey ", d,
                          "/ca.key -set_serial 3 -days 1 -extfile ", d, "/client.ext -out ", d,
                          "/client.crt"),
         }) {
      ASSERT_EQ(std::system((command + " 2>/dev/null").c_str()), 0) << command;
    }
  }

  static void TearDownTestSuite() { delete dir_; }

  static std::string File(const std::string& name) { return dir_->path() + "/" + name; }

  GrpcServerOptions TlsOptions(bool mutual) {
    GrpcServerOptions options;
    options.tls_cert_file = File("server.crt");
    options.tls_key_file = File("server.key");
    if (mutual) options.tls_client_ca_file = File("ca.crt");
    options.auth_tokens = {Secret(kToken)};
    return options;
  }

  static TempDir* dir_;
};

TempDir* GrpcTlsTest::dir_ = nullptr;

TEST_F(GrpcTlsTest, TlsServerServesTlsClients) {
  ASSERT_THAT(StartServer(TlsOptions(/*mutual=*/false)), IsOk());
  EchoResponse response;
  const grpc::Status status = Echo(
      *Stub({.tls_ca_file = File("ca.crt"), .auth_token = Secret(kToken)}), Hello(), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.text(), "hello");
}

TEST_F(GrpcTlsTest, TlsServerStillNeedsTheToken) {
  ASSERT_THAT(StartServer(TlsOptions(/*mutual=*/false)), IsOk());
  EXPECT_EQ(Echo(*Stub({.tls_ca_file = File("ca.crt")}), Hello()).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(GrpcTlsTest, TlsServerRefusesPlaintextClients) {
  ASSERT_THAT(StartServer(TlsOptions(/*mutual=*/false)), IsOk());
  EXPECT_EQ(Echo(*StubWithToken(kToken), Hello()).error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(GrpcTlsTest, MutualTlsAcceptsClientWithCertificate) {
  ASSERT_THAT(StartServer(TlsOptions(/*mutual=*/true)), IsOk());
  const grpc::Status status = Echo(*Stub({.tls_ca_file = File("ca.crt"),
                                          .tls_cert_file = File("client.crt"),
                                          .tls_key_file = File("client.key"),
                                          .auth_token = Secret(kToken)}),
                                   Hello());
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(GrpcTlsTest, MutualTlsRefusesClientWithoutCertificate) {
  ASSERT_THAT(StartServer(TlsOptions(/*mutual=*/true)), IsOk());
  EXPECT_EQ(Echo(*Stub({.tls_ca_file = File("ca.crt"), .auth_token = Secret(kToken)}), Hello())
                .error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

// The main port is TLS with a token; health is also plaintext on its own port.
class GrpcHealthListenerTest : public GrpcTlsTest {
 protected:
  void SetUp() override {
    GrpcServerOptions options = TlsOptions(/*mutual=*/false);
    options.health_listen_address = "127.0.0.1:0";
    ASSERT_THAT(StartServer(options), IsOk());
    ASSERT_NE(server_->health_port(), 0);
    ASSERT_NE(server_->health_port(), server_->port());
    health_channel_ = PlaintextChannel(server_->health_port());
    ASSERT_NE(health_channel_, nullptr);
  }

  std::shared_ptr<grpc::Channel> health_channel_;
};

TEST_F(GrpcHealthListenerTest, AnswersPlaintextHealthChecksLikeTheMainServer) {
  for (const std::string service : {"", kService}) {
    HealthCheckResponse response;
    const grpc::Status status = CheckHealth(health_channel_, service, &response);
    ASSERT_TRUE(status.ok()) << "service \"" << service << "\": " << status.error_message();
    EXPECT_EQ(response.status(), HealthCheckResponse::SERVING) << service;
  }
  HealthCheckResponse response;
  EXPECT_EQ(CheckHealth(health_channel_, "wecom.test.v1.NoSuchService", &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(GrpcHealthListenerTest, ServesNoApi) {
  EXPECT_EQ(Echo(*TestService::NewStub(health_channel_), Hello()).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
}

TEST_F(GrpcHealthListenerTest, ServesNoReflection) {
  EXPECT_EQ(ListServicesByReflection(health_channel_).status.error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
}

TEST_F(GrpcHealthListenerTest, ReportsNotServingWhileDrainingThenCloses) {
  // A held stream on the TLS port keeps Shutdown draining.
  std::unique_ptr<TestService::Stub> stub =
      Stub({.tls_ca_file = File("ca.crt"), .auth_token = Secret(kToken)});
  grpc::ClientContext stream_context;
  std::unique_ptr<grpc::ClientReader<Tick>> stream = stub->Ticks(&stream_context, TicksRequest());
  Tick tick;
  ASSERT_TRUE(stream->Read(&tick));

  {
    HealthWatch watch(health_channel_);
    ASSERT_EQ(watch.Next(), HealthCheckResponse::SERVING);
    StartShutdown();
    ASSERT_EQ(watch.Next(), HealthCheckResponse::NOT_SERVING);
  }
  // While the held stream drains, the health listener is still there and says so.
  for (const std::string service : {"", kService}) {
    HealthCheckResponse response;
    const grpc::Status status = CheckHealth(health_channel_, service, &response);
    ASSERT_TRUE(status.ok()) << "service \"" << service << "\": " << status.error_message();
    EXPECT_EQ(response.status(), HealthCheckResponse::NOT_SERVING) << service;
  }

  service_.Release();
  while (stream->Read(&tick)) {
  }
  EXPECT_TRUE(stream->Finish().ok());
  FinishShutdown();
  // Once Shutdown has returned, the health port is closed.
  HealthCheckResponse response;
  EXPECT_EQ(CheckHealth(PlaintextChannel(server_->health_port()), "", &response).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST(ServerConfigTest, ReadsHealthListen) {
  absl::StatusOr<ConfigReader> root =
      ConfigReader::FromYamlString("health_listen: 0.0.0.0:50061\n");
  ASSERT_THAT(root, IsOk());
  ServerConfig config;
  ASSERT_THAT(ReadServerConfig(*root, "0.0.0.0:50051", "0.0.0.0:9464", &config), IsOk());
  EXPECT_THAT(root->CheckNoUnknownKeys(), IsOk());
  EXPECT_EQ(config.grpc.health_listen_address, "0.0.0.0:50061");
  EXPECT_EQ(config.grpc.listen_address, "0.0.0.0:50051");
}

TEST(ServerConfigTest, HealthListenIsEmptyWhenAbsent) {
  absl::StatusOr<ConfigReader> root = ConfigReader::FromYamlString("listen: 0.0.0.0:50051\n");
  ASSERT_THAT(root, IsOk());
  ServerConfig config;
  ASSERT_THAT(ReadServerConfig(*root, "0.0.0.0:50051", "0.0.0.0:9464", &config), IsOk());
  EXPECT_EQ(config.grpc.health_listen_address, "");
}

TEST_F(GrpcTlsTest, ClientNeedsBothCertificateAndKey) {
  EXPECT_THAT(MakeChannel({.target = "127.0.0.1:1", .tls_cert_file = File("client.crt")}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace wecom
