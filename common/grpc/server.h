// The gRPC server every service runs: TLS or mTLS, bearer-token auth, health,
// reflection and RED metrics, configured once here.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/config/secret.h"
#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/impl/service_type.h"
#include "grpcpp/server.h"
#include "prometheus/registry.h"

namespace wecom {

struct GrpcServerOptions {
  // ({} initialisers keep designated initialisers free of -Wmissing-field-initializers.)
  std::string listen_address{};  // "0.0.0.0:50051", or "127.0.0.1:0" for any free port.
  // When set, a second, plaintext listener that serves grpc.health.v1 only:
  // for Kubernetes' gRPC probes, which cannot speak TLS. Empty = none.
  std::string health_listen_address{};
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
//
// With health_listen_address set, a second server there speaks plaintext, with
// no auth, and serves only grpc.health.v1.Health (no API service, no
// reflection), reporting the same statuses as the main one. Its calls are not
// counted in the metrics.
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
  // The health listener's bound port; 0 when there is none.
  int health_port() const { return health_.port; }

  // Reports NOT_SERVING to health checks on both listeners, stops accepting
  // calls, lets open calls finish for up to `grace`, then cancels the rest.
  // Returns when all handlers have returned.
  void Shutdown(absl::Duration grace);
  // Blocks until Shutdown() completes.
  void Wait();

 private:
  // The plaintext health-only server, when there is one.
  struct HealthListener {
    // Answers UNIMPLEMENTED to every method but health; outlives `server`.
    std::unique_ptr<grpc::CallbackGenericService> unimplemented;
    std::unique_ptr<grpc::Server> server;  // Null when there is no listener.
    int port = 0;
  };

  GrpcServer(std::unique_ptr<grpc::Server> server, int port, HealthListener health);

  static absl::StatusOr<HealthListener> StartHealthListener(
      const std::string& address, const std::vector<std::string>& service_names);

  std::unique_ptr<grpc::Server> server_;
  int port_;
  HealthListener health_;
};

}  // namespace wecom
