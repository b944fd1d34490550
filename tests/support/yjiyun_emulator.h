// The yjiyun (有机云) emulator for tests: `node emulators/yjiyun/server.js`
// in a child process on 127.0.0.1 at a port the kernel picks, with a config
// the test gives (emulators/yjiyun/README.md describes it, its control API
// under /emulator/ and its socket.io channel /imchat).
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace wecom {
class HttpClient;
}  // namespace wecom

namespace wecom::testing {

class YjiyunEmulator {
 public:
  // emulators/yjiyun/example-config.json: one account (user1), one robot
  // with customers, colleagues and a group.
  static absl::StatusOr<nlohmann::json> ExampleConfig();

  // Starts the emulator with `config` and waits until it listens.
  // `engine_io` ("3", "4" or "both"), when not empty, overrides the config's
  // engineIo. FAILED_PRECONDITION when node or the npm packages are missing
  // (scripts/install-deps.sh installs both).
  static absl::StatusOr<std::unique_ptr<YjiyunEmulator>> Start(const nlohmann::json& config,
                                                               absl::string_view engine_io = "");

  ~YjiyunEmulator();

  // "http://127.0.0.1:PORT": the HTTP API, the control API and socket.io.
  const std::string& endpoint() const { return endpoint_; }

  // An access token of the config's first user (POST /robotapi/client/auth
  // with its accessKey and accessSecret).
  absl::StatusOr<std::string> Token();

  // POSTs `body` to /emulator/<path> ("messages", "drop", ...) and returns the
  // answer's data; an answer other than HTTP 200 is an error with its msg.
  absl::StatusOr<nlohmann::json> Control(absl::string_view path,
                                         const nlohmann::json& body = nlohmann::json::object());

  // GET /emulator/state's data: sockets, sent messages, actions, robots...
  absl::StatusOr<nlohmann::json> State();

 private:
  YjiyunEmulator(TempDir directory, nlohmann::json config, std::unique_ptr<HttpClient> http);

  // The answer's JSON when it came with HTTP 200 and code "0".
  absl::StatusOr<nlohmann::json> Call(const std::string& method, absl::string_view path,
                                      const nlohmann::json& body);

  TempDir directory_;
  const nlohmann::json config_;
  std::unique_ptr<HttpClient> http_;
  std::string endpoint_;
  // Declared last: the emulator is killed before its config is removed.
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace wecom::testing
