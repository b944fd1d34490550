// What the benchmarks that run the archive share: waiting for it to ingest a
// corp.
#pragma once

#include <cstddef>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "tests/integration/archive_harness.h"

namespace wecom::bench {

// Polls GetCorpStatus every `poll` until the archive holds every base message
// of corp `corp` of the harness.
absl::Status AwaitArchived(testing::ArchiveHarness& harness, size_t corp,
                           absl::Duration poll = absl::Milliseconds(50));

}  // namespace wecom::bench
