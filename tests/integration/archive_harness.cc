#include "tests/integration/archive_harness.h"

#include <signal.h>
#include <sys/stat.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/grpc/client.h"
#include "common/http/http_client.h"
#include "common/status/status_macros.h"
#include "tests/support/rsa_keys.h"

namespace wecom::testing {
namespace {

constexpr char kToken[] = "integration-test-token";
constexpr char kSecret[] = "integration-test-archive-secret";

}  // namespace

const char* ArchiveHarness::token() { return kToken; }

absl::StatusOr<std::unique_ptr<ArchiveHarness>> ArchiveHarness::Create(
    ArchiveHarnessOptions options) {
  if (options.extra_corp_traffic.size() > static_cast<size_t>(options.extra_corps)) {
    return absl::InvalidArgumentError("extra_corp_traffic has more entries than extra_corps");
  }
  ASSIGN_OR_RETURN(TempDir dir, TempDir::Create("archive-it-"));
  // Messages fall within the emulator's retention, ending now.
  const int64_t now_ms = absl::ToUnixMillis(absl::Now());
  auto end_now = [now_ms](emulator::TrafficSettings& traffic) {
    if (traffic.start_time_ms == 0) traffic.start_time_ms = now_ms - traffic.time_span_ms - 60'000;
  };
  end_now(options.traffic);
  for (emulator::TrafficSettings& traffic : options.extra_corp_traffic) end_now(traffic);
  auto harness =
      std::unique_ptr<ArchiveHarness>(new ArchiveHarness(std::move(options), std::move(dir)));
  RETURN_IF_ERROR(harness->WriteFiles());
  return harness;
}

ArchiveHarness::ArchiveHarness(ArchiveHarnessOptions options, TempDir dir)
    : options_(std::move(options)), dir_(std::move(dir)) {
  for (int i = 0; i <= options_.extra_corps; ++i) {
    corp_ids_.push_back(i == 0 ? options_.corp_id : absl::StrCat(options_.corp_id, "x", i));
    emulator::TrafficSettings traffic = options_.traffic;
    traffic.seed += i;
    if (i > 0 && static_cast<size_t>(i) <= options_.extra_corp_traffic.size()) {
      traffic = options_.extra_corp_traffic[i - 1];
    }
    corpora_.push_back(std::make_unique<emulator::Corpus>(traffic));
  }
}

absl::Status ArchiveHarness::WriteFiles() {
  for (const char* sub : {"public", "private", "keys", "data"}) {
    std::filesystem::create_directories(absl::StrCat(dir(), "/", sub));
  }
  chmod(absl::StrCat(dir(), "/keys").c_str(), 0700);
  std::map<uint32_t, std::string> public_key_files;
  for (uint32_t version : options_.key_versions) {
    ASSIGN_OR_RETURN(RsaKeyPem key, MakeRsaKeyPair());
    const std::string public_path = absl::StrCat(dir(), "/public/", version, ".pem");
    RETURN_IF_ERROR(WriteTestFile(public_path, key.public_spki, 0644));
    RETURN_IF_ERROR(
        WriteTestFile(absl::StrCat(dir(), "/private/", version, ".pem"), key.private_pkcs8, 0600));
    public_key_files[version] = public_path;
  }
  // The corps share the keys and the secret; their traffic differs.
  emulator::EmulatorConfig emulator_config;
  for (size_t i = 0; i < corp_ids_.size(); ++i) {
    emulator::CorpConfig& corp = emulator_config.corps.emplace_back();
    corp.corpid = corp_ids_[i];
    corp.secret = kSecret;
    corp.traffic = corpora_[i]->settings();
    corp.faults = options_.faults;
    corp.network = options_.network;
    corp.public_key_files = public_key_files;
  }
  for (uint32_t version : options_.loaded_key_versions) {
    RETURN_IF_ERROR(InstallPrivateKey(version));
  }
  RETURN_IF_ERROR(WriteTestFile(absl::StrCat(dir(), "/emulator.json"),
                                emulator::EmulatorConfigJson(emulator_config), 0644));
  RETURN_IF_ERROR(WriteTestFile(absl::StrCat(dir(), "/token"), kToken, 0600));
  RETURN_IF_ERROR(WriteTestFile(absl::StrCat(dir(), "/secret"), kSecret, 0600));
  if (!options_.archive_proxy_credentials.empty()) {
    RETURN_IF_ERROR(WriteTestFile(absl::StrCat(dir(), "/proxy_credentials"),
                                  options_.archive_proxy_credentials, 0600));
  }
  return absl::OkStatus();
}

absl::Status ArchiveHarness::InstallPrivateKey(uint32_t version) {
  const std::string from = absl::StrCat(dir(), "/private/", version, ".pem");
  const std::string to = absl::StrCat(dir(), "/keys/", version, ".pem");
  std::error_code error;
  std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing, error);
  if (error) return absl::InternalError(absl::StrCat("copy ", from, ": ", error.message()));
  if (chmod(to.c_str(), 0600) != 0) return absl::InternalError("chmod key");
  return absl::OkStatus();
}

absl::Status ArchiveHarness::StartArchive() {
  if (api_emulator_ == nullptr) {
    ASSIGN_OR_RETURN(api_emulator_, ChildProcess::Start({WECOM_API_EMULATOR_BIN, "--config",
                                                         absl::StrCat(dir(), "/emulator.json"),
                                                         "--listen", "127.0.0.1:0"}));
    ASSIGN_OR_RETURN(std::string line, api_emulator_->ReadLineStartingWith("listening on"));
    api_port_ = PortAfter(line, "127.0.0.1:");
    if (api_port_ == 0) return absl::InternalError(absl::StrCat("no port in: ", line));
  }
  std::string config =
      absl::StrCat("listen: ", options_.listen_host, ":0\n", "metrics_listen: 127.0.0.1:0\n",
                   "data_dir: ", dir(), "/data\n", "sdk_library: ", FINANCE_SDK_EMULATOR_SO, "\n",
                   "log_level: ", options_.archive_log_level, "\n", "auth_token: {file: ", dir(),
                   "/token}\n", "wecom_api:\n", "  base_url: http://127.0.0.1:", api_port_, "\n");
  if (!options_.shard_map.empty()) {
    std::string shards = "corps:\n";
    for (size_t i = 0; i < options_.shard_map.size() && i < corp_ids_.size(); ++i) {
      absl::StrAppend(&shards, "  - corp_id: ", corp_ids_[i], "\n",
                      "    ordinal: ", options_.shard_map[i], "\n");
    }
    RETURN_IF_ERROR(WriteTestFile(shard_map_path(), shards, 0644));
    absl::StrAppend(&config, "sharding:\n  map_file: ", shard_map_path(),
                    "\n  ordinal: ", options_.shard_ordinal, "\n");
  }
  absl::StrAppend(&config, "corps:\n");
  for (const std::string& corp : corp_ids_) {
    absl::StrAppend(&config, "  - corp_id: ", corp, "\n", "    secret: {file: ", dir(),
                    "/secret}\n", "    private_keys_dir: ", dir(), "/keys\n", "    pull:\n",
                    "      limit: ", options_.pull_limit, "\n", "      poll_interval: 50ms\n");
    if (!options_.archive_proxy.empty()) {
      absl::StrAppend(&config, "      proxy: \"", options_.archive_proxy, "\"\n");
    }
    if (!options_.archive_proxy_credentials.empty()) {
      absl::StrAppend(&config, "      proxy_credentials: {file: ", dir(), "/proxy_credentials}\n");
    }
    if (options_.archive_pull_timeout > absl::ZeroDuration()) {
      absl::StrAppend(&config,
                      "      timeout: ", absl::FormatDuration(options_.archive_pull_timeout), "\n");
    }
  }
  RETURN_IF_ERROR(WriteTestFile(absl::StrCat(dir(), "/archive.yaml"), config, 0600));
  ASSIGN_OR_RETURN(
      archive_,
      ChildProcess::Start({WECOM_ARCHIVE_BIN, "--config", absl::StrCat(dir(), "/archive.yaml")},
                          {{emulator::kConfigEnvVar, absl::StrCat(dir(), "/emulator.json")}},
                          options_.capture_archive_stderr ? ArchiveStderrPath() : ""));
  ASSIGN_OR_RETURN(std::string ready, archive_->ReadLineStartingWith("archive ready"));
  grpc_port_ = PortAfter(ready, "grpc_port=");
  metrics_port_ = PortAfter(ready, "metrics_port=");
  if (grpc_port_ == 0 || metrics_port_ == 0) {
    return absl::InternalError(absl::StrCat("no ports in: ", ready));
  }
  return absl::OkStatus();
}

int ArchiveHarness::StopArchive(int signal) {
  if (archive_ == nullptr) return -1;
  archive_->Signal(signal);
  const int status = archive_->Wait();
  archive_.reset();
  return status;
}

void ArchiveHarness::ReloadKeys() {
  if (archive_ != nullptr) archive_->Signal(SIGHUP);
}

std::shared_ptr<grpc::Channel> ArchiveHarness::Channel(bool with_token) const {
  GrpcClientOptions options;
  options.target = absl::StrCat(options_.listen_host, ":", grpc_port_);
  if (with_token) options.auth_token = Secret(kToken);
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = MakeChannel(options);
  return channel.ok() ? *channel : nullptr;
}

std::unique_ptr<wecom::archive::v1::ArchiveService::Stub> ArchiveHarness::Stub(
    bool with_token) const {
  return wecom::archive::v1::ArchiveService::NewStub(Channel(with_token));
}

std::string ArchiveHarness::MetricsText() const { return FetchMetricsText(metrics_port_); }

std::string ArchiveHarness::ArchiveStderrPath() const {
  return absl::StrCat(dir(), "/archive.stderr");
}

std::string ArchiveHarness::ArchiveStderr() const {
  std::ifstream in(ArchiveStderrPath(), std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<wecom::archive::v1::StreamEvent> ReadMessages(archive::StreamEventReader* events,
                                                          size_t count) {
  std::vector<wecom::archive::v1::StreamEvent> out;
  wecom::archive::v1::StreamEvent event;
  while (out.size() < count && events->Next(&event)) {
    if (event.kind() == wecom::archive::v1::StreamEvent::KIND_CAUGHT_UP) continue;
    out.push_back(std::move(event));
  }
  return out;
}

}  // namespace wecom::testing
