// A small HTTP client for vendor APIs: an interface, so callers can be tested
// and decorated, and a libcurl implementation.
#pragma once

#include <cstdint>
#include <functional>
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
#include "common/config/secret.h"

// libcurl's easy handle, declared exactly as curl.h does so that this header
// need not include it.
typedef void CURL;

namespace wecom {

// Header fields in the order they were written or received.
using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// A request body read piece by piece while it is sent, for bodies too large
// to hold in memory (file uploads).
struct HttpBodyStream {
  // Sent as Content-Length.
  uint64_t size = 0;
  // Writes up to `capacity` bytes of the body from `offset` into `buffer` and
  // returns how many, 0 only at `size`. Offsets increase, except that the body
  // starts again from 0 when it must be resent (on a fresh connection). An
  // error aborts the request, and Send returns it.
  std::function<absl::StatusOr<size_t>(uint64_t offset, char* buffer, size_t capacity)> read;
};

// AWS Signature Version 4, which S3 and the S3-compatible stores take.
struct AwsSigV4Signing {
  std::string region;   // "us-east-1"
  std::string service;  // "s3"
  std::string access_key_id;
  Secret secret_access_key;
};

struct HttpRequest {
  // "GET", "POST", or any other method name.
  std::string method = "GET";
  // Absolute http:// or https:// URL, query included.
  std::string url;
  HttpHeaders headers;
  std::string body;
  // When set, the body is streamed from here and `body` is ignored.
  std::optional<HttpBodyStream> body_stream;
  // When set, a longer response body fails the request with
  // RESOURCE_EXHAUSTED instead of growing in memory.
  std::optional<uint64_t> max_response_body_bytes;
  // When set, the request is signed (by libcurl). The payload hash signed is
  // the x-amz-content-sha256 header when there is one (a streamed body must
  // have it), else the hash of `body`.
  std::optional<AwsSigV4Signing> aws_sigv4;
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
  // transport failures, INVALID_ARGUMENT for a request that cannot be sent,
  // RESOURCE_EXHAUSTED for a body over max_response_body_bytes, or the error
  // of the request's body stream.
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

// True for a Send() failure after which the server may still have received
// and acted on the request (a timeout, or the connection failing after it was
// established); false when the request never left (no connection). Callers
// of non-idempotent requests must not resend blindly when it is true.
bool RequestMayHaveBeenSent(const absl::Status& status);

// Percent-encodes everything but RFC 3986 unreserved characters.
std::string UrlEncode(absl::string_view text);

// "k1=v1&k2=v2" with keys and values percent-encoded.
std::string EncodeQuery(
    std::initializer_list<std::pair<absl::string_view, absl::string_view>> params);

}  // namespace wecom
