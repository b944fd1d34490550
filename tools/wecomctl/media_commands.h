// wecomctl media …: fetch, status, list, retry, download.
#pragma once

#include "CLI/CLI.hpp"
#include "tools/wecomctl/cli_common.h"

namespace wecomctl {

// Adds `media` and its subcommands to `app`; `g` is read when they run.
CommandGroup AddMediaCommands(CLI::App& app, const GlobalOptions* g);

}  // namespace wecomctl
