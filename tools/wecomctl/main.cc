// wecomctl: the command-line client of the suite's gRPC APIs.
//
//   wecomctl --target 127.0.0.1:50051 --token-file t archive stream --corp ww1 --until-caught-up
//   wecomctl --target 127.0.0.1:50052 --token-file t media download --corp ww1 --sdkfileid … --out
//   f
//   wecomctl --target 'wecom-archive-{ordinal}.wecom-archive-headless.wecom.svc:50051'
//       --shard-map shards.yaml --token-file t archive status --corp ww1   (one line)
//   wecomctl --target 127.0.0.1:50053 robot send --account quntool:1688… --conversation S:… --text
//   hi
#include "CLI/CLI.hpp"
#include "tools/wecomctl/archive_commands.h"
#include "tools/wecomctl/media_commands.h"
#include "tools/wecomctl/robot_commands.h"

int main(int argc, char** argv) {
  CLI::App app{"wecomctl: command-line client of the WeCom suite (archive, media, robot gateway)"};
  app.require_subcommand(1);
  wecomctl::GlobalOptions g;
  app.add_option("--target", g.target, "gRPC server host:port")->capture_default_str();
  app.add_option("--token-file", g.token_file, "file holding the bearer token");
  app.add_option("--tls-ca", g.tls_ca_file, "CA bundle to verify the server (enables TLS)");
  app.add_option("--tls-cert", g.tls_cert_file, "client certificate for mTLS");
  app.add_option("--tls-key", g.tls_key_file, "client key for mTLS");
  app.add_option("--shard-map", g.shard_map_file,
                 "the shard map: --target's {ordinal} becomes the ordinal of --corp");
  app.add_flag("--json", g.json, "print whole messages as JSON lines");
  const wecomctl::CommandGroup groups[] = {wecomctl::AddArchiveCommands(app, &g),
                                           wecomctl::AddMediaCommands(app, &g),
                                           wecomctl::AddRobotCommands(app, &g)};
  CLI11_PARSE(app, argc, argv);
  for (const wecomctl::CommandGroup& group : groups) {
    if (group.app->parsed()) return group.run();
  }
  return 2;
}
