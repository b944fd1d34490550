// The vendors page by number (yjiyun pageNum, quntool PageIndex, from 1); the
// gateway's page tokens are the next page's number in decimal.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace wecom::robot {

// The page `page_token` names: 1 for "", INVALID_ARGUMENT naming page_token
// and `rpc` for anything but a number from 1.
absl::StatusOr<int64_t> PageNumberOf(absl::string_view page_token, absl::string_view rpc);

// The token of page `page_number`.
std::string PageTokenOf(int64_t page_number);

}  // namespace wecom::robot
