// The quntool openAPI over HTTP (cpp-httplib): every endpoint of the document
// under /gnapi/open with the `apikey` header checked, the files it serves
// under /gnapi/files, and the emulator-only control API under /emulator.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/http/http_server.h"
#include "emulators/quntool/quntool_emulator.h"
#include "httplib.h"

namespace wecom::quntool {

// HTTP status and body `code` for a missing or wrong apikey. The document
// does not say what the server answers; the emulator's choice is 401.
inline constexpr int kCodeUnauthorized = 401;

class QuntoolServer {
 public:
  // `emulator` must outlive the server.
  explicit QuntoolServer(QuntoolEmulator& emulator);
  QuntoolServer(const QuntoolServer&) = delete;
  QuntoolServer& operator=(const QuntoolServer&) = delete;

  // Binds host:port (0 picks a free port) and returns the port. Also makes
  // http://host:port the emulator's base URL unless the config names one.
  absl::StatusOr<int> Bind(const std::string& host, int port);
  // Serves until Stop(); call after Bind.
  absl::Status Serve() { return http_.Serve(); }
  // Makes Serve return (or not start). Thread-safe.
  void Stop() { http_.Stop(); }

  // The server itself, for ServeUntilSignalled, which binds it directly and
  // then must call BoundTo.
  HttpServer& http_server() { return http_; }
  // What Bind does once bound: makes http://host:port the emulator's base URL
  // unless the config names one.
  void BoundTo(const std::string& host, int port);

 private:
  QuntoolEmulator& emulator_;
  HttpServer http_;
};

}  // namespace wecom::quntool
