// The loop of an emulator binary's main: serve an HttpServer until SIGINT or
// SIGTERM.
#pragma once

#include <functional>
#include <string>

#include "common/http/http_server.h"

namespace wecom::emulator {

// Blocks SIGINT and SIGTERM in the calling thread and in the threads it
// starts afterwards, so only ServeUntilSignalled's waiter takes them. Call it
// first in main when building the server starts threads (e.g. a webhook
// poster); ServeUntilSignalled calls it too. Idempotent.
void BlockTerminationSignals();

// The body of an emulator binary's main: blocks SIGINT and SIGTERM, binds
// host:port, calls on_bound (if any) with the bound port, prints
// "listening on HOST:PORT" to stdout and flushes it, then serves until
// SIGINT or SIGTERM. Errors go to stderr. Returns the exit code: 0 after a
// clean stop, 1 if binding or serving failed.
int ServeUntilSignalled(HttpServer& server, const std::string& host, int port,
                        const std::function<void(int bound_port)>& on_bound = nullptr);

}  // namespace wecom::emulator
