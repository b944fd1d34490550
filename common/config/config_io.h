// The I/O half of configuration, called by each service's wiring: reading the
// YAML file and resolving secrets from mounted files and the environment.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/config/config_reader.h"
#include "common/config/secret.h"

namespace wecom {

// Reads and parses the YAML config file at `path`; errors name the path.
absl::StatusOr<ConfigReader> LoadYamlFile(const std::string& path);

// The secret's value: the file's content without trailing newlines, the
// environment variable's value, or the literal. Empty secrets are errors.
// Errors name the source (path or variable), never the value.
absl::StatusOr<Secret> LoadSecret(const SecretSource& source);

// Required<SecretSource>(key) followed by LoadSecret().
absl::StatusOr<Secret> ReadSecret(ConfigReader& config, absl::string_view key);

}  // namespace wecom
