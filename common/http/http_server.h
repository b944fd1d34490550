// An HTTP server (cpp-httplib) that binds before it serves, so a caller that
// asked for port 0 learns the port first, and that can be stopped from any
// thread at any time.
#pragma once

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "httplib.h"

namespace wecom {

class HttpServer {
 public:
  // `worker_threads` requests are served at once; each connection a client
  // keeps alive holds one of them while it lasts.
  explicit HttpServer(int worker_threads = 8);
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

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

}  // namespace wecom
