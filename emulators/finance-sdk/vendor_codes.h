// The codes the vendor answers with: Finance SDK return values
// (WeWorkFinanceSdk_C.h) and WeCom server errcodes, and an absl::Status that
// carries one.
#pragma once

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace wecom::emulator {

// Finance SDK return values.
inline constexpr int kSdkOk = 0;
inline constexpr int kSdkParameterError = 10000;
inline constexpr int kSdkNetworkError = 10001;
inline constexpr int kSdkDataParseError = 10002;
inline constexpr int kSdkSystemError = 10003;
inline constexpr int kSdkBadFileId = 10005;
inline constexpr int kSdkDecryptFailure = 10006;
inline constexpr int kSdkBadEncryptKey = 10008;
inline constexpr int kSdkDataExpired = 10010;

// WeCom server errcodes.
inline constexpr int kErrInvalidCredential = 40001;
inline constexpr int kErrInvalidCorpId = 40013;
inline constexpr int kErrInvalidAccessToken = 40014;
inline constexpr int kErrInvalidChatId = 40050;
inline constexpr int kErrMissingAccessToken = 41001;
inline constexpr int kErrMissingCorpId = 41002;
inline constexpr int kErrMissingSecret = 41004;
inline constexpr int kErrAccessTokenExpired = 42001;
inline constexpr int kErrFrequencyLimit = 45009;
inline constexpr int kErrDataFormat = 47001;
inline constexpr int kErrInvalidRobotId =
    40096;  // "invalid external userid"; robots are external ids

// A failed status whose vendor code is `code`.
absl::Status VendorError(int code, absl::string_view message);

// The vendor code a VendorError carries; kSdkSystemError for any other
// failure, kSdkOk for OK.
int VendorCode(const absl::Status& status);

}  // namespace wecom::emulator
