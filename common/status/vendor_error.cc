#include "common/status/vendor_error.h"

#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/types/optional.h"

namespace wecom {
namespace {

// The payload key, following the type URL convention of google.rpc.Status details.
constexpr char kPayloadUrl[] = "type.googleapis.com/wecom.common.v1.VendorError";

}  // namespace

void SetVendorError(absl::Status& status, const wecom::common::v1::VendorError& error) {
  status.SetPayload(kPayloadUrl, absl::Cord(error.SerializeAsString()));
}

absl::Status VendorFailure(absl::StatusCode code, wecom::common::v1::VendorError error) {
  absl::Status status(code,
                      absl::StrCat(error.vendor(), " error ", error.code(), ": ", error.message()));
  SetVendorError(status, error);
  return status;
}

std::optional<wecom::common::v1::VendorError> GetVendorError(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kPayloadUrl);
  if (!payload.has_value()) return std::nullopt;
  wecom::common::v1::VendorError error;
  if (!error.ParseFromString(std::string(*payload))) return std::nullopt;
  return error;
}

}  // namespace wecom
