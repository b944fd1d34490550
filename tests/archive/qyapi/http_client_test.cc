// CurlHttpClient against a cpp-httplib server on an ephemeral port: the
// transport, timeouts, proxying and connection reuse.
#include "common/http/http_client.h"

#include <httplib.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/refused_port.h"

namespace wecom {
namespace {

using ::testing::AllOf;
using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Optional;
using ::wecom::testing::IsOk;
using ::wecom::testing::StatusIs;

HttpRequest Get(std::string url, absl::Duration timeout = absl::Seconds(10)) {
  HttpRequest request;
  request.url = std::move(url);
  request.timeout = timeout;
  return request;
}

class CurlHttpClientTest : public ::testing::Test {
 protected:
  // Starts the server after the test has registered its handlers.
  void StartServer() {
    server_.set_keep_alive_max_count(100);
    server_.set_tcp_nodelay(true);
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    server_thread_ = std::thread([this] { server_.listen_after_bind(); });
    // httplib's stop() is a no-op until the accept loop runs; one answered
    // request proves it does.
    httplib::Client probe("127.0.0.1", port_);
    ASSERT_TRUE(probe.Get("/probe"));
  }

  void TearDown() override {
    // Close the client's kept-alive connections first so the server's
    // workers need not wait out their keep-alive timeout.
    client_.reset();
    if (!release_slow_handlers_.HasBeenNotified()) release_slow_handlers_.Notify();
    if (server_thread_.joinable()) {
      server_.stop();
      server_thread_.join();
    }
  }

  std::unique_ptr<CurlHttpClient> NewClient(CurlHttpClientOptions options = {}) {
    auto client = CurlHttpClient::Create(std::move(options));
    EXPECT_THAT(client, IsOk());
    return client.ok() ? *std::move(client) : nullptr;
  }

  std::string Url(absl::string_view path_and_query) {
    return absl::StrCat("http://127.0.0.1:", port_, path_and_query);
  }

  httplib::Server server_;
  int port_ = 0;
  std::thread server_thread_;
  std::unique_ptr<CurlHttpClient> client_;
  // Handlers that must not answer wait on this; a member so that it outlives
  // the server's worker threads.
  absl::Notification release_slow_handlers_;
};

TEST_F(CurlHttpClientTest, GetReturnsStatusHeadersAndBody) {
  server_.Get("/hello", [](const httplib::Request& req, httplib::Response& res) {
    res.status = 201;
    res.set_header("X-Reply", "yes");
    res.set_content(absl::StrCat("name=", req.get_param_value("name"),
                                 " header=", req.get_header_value("X-Test")),
                    "text/plain");
  });
  StartServer();
  client_ = NewClient();
  ASSERT_NE(client_, nullptr);

  HttpRequest request;
  request.url = Url("/hello?name=" + UrlEncode("张 三"));
  request.headers = {{"X-Test", "t1"}};
  absl::StatusOr<HttpResponse> response = client_->Send(request);

  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status_code, 201);
  EXPECT_EQ(response->body, "name=张 三 header=t1");
  EXPECT_THAT(response->FindHeader("x-reply"), Optional(Eq("yes")));
  EXPECT_EQ(response->FindHeader("X-Absent"), std::nullopt);
}

TEST_F(CurlHttpClientTest, PostAndPutSendMethodBodyAndContentType) {
  auto echo = [](const httplib::Request& req, httplib::Response& res) {
    res.set_content(
        absl::StrCat(req.method, " ", req.get_header_value("Content-Type"), " ", req.body),
        "text/plain");
  };
  server_.Post("/echo", echo);
  server_.Put("/echo", echo);
  StartServer();
  client_ = NewClient();
  ASSERT_NE(client_, nullptr);

  for (const std::string method : {"POST", "PUT"}) {
    HttpRequest request;
    request.method = method;
    request.url = Url("/echo");
    request.headers = {{"Content-Type", "application/json"}};
    request.body = R"({"roomid":"wr1"})";
    absl::StatusOr<HttpResponse> response = client_->Send(request);
    ASSERT_THAT(response, IsOk());
    EXPECT_EQ(response->body, method + R"( application/json {"roomid":"wr1"})");
  }
}

TEST_F(CurlHttpClientTest, ErrorStatusIsAResponseNotAFailure) {
  server_.Get("/down", [](const httplib::Request&, httplib::Response& res) {
    res.status = 503;
    res.set_content("busy", "text/plain");
  });
  StartServer();
  client_ = NewClient();
  ASSERT_NE(client_, nullptr);

  absl::StatusOr<HttpResponse> response = client_->Send(Get(Url("/down")));
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status_code, 503);
  EXPECT_EQ(response->body, "busy");
}

class CurlConnectionReuseTest : public CurlHttpClientTest {
 protected:
  // Sends three sequential requests and returns how many distinct client
  // ports (so connections) the server saw.
  size_t ConnectionsUsedForThreeCalls(const CurlHttpClientOptions& options) {
    server_.Get("/port", [this](const httplib::Request& req, httplib::Response& res) {
      absl::MutexLock lock(&mu_);
      client_ports_.insert(req.remote_port);
    });
    StartServer();
    client_ = NewClient(options);
    if (client_ == nullptr) return 0;
    for (int i = 0; i < 3; ++i) EXPECT_THAT(client_->Send(Get(Url("/port"))), IsOk());
    absl::MutexLock lock(&mu_);
    return client_ports_.size();
  }

  absl::Mutex mu_;
  std::set<int> client_ports_ ABSL_GUARDED_BY(mu_);
};

TEST_F(CurlConnectionReuseTest, ReusesTheConnectionAcrossCalls) {
  EXPECT_EQ(ConnectionsUsedForThreeCalls(CurlHttpClientOptions()), 1);
}

// The counterpart that shows the reuse test can tell the difference.
TEST_F(CurlConnectionReuseTest, WithoutIdleHandlesEachCallConnectsAnew) {
  CurlHttpClientOptions options;
  options.max_idle_handles = 0;
  EXPECT_EQ(ConnectionsUsedForThreeCalls(options), 3);
}

TEST_F(CurlHttpClientTest, TimeoutIsDeadlineExceededNamingTheHostButNotTheQuery) {
  server_.Get("/slow", [this](const httplib::Request&, httplib::Response& res) {
    release_slow_handlers_.WaitForNotification();
  });
  StartServer();
  client_ = NewClient();
  ASSERT_NE(client_, nullptr);

  absl::StatusOr<HttpResponse> response =
      client_->Send(Get(Url("/slow?access_token=SECRET-TOKEN"), absl::Milliseconds(200)));
  release_slow_handlers_.Notify();

  EXPECT_THAT(response, StatusIs(absl::StatusCode::kDeadlineExceeded,
                                 AllOf(HasSubstr(absl::StrCat("127.0.0.1:", port_)),
                                       Not(HasSubstr("SECRET-TOKEN")))));
}

TEST_F(CurlHttpClientTest, RefusedConnectionIsUnavailable) {
  absl::StatusOr<testing::RefusedPort> refused = testing::RefusedPort::Reserve();
  ASSERT_THAT(refused, IsOk());
  const int closed_port = refused->port();
  client_ = NewClient();
  ASSERT_NE(client_, nullptr);

  absl::StatusOr<HttpResponse> response = client_->Send(
      Get(absl::StrCat("http://127.0.0.1:", closed_port, "/x?corpsecret=SECRET-VALUE")));

  EXPECT_THAT(response, StatusIs(absl::StatusCode::kUnavailable,
                                 AllOf(HasSubstr(absl::StrCat("127.0.0.1:", closed_port)),
                                       Not(HasSubstr("SECRET-VALUE")))));
}

TEST_F(CurlHttpClientTest, SendsThroughTheConfiguredProxy) {
  absl::Mutex mu;
  std::string seen_host;
  std::string seen_target;
  // A plain-HTTP proxy receives the absolute URL as the request target.
  server_.Get(".*", [&](const httplib::Request& req, httplib::Response& res) {
    absl::MutexLock lock(&mu);
    seen_host = req.get_header_value("Host");
    seen_target = req.target;
    res.set_content("proxied", "text/plain");
  });
  StartServer();
  CurlHttpClientOptions options;
  options.proxy = absl::StrCat("http://127.0.0.1:", port_);
  client_ = NewClient(options);
  ASSERT_NE(client_, nullptr);

  // .invalid never resolves, so only the proxy can answer.
  absl::StatusOr<HttpResponse> response = client_->Send(Get("http://vendor.invalid/api?x=1"));

  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->body, "proxied");
  absl::MutexLock lock(&mu);
  EXPECT_EQ(seen_host, "vendor.invalid");
  EXPECT_EQ(seen_target, "http://vendor.invalid/api?x=1");
}

TEST_F(CurlHttpClientTest, ConcurrentCallersEachGetTheirOwnResponse) {
  server_.Get("/echo", [](const httplib::Request& req, httplib::Response& res) {
    res.set_content(req.get_param_value("n"), "text/plain");
  });
  StartServer();
  CurlHttpClientOptions options;
  options.max_idle_handles = 2;
  client_ = NewClient(options);
  ASSERT_NE(client_, nullptr);

  constexpr int kThreads = 4;
  constexpr int kCallsPerThread = 10;
  absl::Mutex mu;
  std::vector<std::string> mismatches;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCallsPerThread; ++i) {
        const std::string n = absl::StrCat(t, "-", i);
        absl::StatusOr<HttpResponse> response = client_->Send(Get(Url("/echo?n=" + n)));
        if (!response.ok() || response->body != n) {
          absl::MutexLock lock(&mu);
          mismatches.push_back(n);
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  absl::MutexLock lock(&mu);
  EXPECT_THAT(mismatches, ::testing::IsEmpty());
}

TEST_F(CurlHttpClientTest, RejectsUnsendableRequests) {
  client_ = NewClient();
  ASSERT_NE(client_, nullptr);
  EXPECT_THAT(client_->Send(Get("file:///etc/passwd")),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(client_->Send(Get("http://127.0.0.1:1/", absl::ZeroDuration())),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("timeout")));
}

// A body of `size` bytes produced on demand, recording how it was asked for.
struct CountingBodyStream {
  explicit CountingBodyStream(std::string content) : content(std::move(content)) {}

  HttpBodyStream Stream() {
    return HttpBodyStream{.size = content.size(),
                          .read = [this](uint64_t offset, char* buffer, size_t capacity) {
                            ++reads;
                            const size_t n = std::min<size_t>(capacity, content.size() - offset);
                            std::memcpy(buffer, content.data() + offset, n);
                            return absl::StatusOr<size_t>(n);
                          }};
  }

  std::string content;
  int reads = 0;
};

TEST_F(CurlHttpClientTest, StreamsABodyPieceByPieceWithItsContentLength) {
  absl::Mutex mu;
  std::vector<std::string> received;  // method, Content-Length, body
  auto record = [&](const httplib::Request& req, httplib::Response& res) {
    absl::MutexLock lock(&mu);
    received = {req.method, req.get_header_value("Content-Length"), req.body};
  };
  server_.Put("/upload", record);
  server_.Post("/upload", record);
  StartServer();
  client_ = NewClient();
  ASSERT_NE(client_, nullptr);
  std::string content(3 * 1024 * 1024 + 5, '\0');
  for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 7 + i / 4096);

  for (const std::string method : {"PUT", "POST"}) {
    CountingBodyStream body(content);
    HttpRequest request;
    request.method = method;
    request.url = Url("/upload");
    request.body_stream = body.Stream();
    absl::StatusOr<HttpResponse> response = client_->Send(request);

    ASSERT_THAT(response, IsOk());
    EXPECT_EQ(response->status_code, 200);
    EXPECT_GT(body.reads, 1) << "read in pieces";
    absl::MutexLock lock(&mu);
    ASSERT_EQ(received.size(), 3u);
    EXPECT_EQ(received[0], method);
    EXPECT_EQ(received[1], absl::StrCat(content.size()));
    EXPECT_TRUE(received[2] == content) << "the server got other bytes";
  }
}

TEST_F(CurlHttpClientTest, BodyStreamErrorAbortsTheRequestAndIsReturned) {
  server_.Put("/upload", [](const httplib::Request&, httplib::Response&) {});
  StartServer();
  client_ = NewClient();
  ASSERT_NE(client_, nullptr);
  HttpRequest request;
  request.method = "PUT";
  request.url = Url("/upload");
  request.body_stream =
      HttpBodyStream{.size = 1 << 20, .read = [](uint64_t offset, char* buffer, size_t capacity) {
                       if (offset > 0)
                         return absl::StatusOr<size_t>(absl::AbortedError("disk went away"));
                       std::memset(buffer, 'x', capacity);
                       return absl::StatusOr<size_t>(capacity);
                     }};

  EXPECT_THAT(client_->Send(request),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("disk went away")));
}

TEST_F(CurlHttpClientTest, BodyStreamEndingShortIsDataLoss) {
  server_.Put("/upload", [](const httplib::Request&, httplib::Response&) {});
  StartServer();
  client_ = NewClient();
  ASSERT_NE(client_, nullptr);
  CountingBodyStream body(std::string(500, 'x'));
  HttpRequest request;
  request.method = "PUT";
  request.url = Url("/upload");
  request.body_stream = body.Stream();
  request.body_stream->size = 1000;

  EXPECT_THAT(client_->Send(request),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("500 of 1000 bytes")));
}

TEST_F(CurlHttpClientTest, ResponseBodyOverItsLimitIsResourceExhausted) {
  server_.Get("/big", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(10'000, 'b'), "application/octet-stream");
  });
  StartServer();
  client_ = NewClient();
  ASSERT_NE(client_, nullptr);
  HttpRequest request = Get(Url("/big"));

  request.max_response_body_bytes = 9'999;
  EXPECT_THAT(client_->Send(request), StatusIs(absl::StatusCode::kResourceExhausted));
  request.max_response_body_bytes = 10'000;
  absl::StatusOr<HttpResponse> response = client_->Send(request);
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->body.size(), 10'000u);
}

TEST_F(CurlHttpClientTest, SignsWithAwsSigV4WhatItSends) {
  absl::Mutex mu;
  std::string authorization;
  server_.Put("/bucket/key", [&](const httplib::Request& req, httplib::Response&) {
    absl::MutexLock lock(&mu);
    authorization = req.get_header_value("Authorization");
  });
  StartServer();
  client_ = NewClient();
  ASSERT_NE(client_, nullptr);
  CountingBodyStream body(std::string(2 << 20, 'x'));
  HttpRequest request;
  request.method = "PUT";
  request.url = Url("/bucket/key");
  request.headers = {{"x-amz-content-sha256", std::string(64, 'a')}};
  request.body_stream = body.Stream();
  request.aws_sigv4 = AwsSigV4Signing{.region = "eu-west-1",
                                      .service = "s3",
                                      .access_key_id = "AKIDEXAMPLE",
                                      .secret_access_key = Secret("SECRET-KEY-VALUE")};

  ASSERT_THAT(client_->Send(request), IsOk());

  absl::MutexLock lock(&mu);
  EXPECT_THAT(authorization, HasSubstr("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"));
  EXPECT_THAT(authorization, HasSubstr("/eu-west-1/s3/aws4_request"));
  // Only headers that are sent are signed: no empty "Expect:".
  EXPECT_THAT(authorization, HasSubstr("SignedHeaders=host;x-amz-content-sha256;x-amz-date,"));
  EXPECT_THAT(authorization, Not(HasSubstr("SECRET-KEY-VALUE")));
}

TEST_F(CurlHttpClientTest, SignedStreamedBodyNeedsItsPayloadHash) {
  client_ = NewClient();
  ASSERT_NE(client_, nullptr);
  CountingBodyStream body("data");
  HttpRequest request;
  request.method = "PUT";
  request.url = "http://127.0.0.1:1/bucket/key";
  request.body_stream = body.Stream();
  request.aws_sigv4 = AwsSigV4Signing{
      .region = "us-east-1", .service = "s3", .access_key_id = "AKID", .secret_access_key = {}};

  EXPECT_THAT(client_->Send(request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("x-amz-content-sha256")));
  EXPECT_EQ(body.reads, 0);
}

TEST(CurlHttpClientCreateTest, RejectsBadOptions) {
  CurlHttpClientOptions no_connect_time;
  no_connect_time.connect_timeout = absl::ZeroDuration();
  EXPECT_THAT(CurlHttpClient::Create(no_connect_time),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("connect_timeout")));
  CurlHttpClientOptions negative_pool;
  negative_pool.max_idle_handles = -1;
  EXPECT_THAT(CurlHttpClient::Create(negative_pool),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("max_idle_handles")));
}

TEST(UrlEncodeTest, KeepsUnreservedAndEscapesEverythingElse) {
  EXPECT_EQ(UrlEncode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(UrlEncode("a b&c=d/+?"), "a%20b%26c%3Dd%2F%2B%3F");
  EXPECT_EQ(UrlEncode("张"), "%E5%BC%A0");
}

TEST(EncodeQueryTest, JoinsEncodedPairs) {
  EXPECT_EQ(EncodeQuery({{"corpid", "ww1"}, {"corpsecret", "s/+="}}),
            "corpid=ww1&corpsecret=s%2F%2B%3D");
  EXPECT_EQ(EncodeQuery({}), "");
}

}  // namespace
}  // namespace wecom
