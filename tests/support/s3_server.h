// An S3-protocol server for tests: s3rver from npm, run by
// s3rver_launcher.js in a child process on 127.0.0.1 at a port the kernel
// picks, keeping its objects in a temporary directory. It has one bucket and
// checks every request's Signature Version 4 signature as S3 does.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace wecom::testing {

class S3Server {
 public:
  // s3rver's built-in account.
  static constexpr char kAccessKeyId[] = "S3RVER";
  static constexpr char kSecretAccessKey[] = "S3RVER";

  // Starts the server with bucket `bucket` and waits until it listens.
  // FAILED_PRECONDITION when node or the npm packages are missing
  // (scripts/install-deps.sh installs both).
  static absl::StatusOr<std::unique_ptr<S3Server>> Start(std::string bucket = "media-test");

  // "http://127.0.0.1:PORT".
  const std::string& endpoint() const { return endpoint_; }
  const std::string& bucket() const { return bucket_; }
  // Where the server keeps its files.
  const std::string& directory() const { return directory_.path(); }

 private:
  S3Server(TempDir directory, std::string bucket)
      : directory_(std::move(directory)), bucket_(std::move(bucket)) {}

  TempDir directory_;
  std::string bucket_;
  std::string endpoint_;
  // Declared last: the server is killed before its directory is removed.
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace wecom::testing
