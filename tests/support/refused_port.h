// A loopback port where every connection is refused, for testing a server
// that is down.
#pragma once

#include "absl/status/statusor.h"

namespace wecom::testing {

// A socket bound to 127.0.0.1 that never listens: connecting to its port is
// refused, and while it lives no one else can take the port.
class RefusedPort {
 public:
  static absl::StatusOr<RefusedPort> Reserve();

  RefusedPort(RefusedPort&& other) noexcept;
  RefusedPort& operator=(RefusedPort&&) = delete;
  ~RefusedPort();

  int port() const { return port_; }

 private:
  RefusedPort(int fd, int port) : fd_(fd), port_(port) {}

  int fd_;  // -1 once moved from
  int port_;
};

}  // namespace wecom::testing
