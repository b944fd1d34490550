// The media service end to end: an ArchiveHarness (the Finance SDK emulator
// behind a real archive process) plus a real wecom-media process talking to
// it over loopback gRPC, with a local or S3 blob store.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/integration/archive_harness.h"
#include "wecom/media/v1/media_service.grpc.pb.h"

namespace wecom::testing {

struct MediaHarnessOptions {
  ArchiveHarnessOptions archive;
  // Automatic mode for every corp (otherwise only FetchMedia queues fetches).
  bool follow = true;
  // Set: blobs go to this S3-protocol server instead of a local directory.
  struct S3 {
    std::string endpoint;
    std::string bucket;
    std::string access_key_id;
    std::string secret_access_key;
  };
  std::optional<S3> s3;
  int max_attempts = 3;
  int concurrency = 4;
  std::string log_level = "warn";
  // Set: archive.target, with "$port" for the archive's port (e.g.
  // "127.0.{ordinal}.1:$port" for a sharded pod). With the archive's shard map
  // the media service runs sharded too, as the archive's ordinal.
  std::string archive_target;
};

class MediaHarness {
 public:
  // Writes the files and starts the archive; StartMedia starts the media service.
  static absl::StatusOr<std::unique_ptr<MediaHarness>> Create(MediaHarnessOptions options);

  absl::Status StartMedia();
  // Sends `signal` to the media process and reaps it; its wait status.
  int StopMedia(int signal);

  std::unique_ptr<wecom::media::v1::MediaService::Stub> Stub(bool with_token = true) const;
  std::string MetricsText() const;
  ArchiveHarness& archive() { return *archive_; }
  const std::string& corp_id(size_t corp = 0) const { return archive_->corp_id(corp); }
  const emulator::Corpus& corpus(size_t corp = 0) const { return archive_->corpus(corp); }
  // Where the media service keeps its jobs, staging files and local blobs.
  std::string data_dir() const;
  pid_t media_pid() const;

  // Polls GetMedia until the job is DONE or FAILED; the timeout only turns a
  // hang into an error. See AwaitMediaSettled.
  absl::StatusOr<wecom::media::v1::MediaJob> AwaitSettled(
      const std::string& corp_id, const std::string& sdkfileid,
      absl::Duration timeout = absl::Seconds(120)) const;
  // DownloadMedia from `offset` to the end.
  absl::StatusOr<std::string> Download(const std::string& corp_id, const std::string& sdkfileid,
                                       uint64_t offset = 0) const;
  int metrics_port() const { return metrics_port_; }

 private:
  MediaHarness(MediaHarnessOptions options, std::unique_ptr<ArchiveHarness> archive);

  MediaHarnessOptions options_;
  std::unique_ptr<ArchiveHarness> archive_;
  std::unique_ptr<ChildProcess> media_;
  int grpc_port_ = 0;
  int metrics_port_ = 0;
};

// Polls GetMedia through `stub` every `poll` until the job is DONE or FAILED
// (NOT_FOUND counts as not yet: automatic mode may not have reached the
// message); the timeout only turns a hang into an error.
absl::StatusOr<wecom::media::v1::MediaJob> AwaitMediaSettled(
    wecom::media::v1::MediaService::StubInterface* stub, const std::string& corp_id,
    const std::string& sdkfileid, absl::Duration timeout = absl::Seconds(120),
    absl::Duration poll = absl::Milliseconds(20));

}  // namespace wecom::testing
