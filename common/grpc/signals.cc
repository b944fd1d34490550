#include "common/grpc/signals.h"

#include <utility>

#include "common/log/log.h"

namespace wecom {
namespace {

const char* SignalName(int signal) {
  switch (signal) {
    case SIGTERM:
      return "SIGTERM";
    case SIGINT:
      return "SIGINT";
    case SIGHUP:
      return "SIGHUP";
    default:
      return "other";
  }
}

}  // namespace

SignalWatcher::SignalWatcher(std::function<void()> on_reload) : on_reload_(std::move(on_reload)) {
  sigemptyset(&watched_);
  sigaddset(&watched_, SIGTERM);
  sigaddset(&watched_, SIGINT);
  sigaddset(&watched_, SIGHUP);
  // Blocked signals stay pending until sigwait() takes them; the new thread
  // inherits the mask.
  pthread_sigmask(SIG_BLOCK, &watched_, &previous_mask_);
  thread_ = std::thread([this] { Run(); });
}

SignalWatcher::~SignalWatcher() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  // Wakes the sigwait() below; the thread sees stopping_ and leaves.
  pthread_kill(thread_.native_handle(), SIGHUP);
  thread_.join();
  pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
}

void SignalWatcher::Run() {
  while (true) {
    int signal = 0;
    if (sigwait(&watched_, &signal) != 0) continue;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    log::Info("signal_received", {{"signal", SignalName(signal)}});
    if (signal == SIGHUP) {
      if (on_reload_) on_reload_();
      continue;
    }
    absl::MutexLock lock(&mu_);
    shutdown_requested_ = true;
  }
}

void SignalWatcher::WaitForShutdown() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(&shutdown_requested_));
}

}  // namespace wecom
