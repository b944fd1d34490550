// quntool-emulator: serves the quntool openAPI of a config file until SIGINT
// or SIGTERM, and its MQTT sending when the config names a broker. Its first
// stdout line is "listening on HOST:PORT", so a parent started with
// --listen 127.0.0.1:0 learns the port.

#include <cstdio>
#include <memory>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/strings/numbers.h"
#include "emulators/common/serve_until_signalled.h"
#include "emulators/quntool/quntool_config.h"
#include "emulators/quntool/quntool_emulator.h"
#include "emulators/quntool/quntool_mqtt_front.h"
#include "emulators/quntool/quntool_server.h"

namespace wecom::quntool {
namespace {

constexpr absl::Duration kMqttConnectTimeout = absl::Seconds(10);

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

  // Before the emulator starts its webhook thread, so that thread never takes them.
  wecom::emulator::BlockTerminationSignals();
  QuntoolEmulator emulator(*std::move(config));
  QuntoolServer server(emulator);
  std::unique_ptr<QuntoolMqttFront> mqtt;
  if (emulator.config().mqtt_port != 0) {
    mqtt = std::make_unique<QuntoolMqttFront>(emulator);
    const absl::Status started =
        mqtt->Start(emulator.config().mqtt_host, emulator.config().mqtt_port, kMqttConnectTimeout);
    if (!started.ok()) {
      std::fprintf(stderr, "%s\n", started.ToString().c_str());
      return 1;
    }
  }
  return wecom::emulator::ServeUntilSignalled(server.http_server(), host, port,
                                              [&](int bound) { server.BoundTo(host, bound); });
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
