#include "absl/strings/str_cat.h"
#include "common/status/vendor_error.h"
#include "services/archive/sdk/finance_sdk.h"

namespace wecom::archive {
namespace {

struct SdkErrorInfo {
  absl::StatusCode code;
  const char* meaning;
};

// The meanings are the vendor header's comments.
SdkErrorInfo Describe(int code) {
  switch (code) {
    case 10000:
      return {absl::StatusCode::kInvalidArgument, "parameter error"};
    case 10001:
      return {absl::StatusCode::kUnavailable, "network error"};
    case 10002:
      return {absl::StatusCode::kUnavailable, "data parse failure"};
    case 10003:
      return {absl::StatusCode::kUnavailable, "system failure"};
    case 10004:
      return {absl::StatusCode::kFailedPrecondition, "key error"};
    case 10005:
      return {absl::StatusCode::kNotFound, "bad sdkfileid"};
    case 10006:
      return {absl::StatusCode::kDataLoss, "decrypt failure"};
    case 10007:
      return {absl::StatusCode::kFailedPrecondition, "no private key for the key version"};
    case 10008:
      return {absl::StatusCode::kInvalidArgument, "error parsing encrypt_key"};
    case 10009:
      return {absl::StatusCode::kFailedPrecondition, "IP not allowed"};
    case 10010:
      return {absl::StatusCode::kOutOfRange, "data expired"};
    case 10011:
      return {absl::StatusCode::kFailedPrecondition, "certificate error"};
    // The server's rate-limit errcode, which GetMediaData returns as its own.
    case 45009:
      return {absl::StatusCode::kResourceExhausted, "API call frequency over limit"};
    default:
      return {absl::StatusCode::kUnknown, "unknown SDK error"};
  }
}

}  // namespace

absl::Status SdkErrorStatus(int code, const char* function) {
  const SdkErrorInfo info = Describe(code);
  wecom::common::v1::VendorError error;
  error.set_vendor("finance-sdk");
  error.set_code(code);
  error.set_message(absl::StrCat(function, ": ", info.meaning));
  error.set_retryable((code >= 10001 && code <= 10003) || code == 45009);
  return VendorFailure(info.code, std::move(error));
}

}  // namespace wecom::archive
