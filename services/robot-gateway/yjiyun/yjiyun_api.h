// YjiyunApi: yjiyun's (有机云) HTTP API (seed 001). Every call is a POST of a
// form (the document's default; JSON where a call's body is nested) with the
// `token` header, answered by the envelope {"code","msg","data","total"}
// (code a string). The token comes from /robotapi/client/auth (accessKey,
// accessSecret); it is renewed `renew_margin` before expireMinutes runs out
// (yjiyun extends a valid token rather than replacing it) and after a call
// answered 1000 (auth failed), and that call is sent again: no request is
// lost to an expired token. 5000 (busy) is retried with backoff.
//
// Failures are statuses made by VendorCallFailure() (vendor "yjiyun"), the
// path in their message:
//   no response          the HttpClient's code (DEADLINE_EXCEEDED: the request
//                        may have arrived; UNAVAILABLE: it did not), code 0
//   HTTP non-200         StatusCodeForHttp()
//   not an envelope      INTERNAL "malformed response", code 0
//   1000 after renewal   INTERNAL: the gateway's credentials are refused
//   5000 every attempt   UNAVAILABLE
//   other codes          "<field>不能为空" and "…必须…" INVALID_ARGUMENT, the
//                        rest FAILED_PRECONDITION
// Neither the accessSecret nor a token ever appears in a status or metric.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/config/secret.h"
#include "common/http/http_client.h"
#include "common/retry/backoff.h"
#include "common/time/clock.h"
#include "nlohmann/json.hpp"
#include "services/robot-gateway/metrics/gateway_metrics.h"

namespace wecom::robot {

struct YjiyunApiOptions {
  // "http://host:port" (or https) of the yjiyun server.
  std::string base_url;
  std::string access_key;
  Secret access_secret;
  absl::Duration request_timeout = absl::Seconds(10);
  // The token is renewed this long before it expires.
  absl::Duration renew_margin = absl::Minutes(5);
  // Retries of a call answered 5000 (max_attempts counts the first try).
  BackoffPolicy busy_backoff{.initial = absl::Milliseconds(200),
                             .max = absl::Seconds(5),
                             .multiplier = 2,
                             .max_attempts = 5};
  // Required; must outlive the client.
  HttpClient* http = nullptr;
  // When set, every call is recorded: vendor "yjiyun", endpoint = the path,
  // result "ok", the envelope's code, "http_<status>", "transport_error" or
  // "malformed_response".
  GatewayMetrics* metrics = nullptr;
  // Token lifetimes, backoff sleeps and latencies; RealClock when null.
  Clock* clock = nullptr;
};

class YjiyunApi {
 public:
  static absl::StatusOr<std::unique_ptr<YjiyunApi>> Create(YjiyunApiOptions options);

  // The envelope of a successful call: the whole answer object (`data`,
  // `total`, and the fields some calls answer beside them).
  struct Answer {
    nlohmann::json body;
    const nlohmann::json& data() const;
    int64_t total() const;
  };

  enum class Body { kForm, kJson };
  // POSTs `params` (an object) to `path` ("/wxworkapi/robot/list").
  // Thread-safe.
  absl::StatusOr<Answer> Call(absl::string_view path, const nlohmann::json& params,
                              Body body = Body::kForm);

  // A token valid now (authenticating when there is none or it is due for
  // renewal), for the socket.io URL.
  absl::StatusOr<Secret> Token();
  // `token` was refused (a 1000 answer, a refused socket): the next Token()
  // authenticates again, unless another caller already did.
  void TokenRefused(const Secret& token);

  const std::string& base_url() const { return options_.base_url; }

 private:
  explicit YjiyunApi(YjiyunApiOptions options);

  // Exchange, again with backoff while the answer is 5000.
  absl::StatusOr<Answer> SendRetryingBusy(absl::string_view path, const nlohmann::json& params,
                                          Body body, const Secret& token, int64_t& vendor_code);
  // One POST and its envelope, recording the call. `token` may be empty (the
  // auth call). `vendor_code` is the envelope's code (0 without one).
  absl::StatusOr<Answer> Exchange(absl::string_view path, const nlohmann::json& params, Body body,
                                  const Secret& token, int64_t& vendor_code);
  absl::StatusOr<Answer> Unpack(absl::string_view path,
                                const absl::StatusOr<HttpResponse>& response, const Secret& token,
                                std::string& result, int64_t& vendor_code) const;
  // Replaces the credentials and `token` in vendor text.
  std::string Scrub(absl::string_view text, const Secret& token) const;
  absl::Status Authenticate() ABSL_EXCLUSIVE_LOCKS_REQUIRED(token_mu_);

  const YjiyunApiOptions options_;
  // Held while authenticating, so concurrent callers wait for one auth call.
  absl::Mutex token_mu_;
  Secret token_ ABSL_GUARDED_BY(token_mu_);
  absl::Time renew_at_ ABSL_GUARDED_BY(token_mu_) = absl::InfinitePast();
  // For the backoff sleeps, which nothing cancels.
  absl::Mutex sleep_mu_;
};

// yjiyun's answer codes (seed 001 1.2).
inline constexpr int64_t kYjiyunAuthFailed = 1000;
inline constexpr int64_t kYjiyunBusy = 5000;

// Whether a yjiyun answer (an HTTP envelope, a socket answer, a refused
// send's echo) refuses: its code is there and not "0".
bool YjiyunRefused(const nlohmann::json& answer);

// The status of a refusal of `where` (a path, "action robot.cust.tags"),
// carrying the vendor's code and msg: 1000 (still, after renewal) INTERNAL,
// 5000 UNAVAILABLE, "<field>不能为空" and "…必须…" INVALID_ARGUMENT, the rest
// FAILED_PRECONDITION.
absl::Status YjiyunRefusal(absl::string_view where, int64_t vendor_code, absl::string_view msg);

}  // namespace wecom::robot
