// Structured logging: one JSON object per line on stderr, e.g.
//   {"ts":"2026-11-22T02:13:41.123456Z","level":"info","event":"pull_ok","corp":"ww1","seq":42}
//
//   wecom::log::Info("pull_ok", {{"corp", corp}, {"seq", seq}});
//
// Fields whose key mentions a secret, token, password, passwd, private_key or
// authorization are written as "[redacted]", at any depth. wecom::Secret has
// no JSON conversion, so passing one as a value does not compile.
// Thread-safe.
#pragma once

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace wecom::log {

enum class Level { kDebug, kInfo, kWarn, kError };

// Lines below `level` are dropped. The default is kInfo.
void SetLevel(Level level);
// "debug", "info", "warn" or "error" (as in config files).
absl::StatusOr<Level> ParseLevel(absl::string_view name);

// Writes one line. `fields` should be an object; its keys follow ts, level and
// event (a field named like one of those is written as "field.<name>").
void Write(Level level, absl::string_view event, const nlohmann::json& fields);

inline void Debug(absl::string_view event,
                  const nlohmann::json& fields = nlohmann::json::object()) {
  Write(Level::kDebug, event, fields);
}
inline void Info(absl::string_view event, const nlohmann::json& fields = nlohmann::json::object()) {
  Write(Level::kInfo, event, fields);
}
inline void Warn(absl::string_view event, const nlohmann::json& fields = nlohmann::json::object()) {
  Write(Level::kWarn, event, fields);
}
inline void Error(absl::string_view event,
                  const nlohmann::json& fields = nlohmann::json::object()) {
  Write(Level::kError, event, fields);
}

}  // namespace wecom::log
