#include "tools/wecomctl/cli_common.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/config/config_io.h"
#include "common/file/read_file.h"
#include "common/grpc/client.h"
#include "common/grpc/status.h"
#include "common/sharding/shard_placement.h"
#include "common/sharding/sharding_config.h"
#include "common/status/status_macros.h"
#include "google/protobuf/util/json_util.h"

namespace wecomctl {

namespace {

[[noreturn]] void ExitWith(const absl::Status& status) {
  std::cerr << "error: " << status << "\n";
  std::exit(2);
}

// --target with "{ordinal}" replaced by the ordinal the shard map gives `corp`.
absl::StatusOr<std::string> RoutedTarget(const GlobalOptions& g, const std::string& corp) {
  if (g.shard_map_file.empty()) {
    if (absl::StrContains(g.target, "{ordinal}")) {
      return absl::InvalidArgumentError("--target has {ordinal}: give the --shard-map too");
    }
    return g.target;
  }
  if (corp.empty()) {
    return absl::InvalidArgumentError("--shard-map routes commands that name a --corp only");
  }
  if (!absl::StrContains(g.target, "{ordinal}")) {
    return absl::InvalidArgumentError("--shard-map needs a --target with {ordinal}");
  }
  ASSIGN_OR_RETURN(const std::string text, wecom::ReadFile(g.shard_map_file));
  ASSIGN_OR_RETURN(auto owners, wecom::ParseShardMap(text, g.shard_map_file));
  auto owner = owners.find(corp);
  if (owner == owners.end()) {
    return absl::NotFoundError(
        absl::StrCat("corp ", corp, " is not in the shard map ", g.shard_map_file));
  }
  return wecom::SubstituteOrdinal(g.target, owner->second);
}

}  // namespace

std::shared_ptr<grpc::Channel> ChannelOrExit(const GlobalOptions& g, const std::string& corp) {
  wecom::GrpcClientOptions options;
  absl::StatusOr<std::string> target = RoutedTarget(g, corp);
  if (!target.ok()) ExitWith(target.status());
  options.target = *std::move(target);
  options.tls_ca_file = g.tls_ca_file;
  options.tls_cert_file = g.tls_cert_file;
  options.tls_key_file = g.tls_key_file;
  if (!g.token_file.empty()) {
    wecom::SecretSource source;
    source.kind = wecom::SecretSource::Kind::kFile;
    source.reference = g.token_file;
    absl::StatusOr<wecom::Secret> token = wecom::LoadSecret(source);
    if (!token.ok()) ExitWith(token.status());
    options.auth_token = *std::move(token);
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = wecom::MakeChannel(options);
  if (!channel.ok()) ExitWith(channel.status());
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
