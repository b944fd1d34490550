// The configured robot platforms, one per vendor: where every call for an
// account of that vendor goes.
#pragma once

#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "services/robot-gateway/platform/robot_platform.h"

namespace wecom::robot {

class PlatformRegistry {
 public:
  // INVALID_ARGUMENT for a null platform or two of one vendor. The platforms
  // must outlive the registry.
  static absl::StatusOr<PlatformRegistry> Create(const std::vector<RobotPlatform*>& platforms);

  // FAILED_PRECONDITION "no <vendor> platform is configured".
  absl::StatusOr<RobotPlatform*> For(v1::Vendor vendor) const;

  // Every configured platform, in the order given to Create.
  const std::vector<RobotPlatform*>& all() const { return platforms_; }

 private:
  explicit PlatformRegistry(std::vector<RobotPlatform*> platforms);

  std::vector<RobotPlatform*> platforms_;
  absl::flat_hash_map<v1::Vendor, RobotPlatform*> by_vendor_;
};

}  // namespace wecom::robot
