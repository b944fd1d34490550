#include "emulators/common/serve_until_signalled.h"

#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <thread>

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

void BlockTerminationSignals() {
  const sigset_t signals = TerminationSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

int ServeUntilSignalled(HttpServer& server, const std::string& host, int port,
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
