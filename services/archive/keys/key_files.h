// Reading private key files for the service wiring.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"

namespace wecom::archive {

// Reads each private key file, keyed by publickey_ver, for KeyRing::Replace.
// Refuses with FAILED_PRECONDITION naming the path a file that is not a regular
// file or that others may read or write (mode & 0007), so a key left
// world-readable is noticed rather than used.
absl::StatusOr<std::map<uint32_t, std::string>> ReadPrivateKeyFiles(
    const std::map<uint32_t, std::string>& path_by_version);

}  // namespace wecom::archive
