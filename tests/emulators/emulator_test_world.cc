#include "tests/emulators/emulator_test_world.h"

#include <dlfcn.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdlib.h>

#include <cstdio>
#include <fstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status/status_macros.h"
#include "tests/support/rsa_keys.h"

namespace wecom::emulator {
namespace {

// Set for death-test children, which re-run the binary and reuse the files.
constexpr char kWorldDirEnv[] = "FINANCE_SDK_EMULATOR_TEST_DIR";
constexpr uint32_t kKeyVersions[] = {1, 2};

std::string PrivateKeyPath(const std::string& dir, uint32_t version) {
  return absl::StrCat(dir, "/v", version, ".key.pem");
}
std::string PublicKeyPath(const std::string& dir, uint32_t version) {
  return absl::StrCat(dir, "/v", version, ".pub.pem");
}

absl::Status WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<EVP_PKEY>> ReadPrivateKey(const std::string& path) {
  std::unique_ptr<FILE, decltype(&fclose)> file(fopen(path.c_str(), "rb"), fclose);
  if (file == nullptr) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  EVP_PKEY* key = PEM_read_PrivateKey(file.get(), nullptr, nullptr, nullptr);
  if (key == nullptr) return absl::InvalidArgumentError(absl::StrCat("no private key in ", path));
  return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}

CorpConfig MakeCorp(const std::string& dir, std::string corpid, uint64_t seed,
                    uint64_t message_count, absl::Duration age, absl::Duration span) {
  CorpConfig corp;
  corp.corpid = std::move(corpid);
  corp.secret = absl::StrCat("secret-of-", corp.corpid);
  for (uint32_t version : kKeyVersions)
    corp.public_key_files[version] = PublicKeyPath(dir, version);
  corp.traffic.message_count = message_count;
  corp.traffic.seed = seed;
  corp.traffic.start_time_ms = absl::ToUnixMillis(absl::Now() - age);
  corp.traffic.time_span_ms = absl::ToInt64Milliseconds(span);
  corp.traffic.key_versions = {{1, 1}};
  return corp;
}

EmulatorConfig MakeConfig(const std::string& dir) {
  EmulatorConfig config;

  CorpConfig main = MakeCorp(dir, kMainCorp, 7, 400, absl::Hours(48), absl::Hours(24));
  main.traffic.empty_md5sum_rate = 0.2;
  {
    const Corpus corpus(main.traffic);
    // The key changes halfway through.
    main.traffic.key_versions = {{1, 1}, {corpus.SeqAt(200), 2}};
    // The first image and the first file always fail.
    for (size_t i = 0; i < corpus.base_size() && main.faults.failing_sdkfileids.size() < 2; ++i) {
      for (const MediaFile& file : corpus.MediaOf(i)) {
        const bool wanted =
            main.faults.failing_sdkfileids.empty() ? file.kind == "image" : file.kind == "file";
        if (wanted) main.faults.failing_sdkfileids.push_back(file.sdkfileid);
      }
    }
  }
  config.corps.push_back(std::move(main));

  CorpConfig corrupt = MakeCorp(dir, kCorruptCorp, 8, 60, absl::Hours(24), absl::Hours(12));
  corrupt.faults.media_corrupt_rate = 1.0;
  config.corps.push_back(std::move(corrupt));

  config.corps.push_back(MakeCorp(dir, kRetentionCorp, 9, 200, absl::Hours(240), absl::Hours(239)));

  CorpConfig flaky = MakeCorp(dir, kFlakyCorp, 10, 50, absl::Hours(24), absl::Hours(12));
  flaky.faults.transient_error_rate = 1.0;
  config.corps.push_back(std::move(flaky));

  CorpConfig limited = MakeCorp(dir, kLimitedCorp, 11, 50, absl::Hours(24), absl::Hours(12));
  limited.faults.chat_calls_per_minute = 3;
  limited.faults.media_calls_per_minute = 2;
  config.corps.push_back(std::move(limited));

  CorpConfig slow = MakeCorp(dir, kSlowCorp, 12, 10, absl::Hours(24), absl::Hours(12));
  slow.faults.latency_ms = 600000;
  config.corps.push_back(std::move(slow));

  CorpConfig live = MakeCorp(dir, kLiveCorp, 13, 20, absl::Seconds(30), absl::Seconds(20));
  live.traffic.live_messages_per_second = 20;
  config.corps.push_back(std::move(live));

  CorpConfig proxied = MakeCorp(dir, kProxiedCorp, 14, 30, absl::Hours(24), absl::Hours(12));
  proxied.network.required_proxy = kCorpProxy;
  proxied.network.required_proxy_passwd = kCorpProxyPasswd;
  config.corps.push_back(std::move(proxied));
  return config;
}

template <typename Function>
absl::Status Resolve(void* library, const char* name, Function* function) {
  *function = reinterpret_cast<Function>(dlsym(library, name));
  if (*function == nullptr) {
    return absl::NotFoundError(absl::StrCat("the emulator library does not export ", name));
  }
  return absl::OkStatus();
}

}  // namespace

const EmulatorTestWorld& EmulatorTestWorld::Get() {
  static EmulatorTestWorld world;
  static const bool created = [] {
    const absl::Status status = world.Create();
    if (!status.ok()) {
      std::fprintf(stderr, "cannot set up the SDK emulator tests: %s\n", status.ToString().c_str());
      std::abort();
    }
    return true;
  }();
  (void)created;
  return world;
}

absl::Status EmulatorTestWorld::Create() {
  if (const char* inherited = std::getenv(kWorldDirEnv); inherited != nullptr) {
    dir_ = inherited;
    ASSIGN_OR_RETURN(config_, ReadEmulatorConfig(dir_ + "/config.json", absl::Now()));
  } else {
    ASSIGN_OR_RETURN(owned_dir_, testing::TempDir::Create("finance_sdk_emulator_test."));
    dir_ = owned_dir_->path();
    for (uint32_t version : kKeyVersions) {
      ASSIGN_OR_RETURN(const testing::RsaKeyPem key, testing::MakeRsaKeyPair());
      RETURN_IF_ERROR(WriteText(PrivateKeyPath(dir_, version), key.private_pkcs8));
      RETURN_IF_ERROR(WriteText(PublicKeyPath(dir_, version), key.public_spki));
    }
    config_ = MakeConfig(dir_);
    const std::string config_path = dir_ + "/config.json";
    RETURN_IF_ERROR(WriteText(config_path, EmulatorConfigJson(config_)));
    setenv(kConfigEnvVar, config_path.c_str(), 1);
    setenv(kWorldDirEnv, dir_.c_str(), 1);
  }
  for (uint32_t version : kKeyVersions) {
    ASSIGN_OR_RETURN(private_keys_[version], ReadPrivateKey(PrivateKeyPath(dir_, version)));
  }
  for (const CorpConfig& corp : config_.corps) {
    corpora_.emplace(corp.corpid, std::make_unique<Corpus>(corp.traffic));
  }

  void* library = dlopen(FINANCE_SDK_EMULATOR_PATH, RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    return absl::NotFoundError(absl::StrCat("dlopen ", FINANCE_SDK_EMULATOR_PATH, ": ", dlerror()));
  }
  RETURN_IF_ERROR(Resolve(library, "NewSdk", &abi_.NewSdk));
  RETURN_IF_ERROR(Resolve(library, "Init", &abi_.Init));
  RETURN_IF_ERROR(Resolve(library, "GetChatData", &abi_.GetChatData));
  RETURN_IF_ERROR(Resolve(library, "DecryptData", &abi_.DecryptData));
  RETURN_IF_ERROR(Resolve(library, "GetMediaData", &abi_.GetMediaData));
  RETURN_IF_ERROR(Resolve(library, "DestroySdk", &abi_.DestroySdk));
  RETURN_IF_ERROR(Resolve(library, "NewSlice", &abi_.NewSlice));
  RETURN_IF_ERROR(Resolve(library, "FreeSlice", &abi_.FreeSlice));
  RETURN_IF_ERROR(Resolve(library, "GetContentFromSlice", &abi_.GetContentFromSlice));
  RETURN_IF_ERROR(Resolve(library, "GetSliceLen", &abi_.GetSliceLen));
  RETURN_IF_ERROR(Resolve(library, "NewMediaData", &abi_.NewMediaData));
  RETURN_IF_ERROR(Resolve(library, "FreeMediaData", &abi_.FreeMediaData));
  RETURN_IF_ERROR(Resolve(library, "GetOutIndexBuf", &abi_.GetOutIndexBuf));
  RETURN_IF_ERROR(Resolve(library, "GetData", &abi_.GetData));
  RETURN_IF_ERROR(Resolve(library, "GetIndexLen", &abi_.GetIndexLen));
  RETURN_IF_ERROR(Resolve(library, "GetDataLen", &abi_.GetDataLen));
  RETURN_IF_ERROR(Resolve(library, "IsMediaDataFinish", &abi_.IsMediaDataFinish));
  return absl::OkStatus();
}

const CorpConfig& EmulatorTestWorld::corp(absl::string_view corpid) const {
  for (const CorpConfig& corp : config_.corps) {
    if (corp.corpid == corpid) return corp;
  }
  std::fprintf(stderr, "no corp %s in the test config\n", std::string(corpid).c_str());
  std::abort();
}

const Corpus& EmulatorTestWorld::corpus(absl::string_view corpid) const {
  const auto it = corpora_.find(std::string(corpid));
  if (it == corpora_.end()) {
    std::fprintf(stderr, "no corp %s in the test config\n", std::string(corpid).c_str());
    std::abort();
  }
  return *it->second;
}

absl::StatusOr<std::string> EmulatorTestWorld::DecryptWithPrivateKey(
    uint32_t publickey_ver, absl::string_view ciphertext) const {
  const auto key = private_keys_.find(publickey_ver);
  if (key == private_keys_.end()) {
    return absl::NotFoundError(absl::StrCat("no private key for publickey_ver ", publickey_ver));
  }
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_from_pkey(nullptr, key->second.get(), nullptr), EVP_PKEY_CTX_free);
  const auto* in = reinterpret_cast<const unsigned char*>(ciphertext.data());
  size_t size = 0;
  if (ctx == nullptr || EVP_PKEY_decrypt_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1 ||
      EVP_PKEY_decrypt(ctx.get(), nullptr, &size, in, ciphertext.size()) != 1) {
    return absl::InternalError("RSA decrypt setup failed");
  }
  std::string plain(size, '\0');
  if (EVP_PKEY_decrypt(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &size, in,
                       ciphertext.size()) != 1) {
    return absl::InvalidArgumentError("RSA PKCS#1 decryption failed");
  }
  plain.resize(size);
  return plain;
}

}  // namespace wecom::emulator
