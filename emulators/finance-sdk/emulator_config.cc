#include "emulators/finance-sdk/emulator_config.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <sstream>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/status/status_macros.h"
#include "nlohmann/json.hpp"

namespace wecom::emulator {
namespace {

using Json = nlohmann::json;

// The largest media_size_ranges bound: 1 TiB, far beyond any real media object.
constexpr int64_t kMaxMediaBytes = int64_t{1} << 40;

// Reads the keys of one JSON object strictly: typed, range-checked, and
// rejecting keys it was not asked about, so a typo is an error, not a default.
class ObjectReader {
 public:
  ObjectReader(const Json& object, std::string path) : object_(object), path_(std::move(path)) {}

  static absl::StatusOr<ObjectReader> Of(const Json& value, std::string path) {
    if (!value.is_object()) return absl::InvalidArgumentError(path + ": expected a JSON object");
    return ObjectReader(value, std::move(path));
  }

  std::string PathOf(absl::string_view key) const { return absl::StrCat(path_, ".", key); }
  bool Has(absl::string_view key) const { return object_.contains(std::string(key)); }
  const Json& At(absl::string_view key) {
    seen_.insert(std::string(key));
    return object_.at(std::string(key));
  }

  absl::Status String(absl::string_view key, bool required, std::string* out) {
    if (!Present(key, required)) return status_;
    const Json& value = At(key);
    if (!value.is_string() || value.get_ref<const std::string&>().empty()) {
      return Error(key, "expected a non-empty string");
    }
    *out = value.get<std::string>();
    return absl::OkStatus();
  }

  // An optional string where "" means "not set", so a writer can spell every key.
  absl::Status StringOrEmpty(absl::string_view key, std::string* out) {
    if (!Present(key, false)) return status_;
    const Json& value = At(key);
    if (!value.is_string()) return Error(key, "expected a string");
    *out = value.get<std::string>();
    return absl::OkStatus();
  }

  absl::Status Integer(absl::string_view key, int64_t min, int64_t max, int64_t* out) {
    if (!Present(key, false)) return status_;
    const Json& value = At(key);
    if (!value.is_number_integer() ||
        (value.is_number_unsigned() && value.get<uint64_t>() > static_cast<uint64_t>(max))) {
      return Error(key, absl::StrCat("expected an integer in [", min, ", ", max, "]"));
    }
    const int64_t number = value.get<int64_t>();
    if (number < min || number > max) {
      return Error(key,
                   absl::StrCat("expected an integer in [", min, ", ", max, "], got ", number));
    }
    *out = number;
    return absl::OkStatus();
  }

  absl::Status Unsigned(absl::string_view key, uint64_t* out) {
    if (!Present(key, false)) return status_;
    const Json& value = At(key);
    if (!value.is_number_unsigned()) return Error(key, "expected a non-negative integer");
    *out = value.get<uint64_t>();
    return absl::OkStatus();
  }

  absl::Status Number(absl::string_view key, double min, double max, double* out) {
    if (!Present(key, false)) return status_;
    const Json& value = At(key);
    if (!value.is_number() || value.get<double>() < min || value.get<double>() > max) {
      return Error(key, absl::StrCat("expected a number in [", min, ", ", max, "]"));
    }
    *out = value.get<double>();
    return absl::OkStatus();
  }

  // Fails on keys nobody read.
  absl::Status Finish() const {
    for (const auto& [key, value] : object_.items()) {
      if (!seen_.contains(key)) {
        return absl::InvalidArgumentError(absl::StrCat(PathOf(key), ": unknown key"));
      }
    }
    return absl::OkStatus();
  }

  absl::Status Error(absl::string_view key, absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat(PathOf(key), ": ", what));
  }

 private:
  bool Present(absl::string_view key, bool required) {
    status_ = absl::OkStatus();
    if (Has(key)) return true;
    if (required) status_ = Error(key, "is required");
    return false;
  }

  const Json& object_;
  std::string path_;
  absl::flat_hash_set<std::string> seen_;
  absl::Status status_;
};

absl::Status ReadTraffic(const Json& value, const std::string& path, TrafficSettings* traffic,
                         bool* has_start_time) {
  ASSIGN_OR_RETURN(ObjectReader reader, ObjectReader::Of(value, path));
  RETURN_IF_ERROR(reader.Unsigned("message_count", &traffic->message_count));
  RETURN_IF_ERROR(reader.Unsigned("seed", &traffic->seed));
  *has_start_time = reader.Has("start_time_ms");
  RETURN_IF_ERROR(reader.Integer("start_time_ms", 0, std::numeric_limits<int64_t>::max() / 2,
                                 &traffic->start_time_ms));
  RETURN_IF_ERROR(reader.Integer("time_span_ms", 1, std::numeric_limits<int64_t>::max() / 4,
                                 &traffic->time_span_ms));
  RETURN_IF_ERROR(reader.Number("media_size_scale", 1e-9, 1e3, &traffic->media_size_scale));
  if (traffic->media_size_scale <= 0) {
    return reader.Error("media_size_scale", "must be greater than 0");
  }
  if (reader.Has("media_size_ranges")) {
    const Json& ranges = reader.At("media_size_ranges");
    if (!ranges.is_object()) {
      return reader.Error("media_size_ranges",
                          "expected an object {\"<kind>\": {\"min_bytes\": n, \"max_bytes\": n}}");
    }
    traffic->media_size_ranges.clear();
    for (const auto& [kind, bounds] : ranges.items()) {
      const std::string kind_path = absl::StrCat(path, ".media_size_ranges.", kind);
      const std::vector<std::string>& kinds = AllMediaKinds();
      if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) {
        return absl::InvalidArgumentError(absl::StrCat(kind_path, ": not a media kind (one of ",
                                                       absl::StrJoin(kinds, ", "), ")"));
      }
      ASSIGN_OR_RETURN(ObjectReader range, ObjectReader::Of(bounds, kind_path));
      int64_t min_bytes = 0;
      int64_t max_bytes = 0;
      if (!range.Has("min_bytes")) return range.Error("min_bytes", "is required");
      if (!range.Has("max_bytes")) return range.Error("max_bytes", "is required");
      RETURN_IF_ERROR(range.Integer("min_bytes", 1, kMaxMediaBytes, &min_bytes));
      RETURN_IF_ERROR(range.Integer("max_bytes", 1, kMaxMediaBytes, &max_bytes));
      if (max_bytes < min_bytes) return range.Error("max_bytes", "must be at least min_bytes");
      RETURN_IF_ERROR(range.Finish());
      traffic->media_size_ranges[kind] = {static_cast<uint64_t>(min_bytes),
                                          static_cast<uint64_t>(max_bytes)};
    }
  }
  if (reader.Has("key_versions")) {
    const Json& steps = reader.At("key_versions");
    if (!steps.is_array()) return reader.Error("key_versions", "expected an array");
    traffic->key_versions.clear();
    for (size_t i = 0; i < steps.size(); ++i) {
      ASSIGN_OR_RETURN(ObjectReader step,
                       ObjectReader::Of(steps[i], absl::StrCat(path, ".key_versions[", i, "]")));
      KeyVersionStep parsed;
      int64_t version = 0;
      if (!step.Has("from_seq")) return step.Error("from_seq", "is required");
      if (!step.Has("publickey_ver")) return step.Error("publickey_ver", "is required");
      RETURN_IF_ERROR(step.Unsigned("from_seq", &parsed.from_seq));
      RETURN_IF_ERROR(
          step.Integer("publickey_ver", 1, std::numeric_limits<uint32_t>::max(), &version));
      RETURN_IF_ERROR(step.Finish());
      parsed.publickey_ver = static_cast<uint32_t>(version);
      if (!traffic->key_versions.empty() &&
          parsed.from_seq <= traffic->key_versions.back().from_seq) {
        return step.Error("from_seq", "must be greater than the previous step's from_seq");
      }
      traffic->key_versions.push_back(parsed);
    }
  }
  if (static_cast<uint64_t>(traffic->time_span_ms) < traffic->message_count) {
    return reader.Error("time_span_ms",
                        "must be at least message_count, so msgtimes strictly increase");
  }
  return reader.Finish();
}

absl::Status ReadFaults(const Json& value, const std::string& path, FaultSettings* faults,
                        TrafficSettings* traffic) {
  ASSIGN_OR_RETURN(ObjectReader reader, ObjectReader::Of(value, path));
  RETURN_IF_ERROR(reader.Number("transient_error_rate", 0, 1, &faults->transient_error_rate));
  RETURN_IF_ERROR(reader.Integer("latency_ms", 0, 3600 * 1000, &faults->latency_ms));
  RETURN_IF_ERROR(
      reader.Integer("chat_calls_per_minute", 1, 100000000, &faults->chat_calls_per_minute));
  RETURN_IF_ERROR(
      reader.Integer("media_calls_per_minute", 1, 100000000, &faults->media_calls_per_minute));
  RETURN_IF_ERROR(reader.Number("media_corrupt_rate", 0, 1, &faults->media_corrupt_rate));
  RETURN_IF_ERROR(reader.Number("empty_md5sum_rate", 0, 1, &traffic->empty_md5sum_rate));
  if (reader.Has("failing_sdkfileids")) {
    const Json& ids = reader.At("failing_sdkfileids");
    if (!ids.is_array()) return reader.Error("failing_sdkfileids", "expected an array of strings");
    for (const Json& id : ids) {
      if (!id.is_string()) {
        return reader.Error("failing_sdkfileids", "expected an array of strings");
      }
      faults->failing_sdkfileids.push_back(id.get<std::string>());
    }
  }
  return reader.Finish();
}

// True for "<scheme>://<host>:<port>" with a scheme the vendor's SDK supports.
bool IsSupportedProxy(absl::string_view proxy) {
  if (!absl::ConsumePrefix(&proxy, "socks5://") && !absl::ConsumePrefix(&proxy, "http://")) {
    return false;
  }
  const size_t colon = proxy.rfind(':');
  int port = 0;
  return colon != absl::string_view::npos && colon > 0 &&
         absl::SimpleAtoi(proxy.substr(colon + 1), &port) && port > 0 && port <= 65535;
}

// Error messages name the key but never quote the passwd.
absl::Status ReadNetwork(const Json& value, const std::string& path, NetworkSettings* network) {
  ASSIGN_OR_RETURN(ObjectReader reader, ObjectReader::Of(value, path));
  RETURN_IF_ERROR(reader.StringOrEmpty("required_proxy", &network->required_proxy));
  RETURN_IF_ERROR(reader.StringOrEmpty("required_proxy_passwd", &network->required_proxy_passwd));
  if (!network->required_proxy.empty() && !IsSupportedProxy(network->required_proxy)) {
    return reader.Error("required_proxy",
                        "expected socks5://host:port or http://host:port (the proxies the SDK "
                        "supports), or \"\" for none");
  }
  if (!network->required_proxy_passwd.empty()) {
    if (network->required_proxy.empty()) {
      return reader.Error("required_proxy_passwd",
                          "needs required_proxy (the credentials are the proxy's)");
    }
    if (network->required_proxy_passwd.find(':') == std::string::npos ||
        network->required_proxy_passwd.front() == ':') {
      return reader.Error("required_proxy_passwd", "expected \"user:password\", or \"\" for none");
    }
  }
  return reader.Finish();
}

absl::Status ReadCorp(const Json& value, const std::string& path, const std::string& base_dir,
                      absl::Time now, CorpConfig* corp) {
  ASSIGN_OR_RETURN(ObjectReader reader, ObjectReader::Of(value, path));
  RETURN_IF_ERROR(reader.String("corpid", true, &corp->corpid));
  RETURN_IF_ERROR(reader.String("secret", true, &corp->secret));
  RETURN_IF_ERROR(reader.Number("retention_days", 1e-6, 3650, &corp->retention_days));

  if (!reader.Has("public_keys")) return reader.Error("public_keys", "is required");
  const Json& keys = reader.At("public_keys");
  if (!keys.is_object() || keys.empty()) {
    return reader.Error("public_keys", "expected an object {\"<publickey_ver>\": \"<pem path>\"}");
  }
  for (const auto& [version_text, file] : keys.items()) {
    uint32_t version = 0;
    if (!absl::SimpleAtoi(version_text, &version) || version == 0) {
      return reader.Error("public_keys",
                          absl::StrCat("key \"", version_text, "\" is not a publickey_ver"));
    }
    if (!file.is_string() || file.get_ref<const std::string&>().empty()) {
      return reader.Error("public_keys", absl::StrCat("\"", version_text, "\" needs a file path"));
    }
    std::filesystem::path key_path(file.get<std::string>());
    if (key_path.is_relative() && !base_dir.empty()) key_path = base_dir / key_path;
    corp->public_key_files[version] = key_path.string();
  }

  bool has_start_time = false;
  if (reader.Has("traffic")) {
    RETURN_IF_ERROR(ReadTraffic(reader.At("traffic"), reader.PathOf("traffic"), &corp->traffic,
                                &has_start_time));
  }
  if (!has_start_time) {
    corp->traffic.start_time_ms = absl::ToUnixMillis(now) - corp->traffic.time_span_ms;
  }
  if (reader.Has("live")) {
    ASSIGN_OR_RETURN(ObjectReader live, ObjectReader::Of(reader.At("live"), reader.PathOf("live")));
    RETURN_IF_ERROR(
        live.Number("messages_per_second", 0, 1000, &corp->traffic.live_messages_per_second));
    RETURN_IF_ERROR(live.Finish());
  }
  if (reader.Has("faults")) {
    RETURN_IF_ERROR(
        ReadFaults(reader.At("faults"), reader.PathOf("faults"), &corp->faults, &corp->traffic));
  }
  if (reader.Has("network")) {
    RETURN_IF_ERROR(ReadNetwork(reader.At("network"), reader.PathOf("network"), &corp->network));
  }
  if (reader.Has("api")) {
    ASSIGN_OR_RETURN(ObjectReader api, ObjectReader::Of(reader.At("api"), reader.PathOf("api")));
    RETURN_IF_ERROR(api.Integer("access_token_ttl_seconds", 0, 86400 * 365,
                                &corp->api.access_token_ttl_seconds));
    RETURN_IF_ERROR(api.Integer("robot_info_calls_per_minute", 1, 100000000,
                                &corp->api.robot_info_calls_per_minute));
    RETURN_IF_ERROR(api.Finish());
  }

  std::vector<uint32_t> used_versions;
  for (const KeyVersionStep& step : corp->traffic.key_versions) {
    used_versions.push_back(step.publickey_ver);
  }
  if (used_versions.empty()) used_versions.push_back(1);
  for (uint32_t version : used_versions) {
    if (!corp->public_key_files.contains(version)) {
      return reader.Error("public_keys", absl::StrCat("no key file for publickey_ver ", version,
                                                      ", which traffic.key_versions uses"));
    }
  }
  return reader.Finish();
}

}  // namespace

absl::StatusOr<EmulatorConfig> ParseEmulatorConfig(absl::string_view json,
                                                   const std::string& base_dir, absl::Time now) {
  const Json root = Json::parse(json.begin(), json.end(), nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return absl::InvalidArgumentError("config is not valid JSON");
  ASSIGN_OR_RETURN(ObjectReader reader, ObjectReader::Of(root, "config"));
  if (!reader.Has("corps")) return reader.Error("corps", "is required");
  const Json& corps = reader.At("corps");
  if (!corps.is_array() || corps.empty()) {
    return reader.Error("corps", "expected a non-empty array");
  }
  RETURN_IF_ERROR(reader.Finish());

  EmulatorConfig config;
  absl::flat_hash_set<std::string> corpids;
  for (size_t i = 0; i < corps.size(); ++i) {
    CorpConfig corp;
    const std::string path = absl::StrCat("corps[", i, "]");
    RETURN_IF_ERROR(ReadCorp(corps[i], path, base_dir, now, &corp));
    if (!corpids.insert(corp.corpid).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ".corpid: \"", corp.corpid, "\" appears twice"));
    }
    config.corps.push_back(std::move(corp));
  }
  return config;
}

absl::StatusOr<EmulatorConfig> ReadEmulatorConfig(const std::string& path, absl::Time now) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return absl::NotFoundError(absl::StrCat("cannot open config file ", path));
  std::stringstream text;
  text << file.rdbuf();
  absl::StatusOr<EmulatorConfig> config =
      ParseEmulatorConfig(text.str(), std::filesystem::path(path).parent_path().string(), now);
  if (!config.ok()) {
    return absl::Status(config.status().code(),
                        absl::StrCat(path, ": ", config.status().message()));
  }
  return config;
}

std::string EmulatorConfigJson(const EmulatorConfig& config) {
  nlohmann::ordered_json corps = nlohmann::ordered_json::array();
  for (const CorpConfig& corp : config.corps) {
    nlohmann::ordered_json keys = nlohmann::ordered_json::object();
    for (const auto& [version, file] : corp.public_key_files) keys[std::to_string(version)] = file;
    nlohmann::ordered_json steps = nlohmann::ordered_json::array();
    for (const KeyVersionStep& step : corp.traffic.key_versions) {
      steps.push_back({{"from_seq", step.from_seq}, {"publickey_ver", step.publickey_ver}});
    }
    nlohmann::ordered_json size_ranges = nlohmann::ordered_json::object();
    for (const auto& [kind, range] : corp.traffic.media_size_ranges) {
      size_ranges[kind] = {{"min_bytes", range.min_bytes}, {"max_bytes", range.max_bytes}};
    }
    const TrafficSettings& traffic = corp.traffic;
    const FaultSettings& faults = corp.faults;
    corps.push_back({
        {"corpid", corp.corpid},
        {"secret", corp.secret},
        {"public_keys", keys},
        {"retention_days", corp.retention_days},
        {"traffic",
         {{"message_count", traffic.message_count},
          {"seed", traffic.seed},
          {"start_time_ms", traffic.start_time_ms},
          {"time_span_ms", traffic.time_span_ms},
          {"key_versions", steps},
          {"media_size_scale", traffic.media_size_scale},
          {"media_size_ranges", size_ranges}}},
        {"live", {{"messages_per_second", traffic.live_messages_per_second}}},
        {"faults",
         {{"transient_error_rate", faults.transient_error_rate},
          {"latency_ms", faults.latency_ms},
          {"chat_calls_per_minute", faults.chat_calls_per_minute},
          {"media_calls_per_minute", faults.media_calls_per_minute},
          {"media_corrupt_rate", faults.media_corrupt_rate},
          {"empty_md5sum_rate", traffic.empty_md5sum_rate},
          {"failing_sdkfileids", faults.failing_sdkfileids}}},
        {"network",
         {{"required_proxy", corp.network.required_proxy},
          {"required_proxy_passwd", corp.network.required_proxy_passwd}}},
        {"api",
         {{"access_token_ttl_seconds", corp.api.access_token_ttl_seconds},
          {"robot_info_calls_per_minute", corp.api.robot_info_calls_per_minute}}},
    });
  }
  nlohmann::ordered_json root;
  root["corps"] = std::move(corps);
  return root.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace wecom::emulator
