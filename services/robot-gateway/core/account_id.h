// Account ids name their vendor: "quntool:<wxId>", "yjiyun:<robotKey>".
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "wecom/robot/v1/robot.pb.h"

namespace wecom::robot {

// An account id taken apart.
struct AccountRef {
  wecom::robot::v1::Vendor vendor = wecom::robot::v1::VENDOR_UNSPECIFIED;
  // The vendor's own id (quntool wxId, yjiyun robotKey).
  std::string vendor_account_id;
  // The whole id, as clients write it.
  std::string account_id;
};

// "quntool", "yjiyun"; "" for VENDOR_UNSPECIFIED. Also the vendor's name in
// VendorError and in metric labels.
absl::string_view VendorName(wecom::robot::v1::Vendor vendor);

std::string FormatAccountId(wecom::robot::v1::Vendor vendor, absl::string_view vendor_account_id);

// INVALID_ARGUMENT naming `field` when `account_id` is not "<vendor>:<id>"
// with a known vendor and a 1-64 character id of [A-Za-z0-9_@.-].
absl::StatusOr<AccountRef> ParseAccountId(absl::string_view account_id,
                                          absl::string_view field = "account_id");

}  // namespace wecom::robot
