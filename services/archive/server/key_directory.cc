#include "services/archive/server/key_directory.h"

#include <filesystem>
#include <system_error>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/archive/keys/key_files.h"

namespace wecom::archive {

absl::StatusOr<std::map<uint32_t, std::string>> ReadKeyDirectory(const std::string& dir) {
  std::map<uint32_t, std::string> path_by_version;
  std::error_code error;
  // Stepped with error codes: this runs on the signal thread, where an
  // exception would end the process.
  for (std::filesystem::directory_iterator it(dir, error), end; !error && it != end;
       it.increment(error)) {
    const std::filesystem::path& path = it->path();
    uint32_t version = 0;
    if (path.extension() != ".pem" || !absl::SimpleAtoi(path.stem().string(), &version)) continue;
    path_by_version[version] = path.string();
  }
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read the key directory ", dir, ": ", error.message()));
  }
  if (path_by_version.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("the key directory ", dir, " holds no <publickey_ver>.pem file"));
  }
  return ReadPrivateKeyFiles(path_by_version);
}

}  // namespace wecom::archive
