// A fresh directory under the system temp dir for one test's files, removed
// with everything in it when the TempDir goes away.
#pragma once

#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace wecom::testing {

class TempDir {
 public:
  // Makes <system temp dir>/<prefix>XXXXXX; the prefix says which test left
  // a directory behind when one crashes.
  static absl::StatusOr<TempDir> Create(absl::string_view prefix);
  // Makes <parent>/<prefix>XXXXXX, e.g. on another filesystem than the
  // system temp dir.
  static absl::StatusOr<TempDir> CreateIn(absl::string_view parent, absl::string_view prefix);

  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&& other) noexcept;
  ~TempDir();

  const std::string& path() const { return path_; }

 private:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  void Remove();

  std::string path_;  // empty once moved from
};

}  // namespace wecom::testing
