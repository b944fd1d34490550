// Staged files with known bytes and content addresses, for BlobStore tests.
#pragma once

#include <cstdint>
#include <limits>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/crypto/hex_digest.h"
#include "services/media/blob/s3_blob_store.h"
#include "tests/support/s3_server.h"

namespace wecom::media::testing {

// A Read length that reaches the end of any blob.
inline constexpr uint64_t kToTheEnd = std::numeric_limits<uint64_t>::max();

using ::wecom::Sha256Hex;

// `size` pseudo-random bytes, the same for the same seed.
std::string RandomBytes(size_t size, uint32_t seed);

// A staged file as a fetcher leaves it for BlobStore::Put.
struct StagedBlob {
  std::string path;
  std::string sha256;
  uint64_t size = 0;
};

// Writes `bytes` to `path`.
absl::StatusOr<StagedBlob> WriteStagedBlob(std::string path, absl::string_view bytes);

// Writes `blocks` blocks of RandomBytes(block_size, seed + i) to `path`, one
// block in memory at a time.
absl::StatusOr<StagedBlob> WriteLargeStagedBlob(std::string path, uint64_t blocks,
                                                size_t block_size, uint32_t seed);

bool FileExists(const std::string& path);

// Options for an S3BlobStore on `server`'s bucket under "media/".
S3BlobStoreOptions S3OptionsFor(const wecom::testing::S3Server& server);

}  // namespace wecom::media::testing
