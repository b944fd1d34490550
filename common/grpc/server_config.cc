#include "common/grpc/server_config.h"

#include "common/config/config_io.h"
#include "common/status/status_macros.h"

namespace wecom {

absl::Status ReadServerConfig(ConfigReader& root, const std::string& default_listen,
                              const std::string& default_metrics_listen, ServerConfig* out) {
  ASSIGN_OR_RETURN(out->grpc.listen_address, root.Optional<std::string>("listen", default_listen));
  ASSIGN_OR_RETURN(out->grpc.health_listen_address,
                   root.Optional<std::string>("health_listen", ""));
  ASSIGN_OR_RETURN(out->metrics_listen,
                   root.Optional<std::string>("metrics_listen", default_metrics_listen));
  ASSIGN_OR_RETURN(const std::string level, root.Optional<std::string>("log_level", "info"));
  absl::StatusOr<log::Level> parsed_level = log::ParseLevel(level);
  if (!parsed_level.ok()) {
    return absl::InvalidArgumentError("log_level: must be debug, info, warn or error");
  }
  out->log_level = *parsed_level;
  // Two tokens so clients can move to a new one before the old one goes.
  for (const char* key : {"auth_token", "auth_token_previous"}) {
    if (!root.Has(key)) continue;
    ASSIGN_OR_RETURN(Secret token, ReadSecret(root, key));
    out->grpc.auth_tokens.push_back(std::move(token));
  }
  if (root.Has("tls")) {
    ASSIGN_OR_RETURN(ConfigReader tls, root.Child("tls"));
    ASSIGN_OR_RETURN(out->grpc.tls_cert_file, tls.Required<std::string>("cert_file"));
    ASSIGN_OR_RETURN(out->grpc.tls_key_file, tls.Required<std::string>("key_file"));
    ASSIGN_OR_RETURN(out->grpc.tls_client_ca_file, tls.Optional<std::string>("client_ca_file", ""));
  }
  return absl::OkStatus();
}

}  // namespace wecom
