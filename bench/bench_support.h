// What the benchmarks in bench/ share: reading a process's memory and CPU
// from /proc. (archive_support.h waits for the archive to ingest a corp.)
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace wecom::bench {

// Prints "bench/<program>: <status>" and exits 1.
[[noreturn]] void Fail(const absl::Status& status);

template <typename T>
T OrFail(absl::StatusOr<T> value) {
  if (!value.ok()) Fail(value.status());
  return *std::move(value);
}

// The p-th percentile (0 < p <= 1, nearest rank) of `samples`, in ms.
double PercentileMs(std::vector<absl::Duration> samples, double p);
// "p10 … max" of `samples` in ms, for the benchmarks' stderr lines.
std::string Distribution(const std::vector<absl::Duration>& samples);

// VmHWM (peak resident memory) of a process, in MiB; 0 if unreadable.
double PeakRssMb(pid_t pid);

// User plus system CPU time a process has used so far.
absl::Duration CpuTime(pid_t pid);

}  // namespace wecom::bench
