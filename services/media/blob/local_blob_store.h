// BlobStore on a local directory, the embedded default: blob <sha> is the file
// <root>/<sha[0:2]>/<sha>, put in place by an atomic rename only once its
// bytes are on disk.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/media/blob/blob_store.h"

namespace wecom::media {

// Thread-safe: it keeps no state but its root, and every change is one
// rename().
class LocalBlobStore final : public BlobStore {
 public:
  // The store rooted at `root`, which is created (with its parents) when
  // missing.
  static absl::StatusOr<std::unique_ptr<LocalBlobStore>> Open(std::string root);

  // Moves the staged file into place with rename(); when it is on another
  // filesystem, copies it to a temporary file beside the blob and renames
  // that. The blob's bytes and its directory entry are fsynced before OK.
  absl::Status Put(const std::string& sha256, const std::string& staged_path,
                   uint64_t size) override;
  absl::StatusOr<std::optional<uint64_t>> Stat(const std::string& sha256) override;
  absl::StatusOr<std::string> Read(const std::string& sha256, uint64_t offset,
                                   uint64_t length) override;

  const std::string& root() const { return root_; }
  // Where blob `sha256` is (or would be) stored; `sha256` must be valid.
  std::string BlobPath(const std::string& sha256) const;

 private:
  explicit LocalBlobStore(std::string root) : root_(std::move(root)) {}

  const std::string root_;
};

}  // namespace wecom::media
