#include "tests/integration/media_harness.h"

#include <csignal>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "common/grpc/client.h"
#include "common/grpc/status.h"
#include "common/status/status_macros.h"

namespace wecom::testing {

using wecom::media::v1::MediaJob;

MediaHarness::MediaHarness(MediaHarnessOptions options, std::unique_ptr<ArchiveHarness> archive)
    : options_(std::move(options)), archive_(std::move(archive)) {}

absl::StatusOr<std::unique_ptr<MediaHarness>> MediaHarness::Create(MediaHarnessOptions options) {
  ASSIGN_OR_RETURN(std::unique_ptr<ArchiveHarness> archive,
                   ArchiveHarness::Create(options.archive));
  RETURN_IF_ERROR(archive->StartArchive());
  return std::unique_ptr<MediaHarness>(new MediaHarness(std::move(options), std::move(archive)));
}

std::string MediaHarness::data_dir() const { return absl::StrCat(archive_->dir(), "/media"); }

pid_t MediaHarness::media_pid() const { return media_ == nullptr ? 0 : media_->pid(); }

absl::Status MediaHarness::StartMedia() {
  const std::string dir = archive_->dir();
  std::string config =
      absl::StrCat("listen: 127.0.0.1:0\n", "metrics_listen: 127.0.0.1:0\n",
                   "data_dir: ", data_dir(), "\n", "log_level: ", options_.log_level, "\n",
                   "auth_token: {file: ", dir, "/token}\n", "archive:\n", "  target: ",
                   options_.archive_target.empty()
                       ? absl::StrCat("127.0.0.1:", archive_->grpc_port())
                       : absl::StrReplaceAll(options_.archive_target,
                                             {{"$port", absl::StrCat(archive_->grpc_port())}}),
                   "\n", "  auth_token: {file: ", dir, "/token}\n", "  call_timeout: 30s\n",
                   "fetch:\n", "  concurrency: ", options_.concurrency, "\n",
                   "  max_attempts: ", options_.max_attempts, "\n");
  if (options_.s3.has_value()) {
    RETURN_IF_ERROR(
        WriteTestFile(absl::StrCat(dir, "/s3_access_key"), options_.s3->access_key_id, 0600));
    RETURN_IF_ERROR(
        WriteTestFile(absl::StrCat(dir, "/s3_secret_key"), options_.s3->secret_access_key, 0600));
    absl::StrAppend(&config, "blob_store:\n", "  s3:\n", "    endpoint: ", options_.s3->endpoint,
                    "\n", "    bucket: ", options_.s3->bucket, "\n", "    key_prefix: media/\n",
                    "    access_key_id: {file: ", dir, "/s3_access_key}\n",
                    "    secret_access_key: {file: ", dir, "/s3_secret_key}\n");
  }
  if (!options_.archive.shard_map.empty()) {
    absl::StrAppend(&config, "sharding:\n  map_file: ", archive_->shard_map_path(),
                    "\n  ordinal: ", options_.archive.shard_ordinal, "\n");
  }
  absl::StrAppend(&config, "corps:\n");
  for (size_t i = 0; i <= static_cast<size_t>(options_.archive.extra_corps); ++i) {
    absl::StrAppend(&config, "  - corp_id: ", archive_->corp_id(i), "\n",
                    "    follow: ", options_.follow ? "true" : "false", "\n");
  }
  RETURN_IF_ERROR(WriteTestFile(absl::StrCat(dir, "/media.yaml"), config, 0600));
  ASSIGN_OR_RETURN(
      media_, ChildProcess::Start({WECOM_MEDIA_BIN, "--config", absl::StrCat(dir, "/media.yaml")}));
  ASSIGN_OR_RETURN(std::string ready, media_->ReadLineStartingWith("media ready"));
  grpc_port_ = PortAfter(ready, "grpc_port=");
  metrics_port_ = PortAfter(ready, "metrics_port=");
  if (grpc_port_ == 0 || metrics_port_ == 0) {
    return absl::InternalError(absl::StrCat("no ports in: ", ready));
  }
  return absl::OkStatus();
}

int MediaHarness::StopMedia(int signal) {
  if (media_ == nullptr) return -1;
  media_->Signal(signal);
  const int status = media_->Wait();
  media_.reset();
  return status;
}

std::unique_ptr<wecom::media::v1::MediaService::Stub> MediaHarness::Stub(bool with_token) const {
  GrpcClientOptions options;
  options.target = absl::StrCat("127.0.0.1:", grpc_port_);
  if (with_token) options.auth_token = Secret(ArchiveHarness::token());
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = MakeChannel(options);
  return wecom::media::v1::MediaService::NewStub(channel.ok() ? *channel : nullptr);
}

std::string MediaHarness::MetricsText() const { return FetchMetricsText(metrics_port_); }

absl::StatusOr<MediaJob> MediaHarness::AwaitSettled(const std::string& corp_id,
                                                    const std::string& sdkfileid,
                                                    absl::Duration timeout) const {
  return AwaitMediaSettled(Stub().get(), corp_id, sdkfileid, timeout);
}

absl::StatusOr<MediaJob> AwaitMediaSettled(wecom::media::v1::MediaService::StubInterface* stub,
                                           const std::string& corp_id, const std::string& sdkfileid,
                                           absl::Duration timeout, absl::Duration poll) {
  const absl::Time give_up = absl::Now() + timeout;
  while (true) {
    grpc::ClientContext context;
    wecom::media::v1::GetMediaRequest request;
    request.set_corp_id(corp_id);
    request.set_sdkfileid(sdkfileid);
    wecom::media::v1::GetMediaResponse response;
    grpc::Status status = stub->GetMedia(&context, request, &response);
    // NOT_FOUND: automatic mode has not reached the message yet.
    if (!status.ok() && status.error_code() != grpc::StatusCode::NOT_FOUND) {
      return FromGrpcStatus(status);
    }
    if (status.ok() && (response.job().state() == wecom::media::v1::MEDIA_STATE_DONE ||
                        response.job().state() == wecom::media::v1::MEDIA_STATE_FAILED)) {
      return response.job();
    }
    if (absl::Now() > give_up) {
      return absl::DeadlineExceededError(absl::StrCat(
          "media job still ",
          status.ok() ? wecom::media::v1::MediaState_Name(response.job().state()) : "absent",
          " after ", absl::FormatDuration(timeout)));
    }
    absl::SleepFor(poll);  // polling a real process, not synchronising threads
  }
}

absl::StatusOr<std::string> MediaHarness::Download(const std::string& corp_id,
                                                   const std::string& sdkfileid,
                                                   uint64_t offset) const {
  auto stub = Stub();
  grpc::ClientContext context;
  wecom::media::v1::DownloadMediaRequest request;
  request.set_corp_id(corp_id);
  request.set_sdkfileid(sdkfileid);
  request.set_offset(offset);
  auto reader = stub->DownloadMedia(&context, request);
  std::string bytes;
  wecom::media::v1::DownloadMediaResponse response;
  while (reader->Read(&response)) {
    if (response.offset() != offset + bytes.size()) {
      return absl::DataLossError(
          absl::StrCat("piece at ", response.offset(), ", expected ", offset + bytes.size()));
    }
    bytes += response.data();
  }
  RETURN_IF_ERROR(FromGrpcStatus(reader->Finish()));
  return bytes;
}

}  // namespace wecom::testing
