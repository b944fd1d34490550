#include "tests/support/s3_server.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "tests/support/node_script.h"

namespace wecom::testing {

absl::StatusOr<std::unique_ptr<S3Server>> S3Server::Start(std::string bucket) {
  ASSIGN_OR_RETURN(TempDir directory, TempDir::Create("s3rver-"));
  auto server = std::unique_ptr<S3Server>(new S3Server(std::move(directory), std::move(bucket)));
  ASSIGN_OR_RETURN(NodeScript script, StartNodeScript("tests/support/s3rver_launcher.js",
                                                      {"--directory", server->directory(),
                                                       "--bucket", server->bucket_},
                                                      {"s3rver"}, "listening on "));
  server->endpoint_ = script.endpoint();
  server->process_ = std::move(script.process);
  return server;
}

}  // namespace wecom::testing
