// The gRPC server every service runs: TLS or mTLS, bearer-token auth, health,
// reflection and RED metrics, configured once here.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/config/secret.h"
#include "grpcpp/impl/service_type.h"
#include "grpcpp/server.h"
#include "prometheus/registry.h"

namespace wecom {

struct GrpcServerOptions {
  // ({} initialisers keep designated initialisers free of -Wmissing-field-initializers.)
  std::string listen_address{};  // "0.0.0.0:50051", or "127.0.0.1:0" for any free port.
  // TLS when cert and key are set; mTLS (client certificates required and
  // verified against this CA) when the client CA is set too.
  std::string tls_cert_file{};
  std::string tls_key_file{};
  std::string tls_client_ca_file{};
  // Accepted `authorization: Bearer <token>` values; empty = auth off.
  std::vector<Secret> auth_tokens{};
  int max_message_bytes = 16 * 1024 * 1024;
};

// A started gRPC server. Besides `services` it serves grpc.health.v1.Health
// (SERVING for "" and every service until Shutdown) and server reflection.
// With auth_tokens set, every call except health checks must present one of
// them, or it fails with UNAUTHENTICATED before reaching a handler. Calls are
// counted in go-grpc-prometheus metrics (server_metrics.h) and
// grpc_server_unauthenticated_total.
class GrpcServer {
 public:
  // Reads the TLS files and starts listening. `services` and `registry` must
  // outlive the server.
  static absl::StatusOr<std::unique_ptr<GrpcServer>> Start(const GrpcServerOptions& options,
                                                           std::vector<grpc::Service*> services,
                                                           prometheus::Registry& registry);
  // Forces Shutdown with no grace if it has not run.
  ~GrpcServer();

  // The bound port.
  int port() const { return port_; }

  // Reports NOT_SERVING to health checks, stops accepting calls, lets open
  // calls finish for up to `grace`, then cancels the rest. Returns when all
  // handlers have returned.
  void Shutdown(absl::Duration grace);
  // Blocks until Shutdown() completes.
  void Wait();

 private:
  GrpcServer(std::unique_ptr<grpc::Server> server, int port);

  std::unique_ptr<grpc::Server> server_;
  int port_;
};

}  // namespace wecom
