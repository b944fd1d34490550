// Runs a Node.js script of this source tree in a child process, for tests
// whose server is an npm package (s3rver, socket.io): checks that node and
// the script's npm packages are installed, starts it, and waits for its
// "... listening on HOST:PORT" line.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tests/support/child_process.h"

namespace wecom::testing {

struct NodeScript {
  std::unique_ptr<ChildProcess> process;
  // Where the script said it listens.
  std::string host;
  int port = 0;

  // "http://HOST:PORT".
  std::string endpoint() const;
};

// FAILED_PRECONDITION when node, or one of `npm_packages` in
// <source>/node_modules, is missing (scripts/install-deps.sh installs both).
absl::Status CheckNodePackages(const std::vector<std::string>& npm_packages);

// Checks `npm_packages`, runs `node <source>/<script> args...` with the
// source tree's node_modules on NODE_PATH, and reads its stdout up to the
// line that starts with `listening_prefix` followed by HOST:PORT.
absl::StatusOr<NodeScript> StartNodeScript(absl::string_view script,
                                           const std::vector<std::string>& args,
                                           const std::vector<std::string>& npm_packages,
                                           absl::string_view listening_prefix);

}  // namespace wecom::testing
