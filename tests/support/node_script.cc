#include "tests/support/node_script.h"

#include <unistd.h>

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/status/status_macros.h"

namespace wecom::testing {

std::string NodeScript::endpoint() const { return absl::StrCat("http://", host, ":", port); }

absl::Status CheckNodePackages(const std::vector<std::string>& npm_packages) {
  const std::string node = WECOM_NODE_EXECUTABLE;
  if (::access(node.c_str(), X_OK) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("no node executable (found at configure time: ", node,
                     "); scripts/install-deps.sh installs it"));
  }
  const std::string node_modules = absl::StrCat(WECOM_SOURCE_DIR, "/node_modules");
  for (const std::string& package : npm_packages) {
    if (::access(absl::StrCat(node_modules, "/", package, "/package.json").c_str(), R_OK) != 0) {
      return absl::FailedPreconditionError(absl::StrCat(package, " is not in ", node_modules,
                                                        "; scripts/install-deps.sh runs npm ci"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<NodeScript> StartNodeScript(absl::string_view script,
                                           const std::vector<std::string>& args,
                                           const std::vector<std::string>& npm_packages,
                                           absl::string_view listening_prefix) {
  RETURN_IF_ERROR(CheckNodePackages(npm_packages));
  std::vector<std::string> argv = {WECOM_NODE_EXECUTABLE,
                                   absl::StrCat(WECOM_SOURCE_DIR, "/", script)};
  argv.insert(argv.end(), args.begin(), args.end());
  NodeScript started;
  ASSIGN_OR_RETURN(
      started.process,
      ChildProcess::Start(std::move(argv),
                          {{"NODE_PATH", absl::StrCat(WECOM_SOURCE_DIR, "/node_modules")}}));
  ASSIGN_OR_RETURN(const std::string line, started.process->ReadLineStartingWith(listening_prefix));
  const absl::string_view address = absl::StripPrefix(line, listening_prefix);
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos || colon == 0 ||
      !absl::SimpleAtoi(address.substr(colon + 1), &started.port) || started.port <= 0) {
    return absl::InternalError(absl::StrCat(script, " said \"", line, "\""));
  }
  started.host = std::string(address.substr(0, colon));
  return started;
}

}  // namespace wecom::testing
