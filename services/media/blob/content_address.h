// Blob names: a blob is named by the lowercase hex SHA-256 of its bytes, and
// stored under a two-character shard so no directory or key prefix grows
// past 1/256 of the blobs.
#pragma once

#include <string>

#include "absl/status/status.h"

namespace wecom::media {

// OK when `sha256` is 64 lowercase hex digits; INVALID_ARGUMENT otherwise.
// Every store checks names with it before they reach a path or a URL.
absl::Status CheckContentAddress(const std::string& sha256);

// "<sha256[0:2]>/<sha256>", for a checked address.
std::string ShardedBlobName(const std::string& sha256);

}  // namespace wecom::media
