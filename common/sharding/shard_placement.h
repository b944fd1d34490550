// Which pod serves which corp when a service runs as several StatefulSet pods.
// One shard map, shared by the archive and media services, assigns every corp
// to a pod ordinal. The map is explicit, not a hash of the corp id: a corp's
// cursor and messages live on its pod's volume, so moving a corp is a
// migration (docs/scale-out.md), never a side effect of changing the replica
// count. A pod serves exactly the corps assigned to its ordinal, so while all
// pods read one map with distinct ordinals, no two pods pull one corp. (Moving
// a corp in the map breaks that during the rolling restart; the docs forbid it.)
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace wecom {

class ShardPlacement {
 public:
  // Unsharded: this process serves every corp it is configured with.
  ShardPlacement() = default;
  // Sharded: `owners` maps corp id to the ordinal that serves it; this pod is
  // `ordinal`.
  ShardPlacement(absl::flat_hash_map<std::string, int> owners, int ordinal)
      : sharded_(true), owners_(std::move(owners)), ordinal_(ordinal) {}

  bool sharded() const { return sharded_; }
  // This pod's ordinal (0 when unsharded).
  int ordinal() const { return ordinal_; }
  // Whether this process serves `corp_id`: always when unsharded.
  bool ServesHere(absl::string_view corp_id) const;
  // OK when the map assigns every one of `corp_ids` (always when unsharded);
  // otherwise INVALID_ARGUMENT naming the first corp without an owner, since a
  // configured corp no pod serves would silently never be archived.
  absl::Status CheckAssigns(const std::vector<std::string>& corp_ids) const;
  // The answer to a request for a corp this process does not serve:
  // FAILED_PRECONDITION naming the ordinal that does (the caller routed by a
  // stale or missing shard map), or NOT_FOUND when no pod does, or when the
  // map places it here but this service is not configured with it.
  absl::Status NotServedHere(absl::string_view corp_id) const;

 private:
  bool sharded_ = false;
  absl::flat_hash_map<std::string, int> owners_;
  int ordinal_ = 0;
};

// `pattern` with every "{ordinal}" replaced by `ordinal`.
std::string SubstituteOrdinal(absl::string_view pattern, int ordinal);

// `pattern` with "{ordinal}" replaced by this pod's ordinal, e.g. the media
// pod N's "wecom-archive-{ordinal}.wecom-archive-headless:50051" names archive
// pod N, which serves the same corps. INVALID_ARGUMENT naming `key` when the
// pattern has "{ordinal}" but the process is not sharded.
absl::StatusOr<std::string> ExpandOrdinal(absl::string_view key, absl::string_view pattern,
                                          const ShardPlacement& placement);

// The ordinal of a StatefulSet pod from its hostname, "<statefulset>-<N>";
// INVALID_ARGUMENT when the name does not end in "-<N>".
absl::StatusOr<int> OrdinalFromHostname(absl::string_view hostname);

}  // namespace wecom
