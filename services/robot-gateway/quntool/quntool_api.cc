#include "services/robot-gateway/quntool/quntool_api.h"

#include <optional>
#include <utility>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "common/status/status_macros.h"
#include "services/robot-gateway/platform/robot_platform.h"
#include "services/robot-gateway/platform/vendor_http.h"
#include "services/robot-gateway/platform/vendor_json.h"

namespace wecom::robot {
namespace {

using nlohmann::json;

constexpr absl::string_view kVendor = "quntool";
constexpr absl::string_view kApiPrefix = "/gnapi/open";
// The document's and the emulator's message for an account that is not
// logged in (vendor-facts.md).
constexpr absl::string_view kAccountOffline = "企微不在线";
// "<field>不能为空": a required parameter was missing.
constexpr absl::string_view kRequiredSuffix = "不能为空";
constexpr int kHttpOk = 200;

absl::Status Failure(absl::StatusCode code, absl::string_view path, int64_t vendor_code,
                     absl::string_view message) {
  return VendorCallFailure(kVendor, code, path, vendor_code, message);
}

// A multipart boundary that does not occur in `content`.
std::string BoundaryFor(absl::string_view content) {
  absl::BitGen random;
  std::string boundary;
  do {
    boundary = absl::StrFormat("quntool-%016x%016x", absl::Uniform<uint64_t>(random),
                               absl::Uniform<uint64_t>(random));
  } while (absl::StrContains(content, boundary));
  return boundary;
}

}  // namespace

absl::StatusOr<std::unique_ptr<QuntoolApi>> QuntoolApi::Create(QuntoolApiOptions options) {
  ASSIGN_OR_RETURN(options.base_url, VendorBaseUrl(std::move(options.base_url), kVendor));
  if (options.apikey.empty()) return absl::InvalidArgumentError("quntool apikey is empty");
  if (options.request_timeout <= absl::ZeroDuration() ||
      options.upload_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("quntool timeouts must be positive");
  }
  if (options.http == nullptr) return absl::InvalidArgumentError("quntool needs an HttpClient");
  if (options.clock == nullptr) options.clock = RealClock::Get();
  return std::unique_ptr<QuntoolApi>(new QuntoolApi(std::move(options)));
}

QuntoolApi::QuntoolApi(QuntoolApiOptions options) : options_(std::move(options)) {}

absl::StatusOr<json> QuntoolApi::Call(absl::string_view method, absl::string_view path,
                                      const json& params) {
  HttpRequest request;
  request.method = std::string(method);
  request.url = absl::StrCat(options_.base_url, kApiPrefix, path);
  request.timeout = options_.request_timeout;
  if (method == "GET") {
    absl::StatusOr<std::string> query = FormEncode(params);
    if (!query.ok()) return query.status();
    if (!query->empty()) absl::StrAppend(&request.url, "?", *query);
  } else if (method == "POST" || method == "PUT" || method == "DELETE") {
    request.headers.emplace_back("Content-Type", "application/json");
    request.body =
        params.is_null() ? "{}" : params.dump(-1, ' ', false, json::error_handler_t::replace);
  } else {
    return absl::InvalidArgumentError(absl::StrCat("quntool: unsupported method ", method));
  }
  return Exchange(path, std::move(request));
}

absl::StatusOr<std::string> QuntoolApi::UploadFile(absl::string_view file_name,
                                                   absl::string_view bytes) {
  constexpr absl::string_view kPath = "/file/upload";
  const std::string boundary = BoundaryFor(bytes);
  // As browsers do (HTML's multipart/form-data rules): quotes and line
  // breaks in the name are percent-escaped, everything else goes raw.
  const std::string quoted_name =
      absl::StrReplaceAll(file_name, {{"\"", "%22"}, {"\r", "%0D"}, {"\n", "%0A"}});
  HttpRequest request;
  request.method = "POST";
  request.url = absl::StrCat(options_.base_url, kApiPrefix, kPath);
  request.timeout = options_.upload_timeout;
  request.headers.emplace_back("Content-Type",
                               absl::StrCat("multipart/form-data; boundary=", boundary));
  request.body = absl::StrCat(
      "--", boundary, "\r\n", "Content-Disposition: form-data; name=\"file\"; filename=\"",
      quoted_name, "\"\r\n", "Content-Type: application/octet-stream\r\n\r\n", bytes, "\r\n--",
      boundary, "--\r\n");
  absl::StatusOr<json> data = Exchange(kPath, std::move(request));
  if (!data.ok()) return data.status();
  if (!data->is_string() || data->get<std::string>().empty()) {
    return QuntoolMalformedResponse(kPath, "no file path");
  }
  return data->get<std::string>();
}

absl::StatusOr<uint64_t> QuntoolApi::FileSize(absl::string_view file_url) {
  HttpRequest request;
  request.method = "HEAD";
  request.url = AbsoluteFileUrl(options_.base_url, file_url);
  request.timeout = options_.request_timeout;
  absl::StatusOr<HttpResponse> response = options_.http->Send(request);
  if (!response.ok()) return response.status();
  if (response->status_code < 200 || response->status_code > 299) {
    return absl::UnavailableError(
        absl::StrCat("HEAD of the file answered HTTP ", response->status_code));
  }
  uint64_t size = 0;
  const std::optional<absl::string_view> length = response->FindHeader("Content-Length");
  if (!length.has_value() || !absl::SimpleAtoi(*length, &size)) {
    return absl::UnavailableError("HEAD of the file answered no Content-Length");
  }
  return size;
}

absl::StatusOr<json> QuntoolApi::Exchange(absl::string_view path, HttpRequest request) {
  request.headers.emplace_back("apikey", options_.apikey.reveal());
  const absl::Time start = options_.clock->Now();
  const absl::StatusOr<HttpResponse> response = options_.http->Send(request);
  std::string result;
  absl::StatusOr<json> data = Unpack(path, response, result);
  if (options_.metrics != nullptr) {
    const absl::string_view endpoint = path.substr(0, path.find('?'));
    options_.metrics->VendorCall(kVendor, endpoint, result, options_.clock->Now() - start);
  }
  return data;
}

absl::StatusOr<json> QuntoolApi::Unpack(absl::string_view path,
                                        const absl::StatusOr<HttpResponse>& response,
                                        std::string& result) const {
  // The server is not known to echo the apikey, but a status must never
  // carry it.
  auto scrub = [this](absl::string_view text) {
    return absl::StrReplaceAll(text, {{options_.apikey.reveal(), "[redacted]"}});
  };
  if (!response.ok()) {
    result = "transport_error";
    return Failure(response.status().code(), path, 0, scrub(response.status().message()));
  }
  std::optional<VendorEnvelope> envelope = ParseVendorEnvelope(response->body);
  if (response->status_code != kHttpOk) {
    result = absl::StrCat("http_", response->status_code);
    const std::string message = envelope.has_value() && !envelope->msg.empty()
                                    ? scrub(envelope->msg)
                                    : absl::StrCat("HTTP ", response->status_code);
    return Failure(StatusCodeForHttp(response->status_code), path, response->status_code, message);
  }
  if (!envelope.has_value()) {
    result = "malformed_response";
    return QuntoolMalformedResponse(path, "not a {msg, code, data} envelope");
  }
  if (envelope->code != 0) {
    result = absl::StrCat(envelope->code);
    return QuntoolRefusal(path, envelope->code, scrub(envelope->msg));
  }
  result = "ok";
  const auto data = envelope->body.find("data");
  return data == envelope->body.end() ? json(nullptr) : std::move(*data);
}

absl::Status QuntoolRefusal(absl::string_view where, int64_t code, absl::string_view msg) {
  const bool offline = absl::StrContains(msg, kAccountOffline);
  const absl::StatusCode status_code = !offline && absl::EndsWith(msg, kRequiredSuffix)
                                           ? absl::StatusCode::kInvalidArgument
                                           : absl::StatusCode::kFailedPrecondition;
  absl::Status refused = Failure(status_code, where, code, msg);
  if (offline) SetAccountOffline(refused);
  return refused;
}

absl::Status QuntoolMalformedResponse(absl::string_view path, absl::string_view what) {
  return Failure(absl::StatusCode::kInternal, path, 0, absl::StrCat("malformed response: ", what));
}

std::string AbsoluteFileUrl(absl::string_view base_url, absl::string_view path) {
  if (path.empty()) return "";
  const std::string scheme = absl::AsciiStrToLower(path.substr(0, 8));
  if (absl::StartsWith(scheme, "http://") || absl::StartsWith(scheme, "https://")) {
    return std::string(path);
  }
  while (absl::EndsWith(base_url, "/")) base_url.remove_suffix(1);
  return absl::StrCat(base_url, absl::StartsWith(path, "/") ? "" : "/", path);
}

}  // namespace wecom::robot
