// wecom-api-emulator: serves the WeCom HTTP APIs of an emulator config until
// SIGINT or SIGTERM. Its first stdout line is "listening on HOST:PORT", so a
// parent process started with --listen 127.0.0.1:0 learns the port.

#include <cstdio>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "emulators/common/serve_until_signalled.h"
#include "emulators/finance-sdk/emulator_config.h"
#include "emulators/finance-sdk/wecom_api_server.h"

namespace wecom::emulator {
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
  absl::StatusOr<EmulatorConfig> config = ReadEmulatorConfig(config_path, absl::Now());
  if (!config.ok()) {
    std::fprintf(stderr, "%s\n", config.status().ToString().c_str());
    return 1;
  }

  WecomApiServer server(*config);
  return ServeUntilSignalled(server.http_server(), host, port);
}

}  // namespace
}  // namespace wecom::emulator

int main(int argc, char** argv) {
  CLI::App app{
      "Emulates the WeCom HTTP APIs the chat archive uses (gettoken, "
      "msgaudit/get_robot_info, msgaudit/groupchat/get)"};
  std::string config_path;
  std::string listen = "127.0.0.1:0";
  app.add_option("--config", config_path, "Emulator config JSON (see README.md)")->required();
  app.add_option("--listen", listen, "HOST:PORT to listen on; port 0 picks a free port")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  return wecom::emulator::Run(config_path, listen);
}
