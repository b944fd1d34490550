#include "emulators/finance-sdk/vendor_codes.h"

#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/types/optional.h"

namespace wecom::emulator {
namespace {

constexpr char kCodePayload[] = "type.wecom/finance-sdk-emulator.vendor-code";

absl::StatusCode StatusCodeFor(int code) {
  switch (code) {
    case kSdkParameterError:
    case kSdkBadEncryptKey:
    case kSdkDataParseError:
    case kErrDataFormat:
      return absl::StatusCode::kInvalidArgument;
    case kSdkNetworkError:
    case kSdkSystemError:
      return absl::StatusCode::kUnavailable;
    case kSdkBadFileId:
    case kErrInvalidChatId:
    case kErrInvalidRobotId:
      return absl::StatusCode::kNotFound;
    case kErrFrequencyLimit:
      return absl::StatusCode::kResourceExhausted;
    case kErrInvalidCredential:
    case kErrInvalidAccessToken:
    case kErrAccessTokenExpired:
      return absl::StatusCode::kUnauthenticated;
    default:
      return absl::StatusCode::kFailedPrecondition;
  }
}

}  // namespace

absl::Status VendorError(int code, absl::string_view message) {
  absl::Status status(StatusCodeFor(code), message);
  status.SetPayload(kCodePayload, absl::Cord(std::to_string(code)));
  return status;
}

int VendorCode(const absl::Status& status) {
  if (status.ok()) return kSdkOk;
  const absl::optional<absl::Cord> payload = status.GetPayload(kCodePayload);
  int code = 0;
  if (payload.has_value() && absl::SimpleAtoi(std::string(*payload), &code)) return code;
  return kSdkSystemError;
}

}  // namespace wecom::emulator
