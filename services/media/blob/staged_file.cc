#include "services/media/blob/staged_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/file/file_error.h"

namespace wecom::media {

absl::StatusOr<size_t> ReadAt(int fd, uint64_t offset, char* buffer, size_t capacity,
                              const std::string& path) {
  size_t done = 0;
  while (done < capacity) {
    const ssize_t n = ::pread(fd, buffer + done, capacity - done, offset + done);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      return FileError(errno, absl::StrCat("cannot read ", path));
    }
    done += static_cast<size_t>(n);
  }
  return done;
}

absl::StatusOr<StagedFile> StagedFile::Open(std::string path, uint64_t expected_size) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return FileError(errno, absl::StrCat("cannot open staged file ", path));
  StagedFile file(std::move(path), fd, expected_size);
  struct stat info;
  if (::fstat(fd, &info) != 0) {
    return FileError(errno, absl::StrCat("cannot stat staged file ", file.path()));
  }
  if (!S_ISREG(info.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat("staged file ", file.path(), " is not a regular file"));
  }
  if (static_cast<uint64_t>(info.st_size) != expected_size) {
    return absl::FailedPreconditionError(absl::StrCat(
        "staged file ", file.path(), " has ", info.st_size, " bytes, expected ", expected_size));
  }
  return file;
}

StagedFile::StagedFile(StagedFile&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)), size_(other.size_) {}

StagedFile& StagedFile::operator=(StagedFile&& other) noexcept {
  if (this != &other) {
    Close();
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
    size_ = other.size_;
  }
  return *this;
}

StagedFile::~StagedFile() { Close(); }

void StagedFile::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

absl::Status StagedFile::Consume() {
  Close();
  // Already gone is fine: consuming is about the file not staying behind.
  if (::unlink(path_.c_str()) != 0 && errno != ENOENT) {
    return FileError(errno, absl::StrCat("cannot delete staged file ", path_));
  }
  return absl::OkStatus();
}

}  // namespace wecom::media
