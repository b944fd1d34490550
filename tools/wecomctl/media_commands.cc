#include "tools/wecomctl/media_commands.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/crypto/hex_digest.h"
#include "wecom/media/v1/media_service.grpc.pb.h"

namespace wecomctl {
namespace {

namespace v1 = wecom::media::v1;

struct MediaFlags {
  std::string corp;
  std::string sdkfileid;
  std::string md5sum;
  uint64_t size = 0;
  std::string ext;
  bool wait = false;
  std::string state;
  uint32_t page_size = 0;
  std::string page_token;
  std::string out;
  bool resume = false;
};

bool Settled(const v1::MediaJob& job) {
  return job.state() == v1::MEDIA_STATE_DONE || job.state() == v1::MEDIA_STATE_FAILED;
}

// Polls GetMedia until the job is DONE or FAILED.
int WaitAndPrint(v1::MediaService::Stub* stub, const MediaFlags& f, v1::MediaJob job) {
  while (!Settled(job)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    grpc::ClientContext context;
    v1::GetMediaRequest request;
    request.set_corp_id(f.corp);
    request.set_sdkfileid(f.sdkfileid);
    v1::GetMediaResponse response;
    grpc::Status status = stub->GetMedia(&context, request, &response);
    if (!status.ok()) return Fail(status);
    job = response.job();
  }
  std::cout << ToJson(job) << "\n";
  return job.state() == v1::MEDIA_STATE_DONE ? 0 : 1;
}

// Streams the object into f.out, appending from its current size with
// --resume, then checks the whole file's SHA-256 against the job's.
int Download(v1::MediaService::Stub* stub, const MediaFlags& f) {
  uint64_t offset = 0;
  std::error_code error;
  if (f.resume && std::filesystem::exists(f.out)) offset = std::filesystem::file_size(f.out, error);
  std::ofstream out(f.out, std::ios::binary | (f.resume ? std::ios::app : std::ios::trunc));
  if (!out) {
    std::cerr << "error: cannot write " << f.out << "\n";
    return 1;
  }
  grpc::ClientContext context;
  v1::DownloadMediaRequest request;
  request.set_corp_id(f.corp);
  request.set_sdkfileid(f.sdkfileid);
  request.set_offset(offset);
  auto reader = stub->DownloadMedia(&context, request);
  v1::DownloadMediaResponse response;
  std::string sha256;
  while (reader->Read(&response)) {
    if (response.has_job()) sha256 = response.job().sha256();
    out.write(response.data().data(), static_cast<std::streamsize>(response.data().size()));
  }
  out.close();
  if (grpc::Status status = reader->Finish(); !status.ok()) return Fail(status);
  if (!out) {
    std::cerr << "error: writing " << f.out << " failed\n";
    return 1;
  }
  // Verify what is on disk, resumed part included.
  std::ifstream in(f.out, std::ios::binary);
  wecom::HexDigester digester = wecom::HexDigester::Sha256();
  std::string buffer(1 << 20, '\0');
  while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0) {
    digester.Update(absl::string_view(buffer.data(), static_cast<size_t>(in.gcount())));
  }
  const std::string got = digester.Finish();
  if (!sha256.empty() && got != sha256) {
    std::cerr << "error: " << f.out << " has sha256 " << got << ", expected " << sha256 << "\n";
    return 1;
  }
  std::cout << f.out << " sha256=" << got << " verified\n";
  return 0;
}

}  // namespace

CommandGroup AddMediaCommands(CLI::App& app, const GlobalOptions* g) {
  CLI::App* media = app.add_subcommand("media", "the media service")->require_subcommand(1);
  auto f = std::make_shared<MediaFlags>();
  auto add_ids = [f](CLI::App* cmd) {
    cmd->add_option("--corp", f->corp, "corp id")->required();
    cmd->add_option("--sdkfileid", f->sdkfileid, "the message's sdkfileid")->required();
  };
  CLI::App* fetch = media->add_subcommand("fetch", "queue a media object (idempotent)");
  add_ids(fetch);
  fetch->add_option("--md5sum", f->md5sum, "the message's md5sum (verified when given)");
  fetch->add_option("--size", f->size, "the message's size in bytes (verified when given)");
  fetch->add_option("--ext", f->ext, "file extension, e.g. jpg, amr, mp4");
  fetch->add_flag("--wait", f->wait, "wait until DONE or FAILED");
  CLI::App* status = media->add_subcommand("status", "a media object's job");
  add_ids(status);
  CLI::App* list = media->add_subcommand("list", "a corp's media jobs");
  list->add_option("--corp", f->corp, "corp id")->required();
  list->add_option("--state", f->state, "queued, fetching, done or failed");
  list->add_option("--page-size", f->page_size);
  list->add_option("--page-token", f->page_token);
  // Without --json: one line per job, "state kind size ext sdkfileid".
  CLI::App* retry = media->add_subcommand("retry", "queue a FAILED job again");
  add_ids(retry);
  CLI::App* download = media->add_subcommand("download", "save a DONE object to a file");
  add_ids(download);
  download->add_option("--out", f->out, "the file to write")->required();
  download->add_flag("--resume", f->resume, "continue a partial file from its size");

  return {media, [=]() -> int {
            auto stub = v1::MediaService::NewStub(ChannelOrExit(*g, f->corp));
            grpc::ClientContext context;
            if (fetch->parsed()) {
              v1::FetchMediaRequest request;
              request.set_corp_id(f->corp);
              request.mutable_media()->set_sdkfileid(f->sdkfileid);
              request.mutable_media()->set_md5sum(f->md5sum);
              request.mutable_media()->set_size(f->size);
              request.mutable_media()->set_ext(f->ext);
              v1::FetchMediaResponse response;
              grpc::Status status = stub->FetchMedia(&context, request, &response);
              if (!status.ok() || !f->wait) return PrintUnary(status, response);
              return WaitAndPrint(stub.get(), *f, response.job());
            }
            if (status->parsed()) {
              v1::GetMediaRequest request;
              request.set_corp_id(f->corp);
              request.set_sdkfileid(f->sdkfileid);
              v1::GetMediaResponse response;
              return PrintUnary(stub->GetMedia(&context, request, &response), response);
            }
            if (list->parsed()) {
              v1::ListMediaRequest request;
              request.set_corp_id(f->corp);
              if (!f->state.empty()) {
                v1::MediaState state;
                if (!v1::MediaState_Parse(
                        absl::StrCat("MEDIA_STATE_", absl::AsciiStrToUpper(f->state)), &state)) {
                  std::cerr << "error: --state must be queued, fetching, done or failed\n";
                  return 2;
                }
                request.set_state(state);
              }
              request.set_page_size(f->page_size);
              request.set_page_token(f->page_token);
              v1::ListMediaResponse response;
              grpc::Status status = stub->ListMedia(&context, request, &response);
              if (!status.ok() || g->json) return PrintUnary(status, response);
              // One line per job: state kind size ext sdkfileid.
              for (const v1::MediaJob& job : response.jobs()) {
                std::cout << absl::AsciiStrToLower(v1::MediaState_Name(job.state()).substr(12))
                          << " " << job.kind() << " " << job.size() << " "
                          << (job.ext().empty() ? "-" : job.ext()) << " " << job.sdkfileid()
                          << "\n";
              }
              if (!response.next_page_token().empty()) {
                std::cerr << "-- more: --page-token " << response.next_page_token() << "\n";
              }
              return 0;
            }
            if (retry->parsed()) {
              v1::RetryMediaRequest request;
              request.set_corp_id(f->corp);
              request.set_sdkfileid(f->sdkfileid);
              v1::RetryMediaResponse response;
              return PrintUnary(stub->RetryMedia(&context, request, &response), response);
            }
            return Download(stub.get(), *f);
          }};
}

}  // namespace wecomctl
