#include "tools/wecomctl/cli_common.h"

#include "common/config/config_io.h"
#include "common/grpc/client.h"
#include "common/grpc/status.h"
#include "google/protobuf/util/json_util.h"

namespace wecomctl {

std::shared_ptr<grpc::Channel> ChannelOrExit(const GlobalOptions& g) {
  wecom::GrpcClientOptions options;
  options.target = g.target;
  options.tls_ca_file = g.tls_ca_file;
  options.tls_cert_file = g.tls_cert_file;
  options.tls_key_file = g.tls_key_file;
  if (!g.token_file.empty()) {
    wecom::SecretSource source;
    source.kind = wecom::SecretSource::Kind::kFile;
    source.reference = g.token_file;
    absl::StatusOr<wecom::Secret> token = wecom::LoadSecret(source);
    if (!token.ok()) {
      std::cerr << "error: " << token.status() << "\n";
      std::exit(2);
    }
    options.auth_token = *std::move(token);
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = wecom::MakeChannel(options);
  if (!channel.ok()) {
    std::cerr << "error: " << channel.status() << "\n";
    std::exit(2);
  }
  return *std::move(channel);
}

std::string ToJson(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  return out;
}

int Fail(const grpc::Status& status) {
  std::cerr << "error: " << wecom::FromGrpcStatus(status) << "\n";
  return 1;
}

}  // namespace wecomctl
