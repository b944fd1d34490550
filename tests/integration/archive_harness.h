// Runs the real archive service for integration tests: RSA keys made for the
// test, the Finance SDK emulator .so (dlopened by the service), the WeCom API
// emulator process, and the wecom-archive process itself, all on loopback
// ports chosen by the kernel.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "emulators/finance-sdk/corpus.h"
#include "emulators/finance-sdk/emulator_config.h"
#include "grpcpp/grpcpp.h"
#include "services/archive/client/stream_event_reader.h"
#include "tests/support/child_process.h"
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
  // GetChatData page size the archive asks for.
  int pull_limit = 1000;
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

  // Corp 0 is options.corp_id; the extra corps follow.
  const std::string& corp_id(size_t corp = 0) const { return corp_ids_[corp]; }
  const emulator::Corpus& corpus(size_t corp = 0) const { return *corpora_[corp]; }
  const std::string& dir() const { return dir_.path(); }
  // The archive process, while it runs.
  pid_t archive_pid() const { return archive_ == nullptr ? 0 : archive_->pid(); }

 private:
  ArchiveHarness(ArchiveHarnessOptions options, TempDir dir);
  absl::Status WriteFiles();

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

// Reads a stream until `count` message events (ARCHIVED or RECOVERED) have
// arrived or the stream ends; CAUGHT_UP markers are skipped.
std::vector<wecom::archive::v1::StreamEvent> ReadMessages(archive::StreamEventReader* events,
                                                          size_t count);

}  // namespace wecom::testing
