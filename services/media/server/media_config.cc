#include "services/media/server/media_config.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/config/config_io.h"
#include "common/log/log.h"
#include "common/status/status_macros.h"

namespace wecom::media {
namespace {

absl::Status Invalid(const ConfigReader& at, absl::string_view key, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(at.path(), ".", key, ": ", problem));
}

absl::Status ReadArchive(ConfigReader& root, MediaConfig& out) {
  ASSIGN_OR_RETURN(ConfigReader archive, root.Child("archive"));
  ASSIGN_OR_RETURN(out.archive.target, archive.Required<std::string>("target"));
  if (archive.Has("auth_token")) {
    ASSIGN_OR_RETURN(out.archive.auth_token, ReadSecret(archive, "auth_token"));
  }
  ASSIGN_OR_RETURN(out.archive.tls_ca_file, archive.Optional<std::string>("tls_ca_file", ""));
  ASSIGN_OR_RETURN(out.archive.tls_cert_file, archive.Optional<std::string>("tls_cert_file", ""));
  ASSIGN_OR_RETURN(out.archive.tls_key_file, archive.Optional<std::string>("tls_key_file", ""));
  ASSIGN_OR_RETURN(out.archive_call_timeout,
                   archive.Optional("call_timeout", out.archive_call_timeout));
  if (out.archive_call_timeout < absl::Seconds(1)) {
    return Invalid(archive, "call_timeout", "must be at least 1s");
  }
  return absl::OkStatus();
}

absl::Status ReadBlobStore(ConfigReader& root, MediaConfig& out) {
  out.local_blob_root = absl::StrCat(out.data_dir, "/blobs");
  if (!root.Has("blob_store")) return absl::OkStatus();
  ASSIGN_OR_RETURN(ConfigReader store, root.Child("blob_store"));
  if (store.Has("local") == store.Has("s3")) {
    return absl::InvalidArgumentError(
        absl::StrCat(store.path(), ": set exactly one of local or s3"));
  }
  if (store.Has("local")) {
    ASSIGN_OR_RETURN(ConfigReader local, store.Child("local"));
    ASSIGN_OR_RETURN(out.local_blob_root, local.Optional("root", out.local_blob_root));
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(ConfigReader s3, store.Child("s3"));
  S3BlobStoreOptions& o = out.s3.emplace();
  ASSIGN_OR_RETURN(o.endpoint, s3.Required<std::string>("endpoint"));
  ASSIGN_OR_RETURN(o.bucket, s3.Required<std::string>("bucket"));
  ASSIGN_OR_RETURN(o.region, s3.Optional("region", o.region));
  ASSIGN_OR_RETURN(o.key_prefix, s3.Optional<std::string>("key_prefix", ""));
  ASSIGN_OR_RETURN(Secret access_key_id, ReadSecret(s3, "access_key_id"));
  o.access_key_id = access_key_id.reveal();
  ASSIGN_OR_RETURN(o.secret_access_key, ReadSecret(s3, "secret_access_key"));
  return absl::OkStatus();
}

absl::Status ReadFetch(ConfigReader& root, MediaConfig& out) {
  if (!root.Has("fetch")) return absl::OkStatus();
  ASSIGN_OR_RETURN(ConfigReader fetch, root.Child("fetch"));
  struct Limit {
    const char* key;
    int* value;
    int max;
  };
  for (const Limit& limit :
       {Limit{"concurrency", &out.scheduler.concurrency, 256},
        Limit{"per_corp_concurrency", &out.scheduler.per_corp_concurrency, 256},
        Limit{"max_attempts", &out.max_attempts, 100},
        Limit{"piece_attempts", &out.piece_attempts, 100}}) {
    ASSIGN_OR_RETURN(*limit.value, fetch.Optional<int>(limit.key, *limit.value));
    if (*limit.value < 1 || *limit.value > limit.max) {
      return Invalid(fetch, limit.key, absl::StrCat("must be 1-", limit.max));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<MediaConfig> LoadMediaConfig(const std::string& path) {
  ASSIGN_OR_RETURN(ConfigReader root, LoadYamlFile(path));
  MediaConfig out;
  RETURN_IF_ERROR(ReadServerConfig(root, "0.0.0.0:50052", "0.0.0.0:9465", &out.server));
  ASSIGN_OR_RETURN(out.data_dir, root.Required<std::string>("data_dir"));
  RETURN_IF_ERROR(ReadArchive(root, out));
  RETURN_IF_ERROR(ReadBlobStore(root, out));
  RETURN_IF_ERROR(ReadFetch(root, out));
  RETURN_IF_ERROR(ReadShardingConfig(root, &out.sharding));
  ASSIGN_OR_RETURN(std::vector<ConfigReader> corps, root.List("corps"));
  if (corps.empty()) return absl::InvalidArgumentError("corps: at least one corp is required");
  absl::flat_hash_set<std::string> seen;
  for (ConfigReader& corp : corps) {
    MediaCorpConfig parsed;
    ASSIGN_OR_RETURN(parsed.corp_id, corp.Required<std::string>("corp_id"));
    // WeCom corp ids are 18 characters; the job store keys them by length.
    if (parsed.corp_id.empty() || parsed.corp_id.size() > 64) {
      return Invalid(corp, "corp_id", "must be 1-64 characters");
    }
    ASSIGN_OR_RETURN(parsed.follow, corp.Optional("follow", parsed.follow));
    ASSIGN_OR_RETURN(parsed.consumer, corp.Optional("consumer", parsed.consumer));
    if (!seen.insert(parsed.corp_id).second) {
      return Invalid(corp, "corp_id", absl::StrCat("\"", parsed.corp_id, "\" appears twice"));
    }
    out.corps.push_back(std::move(parsed));
  }
  RETURN_IF_ERROR(root.CheckNoUnknownKeys());
  return out;
}

}  // namespace wecom::media
