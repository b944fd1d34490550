// Reads a corp's private keys from a directory of <publickey_ver>.pem files
// (a mounted Kubernetes Secret), for start-up and SIGHUP reloads.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"

namespace wecom::archive {

// The PEM text of every <N>.pem in `dir` by version N; other files are ignored.
absl::StatusOr<std::map<uint32_t, std::string>> ReadKeyDirectory(const std::string& dir);

}  // namespace wecom::archive
