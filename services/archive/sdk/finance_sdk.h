// The Finance SDK behind an interface: sessions that pull chat data and media
// for one corp, and the stateless DecryptData. The production implementation
// (LoadFinanceSdk) dlopens libWeWorkFinanceSdk_C.so, the vendor's or the
// emulator's, through the same C ABI.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace wecom::archive {

// Per-call settings the SDK takes on every network call.
struct SdkCallOptions {
  std::string proxy;   // e.g. socks5://10.0.0.1:8081; empty for none.
  std::string passwd;  // proxy credentials user:password; never logged.
  int timeout_seconds = 5;
};

// One piece of a media file.
struct MediaPiece {
  std::string data;
  std::string outindexbuf;
  bool is_finish = false;
};

// One initialised SDK instance (NewSdk + Init) for one corp. Not thread-safe:
// the vendor SDK crashes when two threads use one instance, so each thread
// gets its own session (see FinanceSdkPool).
class FinanceSdkSession {
 public:
  virtual ~FinanceSdkSession() = default;
  // The GetChatData answer JSON for messages after `seq`.
  virtual absl::StatusOr<std::string> GetChatData(uint64_t seq, uint32_t limit,
                                                  const SdkCallOptions& options) = 0;
  virtual absl::StatusOr<MediaPiece> GetMediaData(std::string_view indexbuf,
                                                  std::string_view sdkfileid,
                                                  const SdkCallOptions& options) = 0;
};

class FinanceSdk {
 public:
  virtual ~FinanceSdk() = default;
  virtual absl::StatusOr<std::unique_ptr<FinanceSdkSession>> NewSession(
      std::string_view corpid, std::string_view secret) = 0;
  // Decrypts encrypt_chat_msg with the RSA-decrypted random key. Safe from many
  // threads, but only once some session has been initialised (the SDK
  // requires Init before DecryptData).
  virtual absl::StatusOr<std::string> DecryptData(std::string_view random_key,
                                                  std::string_view encrypt_chat_msg) = 0;
};

// dlopens the SDK library at `library_path` and resolves its C ABI.
absl::StatusOr<std::unique_ptr<FinanceSdk>> LoadFinanceSdk(const std::string& library_path);

// The Status for an SDK return code: UNAVAILABLE for the transient 10001-10003,
// others mapped by meaning, each carrying a VendorError {finance-sdk, code}.
absl::Status SdkErrorStatus(int code, const char* function);

}  // namespace wecom::archive
