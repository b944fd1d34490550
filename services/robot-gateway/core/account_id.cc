#include "services/robot-gateway/core/account_id.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace wecom::robot {

absl::string_view VendorName(v1::Vendor vendor) {
  switch (vendor) {
    case v1::VENDOR_QUNTOOL:
      return "quntool";
    case v1::VENDOR_YJIYUN:
      return "yjiyun";
    default:
      return "";
  }
}

std::string FormatAccountId(v1::Vendor vendor, absl::string_view vendor_account_id) {
  return absl::StrCat(VendorName(vendor), ":", vendor_account_id);
}

absl::StatusOr<AccountRef> ParseAccountId(absl::string_view account_id, absl::string_view field) {
  const size_t colon = account_id.find(':');
  if (colon == absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": want \"quntool:<wxId>\" or \"yjiyun:<robotKey>\""));
  }
  AccountRef ref;
  const absl::string_view vendor = account_id.substr(0, colon);
  if (vendor == "quntool") {
    ref.vendor = v1::VENDOR_QUNTOOL;
  } else if (vendor == "yjiyun") {
    ref.vendor = v1::VENDOR_YJIYUN;
  } else {
    return absl::InvalidArgumentError(absl::StrCat(field, ": unknown vendor \"",
                                                   absl::CHexEscape(vendor.substr(0, 32)),
                                                   "\" (want quntool or yjiyun)"));
  }
  const absl::string_view id = account_id.substr(colon + 1);
  if (id.empty() || id.size() > 64) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": the id after \"", vendor, ":\" must be 1-64 characters"));
  }
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '@' && c != '.' &&
        c != '-') {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": the id may hold only letters, digits and _@.-"));
    }
  }
  ref.vendor_account_id = std::string(id);
  ref.account_id = std::string(account_id);
  return ref;
}

}  // namespace wecom::robot
