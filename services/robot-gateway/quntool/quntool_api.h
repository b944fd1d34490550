// QuntoolApi: the quntool openAPI over HTTP (seed 003 "接口调用"). Every call
// goes to base_url + "/gnapi/open" + path with the `apikey` header, and every
// answer is the envelope {"msg", "code", "data"}.
//
// Failures are statuses made by VendorFailure() (vendor "quntool"), with the
// path in their message:
//   no response          the HttpClient's code (DEADLINE_EXCEEDED: the request
//                        may have arrived; UNAVAILABLE: it did not), code 0
//   HTTP 401             INTERNAL: the gateway's apikey is wrong, an operator's
//                        problem and not the caller's
//   HTTP 5xx             UNAVAILABLE (retryable)
//   other HTTP non-200   FAILED_PRECONDITION
//   not an envelope      INTERNAL "malformed response", code 0
//   code != 0            "企微不在线" (account not logged in) and other refusals
//                        FAILED_PRECONDITION; "<field>不能为空" INVALID_ARGUMENT;
//                        "企微不在线" also marked IsAccountOffline()
// VendorError.code is the envelope's code, else the HTTP status. The apikey
// never appears in a status or a metric.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/config/secret.h"
#include "common/http/http_client.h"
#include "common/time/clock.h"
#include "nlohmann/json.hpp"
#include "services/robot-gateway/metrics/gateway_metrics.h"

namespace wecom::robot {

struct QuntoolApiOptions {
  // "http://host:port" (or https) of the quntool server.
  std::string base_url;
  Secret apikey;
  // Per call, except uploads.
  absl::Duration request_timeout = absl::Seconds(10);
  // Per upload, which carries a whole file.
  absl::Duration upload_timeout = absl::Minutes(2);
  // Required; must outlive the client. CurlHttpClient in production, which
  // reuses connections.
  HttpClient* http = nullptr;
  // When set, every call is recorded: vendor "quntool", endpoint = the path,
  // result "ok", the envelope's code, "http_<status>", "transport_error" or
  // "malformed_response".
  GatewayMetrics* metrics = nullptr;
  // Measures latencies; RealClock when null.
  Clock* clock = nullptr;
};

class QuntoolApi {
 public:
  static absl::StatusOr<std::unique_ptr<QuntoolApi>> Create(QuntoolApiOptions options);

  // Calls `method` ("GET", "POST", "PUT", "DELETE") on `path` ("/msg/text")
  // and returns the envelope's `data`. GET sends `params` (an object) as the
  // query string, an array as the key repeated; the other methods send it as
  // a JSON body. Thread-safe.
  absl::StatusOr<nlohmann::json> Call(absl::string_view method, absl::string_view path,
                                      const nlohmann::json& params);

  // POST /file/upload as multipart/form-data (field "file"); returns the
  // server's relative path of the stored file ("/gnapi/Files/…").
  absl::StatusOr<std::string> UploadFile(absl::string_view file_name, absl::string_view bytes);

  // The Content-Length a HEAD request for `file_url` (absolute, or relative
  // to this server) answers. Sent without the apikey, as the URL may be any
  // server's. UNAVAILABLE-style errors when there is no usable answer.
  absl::StatusOr<uint64_t> FileSize(absl::string_view file_url);

  const std::string& base_url() const { return options_.base_url; }

 private:
  explicit QuntoolApi(QuntoolApiOptions options);

  // Sends `request` to `path` and unpacks the envelope, recording the call.
  absl::StatusOr<nlohmann::json> Exchange(absl::string_view path, HttpRequest request);
  absl::StatusOr<nlohmann::json> Unpack(absl::string_view path,
                                        const absl::StatusOr<HttpResponse>& response,
                                        std::string& result) const;

  const QuntoolApiOptions options_;
};

// The vendor's refusal {code, msg} of a call to `where` (a path or MQTT
// topic): FAILED_PRECONDITION (INVALID_ARGUMENT for "<field>不能为空") with
// VendorError{quntool, code, msg}; marked IsAccountOffline() for 企微不在线.
absl::Status QuntoolRefusal(absl::string_view where, int64_t code, absl::string_view msg);

// INTERNAL "malformed response: <what>" with VendorError{quntool, 0}, for an
// answer whose `data` has an unexpected shape.
absl::Status QuntoolMalformedResponse(absl::string_view path, absl::string_view what);

// `path` as an absolute URL: http(s) URLs unchanged, "" stays "", anything
// else is taken relative to `base_url` (QR codes, file_path, uploads).
std::string AbsoluteFileUrl(absl::string_view base_url, absl::string_view path);

}  // namespace wecom::robot
