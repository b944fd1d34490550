// quntool-emulator: serves the quntool openAPI of a config file until SIGINT
// or SIGTERM. Its first stdout line is "listening on HOST:PORT", so a parent
// started with --listen 127.0.0.1:0 learns the port.
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <string>
#include <thread>

#include "CLI/CLI.hpp"
#include "absl/strings/numbers.h"
#include "emulators/quntool/quntool_config.h"
#include "emulators/quntool/quntool_emulator.h"
#include "emulators/quntool/quntool_server.h"

namespace wecom::quntool {
namespace {

int Run(const std::string& config_path, const std::string& listen) {
  const size_t colon = listen.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(listen.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    std::fprintf(stderr, "--listen must be HOST:PORT, got \"%s\"\n", listen.c_str());
    return 2;
  }
  const std::string host = listen.substr(0, colon);
  absl::StatusOr<QuntoolConfig> config = ReadQuntoolConfig(config_path);
  if (!config.ok()) {
    std::fprintf(stderr, "%s\n", config.status().ToString().c_str());
    return 1;
  }

  // Signals are taken by a dedicated thread, which may call Stop() safely.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  QuntoolEmulator emulator(*std::move(config));
  QuntoolServer server(emulator);
  absl::StatusOr<int> bound = server.Bind(host, port);
  if (!bound.ok()) {
    std::fprintf(stderr, "%s\n", bound.status().ToString().c_str());
    return 1;
  }
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

}  // namespace
}  // namespace wecom::quntool

int main(int argc, char** argv) {
  CLI::App app{"Emulates the quntool (光年 聚合聊天) openAPI and its webhook callbacks"};
  std::string config_path;
  std::string listen = "127.0.0.1:0";
  app.add_option("--config", config_path, "Emulator config JSON (see README.md)")->required();
  app.add_option("--listen", listen, "HOST:PORT to listen on; port 0 picks a free port")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  return wecom::quntool::Run(config_path, listen);
}
