#include "common/file/read_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "absl/cleanup/cleanup.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/file/file_error.h"

namespace wecom {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return FileError(errno, absl::StrCat("cannot read ", path));
  absl::Cleanup close_fd = [fd] { ::close(fd); };
  std::string content;
  char buffer[64 * 1024];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n == 0) return content;
    if (n < 0) {
      if (errno == EINTR) continue;
      return FileError(errno, absl::StrCat("cannot read ", path));
    }
    content.append(buffer, static_cast<size_t>(n));
  }
}

}  // namespace wecom
