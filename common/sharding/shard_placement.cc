#include "common/sharding/shard_placement.h"

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace wecom {

bool ShardPlacement::ServesHere(absl::string_view corp_id) const {
  if (!sharded_) return true;
  auto it = owners_.find(corp_id);
  return it != owners_.end() && it->second == ordinal_;
}

absl::Status ShardPlacement::CheckAssigns(const std::vector<std::string>& corp_ids) const {
  if (!sharded_) return absl::OkStatus();
  for (const std::string& corp_id : corp_ids) {
    if (!owners_.contains(corp_id)) {
      return absl::InvalidArgumentError(
          absl::StrCat("sharding: the shard map assigns no ordinal to corp \"", corp_id,
                       "\"; add it to the map so exactly one pod serves it"));
    }
  }
  return absl::OkStatus();
}

absl::Status ShardPlacement::NotServedHere(absl::string_view corp_id) const {
  auto it = owners_.find(corp_id);
  if (!sharded_ || it == owners_.end() || it->second == ordinal_) {
    return absl::NotFoundError(absl::StrCat("corp_id: no corp \"", corp_id, "\" is configured"));
  }
  return absl::FailedPreconditionError(
      absl::StrCat("corp_id: corp \"", corp_id, "\" is served by the pod with ordinal ", it->second,
                   ", not this one (", ordinal_, "); route calls for a corp by the shard map"));
}

absl::StatusOr<std::string> ExpandOrdinal(absl::string_view key, absl::string_view pattern,
                                          const ShardPlacement& placement) {
  constexpr absl::string_view kOrdinal = "{ordinal}";
  if (!absl::StrContains(pattern, kOrdinal)) return std::string(pattern);
  if (!placement.sharded()) {
    return absl::InvalidArgumentError(
        absl::StrCat(key, ": {ordinal} needs the sharding section (this process has no ordinal)"));
  }
  return SubstituteOrdinal(pattern, placement.ordinal());
}

std::string SubstituteOrdinal(absl::string_view pattern, int ordinal) {
  return absl::StrReplaceAll(pattern, {{"{ordinal}", absl::StrCat(ordinal)}});
}

absl::StatusOr<int> OrdinalFromHostname(absl::string_view hostname) {
  const size_t dash = hostname.rfind('-');
  int ordinal = 0;
  if (dash == absl::string_view::npos || dash + 1 == hostname.size() ||
      !absl::c_all_of(hostname.substr(dash + 1), absl::ascii_isdigit) ||
      !absl::SimpleAtoi(hostname.substr(dash + 1), &ordinal)) {
    return absl::InvalidArgumentError(
        absl::StrCat("sharding.ordinal: auto needs a StatefulSet pod name ending in -<N>, but the "
                     "hostname is \"",
                     hostname, "\"; set the ordinal explicitly"));
  }
  return ordinal;
}

}  // namespace wecom
