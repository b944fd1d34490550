#include "common/config/config_io.h"

#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/file/read_file.h"
#include "common/status/status_macros.h"

namespace wecom {

absl::StatusOr<ConfigReader> LoadYamlFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::string yaml, ReadFile(path));
  return ConfigReader::FromYamlString(yaml, path);
}

absl::StatusOr<Secret> LoadSecret(const SecretSource& source) {
  std::string value;
  switch (source.kind) {
    case SecretSource::Kind::kFile: {
      ASSIGN_OR_RETURN(value, ReadFile(source.reference));
      // Mounted secrets and `echo x > file` end in a newline that is no part of the value.
      while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
      break;
    }
    case SecretSource::Kind::kEnv: {
      const char* env = std::getenv(source.reference.c_str());
      if (env == nullptr) {
        return absl::NotFoundError(
            absl::StrCat("secret environment variable ", source.reference, " is not set"));
      }
      value = env;
      break;
    }
    case SecretSource::Kind::kValue:
      value = source.value.reveal();
      break;
  }
  if (value.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("secret from ", source.Describe(), " is empty"));
  }
  return Secret(std::move(value));
}

absl::StatusOr<Secret> ReadSecret(ConfigReader& config, absl::string_view key) {
  ASSIGN_OR_RETURN(SecretSource source, config.Required<SecretSource>(key));
  absl::StatusOr<Secret> secret = LoadSecret(source);
  if (!secret.ok()) {
    return absl::Status(secret.status().code(), absl::StrCat("config key \"", config.PathOf(key),
                                                             "\": ", secret.status().message()));
  }
  return secret;
}

}  // namespace wecom
