// Starts a program as a child process for tests that need a real server
// process (kill -9, restart), reads its stdout line by line, signals it, and
// always reaps it.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace wecom::testing {

class ChildProcess {
 public:
  // argv[0] is the program path; env entries are added to this process's
  // environment. The child's stderr is the test's, or appended to
  // `stderr_file` when one is named (so a test can read the child's logs).
  static absl::StatusOr<std::unique_ptr<ChildProcess>> Start(
      std::vector<std::string> argv, std::vector<std::pair<std::string, std::string>> env = {},
      const std::string& stderr_file = "");
  ~ChildProcess();  // SIGKILLs the child if it still runs

  // The next line the child writes to stdout, without the newline. The timeout
  // only turns a hung child into a test failure.
  absl::StatusOr<std::string> ReadLine(absl::Duration timeout = absl::Seconds(60));
  // Reads lines until one starts with `prefix`; returns that line.
  absl::StatusOr<std::string> ReadLineStartingWith(absl::string_view prefix,
                                                   absl::Duration timeout = absl::Seconds(60));
  void Signal(int signal);
  // Waits for the child to exit; its wait status.
  int Wait();
  pid_t pid() const { return pid_; }

 private:
  ChildProcess(pid_t pid, int stdout_fd) : pid_(pid), stdout_fd_(stdout_fd) {}

  pid_t pid_;
  int stdout_fd_;
  bool reaped_ = false;
  std::string buffered_;
};

}  // namespace wecom::testing
