// What the SDK emulator tests share in one process: RSA key pairs, a config
// with a corp per scenario, the environment variable pointing at it, and the
// emulator's libWeWorkFinanceSdk_C.so loaded with dlopen. Death-test children
// reuse their parent's files instead of making their own.
#pragma once

#include <openssl/evp.h>

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "emulators/finance-sdk/corpus.h"
#include "emulators/finance-sdk/emulator_config.h"
#include "services/archive/sdk/WeWorkFinanceSdk_C.h"
#include "tests/support/temp_dir.h"

namespace wecom::emulator {

// The C ABI, resolved from the loaded library by name.
struct FinanceSdkAbi {
  decltype(&::NewSdk) NewSdk;
  decltype(&::Init) Init;
  decltype(&::GetChatData) GetChatData;
  decltype(&::DecryptData) DecryptData;
  decltype(&::GetMediaData) GetMediaData;
  decltype(&::DestroySdk) DestroySdk;
  decltype(&::NewSlice) NewSlice;
  decltype(&::FreeSlice) FreeSlice;
  decltype(&::GetContentFromSlice) GetContentFromSlice;
  decltype(&::GetSliceLen) GetSliceLen;
  decltype(&::NewMediaData) NewMediaData;
  decltype(&::FreeMediaData) FreeMediaData;
  decltype(&::GetOutIndexBuf) GetOutIndexBuf;
  decltype(&::GetData) GetData;
  decltype(&::GetIndexLen) GetIndexLen;
  decltype(&::GetDataLen) GetDataLen;
  decltype(&::IsMediaDataFinish) IsMediaDataFinish;
};

// The corps of the test config, one per scenario.
inline constexpr char kMainCorp[] = "wwmaincorp";            // 400 messages, 2 key versions
inline constexpr char kCorruptCorp[] = "wwcorruptcorp";      // media_corrupt_rate 1
inline constexpr char kRetentionCorp[] = "wwretentioncorp";  // 10 days of messages, 5 kept
inline constexpr char kFlakyCorp[] = "wwflakycorp";          // transient_error_rate 1
inline constexpr char kLimitedCorp[] = "wwlimitedcorp";      // 3 chat, 2 media calls a minute
inline constexpr char kSlowCorp[] = "wwslowcorp";            // 10 minutes of latency per call
inline constexpr char kLiveCorp[] = "wwlivecorp";            // 20 messages, then 20 a second
inline constexpr char kProxiedCorp[] = "wwproxiedcorp";      // reachable only through a proxy

// kProxiedCorp's proxy and the credentials it asks for.
inline constexpr char kCorpProxy[] = "socks5://127.0.0.1:1080";
inline constexpr char kCorpProxyPasswd[] = "archive:proxy-pass-7f3a";

class EmulatorTestWorld {
 public:
  // Created on first use; aborts the test binary if setup fails.
  static const EmulatorTestWorld& Get();

  const FinanceSdkAbi& abi() const { return abi_; }
  const CorpConfig& corp(absl::string_view corpid) const;
  const Corpus& corpus(absl::string_view corpid) const;
  std::string secret(absl::string_view corpid) const { return corp(corpid).secret; }
  // RSA PKCS#1 v1.5 decryption with the private key of publickey_ver.
  absl::StatusOr<std::string> DecryptWithPrivateKey(uint32_t publickey_ver,
                                                    absl::string_view ciphertext) const;

 private:
  EmulatorTestWorld() = default;
  absl::Status Create();

  std::string dir_;
  // Set when this process made dir_, which then goes with it; a death-test
  // child leaves its parent's files alone.
  std::optional<testing::TempDir> owned_dir_;
  std::map<uint32_t, std::shared_ptr<EVP_PKEY>> private_keys_;
  EmulatorConfig config_;
  std::map<std::string, std::unique_ptr<Corpus>, std::less<>> corpora_;
  FinanceSdkAbi abi_{};
};

}  // namespace wecom::emulator
