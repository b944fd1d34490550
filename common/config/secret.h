// Secret values (corp secrets, API tokens, private keys) that never print.
#pragma once

#include <ostream>
#include <string>

#include "absl/strings/string_view.h"

namespace wecom {

// A string that shows as "[redacted]" wherever it is printed or formatted.
// It has no implicit conversion to string, no absl::StrCat support and no
// nlohmann::json conversion, so it cannot reach a log by accident; reveal()
// is the one explicit way to the value.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}

  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }

  // Compares in time independent of where the values differ and of their
  // lengths, for checking presented credentials.
  bool Matches(absl::string_view candidate) const;

  std::string DebugString() const { return "[redacted]"; }
  friend std::ostream& operator<<(std::ostream& out, const Secret&) { return out << "[redacted]"; }

 private:
  std::string value_;
};

// Where a secret comes from, as written in a config file: {file: PATH}
// (e.g. a Kubernetes Secret mount), {env: NAME}, or {value: TEXT} (local
// demos only). config_io.h's LoadSecret() resolves it.
struct SecretSource {
  enum class Kind { kFile, kEnv, kValue };
  Kind kind = Kind::kValue;
  std::string reference;  // The file path or variable name; empty for kValue.
  Secret value;           // The literal, for kValue.

  // "file /path", "env NAME" or "inline value": says where, never what.
  std::string Describe() const;
};

}  // namespace wecom
