// The server section every service's config file shares:
//
//   listen: "0.0.0.0:<port>"          # gRPC
//   health_listen: "0.0.0.0:<port>"   # optional: plaintext grpc.health.v1 only, for
//                                     # kubelet gRPC probes when tls is on
//   metrics_listen: "0.0.0.0:<port>"  # Prometheus /metrics
//   log_level: info                   # debug | info | warn | error
//   auth_token: {file: …}             # optional: every RPC but health needs it
//   auth_token_previous: {file: …}    # optional: still accepted while clients rotate
//   tls:                              # optional
//     cert_file: …
//     key_file: …
//     client_ca_file: …               # optional: require client certs (mTLS)
#pragma once

#include <string>

#include "absl/status/status.h"
#include "common/config/config_reader.h"
#include "common/grpc/server.h"
#include "common/log/log.h"

namespace wecom {

struct ServerConfig {
  GrpcServerOptions grpc;
  std::string metrics_listen;
  log::Level log_level = log::Level::kInfo;
};

// Reads the keys above from `root`, with the service's default addresses.
absl::Status ReadServerConfig(ConfigReader& root, const std::string& default_listen,
                              const std::string& default_metrics_listen, ServerConfig* out);

}  // namespace wecom
