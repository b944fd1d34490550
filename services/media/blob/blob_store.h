// Where verified media bytes live: content addressed by SHA-256, so equal
// bytes behind different sdkfileids are stored once. A blob is visible only
// once complete; readers never see a partial one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace wecom::media {

class BlobStore {
 public:
  virtual ~BlobStore() = default;

  // Stores the complete, verified local file `staged_path` (`size` bytes whose
  // SHA-256 is `sha256`, lowercase hex) as blob `sha256`. Idempotent: when the
  // blob already exists it is kept. Either way the staged file is consumed
  // (moved or deleted) on success; on failure it is left for the caller.
  virtual absl::Status Put(const std::string& sha256, const std::string& staged_path,
                           uint64_t size) = 0;

  // The blob's size, or nullopt when it does not exist.
  virtual absl::StatusOr<std::optional<uint64_t>> Stat(const std::string& sha256) = 0;

  // Up to `length` bytes of blob `sha256` from `offset` (fewer at its end).
  // NOT_FOUND when the blob does not exist, OUT_OF_RANGE when offset > size.
  virtual absl::StatusOr<std::string> Read(const std::string& sha256, uint64_t offset,
                                           uint64_t length) = 0;
};

}  // namespace wecom::media
