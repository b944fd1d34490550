#include "services/robot-gateway/platform/page_number.h"

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace wecom::robot {

absl::StatusOr<int64_t> PageNumberOf(absl::string_view page_token, absl::string_view rpc) {
  if (page_token.empty()) return 1;
  int64_t page_number = 0;
  if (!absl::SimpleAtoi(page_token, &page_number) || page_number < 1) {
    return absl::InvalidArgumentError(absl::StrCat("page_token: not a token ", rpc, " returned"));
  }
  return page_number;
}

std::string PageTokenOf(int64_t page_number) { return absl::StrCat(page_number); }

}  // namespace wecom::robot
