#include "services/archive/server/archive_config.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/config/config_io.h"
#include "common/grpc/server_config.h"
#include "common/log/log.h"
#include "common/status/status_macros.h"

namespace wecom::archive {
namespace {

absl::Status ReadPull(ConfigReader& corp, CorpConfig& out) {
  if (!corp.Has("pull")) return absl::OkStatus();
  ASSIGN_OR_RETURN(ConfigReader pull, corp.Child("pull"));
  ASSIGN_OR_RETURN(int limit, pull.Optional<int>("limit", 1000));
  if (limit < 1 || limit > 1000) {
    return absl::InvalidArgumentError(
        absl::StrCat(pull.path(), ".limit: must be 1-1000 (the vendor's limit)"));
  }
  out.pull.limit = static_cast<uint32_t>(limit);
  ASSIGN_OR_RETURN(out.pull_calls_per_minute, pull.Optional<int>("calls_per_minute", 4000));
  if (out.pull_calls_per_minute < 1 || out.pull_calls_per_minute > 4000) {
    return absl::InvalidArgumentError(
        absl::StrCat(pull.path(), ".calls_per_minute: must be 1-4000 (the vendor's limit)"));
  }
  ASSIGN_OR_RETURN(absl::Duration timeout, pull.Optional("timeout", absl::Seconds(5)));
  // The SDK takes whole seconds; a fraction would be dropped without a word.
  if (timeout < absl::Seconds(1) || timeout != absl::Trunc(timeout, absl::Seconds(1))) {
    return absl::InvalidArgumentError(
        absl::StrCat(pull.path(), ".timeout: must be whole seconds, at least 1s"));
  }
  out.pull.call.timeout_seconds = static_cast<int>(absl::ToInt64Seconds(timeout));
  ASSIGN_OR_RETURN(out.pull.poll_interval, pull.Optional("poll_interval", absl::Seconds(1)));
  if (out.pull.poll_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(pull.path(), ".poll_interval: must be > 0"));
  }
  ASSIGN_OR_RETURN(out.pull.call.proxy, pull.Optional<std::string>("proxy", ""));
  if (pull.Has("proxy_credentials")) {
    ASSIGN_OR_RETURN(Secret credentials, ReadSecret(pull, "proxy_credentials"));
    out.pull.call.passwd = credentials.reveal();
  }
  return absl::OkStatus();
}

absl::Status ReadMedia(ConfigReader& corp, CorpConfig& out) {
  if (!corp.Has("media")) return absl::OkStatus();
  ASSIGN_OR_RETURN(ConfigReader media, corp.Child("media"));
  ASSIGN_OR_RETURN(out.media_calls_per_minute, media.Optional<int>("calls_per_minute", 25000));
  if (out.media_calls_per_minute < 1 || out.media_calls_per_minute > 25000) {
    return absl::InvalidArgumentError(
        absl::StrCat(media.path(), ".calls_per_minute: must be 1-25000 (the vendor's limit)"));
  }
  ASSIGN_OR_RETURN(out.media_sdk_sessions, media.Optional<int>("sdk_sessions", 4));
  if (out.media_sdk_sessions < 1) {
    return absl::InvalidArgumentError(absl::StrCat(media.path(), ".sdk_sessions: must be >= 1"));
  }
  return absl::OkStatus();
}

absl::StatusOr<CorpConfig> ReadCorp(ConfigReader& corp) {
  CorpConfig out;
  ASSIGN_OR_RETURN(out.corp_id, corp.Required<std::string>("corp_id"));
  ASSIGN_OR_RETURN(out.secret, ReadSecret(corp, "secret"));
  ASSIGN_OR_RETURN(out.private_keys_dir, corp.Required<std::string>("private_keys_dir"));
  RETURN_IF_ERROR(ReadPull(corp, out));
  RETURN_IF_ERROR(ReadMedia(corp, out));
  return out;
}

absl::Status ReadWeComApi(ConfigReader& root, ArchiveConfig& out) {
  if (!root.Has("wecom_api")) return absl::OkStatus();
  ASSIGN_OR_RETURN(ConfigReader api, root.Child("wecom_api"));
  WeComApiOptions& o = out.wecom_api;
  ASSIGN_OR_RETURN(o.base_url, api.Optional<std::string>("base_url", o.base_url));
  ASSIGN_OR_RETURN(o.robot_info_calls_per_minute,
                   api.Optional<int>("robot_info_calls_per_minute", o.robot_info_calls_per_minute));
  if (o.robot_info_calls_per_minute < 1 || o.robot_info_calls_per_minute > 600) {
    return absl::InvalidArgumentError(absl::StrCat(
        api.path(), ".robot_info_calls_per_minute: must be 1-600 (the vendor's limit)"));
  }
  ASSIGN_OR_RETURN(o.cache_ttl, api.Optional("cache_ttl", o.cache_ttl));
  ASSIGN_OR_RETURN(o.request_timeout, api.Optional("request_timeout", o.request_timeout));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ArchiveConfig> LoadArchiveConfig(const std::string& path) {
  ASSIGN_OR_RETURN(ConfigReader root, LoadYamlFile(path));
  ArchiveConfig out;
  RETURN_IF_ERROR(ReadServerConfig(root, "0.0.0.0:50051", "0.0.0.0:9464", &out.server));
  ASSIGN_OR_RETURN(out.data_dir, root.Required<std::string>("data_dir"));
  ASSIGN_OR_RETURN(out.sdk_library, root.Required<std::string>("sdk_library"));
  ASSIGN_OR_RETURN(out.decrypt_threads, root.Optional<int>("decrypt_threads", 0));
  RETURN_IF_ERROR(ReadWeComApi(root, out));
  RETURN_IF_ERROR(ReadShardingConfig(root, &out.sharding));
  ASSIGN_OR_RETURN(std::vector<ConfigReader> corps, root.List("corps"));
  if (corps.empty()) return absl::InvalidArgumentError("corps: at least one corp is required");
  absl::flat_hash_set<std::string> seen;
  for (ConfigReader& corp : corps) {
    ASSIGN_OR_RETURN(CorpConfig parsed, ReadCorp(corp));
    if (!seen.insert(parsed.corp_id).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(corp.path(), ".corp_id: \"", parsed.corp_id, "\" appears twice"));
    }
    out.corps.push_back(std::move(parsed));
  }
  RETURN_IF_ERROR(root.CheckNoUnknownKeys());
  return out;
}

}  // namespace wecom::archive
