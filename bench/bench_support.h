// What the benchmarks in bench/ share: reading a process's memory and CPU
// from /proc. (archive_support.h waits for the archive to ingest a corp.)
#pragma once

#include <sys/types.h>

#include "absl/time/time.h"

namespace wecom::bench {

// VmHWM (peak resident memory) of a process, in MiB; 0 if unreadable.
double PeakRssMb(pid_t pid);

// User plus system CPU time a process has used so far.
absl::Duration CpuTime(pid_t pid);

}  // namespace wecom::bench
