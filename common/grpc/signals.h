// Process signals for services: SIGTERM/SIGINT stop, SIGHUP reloads keys.
#pragma once

#include <pthread.h>
#include <signal.h>

#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace wecom {

// Blocks SIGTERM, SIGINT and SIGHUP in the constructing thread, and so in every
// thread started after it (construct it first in main), and takes them on its
// own thread: each SIGHUP runs `on_reload` there; SIGTERM or SIGINT releases
// WaitForShutdown(). Thread-safe.
class SignalWatcher {
 public:
  explicit SignalWatcher(std::function<void()> on_reload);
  // Stops the watcher thread and restores the constructing thread's mask.
  ~SignalWatcher();

  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

  // Returns once SIGTERM or SIGINT has arrived.
  void WaitForShutdown();

 private:
  void Run();

  const std::function<void()> on_reload_;
  sigset_t watched_;
  sigset_t previous_mask_;
  absl::Mutex mu_;
  bool shutdown_requested_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;  // Last: starts once the members above are ready.
};

}  // namespace wecom
