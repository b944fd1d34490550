// What tests that run the services as real processes share: config files,
// the ports a service prints when ready, and its /metrics text.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace wecom::testing {

// Writes `content` to `path` with permissions `mode`.
absl::Status WriteTestFile(const std::string& path, const std::string& content, mode_t mode);
// The port in a "... 127.0.0.1:PORT" or "key=PORT" token of `line`; 0 if none.
int PortAfter(const std::string& line, std::string_view marker);
// GET http://127.0.0.1:<port>/metrics; empty on failure.
std::string FetchMetricsText(int port);

}  // namespace wecom::testing
