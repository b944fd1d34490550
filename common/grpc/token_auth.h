// Bearer-token authentication for GrpcServer, done in gRPC core's auth
// metadata processor so a rejected call ends with a real UNAUTHENTICATED
// before any handler runs.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/config/secret.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/support/status.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/registry.h"

namespace wecom {

// Accepts calls that present `authorization: Bearer <one of tokens>`, and
// every call to grpc.health.v1.Health so probes need no token. Counts
// rejections in grpc_server_unauthenticated_total{grpc_service,grpc_method}.
// Thread-safe.
class BearerTokenAuthenticator {
 public:
  BearerTokenAuthenticator(std::vector<Secret> tokens, prometheus::Registry& registry);

  // OK, or UNAUTHENTICATED saying what was wrong (never echoing the token).
  // `authorization` holds every value of the call's authorization metadata.
  grpc::Status Check(absl::string_view path, const std::vector<absl::string_view>& authorization);

 private:
  std::vector<Secret> tokens_;
  prometheus::Family<prometheus::Counter>& rejected_;
};

// PEM material for a TLS listener.
struct ServerTlsPem {
  std::string cert_chain;
  Secret private_key;
  std::string client_ca;  // Non-empty: require and verify client certificates (mTLS).
};

// Plaintext (no `tls`) or TLS server credentials that run `authenticator` on
// every call (none: no authentication).
std::shared_ptr<grpc::ServerCredentials> MakeServerCredentials(
    std::optional<ServerTlsPem> tls, std::shared_ptr<BearerTokenAuthenticator> authenticator);

}  // namespace wecom
