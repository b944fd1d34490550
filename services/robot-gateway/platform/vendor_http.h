// What the vendor adapters' HTTP clients share: failures that carry the
// vendor's code and message to the gRPC client, the vendors' {code, msg, …}
// answer envelope, and form/query encoding.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace wecom::robot {

// A `code` status carrying VendorError{vendor, vendor_code, message}
// (retryable when UNAVAILABLE), its message led by `where` (a path, topic or
// action).
absl::Status VendorCallFailure(absl::string_view vendor, absl::StatusCode code,
                               absl::string_view where, int64_t vendor_code,
                               absl::string_view message);

// `base_url` ("http(s)://host[:port]") without trailing slashes, which would
// double the one paths start with; INVALID_ARGUMENT "<vendor> base_url must
// be …" for anything else.
absl::StatusOr<std::string> VendorBaseUrl(std::string base_url, absl::string_view vendor);

// The status for a vendor's HTTP answer other than 200: 401 INTERNAL (the
// gateway's own credential is wrong: an operator's problem, not the
// caller's), 5xx UNAVAILABLE (retryable), anything else FAILED_PRECONDITION.
absl::StatusCode StatusCodeForHttp(int http_status);

// `params` (an object; null is empty) as application/x-www-form-urlencoded
// text, which is also a query string: strings as they are, other scalars as
// JSON spells them, an array as its key repeated, null values left out.
absl::StatusOr<std::string> FormEncode(const nlohmann::json& params);

// A vendor's answer: a JSON object with `code` (a number or a string of
// digits) and `msg`; `body` is the whole object (data, total, …).
struct VendorEnvelope {
  int64_t code = 0;
  std::string msg;
  nlohmann::json body;
};
// nullopt when `text` is no such object.
std::optional<VendorEnvelope> ParseVendorEnvelope(absl::string_view text);

}  // namespace wecom::robot
