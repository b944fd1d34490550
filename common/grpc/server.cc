#include "common/grpc/server.h"

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/file/read_file.h"
#include "common/grpc/server_metrics.h"
#include "common/grpc/token_auth.h"
#include "common/log/log.h"
#include "common/status/status_macros.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/impl/server_builder_option.h"
#include "grpcpp/impl/server_builder_plugin.h"
#include "grpcpp/impl/server_initializer.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"

namespace wecom {
namespace {

// grpc::Service does not expose its name, but a builder plugin sees the full
// list once the server is built; the health service needs it.
class ServiceNameCollector final : public grpc::ServerBuilderPlugin {
 public:
  explicit ServiceNameCollector(std::shared_ptr<std::vector<std::string>> names)
      : names_(std::move(names)) {}
  std::string name() override { return "wecom_service_names"; }
  void InitServer(grpc::ServerInitializer*) override {}
  void Finish(grpc::ServerInitializer* initializer) override {
    *names_ = *initializer->GetServiceList();
  }
  void ChangeArguments(const std::string&, void*) override {}

 private:
  std::shared_ptr<std::vector<std::string>> names_;
};

// Adds a ServiceNameCollector to one builder only (plugin factories are global).
class CollectServiceNames final : public grpc::ServerBuilderOption {
 public:
  explicit CollectServiceNames(std::shared_ptr<std::vector<std::string>> names)
      : names_(std::move(names)) {}
  void UpdateArguments(grpc::ChannelArguments*) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins) override {
    plugins->push_back(std::make_unique<ServiceNameCollector>(names_));
  }

 private:
  std::shared_ptr<std::vector<std::string>> names_;
};

// ProtoServerReflectionPlugin::name() (checked in gRPC 1.51's library; the
// health listener tests fail if it changes).
constexpr char kReflectionPluginName[] = "proto_server_reflection";

// Drops the reflection plugin from one builder (its factory is process-wide),
// so that the health listener does not list the API.
class WithoutReflection final : public grpc::ServerBuilderOption {
 public:
  void UpdateArguments(grpc::ChannelArguments*) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins) override {
    std::erase_if(*plugins, [](const std::unique_ptr<grpc::ServerBuilderPlugin>& plugin) {
      return plugin->name() == kReflectionPluginName;
    });
  }
};

void ReportServing(grpc::Server& server, const std::vector<std::string>& service_names) {
  grpc::HealthCheckServiceInterface* health = server.GetHealthCheckService();
  for (const std::string& name : service_names) health->SetServingStatus(name, true);
  health->SetServingStatus("", true);
}

absl::StatusOr<std::optional<ServerTlsPem>> ReadTlsFiles(const GrpcServerOptions& options) {
  const bool has_cert = !options.tls_cert_file.empty();
  const bool has_key = !options.tls_key_file.empty();
  if (has_cert != has_key) {
    return absl::InvalidArgumentError(
        "gRPC server TLS needs both a certificate file and a key file");
  }
  if (!has_cert) {
    if (!options.tls_client_ca_file.empty()) {
      return absl::InvalidArgumentError(
          "gRPC server client CA file is set without a TLS certificate and key");
    }
    return std::nullopt;
  }
  ServerTlsPem pem;
  ASSIGN_OR_RETURN(pem.cert_chain, ReadFile(options.tls_cert_file));
  ASSIGN_OR_RETURN(std::string key, ReadFile(options.tls_key_file));
  pem.private_key = Secret(std::move(key));
  if (!options.tls_client_ca_file.empty()) {
    ASSIGN_OR_RETURN(pem.client_ca, ReadFile(options.tls_client_ca_file));
  }
  return pem;
}

}  // namespace

GrpcServer::GrpcServer(std::unique_ptr<grpc::Server> server, int port, HealthListener health)
    : server_(std::move(server)), port_(port), health_(std::move(health)) {}

GrpcServer::~GrpcServer() { Shutdown(absl::ZeroDuration()); }

absl::StatusOr<std::unique_ptr<GrpcServer>> GrpcServer::Start(const GrpcServerOptions& options,
                                                              std::vector<grpc::Service*> services,
                                                              prometheus::Registry& registry) {
  ASSIGN_OR_RETURN(std::optional<ServerTlsPem> tls, ReadTlsFiles(options));
  const bool tls_enabled = tls.has_value();
  const bool mutual_tls = tls_enabled && !tls->client_ca.empty();

  // Both switches are process-wide; the reflection plugin must be added once.
  grpc::EnableDefaultHealthCheckService(true);
  static std::once_flag reflection_once;
  std::call_once(reflection_once,
                 [] { grpc::reflection::InitProtoReflectionServerBuilderPlugin(); });

  std::shared_ptr<BearerTokenAuthenticator> authenticator;
  if (!options.auth_tokens.empty()) {
    authenticator = std::make_shared<BearerTokenAuthenticator>(options.auth_tokens, registry);
  }

  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(options.listen_address,
                           MakeServerCredentials(std::move(tls), std::move(authenticator)), &port);
  for (grpc::Service* service : services) builder.RegisterService(service);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(MakeServerMetricsInterceptorFactory(registry));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  auto service_names = std::make_shared<std::vector<std::string>>();
  builder.SetOption(std::make_unique<CollectServiceNames>(service_names));

  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot start the gRPC server on ", options.listen_address,
                     " (address in use or invalid, or unusable TLS certificate or key)"));
  }
  ReportServing(*server, *service_names);

  HealthListener health;
  if (!options.health_listen_address.empty()) {
    absl::StatusOr<HealthListener> started =
        StartHealthListener(options.health_listen_address, *service_names);
    if (!started.ok()) {
      server->Shutdown(std::chrono::system_clock::now());
      return started.status();
    }
    health = *std::move(started);
  }

  log::Info("grpc_server_started", {{"listen_address", options.listen_address},
                                    {"port", port},
                                    {"tls", tls_enabled},
                                    {"mutual_tls", mutual_tls},
                                    {"auth", !options.auth_tokens.empty()},
                                    {"services", *service_names},
                                    {"health_listen_address", options.health_listen_address},
                                    {"health_port", health.port}});
  return std::unique_ptr<GrpcServer>(new GrpcServer(std::move(server), port, std::move(health)));
}

// The plaintext listener for Kubernetes' gRPC probes: the default health
// service and nothing else, so no auth is needed.
absl::StatusOr<GrpcServer::HealthListener> GrpcServer::StartHealthListener(
    const std::string& address, const std::vector<std::string>& service_names) {
  HealthListener health;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &health.port);
  builder.SetOption(std::make_unique<WithoutReflection>());
  // The builder refuses a server with no method of its own to poll for (the
  // default health service is added later, at start); this one rejects every
  // method but health's.
  health.unimplemented = std::make_unique<grpc::CallbackGenericService>();
  builder.RegisterCallbackGenericService(health.unimplemented.get());
  health.server = builder.BuildAndStart();
  if (health.server == nullptr || health.port == 0) {
    return absl::UnavailableError(absl::StrCat("cannot start the gRPC health listener on ", address,
                                               " (address in use or invalid)"));
  }
  ReportServing(*health.server, service_names);
  return health;
}

void GrpcServer::Shutdown(absl::Duration grace) {
  // Health first, so load balancers and probes stop sending calls here.
  server_->GetHealthCheckService()->Shutdown();
  if (health_.server != nullptr) health_.server->GetHealthCheckService()->Shutdown();
  const auto deadline = absl::ToChronoTime(absl::Now() + grace);
  server_->Shutdown(deadline);
  // Last, so that probes see NOT_SERVING rather than a refused connection
  // while open calls drain.
  if (health_.server != nullptr) health_.server->Shutdown(deadline);
}

void GrpcServer::Wait() {
  server_->Wait();
  if (health_.server != nullptr) health_.server->Wait();
}

}  // namespace wecom
