#include "services/archive/qyapi/wecom_api_client.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/status/status_macros.h"
#include "common/status/vendor_error.h"
#include "nlohmann/json.hpp"
#include "wecom/common/v1/vendor_error.pb.h"

namespace wecom::archive {
namespace {

using nlohmann::json;

constexpr absl::string_view kVendor = "qyapi";
constexpr int64_t kSystemBusy = -1;
constexpr int64_t kInvalidCredential = 40001;
constexpr int64_t kInvalidAccessToken = 40014;
constexpr int64_t kAccessTokenExpired = 42001;
constexpr int64_t kApiFrequencyLimit = 45009;

bool IsTokenRejection(int64_t errcode) {
  return errcode == kInvalidCredential || errcode == kInvalidAccessToken ||
         errcode == kAccessTokenExpired;
}

absl::StatusCode StatusCodeFor(int64_t errcode) {
  if (errcode == kApiFrequencyLimit) return absl::StatusCode::kResourceExhausted;
  if (errcode == kSystemBusy) return absl::StatusCode::kUnavailable;
  // A rejected secret or token is the server's configuration problem, not the
  // caller's credentials, so not UNAUTHENTICATED.
  return absl::StatusCode::kFailedPrecondition;
}

bool IsTokenRejection(const absl::Status& status) {
  const std::optional<common::v1::VendorError> error = GetVendorError(status);
  return error.has_value() && error->vendor() == kVendor && IsTokenRejection(error->code());
}

// Removes `secret` from vendor text; the vendor is not known to echo secrets,
// but an error message must never carry one.
std::string Scrub(std::string text, absl::string_view secret) {
  if (secret.empty()) return text;
  return absl::StrReplaceAll(text, {{secret, "<redacted>"}});
}

absl::StatusOr<v1::GetRobotInfoResponse> ParseRobotInfo(const json& answer) {
  try {
    const json& data = answer.at("data");
    v1::GetRobotInfoResponse info;
    info.set_robot_id(data.value("robot_id", ""));
    info.set_name(data.value("name", ""));
    info.set_creator_userid(data.value("creator_userid", ""));
    return info;
  } catch (const json::exception& e) {
    // json's messages name keys and types, never values.
    return absl::InternalError(absl::StrCat("qyapi get_robot_info: unexpected answer: ", e.what()));
  }
}

absl::StatusOr<v1::GetGroupChatResponse> ParseGroupChat(const json& answer) {
  try {
    v1::GetGroupChatResponse group;
    group.set_roomname(answer.value("roomname", ""));
    group.set_creator(answer.value("creator", ""));
    group.set_room_create_time(answer.value("room_create_time", int64_t{0}));
    group.set_notice(answer.value("notice", ""));
    for (const json& member : answer.value("members", json::array())) {
      v1::GroupChatMember* out = group.add_members();
      out->set_memberid(member.value("memberid", ""));
      out->set_jointime(member.value("jointime", int64_t{0}));
    }
    return group;
  } catch (const json::exception& e) {
    return absl::InternalError(absl::StrCat("qyapi groupchat/get: unexpected answer: ", e.what()));
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<WeComApiClient>> WeComApiClient::Create(WeComApiOptions options,
                                                                       HttpClient* http,
                                                                       Clock* clock) {
  // Joining "/cgi-bin/..." to a base ending in '/' would double the slash.
  while (!options.base_url.empty() && options.base_url.back() == '/') options.base_url.pop_back();
  if (options.base_url.empty()) return absl::InvalidArgumentError("qyapi base_url is empty");
  if (options.corp_id.empty()) return absl::InvalidArgumentError("qyapi corp_id is empty");
  if (options.corp_secret.empty()) {
    return absl::InvalidArgumentError("qyapi corp_secret is empty");
  }
  if (options.robot_info_calls_per_minute <= 0) {
    return absl::InvalidArgumentError("qyapi robot_info_calls_per_minute must be positive");
  }
  if (options.cache_ttl < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("qyapi cache_ttl must not be negative");
  }
  if (options.cache_max_entries == 0) {
    return absl::InvalidArgumentError("qyapi cache_max_entries must be positive");
  }
  if (options.token_refresh_margin < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("qyapi token_refresh_margin must not be negative");
  }
  return std::unique_ptr<WeComApiClient>(new WeComApiClient(std::move(options), http, clock));
}

WeComApiClient::WeComApiClient(WeComApiOptions options, HttpClient* http, Clock* clock)
    : options_(std::move(options)),
      http_(http),
      clock_(clock),
      robot_info_pacing_(TokenBucket::PerMinute(options_.robot_info_calls_per_minute, clock)),
      robots_(options_.cache_ttl, options_.cache_max_entries, clock),
      groups_(options_.cache_ttl, options_.cache_max_entries, clock) {}

absl::StatusOr<v1::GetRobotInfoResponse> WeComApiClient::GetRobotInfo(absl::string_view robot_id) {
  if (robot_id.empty()) return absl::InvalidArgumentError("robot_id is empty");
  if (std::optional<v1::GetRobotInfoResponse> cached = robots_.Get(robot_id)) return *cached;

  // Wait for our turn rather than earn a 45009, which the vendor may
  // punish with a longer block.
  if (const absl::Duration wait = robot_info_pacing_->Reserve(); wait > absl::ZeroDuration()) {
    absl::Mutex pacing_mu;
    absl::MutexLock lock(&pacing_mu);
    clock_->SleepFor(wait, &pacing_mu, /*cancel=*/nullptr);
  }
  auto make_request = [&](absl::string_view token) {
    HttpRequest request;
    request.url = absl::StrCat(options_.base_url, "/cgi-bin/msgaudit/get_robot_info?",
                               EncodeQuery({{"access_token", token}, {"robot_id", robot_id}}));
    request.timeout = options_.request_timeout;
    return request;
  };
  ASSIGN_OR_RETURN(const json answer, CallWithToken("get_robot_info", make_request));
  ASSIGN_OR_RETURN(v1::GetRobotInfoResponse info, ParseRobotInfo(answer));
  robots_.Put(std::string(robot_id), info);
  return info;
}

absl::StatusOr<v1::GetGroupChatResponse> WeComApiClient::GetGroupChat(absl::string_view roomid) {
  if (roomid.empty()) return absl::InvalidArgumentError("roomid is empty");
  if (std::optional<v1::GetGroupChatResponse> cached = groups_.Get(roomid)) return *cached;

  const std::string body = json{{"roomid", std::string(roomid)}}.dump();
  auto make_request = [&](absl::string_view token) {
    HttpRequest request;
    request.method = "POST";
    request.url = absl::StrCat(options_.base_url, "/cgi-bin/msgaudit/groupchat/get?",
                               EncodeQuery({{"access_token", token}}));
    request.headers = {{"Content-Type", "application/json"}};
    request.body = body;
    request.timeout = options_.request_timeout;
    return request;
  };
  ASSIGN_OR_RETURN(const json answer, CallWithToken("groupchat/get", make_request));
  ASSIGN_OR_RETURN(v1::GetGroupChatResponse group, ParseGroupChat(answer));
  groups_.Put(std::string(roomid), group);
  return group;
}

absl::StatusOr<std::string> WeComApiClient::CurrentToken() {
  absl::MutexLock lock(&token_mu_);
  if (clock_->Now() >= token_refresh_at_) RETURN_IF_ERROR(FetchTokenLocked());
  return token_;
}

absl::StatusOr<std::string> WeComApiClient::ReplaceToken(absl::string_view rejected) {
  absl::MutexLock lock(&token_mu_);
  if (token_ == rejected || clock_->Now() >= token_refresh_at_) RETURN_IF_ERROR(FetchTokenLocked());
  return token_;
}

absl::Status WeComApiClient::FetchTokenLocked() {
  // Forget the old token first: if this fetch fails, the next caller fetches
  // again instead of reusing a token known to be stale or rejected.
  token_.clear();
  token_refresh_at_ = absl::InfinitePast();

  HttpRequest request;
  request.url = absl::StrCat(
      options_.base_url, "/cgi-bin/gettoken?",
      EncodeQuery({{"corpid", options_.corp_id}, {"corpsecret", options_.corp_secret}}));
  request.timeout = options_.request_timeout;
  const absl::Time requested_at = clock_->Now();
  ASSIGN_OR_RETURN(const json answer, Call("gettoken", request, /*token=*/""));

  const auto token = answer.find("access_token");
  const auto expires_in = answer.find("expires_in");
  if (token == answer.end() || !token->is_string() || token->get<std::string>().empty() ||
      expires_in == answer.end() || !expires_in->is_number_integer() ||
      expires_in->get<int64_t>() < 0) {
    return absl::InternalError("qyapi gettoken: answer lacks access_token or expires_in");
  }
  // Count the lifetime from the request, not the answer: the vendor's clock
  // started no later than that. A lifetime of 0 makes the token single-use.
  const absl::Duration lifetime = absl::Seconds(expires_in->get<int64_t>());
  token_ = token->get<std::string>();
  token_refresh_at_ =
      requested_at + lifetime - std::min(options_.token_refresh_margin, lifetime / 2);
  return absl::OkStatus();
}

absl::StatusOr<json> WeComApiClient::CallWithToken(
    absl::string_view api,
    const std::function<HttpRequest(absl::string_view token)>& make_request) {
  ASSIGN_OR_RETURN(std::string token, CurrentToken());
  absl::StatusOr<json> answer = Call(api, make_request(token), token);
  if (!IsTokenRejection(answer.status())) return answer;
  ASSIGN_OR_RETURN(token, ReplaceToken(token));
  return Call(api, make_request(token), token);
}

absl::StatusOr<json> WeComApiClient::Call(absl::string_view api, const HttpRequest& request,
                                          absl::string_view token) {
  absl::StatusOr<HttpResponse> response = http_->Send(request);
  if (!response.ok()) {
    return absl::Status(response.status().code(),
                        absl::StrCat("qyapi ", api, ": ", response.status().message()));
  }
  if (response->status_code != 200) {
    return absl::UnavailableError(
        absl::StrCat("qyapi ", api, ": HTTP status ", response->status_code));
  }
  json answer = json::parse(response->body, /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (!answer.is_object()) {
    return absl::InternalError(absl::StrCat("qyapi ", api, ": answer is not a JSON object"));
  }
  const auto errcode = answer.find("errcode");
  if (errcode == answer.end() || !errcode->is_number_integer() || errcode->get<int64_t>() == 0) {
    return answer;
  }
  const auto errmsg = answer.find("errmsg");
  common::v1::VendorError error;
  error.set_vendor(std::string(kVendor));
  error.set_code(errcode->get<int64_t>());
  if (errmsg != answer.end() && errmsg->is_string()) {
    error.set_message(Scrub(Scrub(errmsg->get<std::string>(), options_.corp_secret), token));
  }
  error.set_retryable(error.code() == kSystemBusy || error.code() == kApiFrequencyLimit);
  // VendorFailure's message would not say which call failed.
  absl::Status failure(StatusCodeFor(error.code()),
                       absl::StrCat("qyapi ", api, " error ", error.code(), ": ", error.message()));
  SetVendorError(failure, error);
  return failure;
}

}  // namespace wecom::archive
