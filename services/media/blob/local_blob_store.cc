#include "services/media/blob/local_blob_store.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "common/file/file_error.h"
#include "common/status/status_macros.h"
#include "services/media/blob/content_address.h"
#include "services/media/blob/staged_file.h"

namespace wecom::media {
namespace {

// A rename is durable only once the directory holding the new entry is synced.
absl::Status SyncDirectory(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return FileError(errno, absl::StrCat("cannot open directory ", path));
  absl::Cleanup close_fd = [fd] { ::close(fd); };
  if (::fsync(fd) != 0) return FileError(errno, absl::StrCat("cannot fsync directory ", path));
  return absl::OkStatus();
}

// Makes `shard` (a directory directly under `root`) when missing; a new one
// is made durable through its parent.
absl::Status EnsureShardDirectory(const std::string& root, const std::string& shard) {
  if (::mkdir(shard.c_str(), 0755) == 0) return SyncDirectory(root);
  if (errno != EEXIST) return FileError(errno, absl::StrCat("cannot create directory ", shard));
  return absl::OkStatus();
}

// Copies the staged file to a temporary name in `shard` and renames it to
// `blob_path`: the cross-filesystem way to make the blob appear whole. The
// temporary file starts with '.', so it is never taken for a blob.
absl::Status CopyIntoPlace(const StagedFile& staged, const std::string& shard,
                           const std::string& sha256, const std::string& blob_path) {
  std::string temp_path = absl::StrCat(shard, "/.", sha256, ".tmp-XXXXXX");
  const int out = ::mkostemp(temp_path.data(), O_CLOEXEC);
  if (out < 0) return FileError(errno, absl::StrCat("cannot create a temporary file in ", shard));
  bool renamed = false;
  absl::Cleanup discard = [out, &temp_path, &renamed] {
    ::close(out);
    if (!renamed) ::unlink(temp_path.c_str());
  };
  const std::string copy_error = absl::StrCat("cannot copy ", staged.path(), " to ", temp_path);
  off_t offset = 0;
  while (static_cast<uint64_t>(offset) < staged.size()) {
    const size_t chunk = std::min<uint64_t>(staged.size() - offset, 1 << 30);
    const ssize_t n = ::sendfile(out, staged.fd(), &offset, chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return FileError(errno, copy_error);
    if (n == 0) return absl::DataLossError(absl::StrCat(copy_error, ": the file shrank"));
  }
  // mkostemp makes the file 0600; the blob gets the staged file's mode, as a
  // rename would have kept it.
  struct stat staged_info;
  if (::fstat(staged.fd(), &staged_info) != 0 || ::fchmod(out, staged_info.st_mode & 07777) != 0) {
    return FileError(errno, absl::StrCat("cannot set the mode of ", temp_path));
  }
  if (::fsync(out) != 0) return FileError(errno, absl::StrCat("cannot fsync ", temp_path));
  if (::rename(temp_path.c_str(), blob_path.c_str()) != 0) {
    return FileError(errno, absl::StrCat("cannot rename ", temp_path, " to ", blob_path));
  }
  renamed = true;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<LocalBlobStore>> LocalBlobStore::Open(std::string root) {
  if (root.empty()) return absl::InvalidArgumentError("blob store root must not be empty");
  std::error_code error;
  std::filesystem::create_directories(root, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create blob store root ", root, ": ", error.message()));
  }
  if (!std::filesystem::is_directory(root, error)) {
    return absl::FailedPreconditionError(
        absl::StrCat("blob store root ", root, " is not a directory"));
  }
  return std::unique_ptr<LocalBlobStore>(new LocalBlobStore(std::move(root)));
}

std::string LocalBlobStore::BlobPath(const std::string& sha256) const {
  return absl::StrCat(root_, "/", ShardedBlobName(sha256));
}

absl::Status LocalBlobStore::Put(const std::string& sha256, const std::string& staged_path,
                                 uint64_t size) {
  RETURN_IF_ERROR(CheckContentAddress(sha256));
  ASSIGN_OR_RETURN(StagedFile staged, StagedFile::Open(staged_path, size));
  ASSIGN_OR_RETURN(std::optional<uint64_t> existing, Stat(sha256));
  if (existing.has_value()) return staged.Consume();

  const std::string shard = absl::StrCat(root_, "/", sha256.substr(0, 2));
  const std::string blob_path = BlobPath(sha256);
  RETURN_IF_ERROR(EnsureShardDirectory(root_, shard));
  // The bytes reach the disk before the name does, so a crash cannot leave a
  // named blob with missing content.
  if (::fsync(staged.fd()) != 0) {
    return FileError(errno, absl::StrCat("cannot fsync staged file ", staged_path));
  }
  if (::rename(staged_path.c_str(), blob_path.c_str()) != 0) {
    if (errno != EXDEV) {
      return FileError(errno, absl::StrCat("cannot rename ", staged_path, " to ", blob_path));
    }
    RETURN_IF_ERROR(CopyIntoPlace(staged, shard, sha256, blob_path));
    RETURN_IF_ERROR(staged.Consume());
  }
  return SyncDirectory(shard);
}

absl::StatusOr<std::optional<uint64_t>> LocalBlobStore::Stat(const std::string& sha256) {
  RETURN_IF_ERROR(CheckContentAddress(sha256));
  const std::string path = BlobPath(sha256);
  struct stat info;
  if (::stat(path.c_str(), &info) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    return FileError(errno, absl::StrCat("cannot stat blob ", path));
  }
  return static_cast<uint64_t>(info.st_size);
}

absl::StatusOr<std::string> LocalBlobStore::Read(const std::string& sha256, uint64_t offset,
                                                 uint64_t length) {
  RETURN_IF_ERROR(CheckContentAddress(sha256));
  const std::string path = BlobPath(sha256);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) {
      return absl::NotFoundError(absl::StrCat("blob ", sha256, " does not exist"));
    }
    return FileError(errno, absl::StrCat("cannot open blob ", path));
  }
  absl::Cleanup close_fd = [fd] { ::close(fd); };
  struct stat info;
  if (::fstat(fd, &info) != 0) return FileError(errno, absl::StrCat("cannot stat blob ", path));
  const uint64_t size = static_cast<uint64_t>(info.st_size);
  if (offset > size) {
    return absl::OutOfRangeError(absl::StrCat("offset ", offset, " is past the end of blob ",
                                              sha256, " (", size, " bytes)"));
  }
  std::string data(std::min(length, size - offset), '\0');
  ASSIGN_OR_RETURN(const size_t read, ReadAt(fd, offset, data.data(), data.size(), path));
  data.resize(read);
  return data;
}

}  // namespace wecom::media
