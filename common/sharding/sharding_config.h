// The `sharding` section every sharded service's config file shares, and the
// shard map file it names (one file for the archive and media services: in
// Kubernetes one ConfigMap, mounted into both StatefulSets):
//
//   sharding:                        # optional: unset, this process serves every corp
//     map_file: /etc/wecom/shards/shards.yaml
//     ordinal: auto                  # auto: from the pod's hostname <statefulset>-<N>; or N
//
//   # shards.yaml
//   corps:
//     - corp_id: wwd08c8exxxx5ab44d
//       ordinal: 0
//
// See common/sharding/shard_placement.h for what the map means.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/config/config_reader.h"
#include "common/sharding/shard_placement.h"

namespace wecom {

struct ShardingConfig {
  bool enabled = false;
  std::string map_file;
  // Unset: "auto".
  std::optional<int> ordinal;
  // The map file's corps: corp id to ordinal.
  absl::flat_hash_map<std::string, int> owners;
};

// Reads the `sharding` section of `root`, if any, and the map file it names.
absl::Status ReadShardingConfig(ConfigReader& root, ShardingConfig* out);

// Parses a shard map document; errors name `source_name` and the key.
absl::StatusOr<absl::flat_hash_map<std::string, int>> ParseShardMap(absl::string_view yaml,
                                                                    std::string source_name);

// The placement of this process: unsharded when the section is absent; the
// ordinal from `hostname` when it is "auto". Every one of `corp_ids` (the
// corps the service is configured with) must be in the map.
absl::StatusOr<ShardPlacement> ResolvePlacement(const ShardingConfig& config,
                                                const std::vector<std::string>& corp_ids,
                                                absl::string_view hostname);
// The same with this machine's hostname (in Kubernetes, the pod's name).
absl::StatusOr<ShardPlacement> ResolvePlacement(const ShardingConfig& config,
                                                const std::vector<std::string>& corp_ids);

}  // namespace wecom
