// CurlHttpClient against a cpp-httplib server on an ephemeral port: the
// transport, timeouts, proxying and connection reuse.
#include "common/http/http_client.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

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
  // A bound socket that never listens: connecting to it is refused, and
  // holding it keeps the port from being taken by anyone else.
  const int sock = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(sock, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(getsockname(sock, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int closed_port = ntohs(addr.sin_port);
  client_ = NewClient();
  ASSERT_NE(client_, nullptr);

  absl::StatusOr<HttpResponse> response = client_->Send(
      Get(absl::StrCat("http://127.0.0.1:", closed_port, "/x?corpsecret=SECRET-VALUE")));
  close(sock);

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
