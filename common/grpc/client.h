// Channels to the suite's gRPC services, with TLS and the bearer token.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/config/secret.h"
#include "grpcpp/channel.h"

namespace wecom {

struct GrpcClientOptions {
  // ({} initialisers keep designated initialisers free of -Wmissing-field-initializers.)
  std::string target{};  // "archive:50051", "dns:///archive.wecom.svc:50051"
  // TLS when the CA file is set (the server is verified against it), or when a
  // client certificate is set (then the system roots verify the server). A
  // client certificate and key make it mTLS.
  std::string tls_ca_file{};
  std::string tls_cert_file{};
  std::string tls_key_file{};
  Secret auth_token{};  // Sent as `authorization: Bearer <token>` on every call; empty = none.
  int max_message_bytes = 16 * 1024 * 1024;
};

// Reads the TLS files and returns a channel (connecting lazily).
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const GrpcClientOptions& options);

}  // namespace wecom
