// An errno from a file operation as an absl::Status.
#pragma once

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace wecom {

// "<what>: <strerror>", coded NOT_FOUND (ENOENT, ENOTDIR), PERMISSION_DENIED
// (EACCES, EPERM, EROFS), RESOURCE_EXHAUSTED (ENOSPC, EDQUOT) or INTERNAL.
// `what` says what failed, e.g. "cannot read /etc/x".
absl::Status FileError(int error, absl::string_view what);

}  // namespace wecom
