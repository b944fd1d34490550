#include "emulators/common/emulator_http_server.h"

#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace wecom::emulator {
namespace {

sigset_t TerminationSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  return signals;
}

}  // namespace

absl::StatusOr<int> EmulatorHttpServer::Bind(const std::string& host, int port) {
  const int bound =
      port == 0 ? server_.bind_to_any_port(host) : (server_.bind_to_port(host, port) ? port : -1);
  if (bound < 0) return absl::UnavailableError(absl::StrCat("cannot bind ", host, ":", port));
  return bound;
}

absl::Status EmulatorHttpServer::Serve() {
  {
    absl::MutexLock lock(&mu_);
    if (stop_requested_) return absl::OkStatus();
    serving_ = true;
  }
  const bool clean = server_.listen_after_bind();
  absl::MutexLock lock(&mu_);
  serving_ = false;
  return clean ? absl::OkStatus() : absl::InternalError("the HTTP accept loop failed");
}

void EmulatorHttpServer::Stop() {
  absl::MutexLock lock(&mu_);
  stop_requested_ = true;
  // httplib ignores stop() until its accept loop is running, so repeat it
  // until Serve has returned.
  while (serving_) {
    server_.stop();
    mu_.AwaitWithTimeout(absl::Condition(
                             +[](bool* serving) { return !*serving; }, &serving_),
                         absl::Milliseconds(20));
  }
}

void BlockTerminationSignals() {
  const sigset_t signals = TerminationSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

int ServeUntilSignalled(EmulatorHttpServer& server, const std::string& host, int port,
                        const std::function<void(int bound_port)>& on_bound) {
  // Signals are taken by a dedicated thread, which may call Stop() safely.
  BlockTerminationSignals();
  const sigset_t signals = TerminationSignals();

  absl::StatusOr<int> bound = server.Bind(host, port);
  if (!bound.ok()) {
    std::fprintf(stderr, "%s\n", bound.status().ToString().c_str());
    return 1;
  }
  if (on_bound) on_bound(*bound);
  std::printf("listening on %s:%d\n", host.c_str(), *bound);
  std::fflush(stdout);

  std::thread signal_waiter([&server, &signals] {
    int signal = 0;
    sigwait(&signals, &signal);
    server.Stop();
  });
  const absl::Status served = server.Serve();
  // Wakes the waiter in case Serve ended without a signal; harmless otherwise.
  pthread_kill(signal_waiter.native_handle(), SIGTERM);
  signal_waiter.join();
  if (!served.ok()) {
    std::fprintf(stderr, "%s\n", served.ToString().c_str());
    return 1;
  }
  return 0;
}

}  // namespace wecom::emulator
