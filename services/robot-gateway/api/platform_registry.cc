#include "services/robot-gateway/api/platform_registry.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace wecom::robot {

absl::StatusOr<PlatformRegistry> PlatformRegistry::Create(
    const std::vector<RobotPlatform*>& platforms) {
  absl::flat_hash_map<v1::Vendor, RobotPlatform*> seen;
  for (RobotPlatform* platform : platforms) {
    if (platform == nullptr) return absl::InvalidArgumentError("a robot platform is null");
    if (!seen.emplace(platform->vendor(), platform).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("two ", VendorName(platform->vendor()), " platforms are configured"));
    }
  }
  return PlatformRegistry(platforms);
}

PlatformRegistry::PlatformRegistry(std::vector<RobotPlatform*> platforms)
    : platforms_(std::move(platforms)) {
  for (RobotPlatform* platform : platforms_) by_vendor_[platform->vendor()] = platform;
}

absl::StatusOr<RobotPlatform*> PlatformRegistry::For(v1::Vendor vendor) const {
  const auto found = by_vendor_.find(vendor);
  if (found == by_vendor_.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat("no ", VendorName(vendor), " platform is configured"));
  }
  return found->second;
}

}  // namespace wecom::robot
