#include "tests/support/s3_server.h"

#include <unistd.h>

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/status/status_macros.h"

namespace wecom::testing {
namespace {

constexpr char kListening[] = "listening on 127.0.0.1:";

}  // namespace

absl::StatusOr<std::unique_ptr<S3Server>> S3Server::Start(std::string bucket) {
  const std::string node = WECOM_NODE_EXECUTABLE;
  const std::string node_modules = absl::StrCat(WECOM_SOURCE_DIR, "/node_modules");
  if (::access(node.c_str(), X_OK) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("no node executable (found at configure time: ", node,
                     "); scripts/install-deps.sh installs it"));
  }
  if (::access(absl::StrCat(node_modules, "/s3rver/package.json").c_str(), R_OK) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("s3rver is not in ", node_modules, "; scripts/install-deps.sh runs npm ci"));
  }
  ASSIGN_OR_RETURN(TempDir directory, TempDir::Create("s3rver-"));
  auto server = std::unique_ptr<S3Server>(new S3Server(std::move(directory), std::move(bucket)));
  ASSIGN_OR_RETURN(server->process_,
                   ChildProcess::Start(
                       {node, absl::StrCat(WECOM_SOURCE_DIR, "/tests/support/s3rver_launcher.js"),
                        "--directory", server->directory(), "--bucket", server->bucket_},
                       {{"NODE_PATH", node_modules}}));
  ASSIGN_OR_RETURN(const std::string line, server->process_->ReadLineStartingWith(kListening));
  int port = 0;
  if (!absl::SimpleAtoi(absl::StripPrefix(line, kListening), &port) || port <= 0) {
    return absl::InternalError(absl::StrCat("s3rver_launcher said \"", line, "\""));
  }
  server->endpoint_ = absl::StrCat("http://127.0.0.1:", port);
  return server;
}

}  // namespace wecom::testing
