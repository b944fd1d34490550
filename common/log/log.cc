#include "common/log/log.h"

#include <array>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "spdlog/sinks/stdout_sinks.h"
#include "spdlog/spdlog.h"

namespace wecom::log {
namespace {

constexpr absl::string_view kRedacted = "[redacted]";

spdlog::logger& Logger() {
  // Built once and never destroyed, so logging from other static destructors
  // stays safe. The _mt sink serialises writers, keeping lines whole.
  static spdlog::logger* const logger = [] {
    auto* created = new spdlog::logger("wecom", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    created->set_pattern("%v");
    created->set_level(spdlog::level::info);
    created->flush_on(spdlog::level::trace);
    return created;
  }();
  return *logger;
}

spdlog::level::level_enum ToSpdlog(Level level) {
  switch (level) {
    case Level::kDebug:
      return spdlog::level::debug;
    case Level::kInfo:
      return spdlog::level::info;
    case Level::kWarn:
      return spdlog::level::warn;
    case Level::kError:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

absl::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

bool IsSensitiveKey(absl::string_view key) {
  static constexpr std::array<absl::string_view, 6> kSensitive = {
      "secret", "token", "password", "passwd", "private_key", "authorization"};
  const std::string lower = absl::AsciiStrToLower(key);
  for (absl::string_view word : kSensitive) {
    if (absl::StrContains(lower, word)) return true;
  }
  return false;
}

// A copy of `value` with sensitive keys' values replaced, at any depth.
nlohmann::json Redact(const nlohmann::json& value) {
  if (value.is_object()) {
    nlohmann::json redacted = nlohmann::json::object();
    for (const auto& [key, item] : value.items()) {
      redacted[key] = IsSensitiveKey(key) ? nlohmann::json(std::string(kRedacted)) : Redact(item);
    }
    return redacted;
  }
  if (value.is_array()) {
    nlohmann::json redacted = nlohmann::json::array();
    for (const auto& item : value) redacted.push_back(Redact(item));
    return redacted;
  }
  return value;
}

std::string FormatLine(Level level, absl::string_view event, const nlohmann::json& fields) {
  nlohmann::ordered_json line;
  line["ts"] = absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", absl::Now(), absl::UTCTimeZone());
  line["level"] = std::string(LevelName(level));
  line["event"] = std::string(event);
  const nlohmann::json redacted = Redact(fields);
  if (redacted.is_object()) {
    for (const auto& [key, item] : redacted.items()) {
      const bool reserved = key == "ts" || key == "level" || key == "event";
      line[reserved ? absl::StrCat("field.", key) : key] = item;
    }
  } else if (!redacted.is_null()) {
    line["fields"] = redacted;
  }
  // Vendor text is not always valid UTF-8; replace bad bytes rather than throw.
  return line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace

void SetLevel(Level level) { Logger().set_level(ToSpdlog(level)); }

absl::StatusOr<Level> ParseLevel(absl::string_view name) {
  for (Level level : {Level::kDebug, Level::kInfo, Level::kWarn, Level::kError}) {
    if (name == LevelName(level)) return level;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown log level \"", name, "\"; expected debug, info, warn or error"));
}

void Write(Level level, absl::string_view event, const nlohmann::json& fields) {
  spdlog::logger& logger = Logger();
  if (!logger.should_log(ToSpdlog(level))) return;
  logger.log(ToSpdlog(level), FormatLine(level, event, fields));
}

}  // namespace wecom::log
