// The process's Prometheus registry and the HTTP endpoint that serves it.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "prometheus/exposer.h"
#include "prometheus/registry.h"

namespace wecom {

// Serves registry() in the Prometheus text format at /metrics. Every component
// of a service registers its metrics in this one registry. Destruction takes
// up to about two seconds (CivetWeb polls for its stop flag).
class MetricsEndpoint {
 public:
  // Listens on `listen_address` ("0.0.0.0:9090"; port 0 picks a free port).
  static absl::StatusOr<std::unique_ptr<MetricsEndpoint>> Start(std::string listen_address);

  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }
  // The bound port.
  int port() const { return port_; }

 private:
  MetricsEndpoint(std::shared_ptr<prometheus::Registry> registry,
                  std::unique_ptr<prometheus::Exposer> exposer, int port);

  std::shared_ptr<prometheus::Registry> registry_;
  // Declared after registry_ so it stops serving before the registry goes.
  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_;
};

}  // namespace wecom
