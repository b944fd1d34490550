// What the benchmarks in bench/ share: reading a process's memory and CPU
// from /proc, and waiting for the archive to ingest a corp.
#pragma once

#include <sys/types.h>

#include <cstddef>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "tests/integration/archive_harness.h"

namespace wecom::bench {

// VmHWM (peak resident memory) of a process, in MiB; 0 if unreadable.
double PeakRssMb(pid_t pid);

// User plus system CPU time a process has used so far.
absl::Duration CpuTime(pid_t pid);

// Polls GetCorpStatus every `poll` until the archive holds every base message
// of corp `corp` of the harness.
absl::Status AwaitArchived(testing::ArchiveHarness& harness, size_t corp,
                           absl::Duration poll = absl::Milliseconds(50));

}  // namespace wecom::bench
