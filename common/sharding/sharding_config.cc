#include "common/sharding/sharding_config.h"

#include <unistd.h>

#include <climits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/file/read_file.h"
#include "common/status/status_macros.h"

namespace wecom {

absl::StatusOr<absl::flat_hash_map<std::string, int>> ParseShardMap(absl::string_view yaml,
                                                                    std::string source_name) {
  ASSIGN_OR_RETURN(ConfigReader root, ConfigReader::FromYamlString(yaml, source_name));
  // In ConfigReader's form: `<file>: key "<path>": <problem>`.
  auto invalid = [&source_name](const std::string& path, absl::string_view problem) {
    return absl::InvalidArgumentError(absl::StrCat(source_name, ": key \"", path, "\": ", problem));
  };
  ASSIGN_OR_RETURN(std::vector<ConfigReader> corps, root.List("corps"));
  absl::flat_hash_map<std::string, int> owners;
  for (ConfigReader& corp : corps) {
    ASSIGN_OR_RETURN(std::string corp_id, corp.Required<std::string>("corp_id"));
    ASSIGN_OR_RETURN(int ordinal, corp.Required<int>("ordinal"));
    if (corp_id.empty()) {
      return invalid(corp.PathOf("corp_id"), "empty");
    }
    if (ordinal < 0) {
      return invalid(corp.PathOf("ordinal"), "must be >= 0");
    }
    if (!owners.emplace(corp_id, ordinal).second) {
      return invalid(corp.PathOf("corp_id"), absl::StrCat("\"", corp_id, "\" appears twice"));
    }
  }
  RETURN_IF_ERROR(root.CheckNoUnknownKeys());
  return owners;
}

absl::Status ReadShardingConfig(ConfigReader& root, ShardingConfig* out) {
  if (!root.Has("sharding")) return absl::OkStatus();
  ASSIGN_OR_RETURN(ConfigReader sharding, root.Child("sharding"));
  out->enabled = true;
  ASSIGN_OR_RETURN(out->map_file, sharding.Required<std::string>("map_file"));
  ASSIGN_OR_RETURN(const std::string ordinal, sharding.Optional<std::string>("ordinal", "auto"));
  if (ordinal != "auto") {
    int parsed = 0;
    if (!absl::SimpleAtoi(ordinal, &parsed) || parsed < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          sharding.PathOf("ordinal"), ": must be auto or a number >= 0, not \"", ordinal, "\""));
    }
    out->ordinal = parsed;
  }
  ASSIGN_OR_RETURN(const std::string map_text, ReadFile(out->map_file));
  ASSIGN_OR_RETURN(out->owners, ParseShardMap(map_text, out->map_file));
  return absl::OkStatus();
}

absl::StatusOr<ShardPlacement> ResolvePlacement(const ShardingConfig& config,
                                                const std::vector<std::string>& corp_ids,
                                                absl::string_view hostname) {
  if (!config.enabled) return ShardPlacement();
  int ordinal = 0;
  if (config.ordinal.has_value()) {
    ordinal = *config.ordinal;
  } else {
    ASSIGN_OR_RETURN(ordinal, OrdinalFromHostname(hostname));
  }
  ShardPlacement placement(config.owners, ordinal);
  if (absl::Status placed = placement.CheckAssigns(corp_ids); !placed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(placed.message(), " (", config.map_file, ")"));
  }
  return placement;
}

absl::StatusOr<ShardPlacement> ResolvePlacement(const ShardingConfig& config,
                                                const std::vector<std::string>& corp_ids) {
  if (!config.enabled || config.ordinal.has_value()) {
    return ResolvePlacement(config, corp_ids, "");
  }
  char hostname[HOST_NAME_MAX + 1] = {};
  if (::gethostname(hostname, sizeof(hostname) - 1) != 0) {
    return absl::InternalError("sharding.ordinal: auto, but the hostname cannot be read");
  }
  return ResolvePlacement(config, corp_ids, hostname);
}

}  // namespace wecom
