// The server side of one corp's chat archive: what GetChatData and
// GetMediaData reach over the network, serving the corp's Corpus through its
// retention and configured faults.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "emulators/finance-sdk/calls_per_minute_limit.h"
#include "emulators/finance-sdk/corpus.h"
#include "emulators/finance-sdk/emulator_config.h"
#include "emulators/finance-sdk/rsa_public_key.h"

namespace wecom::emulator {

// GetChatData's documented maximum limit.
inline constexpr uint32_t kMaxChatDataLimit = 1000;
// GetMediaData returns at most this many bytes per call (512 KiB).
inline constexpr uint64_t kMediaPieceSize = 524288;

// One GetMediaData answer.
struct MediaPiece {
  std::string data;
  // The next piece's index, "Range:bytes=<first>-<last>" (last inclusive);
  // empty once the file is complete.
  std::string next_index;
  bool finished = false;
};

// What a GetChatData/GetMediaData caller gave the SDK for reaching the server.
struct CallNetwork {
  // "" for none.
  absl::string_view proxy;
  // The proxy's "user:password"; never logged.
  absl::string_view passwd;
  // Seconds; > 0 bounds the injected latency as the SDK's timeout would.
  int timeout_s = 0;
};

// GetChatData's answer when the server reports an error inside the JSON
// (the call itself returns 0).
std::string ChatDataErrorJson(int errcode, absl::string_view errmsg);

// Thread-safe; shared by every SDK instance initialised for the corp.
class EmulatedCorp {
 public:
  // Builds the corpus and loads the public keys; fails naming an unusable key file.
  static absl::StatusOr<std::unique_ptr<EmulatedCorp>> Create(CorpConfig config);

  const CorpConfig& config() const { return config_; }
  const Corpus& corpus() const { return corpus_; }
  bool SecretMatches(absl::string_view secret) const { return secret == config_.secret; }

  // GetChatData: the answer JSON for up to `limit` messages with seq > `seq`
  // that are sent and not yet expired, or a VendorError (10000, 10001-10003,
  // 10001 on timeout or without the corp's proxy and its passwd). Server
  // errors (40001, 45009) come inside the JSON.
  absl::StatusOr<std::string> ChatData(uint64_t seq, uint32_t limit, bool secret_ok,
                                       const CallNetwork& network);

  // GetMediaData: the piece `indexbuf` names ("" for the first), or a
  // VendorError (10000, 10001-10003, 10005, 10006, 10010, 40001, 45009).
  absl::StatusOr<MediaPiece> MediaData(absl::string_view indexbuf, absl::string_view sdkfileid,
                                       bool secret_ok, const CallNetwork& network);

 private:
  EmulatedCorp(CorpConfig config, std::map<uint32_t, RsaPublicKey> keys);

  // 10001 unless the call goes through the corp's required proxy with its
  // passwd; then sleeps for the configured latency, 10001 if the SDK's
  // timeout is shorter.
  absl::Status SimulateNetwork(const CallNetwork& network);
  // Fails a transient_error_rate fraction of calls with 10001, 10002 or 10003.
  absl::Status TransientFault();
  // True if this fetch of the piece at `offset` must come back corrupted.
  bool CorruptsThisFetch(const MediaFile& file, uint64_t offset);
  absl::StatusOr<std::string> EncryptedEntry(const CorpusMessage& message) const;

  const CorpConfig config_;
  const Corpus corpus_;
  const std::map<uint32_t, RsaPublicKey> keys_;
  const absl::flat_hash_set<std::string> failing_sdkfileids_;
  CallsPerMinuteLimit chat_limit_;
  CallsPerMinuteLimit media_limit_;
  // Numbers the calls, so fault decisions are reproducible per call order.
  std::atomic<uint64_t> calls_{0};

  absl::Mutex fetched_mu_;
  // (file, offset) of the pieces already fetched once.
  absl::flat_hash_set<std::pair<uint64_t, uint64_t>> fetched_pieces_ ABSL_GUARDED_BY(fetched_mu_);
};

}  // namespace wecom::emulator
