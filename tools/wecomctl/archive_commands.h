// wecomctl archive …: stream, get, list, status, robot, group, ack.
#pragma once

#include "CLI/CLI.hpp"
#include "tools/wecomctl/cli_common.h"

namespace wecomctl {

// Adds `archive` and its subcommands to `app`; `g` is read when they run.
CommandGroup AddArchiveCommands(CLI::App& app, const GlobalOptions* g);

}  // namespace wecomctl
