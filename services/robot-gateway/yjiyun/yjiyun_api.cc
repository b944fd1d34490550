#include "services/robot-gateway/yjiyun/yjiyun_api.h"

#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/status/status_macros.h"
#include "services/robot-gateway/platform/vendor_http.h"
#include "services/robot-gateway/platform/vendor_json.h"

namespace wecom::robot {
namespace {

using nlohmann::json;

constexpr absl::string_view kVendor = "yjiyun";
constexpr absl::string_view kAuthPath = "/robotapi/client/auth";
constexpr int kHttpOk = 200;
// "<field>不能为空" (missing) and "<field>必须是整数" (malformed): the
// request's fault.
constexpr absl::string_view kMissingSuffix = "不能为空";
constexpr absl::string_view kMalformedMark = "必须";

absl::Status Failure(absl::StatusCode code, absl::string_view path, int64_t vendor_code,
                     absl::string_view message) {
  return VendorCallFailure(kVendor, code, path, vendor_code, message);
}

}  // namespace

bool YjiyunRefused(const json& answer) {
  const std::string code = JsonString(answer, "code");
  return !code.empty() && code != "0";
}

absl::Status YjiyunRefusal(absl::string_view where, int64_t vendor_code, absl::string_view msg) {
  absl::StatusCode code = absl::StatusCode::kFailedPrecondition;
  if (vendor_code == kYjiyunAuthFailed) {
    code = absl::StatusCode::kInternal;
  } else if (vendor_code == kYjiyunBusy) {
    code = absl::StatusCode::kUnavailable;
  } else if (absl::EndsWith(msg, kMissingSuffix) || absl::StrContains(msg, kMalformedMark)) {
    code = absl::StatusCode::kInvalidArgument;
  }
  return Failure(code, where, vendor_code, msg);
}

const json& YjiyunApi::Answer::data() const { return JsonField(body, "data"); }

int64_t YjiyunApi::Answer::total() const { return JsonInt(body, "total"); }

absl::StatusOr<std::unique_ptr<YjiyunApi>> YjiyunApi::Create(YjiyunApiOptions options) {
  ASSIGN_OR_RETURN(options.base_url, VendorBaseUrl(std::move(options.base_url), kVendor));
  if (options.access_key.empty()) return absl::InvalidArgumentError("yjiyun access_key is empty");
  if (options.access_secret.empty()) {
    return absl::InvalidArgumentError("yjiyun access_secret is empty");
  }
  if (options.request_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("yjiyun request_timeout must be positive");
  }
  if (options.renew_margin < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("yjiyun renew_margin must not be negative");
  }
  if (options.http == nullptr) return absl::InvalidArgumentError("yjiyun needs an HttpClient");
  if (options.clock == nullptr) options.clock = RealClock::Get();
  return std::unique_ptr<YjiyunApi>(new YjiyunApi(std::move(options)));
}

YjiyunApi::YjiyunApi(YjiyunApiOptions options) : options_(std::move(options)) {}

absl::StatusOr<YjiyunApi::Answer> YjiyunApi::Call(absl::string_view path, const json& params,
                                                  Body body) {
  ASSIGN_OR_RETURN(Secret token, Token());
  int64_t vendor_code = 0;
  absl::StatusOr<Answer> answer = SendRetryingBusy(path, params, body, token, vendor_code);
  if (vendor_code != kYjiyunAuthFailed) return answer;
  // Expired or revoked early: renewed once, and the call goes again (it was
  // refused, so it did nothing).
  TokenRefused(token);
  ASSIGN_OR_RETURN(token, Token());
  return SendRetryingBusy(path, params, body, token, vendor_code);
}

absl::StatusOr<Secret> YjiyunApi::Token() {
  absl::MutexLock lock(&token_mu_);
  if (token_.empty() || options_.clock->Now() >= renew_at_) RETURN_IF_ERROR(Authenticate());
  return token_;
}

void YjiyunApi::TokenRefused(const Secret& token) {
  absl::MutexLock lock(&token_mu_);
  if (token_.reveal() == token.reveal()) token_ = Secret();
}

absl::Status YjiyunApi::Authenticate() {
  const absl::Time asked = options_.clock->Now();
  int64_t vendor_code = 0;
  ASSIGN_OR_RETURN(const Answer answer,
                   SendRetryingBusy(kAuthPath,
                                    {{"accessKey", options_.access_key},
                                     {"accessSecret", options_.access_secret.reveal()}},
                                    Body::kForm, Secret(), vendor_code));
  std::string token = JsonString(answer.data(), "accessToken");
  const int64_t minutes = JsonInt(answer.data(), "expireMinutes");
  if (token.empty() || minutes <= 0) {
    return Failure(absl::StatusCode::kInternal, kAuthPath, 0,
                   "malformed response: no accessToken or expireMinutes");
  }
  // Counted from the request, not the answer: the server's clock started
  // before ours could.
  const absl::Duration lifetime = absl::Minutes(minutes);
  const absl::Duration margin =
      options_.renew_margin < lifetime ? options_.renew_margin : lifetime / 2;
  token_ = Secret(std::move(token));
  renew_at_ = asked + lifetime - margin;
  return absl::OkStatus();
}

absl::StatusOr<YjiyunApi::Answer> YjiyunApi::SendRetryingBusy(absl::string_view path,
                                                              const json& params, Body body,
                                                              const Secret& token,
                                                              int64_t& vendor_code) {
  Backoff busy(options_.busy_backoff);
  while (true) {
    absl::StatusOr<Answer> answer = Exchange(path, params, body, token, vendor_code);
    if (vendor_code != kYjiyunBusy || busy.Exhausted()) return answer;
    absl::MutexLock lock(&sleep_mu_);
    options_.clock->SleepFor(busy.Next(), &sleep_mu_, nullptr);
  }
}

absl::StatusOr<YjiyunApi::Answer> YjiyunApi::Exchange(absl::string_view path, const json& params,
                                                      Body body, const Secret& token,
                                                      int64_t& vendor_code) {
  vendor_code = 0;
  HttpRequest request;
  request.method = "POST";
  request.url = absl::StrCat(options_.base_url, path);
  request.timeout = options_.request_timeout;
  if (body == Body::kJson) {
    request.headers.emplace_back("Content-Type", "application/json; charset=UTF-8");
    request.body =
        params.is_null() ? "{}" : params.dump(-1, ' ', false, json::error_handler_t::replace);
  } else {
    ASSIGN_OR_RETURN(request.body, FormEncode(params));
    request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  }
  if (!token.empty()) request.headers.emplace_back("token", token.reveal());
  const absl::Time start = options_.clock->Now();
  const absl::StatusOr<HttpResponse> response = options_.http->Send(request);
  std::string result;
  absl::StatusOr<Answer> answer = Unpack(path, response, token, result, vendor_code);
  if (options_.metrics != nullptr) {
    options_.metrics->VendorCall(kVendor, path, result, options_.clock->Now() - start);
  }
  return answer;
}

absl::StatusOr<YjiyunApi::Answer> YjiyunApi::Unpack(absl::string_view path,
                                                    const absl::StatusOr<HttpResponse>& response,
                                                    const Secret& token, std::string& result,
                                                    int64_t& vendor_code) const {
  if (!response.ok()) {
    result = "transport_error";
    return Failure(response.status().code(), path, 0, Scrub(response.status().message(), token));
  }
  std::optional<VendorEnvelope> envelope = ParseVendorEnvelope(response->body);
  if (response->status_code != kHttpOk) {
    result = absl::StrCat("http_", response->status_code);
    const std::string message = envelope.has_value() && !envelope->msg.empty()
                                    ? Scrub(envelope->msg, token)
                                    : absl::StrCat("HTTP ", response->status_code);
    return Failure(StatusCodeForHttp(response->status_code), path, response->status_code, message);
  }
  if (!envelope.has_value()) {
    result = "malformed_response";
    return Failure(absl::StatusCode::kInternal, path, 0,
                   "malformed response: not a {code, msg, data} envelope");
  }
  vendor_code = envelope->code;
  if (envelope->code != 0) {
    result = absl::StrCat(envelope->code);
    const std::string msg = Scrub(envelope->msg, token);
    return YjiyunRefusal(path, envelope->code, msg);
  }
  result = "ok";
  return Answer{.body = std::move(envelope->body)};
}

std::string YjiyunApi::Scrub(absl::string_view text, const Secret& token) const {
  std::string scrubbed =
      absl::StrReplaceAll(text, {{options_.access_secret.reveal(), "[redacted]"}});
  if (!token.empty()) scrubbed = absl::StrReplaceAll(scrubbed, {{token.reveal(), "[redacted]"}});
  return scrubbed;
}

}  // namespace wecom::robot
