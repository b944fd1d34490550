// Runs the real archive service for integration tests: RSA keys made for the
// test, the Finance SDK emulator .so (dlopened by the service), the WeCom API
// emulator process, and the wecom-archive process itself, all on loopback
// ports chosen by the kernel.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "emulators/finance-sdk/corpus.h"
#include "emulators/finance-sdk/emulator_config.h"
#include "google/protobuf/text_format.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "services/archive/client/stream_event_reader.h"
#include "tests/support/child_process.h"
#include "tests/support/service_process.h"
#include "tests/support/temp_dir.h"
#include "wecom/archive/v1/archive_service.grpc.pb.h"

namespace wecom::testing {

struct ArchiveHarnessOptions {
  std::string corp_id = "wwtestcorp0001";
  emulator::TrafficSettings traffic;
  emulator::FaultSettings faults;
  // Versions the corp's public keys exist for (the emulator encrypts with them).
  std::set<uint32_t> key_versions = {1};
  // Versions whose private key the archive has at start.
  std::set<uint32_t> loaded_key_versions = {1};
  // More corps in the same process, each with traffic seeded differently.
  int extra_corps = 0;
  // The traffic of the first extra corps, in order, instead of `traffic`
  // with another seed (at most extra_corps entries).
  std::vector<emulator::TrafficSettings> extra_corp_traffic;
  // GetChatData page size the archive asks for.
  int pull_limit = 1000;
  // How the emulated corps' server is reached (default: directly, through any proxy).
  emulator::NetworkSettings network;
  // The archive's pull.proxy, pull.proxy_credentials (given as a secret file)
  // and pull.timeout for every corp; empty or zero: the key is left out.
  std::string archive_proxy;
  std::string archive_proxy_credentials;
  absl::Duration archive_pull_timeout = absl::ZeroDuration();
  std::string archive_log_level = "warn";
  // The archive's stderr (its logs) goes to a file ArchiveStderr() reads,
  // not to the test's stderr.
  bool capture_archive_stderr = false;
  // Set: the archive runs sharded, as the pod with `shard_ordinal`, and the
  // shard map (<dir>/shards.yaml) gives corp i the ordinal shard_map[i]
  // (corps beyond its size are left out of the map).
  std::vector<int> shard_map;
  int shard_ordinal = 0;
  // The loopback address the archive listens on (127.0.0.0/8 are all local,
  // so another one can stand for another pod).
  std::string listen_host = "127.0.0.1";
};

class ArchiveHarness {
 public:
  // Makes keys and config files in a fresh temporary directory.
  static absl::StatusOr<std::unique_ptr<ArchiveHarness>> Create(ArchiveHarnessOptions options);

  // Starts the WeCom API emulator (once) and the archive process.
  absl::Status StartArchive();
  // Sends `signal` to the archive process and reaps it; its wait status.
  int StopArchive(int signal);
  // Puts the private key of `version` into the archive's key directory.
  absl::Status InstallPrivateKey(uint32_t version);
  // Tells the archive to reload its keys (SIGHUP).
  void ReloadKeys();

  // A stub with the bearer token (or without one).
  std::unique_ptr<wecom::archive::v1::ArchiveService::Stub> Stub(bool with_token = true) const;
  std::shared_ptr<grpc::Channel> Channel(bool with_token = true) const;
  std::string MetricsText() const;
  // What the archive wrote to stderr so far (with capture_archive_stderr).
  std::string ArchiveStderr() const;

  // Corp 0 is options.corp_id; the extra corps follow.
  const std::string& corp_id(size_t corp = 0) const { return corp_ids_[corp]; }
  const emulator::Corpus& corpus(size_t corp = 0) const { return *corpora_[corp]; }
  const std::string& dir() const { return dir_.path(); }
  // The archive process, while it runs.
  pid_t archive_pid() const { return archive_ == nullptr ? 0 : archive_->pid(); }
  int grpc_port() const { return grpc_port_; }
  // The bearer token both the archive and the media service accept.
  static const char* token();
  // Where the shard map is (written with options().shard_map).
  std::string shard_map_path() const { return dir() + "/shards.yaml"; }
  int metrics_port() const { return metrics_port_; }

 private:
  ArchiveHarness(ArchiveHarnessOptions options, TempDir dir);
  absl::Status WriteFiles();
  std::string ArchiveStderrPath() const;

  ArchiveHarnessOptions options_;
  // Outlives the processes below, which use it: members are destroyed in reverse order.
  TempDir dir_;
  std::vector<std::string> corp_ids_;
  std::vector<std::unique_ptr<emulator::Corpus>> corpora_;
  std::unique_ptr<ChildProcess> api_emulator_;
  std::unique_ptr<ChildProcess> archive_;
  int api_port_ = 0;
  int grpc_port_ = 0;
  int metrics_port_ = 0;
};

// One unary call of `method` on `stub`, its request written in protobuf text
// format with "$corp" standing for `corp`: for tables of bad-request cases.
using UnaryCall = std::function<grpc::Status(grpc::ClientContext*)>;
template <typename Stub, typename Request, typename Response>
UnaryCall TextFormatCall(Stub* stub,
                         grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                      Response*),
                         const std::string& corp, const std::string& text) {
  Request request;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(
      absl::StrReplaceAll(text, {{"$corp", corp}}), &request))
      << text;
  return [stub, method, request](grpc::ClientContext* context) {
    Response response;
    return (stub->*method)(context, request, &response);
  };
}

// Reads a stream until `count` message events (ARCHIVED or RECOVERED) have
// arrived or the stream ends; CAUGHT_UP markers are skipped.
std::vector<wecom::archive::v1::StreamEvent> ReadMessages(archive::StreamEventReader* events,
                                                          size_t count);

}  // namespace wecom::testing
