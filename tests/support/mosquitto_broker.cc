#include "tests/support/mosquitto_broker.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/status/status_macros.h"

namespace wecom::testing {
namespace {

// Attempts per Start: a free port can be taken by someone else between
// learning it and mosquitto binding it.
constexpr int kStartAttempts = 5;
constexpr absl::Duration kStartTimeout = absl::Seconds(20);
// How long to wait for output (or exit) between connection attempts.
constexpr absl::Duration kPollInterval = absl::Milliseconds(50);

sockaddr_in Loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  return address;
}

// A port that was free a moment ago.
absl::StatusOr<int> FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", std::strerror(errno)));
  sockaddr_in address = Loopback(0);
  socklen_t length = sizeof(address);
  const bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
                     ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  const int error = errno;
  ::close(fd);
  if (!bound) return absl::InternalError(absl::StrCat("bind 127.0.0.1:0: ", std::strerror(error)));
  return ntohs(address.sin_port);
}

bool Accepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const sockaddr_in address = Loopback(port);
  const bool connected =
      ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0;
  ::close(fd);
  return connected;
}

absl::Status WriteConfig(const std::string& path, int port) {
  std::ofstream file(path);
  // Errors and warnings only: nobody reads the broker's stdout once it runs,
  // so it must not fill the pipe.
  file << "listener " << port << " 127.0.0.1\n"
       << "allow_anonymous true\n"
       << "persistence false\n"
       << "log_dest stdout\n"
       << "log_type error\n"
       << "log_type warning\n";
  file.close();
  if (!file) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<MosquittoBroker>> MosquittoBroker::Start(int port) {
  const std::string mosquitto = WECOM_MOSQUITTO_EXECUTABLE;
  if (::access(mosquitto.c_str(), X_OK) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("no mosquitto executable (found at configure time: \"", mosquitto,
                     "\"); scripts/install-deps.sh installs it"));
  }
  std::vector<std::string> failures;
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    int listen_port = port;
    if (listen_port == 0) {
      ASSIGN_OR_RETURN(listen_port, FreePort());
    }
    ASSIGN_OR_RETURN(TempDir directory, TempDir::Create("mosquitto-"));
    const std::string config = absl::StrCat(directory.path(), "/mosquitto.conf");
    RETURN_IF_ERROR(WriteConfig(config, listen_port));
    auto broker =
        std::unique_ptr<MosquittoBroker>(new MosquittoBroker(std::move(directory), listen_port));
    ASSIGN_OR_RETURN(broker->process_, ChildProcess::Start({mosquitto, "-c", config}));

    // Up once it accepts a connection; failed once it exits (its stdout
    // closes), e.g. because the port was taken.
    const absl::Time deadline = absl::Now() + kStartTimeout;
    std::vector<std::string> output;
    bool exited = false;
    while (!exited && absl::Now() < deadline) {
      if (Accepts(listen_port)) return broker;
      absl::StatusOr<std::string> line = broker->process_->ReadLine(kPollInterval);
      if (line.ok()) {
        output.push_back(*std::move(line));
      } else if (absl::IsUnavailable(line.status())) {
        exited = true;
      }
    }
    failures.push_back(absl::StrCat("port ", listen_port, ": ",
                                    exited ? "mosquitto exited" : "no connection in time", " [",
                                    absl::StrJoin(output, " | "), "]"));
  }
  return absl::UnavailableError(
      absl::StrCat("mosquitto did not start: ", absl::StrJoin(failures, "; ")));
}

}  // namespace wecom::testing
