// Process-wide settings every service's main() applies before anything else.
#pragma once

namespace wecom {

// Debian builds Abseil without NDEBUG, which leaves Mutex deadlock detection
// (a lock-graph update on every acquisition, gRPC's included) on in
// production; this turns it off.
void ApplyServiceProcessDefaults();

}  // namespace wecom
