// A small HTTP client for vendor APIs: an interface, so callers can be tested
// and decorated, and a libcurl implementation.
#pragma once

#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

// libcurl's easy handle, declared exactly as curl.h does so that this header
// need not include it.
typedef void CURL;

namespace wecom {

// Header fields in the order they were written or received.
using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  // "GET", "POST", or any other method name.
  std::string method = "GET";
  // Absolute http:// or https:// URL, query included.
  std::string url;
  HttpHeaders headers;
  std::string body;
  // The whole exchange, connecting included.
  absl::Duration timeout = absl::Seconds(10);
};

struct HttpResponse {
  int status_code = 0;
  HttpHeaders headers;
  std::string body;

  // The first header named `name` (compared case-insensitively).
  std::optional<absl::string_view> FindHeader(absl::string_view name) const;
};

// Sends one HTTP request and waits for its response. Implementations are
// thread-safe.
class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Returns the response whatever its status code. Fails only when no response
  // arrived: DEADLINE_EXCEEDED when the timeout expired, UNAVAILABLE for other
  // transport failures, INVALID_ARGUMENT for a request that cannot be sent.
  virtual absl::StatusOr<HttpResponse> Send(const HttpRequest& request) = 0;
};

struct CurlHttpClientOptions {
  // Limit on establishing a connection; the request timeout still bounds it.
  absl::Duration connect_timeout = absl::Seconds(5);
  // "http://host:port", "socks5://host:port" or "socks5h://host:port"; empty
  // for a direct connection (proxy environment variables are ignored).
  std::string proxy;
  // "user:password" for the proxy; empty for none.
  std::string proxy_credentials;
  // Idle curl handles (each holding its open connections) kept for reuse.
  int max_idle_handles = 8;
};

// HttpClient on libcurl. Keeps a pool of curl handles so that connections to
// the same host are reused across calls; each call borrows one handle.
class CurlHttpClient final : public HttpClient {
 public:
  // Fails when libcurl cannot be initialised.
  static absl::StatusOr<std::unique_ptr<CurlHttpClient>> Create(CurlHttpClientOptions options);
  ~CurlHttpClient() override;

  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  absl::StatusOr<HttpResponse> Send(const HttpRequest& request) override;

 private:
  explicit CurlHttpClient(CurlHttpClientOptions options);
  // An idle handle from the pool, or a new one; nullptr when curl fails.
  CURL* AcquireHandle();
  void ReleaseHandle(CURL* handle);

  const CurlHttpClientOptions options_;
  absl::Mutex pool_mu_;
  std::vector<CURL*> idle_handles_ ABSL_GUARDED_BY(pool_mu_);
};

// Percent-encodes everything but RFC 3986 unreserved characters.
std::string UrlEncode(absl::string_view text);

// "k1=v1&k2=v2" with keys and values percent-encoded.
std::string EncodeQuery(
    std::initializer_list<std::pair<absl::string_view, absl::string_view>> params);

}  // namespace wecom
