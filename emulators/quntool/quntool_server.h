// The quntool openAPI over HTTP (cpp-httplib): every endpoint of the document
// under /gnapi/open with the `apikey` header checked, the files it serves
// under /gnapi/files, and the emulator-only control API under /emulator.
#pragma once

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
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
  absl::Status Serve();
  // Makes Serve return (or not start). Thread-safe.
  void Stop();

 private:
  QuntoolEmulator& emulator_;
  httplib::Server server_;
  absl::Mutex mu_;
  bool stop_requested_ ABSL_GUARDED_BY(mu_) = false;
  bool serving_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace wecom::quntool
