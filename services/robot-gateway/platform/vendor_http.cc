#include "services/robot-gateway/platform/vendor_http.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/http/http_client.h"
#include "common/status/vendor_error.h"
#include "services/robot-gateway/platform/vendor_json.h"
#include "wecom/common/v1/vendor_error.pb.h"

namespace wecom::robot {
namespace {

using nlohmann::json;

// A form value: strings as they are, other scalars as JSON spells them
// ("true", "12").
std::string FormValue(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

absl::Status VendorCallFailure(absl::string_view vendor, absl::StatusCode code,
                               absl::string_view where, int64_t vendor_code,
                               absl::string_view message) {
  common::v1::VendorError error;
  error.set_vendor(std::string(vendor));
  error.set_code(vendor_code);
  error.set_message(std::string(message));
  error.set_retryable(code == absl::StatusCode::kUnavailable);
  const absl::Status bare = VendorFailure(code, error);
  absl::Status status(code, absl::StrCat(where, ": ", bare.message()));
  SetVendorError(status, error);
  return status;
}

absl::StatusOr<std::string> VendorBaseUrl(std::string base_url, absl::string_view vendor) {
  while (absl::EndsWith(base_url, "/")) base_url.pop_back();
  const std::string scheme = absl::AsciiStrToLower(base_url.substr(0, 8));
  if (!absl::StartsWith(scheme, "http://") && !absl::StartsWith(scheme, "https://")) {
    return absl::InvalidArgumentError(
        absl::StrCat(vendor, " base_url must be http://host[:port] or https://…"));
  }
  return base_url;
}

absl::StatusCode StatusCodeForHttp(int http_status) {
  constexpr int kHttpUnauthorized = 401;
  if (http_status == kHttpUnauthorized) return absl::StatusCode::kInternal;
  if (http_status >= 500 && http_status <= 599) return absl::StatusCode::kUnavailable;
  return absl::StatusCode::kFailedPrecondition;
}

absl::StatusOr<std::string> FormEncode(const json& params) {
  if (params.is_null()) return std::string();
  if (!params.is_object()) return absl::InvalidArgumentError("vendor params must be an object");
  std::string form;
  auto append = [&form](absl::string_view key, const json& value) {
    if (value.is_null()) return;
    if (!form.empty()) form.push_back('&');
    absl::StrAppend(&form, UrlEncode(key), "=", UrlEncode(FormValue(value)));
  };
  for (const auto& [key, value] : params.items()) {
    if (value.is_array()) {
      for (const json& item : value) append(key, item);
    } else {
      append(key, value);
    }
  }
  return form;
}

std::optional<VendorEnvelope> ParseVendorEnvelope(absl::string_view text) {
  json parsed = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) return std::nullopt;
  const auto code = parsed.find("code");
  if (code == parsed.end()) return std::nullopt;
  VendorEnvelope envelope;
  if (code->is_number_integer()) {
    envelope.code = code->get<int64_t>();
  } else if (!code->is_string() || !absl::SimpleAtoi(code->get<std::string>(), &envelope.code)) {
    return std::nullopt;
  }
  envelope.msg = JsonString(parsed, "msg");
  envelope.body = std::move(parsed);
  return envelope;
}

}  // namespace wecom::robot
