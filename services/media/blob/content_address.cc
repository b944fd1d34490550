#include "services/media/blob/content_address.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace wecom::media {

absl::Status CheckContentAddress(const std::string& sha256) {
  constexpr size_t kHexDigits = 64;
  bool valid = sha256.size() == kHexDigits;
  for (const char c : sha256) {
    valid = valid && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  }
  if (valid) return absl::OkStatus();
  // Shows at most the start of what was given: it may be anything.
  return absl::InvalidArgumentError(
      absl::StrCat("blob name must be 64 lowercase hex digits (a SHA-256), got ", sha256.size(),
                   " characters starting \"", absl::CEscape(sha256.substr(0, 16)), "\""));
}

std::string ShardedBlobName(const std::string& sha256) {
  return absl::StrCat(sha256.substr(0, 2), "/", sha256);
}

}  // namespace wecom::media
