// What every wecomctl command group shares: the global flags, the channel,
// JSON output and error reporting.
#pragma once

#include <functional>
#include <iostream>
#include <memory>
#include <string>

#include "CLI/CLI.hpp"
#include "google/protobuf/message.h"
#include "grpcpp/grpcpp.h"

namespace wecomctl {

struct GlobalOptions {
  std::string target = "127.0.0.1:50051";
  std::string token_file;
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
  // Set: the shard map (docs/scale-out.md); "{ordinal}" in `target` becomes
  // the ordinal of the command's corp, e.g.
  // "wecom-archive-{ordinal}.wecom-archive-headless:50051".
  std::string shard_map_file;
  bool json = false;
};

// A service's subcommands: `app` parsed means `run` runs the chosen one and
// returns the exit code.
struct CommandGroup {
  CLI::App* app;
  std::function<int()> run;
};

// The channel the global flags describe, to the pod serving `corp` when there
// is a shard map; exits with status 2 when they are unusable (e.g. an
// unreadable token file, a corp not in the map).
std::shared_ptr<grpc::Channel> ChannelOrExit(const GlobalOptions& g, const std::string& corp = "");

// One line of JSON, proto field names.
std::string ToJson(const google::protobuf::Message& message);

// Prints the error to stderr; returns exit code 1.
int Fail(const grpc::Status& status);

// Prints a unary response as JSON, or fails.
template <typename Response>
int PrintUnary(const grpc::Status& status, const Response& response) {
  if (!status.ok()) return Fail(status);
  std::cout << ToJson(response) << "\n";
  return 0;
}

}  // namespace wecomctl
