#include "services/archive/keys/key_files.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status/status_macros.h"
#include "openssl/crypto.h"

namespace wecom::archive {
namespace {

void Wipe(std::string& secret) { OPENSSL_cleanse(secret.data(), secret.size()); }

absl::StatusOr<std::string> ReadKeyFile(uint32_t version, const std::string& path) {
  const std::string what =
      absl::StrCat("the private key file of publickey_ver ", version, " at ", path);
  // O_NONBLOCK so that a FIFO put in a key's place cannot hang the open; the
  // checks below then refuse it.
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat("cannot open ", what));
  absl::Cleanup close_fd = [fd] { close(fd); };

  // fstat on the open descriptor: the file checked is the file read.
  struct stat info {};
  if (fstat(fd, &info) != 0) return absl::ErrnoToStatus(errno, absl::StrCat("cannot stat ", what));
  if (!S_ISREG(info.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(what, " is not a regular file"));
  }
  if ((info.st_mode & 0007) != 0) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "%s has mode %04o: others may read or write it (chmod o-rwx)", what, info.st_mode & 07777));
  }

  std::string pem;
  // Reserved up front so that growing never leaves a stray copy in freed memory.
  pem.reserve(static_cast<size_t>(info.st_size) + 1);
  absl::Cleanup wipe_on_failure = [&pem] { Wipe(pem); };
  char chunk[4096];
  absl::Cleanup wipe_chunk = [&chunk] { OPENSSL_cleanse(chunk, sizeof(chunk)); };
  while (true) {
    const ssize_t n = read(fd, chunk, sizeof(chunk));
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::ErrnoToStatus(errno, absl::StrCat("cannot read ", what));
    }
    pem.append(chunk, static_cast<size_t>(n));
  }
  std::move(wipe_on_failure).Cancel();
  return pem;
}

}  // namespace

absl::StatusOr<std::map<uint32_t, std::string>> ReadPrivateKeyFiles(
    const std::map<uint32_t, std::string>& path_by_version) {
  std::map<uint32_t, std::string> pem_by_version;
  absl::Cleanup wipe_on_failure = [&pem_by_version] {
    for (auto& [version, pem] : pem_by_version) Wipe(pem);
  };
  for (const auto& [version, path] : path_by_version) {
    ASSIGN_OR_RETURN(std::string pem, ReadKeyFile(version, path));
    pem_by_version.emplace(version, std::move(pem));
  }
  std::move(wipe_on_failure).Cancel();
  return pem_by_version;
}

}  // namespace wecom::archive
