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
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    const std::filesystem::path& path = entry.path();
    uint32_t version = 0;
    if (path.extension() != ".pem" || !absl::SimpleAtoi(path.stem().string(), &version)) continue;
    path_by_version[version] = path.string();
  }
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read the key directory ", dir, ": ", error.message()));
  }
  return ReadPrivateKeyFiles(path_by_version);
}

}  // namespace wecom::archive
