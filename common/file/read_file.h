// Reads whole files (config, certificates, mounted secrets) into memory.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace wecom {

// The file's bytes. NOT_FOUND / PERMISSION_DENIED / INTERNAL name the path and
// the OS error, never the content.
absl::StatusOr<std::string> ReadFile(const std::string& path);

}  // namespace wecom
