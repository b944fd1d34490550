// wecomctl robot …: accounts, send, send-status, contacts, groups, labels, events.
#pragma once

#include "CLI/CLI.hpp"
#include "tools/wecomctl/cli_common.h"

namespace wecomctl {

// Adds `robot` and its subcommands to `app`; `g` is read when they run.
CommandGroup AddRobotCommands(CLI::App& app, const GlobalOptions* g);

}  // namespace wecomctl
