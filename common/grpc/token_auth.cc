#include "common/grpc/token_auth.h"

#include <grpc/grpc_security.h>

#include <cstdlib>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "common/grpc/method_name.h"
#include "common/log/log.h"

namespace wecom {
namespace {

constexpr absl::string_view kBearerPrefix = "bearer ";
constexpr absl::string_view kHealthServicePrefix = "/grpc.health.v1.Health/";

absl::string_view SliceView(const grpc_slice& slice) {
  return absl::string_view(reinterpret_cast<const char*>(GRPC_SLICE_START_PTR(slice)),
                           GRPC_SLICE_LENGTH(slice));
}

// grpc_auth_metadata_processor callbacks; `state` is a heap-allocated
// shared_ptr<BearerTokenAuthenticator>, one per listening port.
void ProcessAuthMetadata(void* state, grpc_auth_context* /*context*/, const grpc_metadata* md,
                         size_t num_md, grpc_process_auth_metadata_done_cb done, void* user_data) {
  auto& authenticator = *static_cast<std::shared_ptr<BearerTokenAuthenticator>*>(state);
  absl::string_view path;
  std::vector<absl::string_view> authorization;
  const grpc_metadata* authorization_md = nullptr;
  for (size_t i = 0; i < num_md; ++i) {
    const absl::string_view key = SliceView(md[i].key);
    if (key == ":path") {
      path = SliceView(md[i].value);
    } else if (key == "authorization") {
      authorization.push_back(SliceView(md[i].value));
      authorization_md = &md[i];
    }
  }
  const grpc::Status status = authenticator->Check(path, authorization);
  if (!status.ok()) {
    done(user_data, nullptr, 0, nullptr, 0, static_cast<grpc_status_code>(status.error_code()),
         status.error_message().c_str());
    return;
  }
  // Consuming a single accepted token hides it from handlers.
  const bool consume = authorization.size() == 1 && authorization_md != nullptr &&
                       !absl::StartsWith(path, kHealthServicePrefix);
  done(user_data, consume ? authorization_md : nullptr, consume ? 1 : 0, nullptr, 0, GRPC_STATUS_OK,
       nullptr);
}

void DestroyAuthState(void* state) {
  delete static_cast<std::shared_ptr<BearerTokenAuthenticator>*>(state);
}

// Server credentials built from gRPC core ones. The C++ InsecureServerCredentials
// aborts on SetAuthMetadataProcessor (checked in gRPC 1.51), and an
// interceptor cannot fail a call with a status of its choosing; gRPC core's
// processor works on plaintext and TLS listeners alike, so both are built here.
class AuthenticatingServerCredentials final : public grpc::ServerCredentials {
 public:
  AuthenticatingServerCredentials(std::optional<ServerTlsPem> tls,
                                  std::shared_ptr<BearerTokenAuthenticator> authenticator)
      : tls_(std::move(tls)), authenticator_(std::move(authenticator)) {}

  // Authentication is built in; GrpcServer never installs a C++ processor.
  void SetAuthMetadataProcessor(const std::shared_ptr<grpc::AuthMetadataProcessor>&) override {
    std::abort();
  }

 private:
  int AddPortToServer(const std::string& addr, grpc_server* server) override {
    grpc_server_credentials* credentials = nullptr;
    if (tls_.has_value()) {
      grpc_ssl_pem_key_cert_pair pair{tls_->private_key.reveal().c_str(), tls_->cert_chain.c_str()};
      const bool mutual = !tls_->client_ca.empty();
      credentials = grpc_ssl_server_credentials_create_ex(
          mutual ? tls_->client_ca.c_str() : nullptr, &pair, 1,
          mutual ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                 : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE,
          nullptr);
    } else {
      credentials = grpc_insecure_server_credentials_create();
    }
    if (authenticator_ != nullptr) {
      grpc_server_credentials_set_auth_metadata_processor(
          credentials, {ProcessAuthMetadata, DestroyAuthState,
                        new std::shared_ptr<BearerTokenAuthenticator>(authenticator_)});
    }
    const int port = grpc_server_add_http2_port(server, addr.c_str(), credentials);
    grpc_server_credentials_release(credentials);
    return port;
  }

  const std::optional<ServerTlsPem> tls_;
  const std::shared_ptr<BearerTokenAuthenticator> authenticator_;
};

}  // namespace

BearerTokenAuthenticator::BearerTokenAuthenticator(std::vector<Secret> tokens,
                                                   prometheus::Registry& registry)
    : tokens_(std::move(tokens)),
      rejected_(prometheus::BuildCounter()
                    .Name("grpc_server_unauthenticated_total")
                    .Help("RPCs rejected for a missing or wrong bearer token.")
                    .Register(registry)) {}

grpc::Status BearerTokenAuthenticator::Check(absl::string_view path,
                                             const std::vector<absl::string_view>& authorization) {
  if (absl::StartsWith(path, kHealthServicePrefix)) return grpc::Status::OK;
  absl::string_view problem;
  if (authorization.empty()) {
    problem = "missing authorization metadata; expected \"authorization: Bearer <token>\"";
  } else if (authorization.size() > 1) {
    problem = "more than one authorization metadata entry";
  } else if (authorization[0].size() < kBearerPrefix.size() ||
             !absl::EqualsIgnoreCase(authorization[0].substr(0, kBearerPrefix.size()),
                                     kBearerPrefix)) {
    problem = "authorization metadata is not a Bearer token";
  } else {
    const absl::string_view presented = authorization[0].substr(kBearerPrefix.size());
    // Check every token so the time taken does not tell which one is close.
    bool accepted = false;
    for (const Secret& token : tokens_) accepted |= token.Matches(presented);
    if (accepted) return grpc::Status::OK;
    problem = "bearer token not accepted";
  }
  const MethodName name = SplitMethodPath(path);
  rejected_.Add({{"grpc_service", name.service}, {"grpc_method", name.method}}).Increment();
  log::Debug("grpc_unauthenticated",
             {{"grpc_service", name.service}, {"grpc_method", name.method}, {"reason", problem}});
  return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, std::string(problem));
}

std::shared_ptr<grpc::ServerCredentials> MakeServerCredentials(
    std::optional<ServerTlsPem> tls, std::shared_ptr<BearerTokenAuthenticator> authenticator) {
  return std::make_shared<AuthenticatingServerCredentials>(std::move(tls),
                                                           std::move(authenticator));
}

}  // namespace wecom
