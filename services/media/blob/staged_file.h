// The verified local file a BlobStore::Put is given, and the file helpers
// the stores share.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace wecom::media {

// Reads up to `capacity` bytes of `fd` at `offset` into `buffer`, fewer only
// at the end of the file; how many. `path` names the file in errors.
absl::StatusOr<size_t> ReadAt(int fd, uint64_t offset, char* buffer, size_t capacity,
                              const std::string& path);

class StagedFile {
 public:
  // Opens `path` read-only. NOT_FOUND when it does not exist,
  // FAILED_PRECONDITION when it is not a regular file of `expected_size` bytes.
  static absl::StatusOr<StagedFile> Open(std::string path, uint64_t expected_size);

  StagedFile(StagedFile&& other) noexcept;
  StagedFile& operator=(StagedFile&& other) noexcept;
  ~StagedFile();

  int fd() const { return fd_; }
  const std::string& path() const { return path_; }
  uint64_t size() const { return size_; }

  absl::StatusOr<size_t> ReadAt(uint64_t offset, char* buffer, size_t capacity) const {
    return media::ReadAt(fd_, offset, buffer, capacity, path_);
  }

  // Closes and deletes the file: a Put that succeeded has consumed it.
  absl::Status Consume();

 private:
  StagedFile(std::string path, int fd, uint64_t size)
      : path_(std::move(path)), fd_(fd), size_(size) {}
  void Close();

  std::string path_;
  int fd_ = -1;  // -1 once closed or moved from
  uint64_t size_ = 0;
};

}  // namespace wecom::media
