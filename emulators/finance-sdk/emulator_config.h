// The emulator's configuration file: the corps the emulated SDK and the
// emulated WeCom HTTP API answer for. README.md documents every key.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "emulators/finance-sdk/corpus.h"

namespace wecom::emulator {

// The environment variable naming the config file the SDK reads.
inline constexpr char kConfigEnvVar[] = "WEWORK_FINANCE_SDK_EMULATOR_CONFIG";

// Faults injected into a corp's GetChatData and GetMediaData calls.
// (faults.empty_md5sum_rate changes the messages, so it lives in TrafficSettings.)
struct FaultSettings {
  // Fraction of calls failing with 10001, 10002 or 10003.
  double transient_error_rate = 0.0;
  // Added to every call, while the call holds its SDK instance.
  int64_t latency_ms = 0;
  // The vendor's documented limits; excess calls answer 45009.
  int64_t chat_calls_per_minute = 4000;
  int64_t media_calls_per_minute = 25000;
  // Fraction of media pieces whose first fetch returns corrupted bytes.
  double media_corrupt_rate = 0.0;
  // Media that always fails with 10006.
  std::vector<std::string> failing_sdkfileids;
};

// How the corp's vendor server is reached. The real SDK takes a proxy and its
// credentials on every GetChatData/GetMediaData call; a corp whose network
// egresses only through a proxy fails every call that does not use it.
struct NetworkSettings {
  // Empty: the server is reached directly and any proxy is accepted.
  // Otherwise the only route, compared as written (e.g. socks5://127.0.0.1:1080).
  std::string required_proxy;
  // The proxy's "user:password"; empty: the proxy asks for none. Never logged.
  std::string required_proxy_passwd;
};

// The WeCom HTTP API emulator's settings for a corp.
struct ApiSettings {
  int64_t access_token_ttl_seconds = 7200;
  // get_robot_info's documented limit; excess calls answer 45009.
  int64_t robot_info_calls_per_minute = 600;
};

struct CorpConfig {
  std::string corpid;
  // The chat archive secret.
  std::string secret;
  // publickey_ver -> PEM file of the RSA-2048 public key.
  std::map<uint32_t, std::string> public_key_files;
  // Messages older than this are no longer served.
  double retention_days = 5.0;
  TrafficSettings traffic;
  FaultSettings faults;
  NetworkSettings network;
  ApiSettings api;
};

struct EmulatorConfig {
  std::vector<CorpConfig> corps;
};

// Parses and validates config JSON. Relative public key paths are resolved
// against `base_dir`; a missing traffic.start_time_ms becomes
// now - traffic.time_span_ms. Errors name the offending key.
absl::StatusOr<EmulatorConfig> ParseEmulatorConfig(absl::string_view json,
                                                   const std::string& base_dir, absl::Time now);

// Reads the config file at `path` (relative key paths: against its directory).
absl::StatusOr<EmulatorConfig> ReadEmulatorConfig(const std::string& path, absl::Time now);

// The config as JSON with every key spelled out; parses back to the same config.
std::string EmulatorConfigJson(const EmulatorConfig& config);

}  // namespace wecom::emulator
