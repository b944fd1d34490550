// The HTTP server the emulators share: an httplib::Server that binds first
// (so port 0 can be reported before serving), serves, and stops from any
// thread; and the loop of an emulator binary's main around it.
#pragma once

#include <functional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "httplib.h"

namespace wecom::emulator {

class EmulatorHttpServer {
 public:
  EmulatorHttpServer() = default;
  EmulatorHttpServer(const EmulatorHttpServer&) = delete;
  EmulatorHttpServer& operator=(const EmulatorHttpServer&) = delete;

  // Where the routes are registered; register them before Serve.
  httplib::Server& http() { return server_; }

  // Binds host:port; port 0 picks a free port. Returns the bound port.
  absl::StatusOr<int> Bind(const std::string& host, int port);
  // Serves requests until Stop(); call after Bind.
  absl::Status Serve();
  // Makes Serve return (or not start). Thread-safe.
  void Stop();

 private:
  httplib::Server server_;
  absl::Mutex mu_;
  bool stop_requested_ ABSL_GUARDED_BY(mu_) = false;
  bool serving_ ABSL_GUARDED_BY(mu_) = false;
};

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
int ServeUntilSignalled(EmulatorHttpServer& server, const std::string& host, int port,
                        const std::function<void(int bound_port)>& on_bound = nullptr);

}  // namespace wecom::emulator
