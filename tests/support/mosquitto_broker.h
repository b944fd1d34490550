// A real MQTT broker for tests: Debian's `mosquitto` in a child process,
// listening on 127.0.0.1 at a free port, anonymous, without persistence.
// Killing it and starting another on the same port simulates a broker
// restart.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace wecom::testing {

class MosquittoBroker {
 public:
  // Starts a broker on `port`, or on a free port when 0, and waits until it
  // accepts connections. FAILED_PRECONDITION when mosquitto is not installed
  // (scripts/install-deps.sh installs it).
  static absl::StatusOr<std::unique_ptr<MosquittoBroker>> Start(int port = 0);

  // SIGKILLs the broker: its clients see the connection drop.
  ~MosquittoBroker() = default;

  const std::string& host() const { return host_; }
  int port() const { return port_; }

 private:
  MosquittoBroker(TempDir directory, int port) : directory_(std::move(directory)), port_(port) {}

  TempDir directory_;
  std::string host_ = "127.0.0.1";
  int port_;
  // Declared last: the broker is killed before its directory is removed.
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace wecom::testing
