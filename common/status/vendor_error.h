// A vendor's error answer (wecom.common.v1.VendorError) carried inside an
// absl::Status, so it survives the layers between the vendor call and the RPC
// reply (common/grpc/status.h turns it into the wecom-vendor-error-bin trailer).
#pragma once

#include <optional>

#include "absl/status/status.h"
#include "wecom/common/v1/vendor_error.pb.h"

namespace wecom {

// A non-OK status with `code`, a message naming the vendor, its error code
// and message (e.g. "finance-sdk error 10001: network error"), and `error`
// attached as a payload.
absl::Status VendorFailure(absl::StatusCode code, wecom::common::v1::VendorError error);

// The VendorError attached by VendorFailure(), if any.
std::optional<wecom::common::v1::VendorError> GetVendorError(const absl::Status& status);

// Attaches `error` to `status` (a non-OK status), keeping its code and message.
void SetVendorError(absl::Status& status, const wecom::common::v1::VendorError& error);

}  // namespace wecom
