// The Finance SDK's C ABI over EmulatedCorp, with the real SDK's buffer
// conventions, and loud aborts where the real SDK would crash.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/status/status_macros.h"
#include "emulators/finance-sdk/emulated_corp.h"
#include "emulators/finance-sdk/emulator_config.h"
#include "emulators/finance-sdk/message_cipher.h"
#include "emulators/finance-sdk/vendor_codes.h"
#include "services/archive/sdk/WeWorkFinanceSdk_C.h"

// One NewSdk instance. Never freed: DestroySdk only marks it, so its address
// is never handed out again and a late use is always recognised.
struct WeWorkFinanceSdk_t {
  // Set while a thread is inside a call on this instance.
  std::atomic<bool> in_call{false};
  std::atomic<bool> destroyed{false};
  // Written by Init, read by the calls that follow; in_call orders them.
  bool initialized = false;
  // Null when Init named a corpid the config does not hold.
  wecom::emulator::EmulatedCorp* corp = nullptr;
  bool secret_ok = false;
};

namespace wecom::emulator {
namespace {

[[noreturn]] void DieOfMisuse(absl::string_view function, absl::string_view what) {
  std::fprintf(stderr, "WeWorkFinanceSdk emulator: %.*s: %.*s\n", static_cast<int>(function.size()),
               function.data(), static_cast<int>(what.size()), what.data());
  std::fflush(stderr);
  std::abort();
}

// Every configured corp, loaded from the config file when the first SDK is created.
class EmulatedBackend {
 public:
  static absl::StatusOr<std::unique_ptr<EmulatedBackend>> Load() {
    const char* path = std::getenv(kConfigEnvVar);
    if (path == nullptr || *path == '\0') {
      return absl::FailedPreconditionError(
          absl::StrCat(kConfigEnvVar, " is not set; it must name the emulator's config file"));
    }
    ASSIGN_OR_RETURN(EmulatorConfig config, ReadEmulatorConfig(path, absl::Now()));
    auto backend = std::make_unique<EmulatedBackend>();
    for (CorpConfig& corp : config.corps) {
      const std::string corpid = corp.corpid;
      ASSIGN_OR_RETURN(std::unique_ptr<EmulatedCorp> emulated,
                       EmulatedCorp::Create(std::move(corp)));
      backend->corps_.emplace(corpid, std::move(emulated));
    }
    return backend;
  }

  EmulatedCorp* Find(absl::string_view corpid) const {
    const auto it = corps_.find(corpid);
    return it == corps_.end() ? nullptr : it->second.get();
  }

 private:
  absl::flat_hash_map<std::string, std::unique_ptr<EmulatedCorp>> corps_;
};

// Loads once; a failure is reported on stderr once and makes every Init fail.
const absl::StatusOr<std::unique_ptr<EmulatedBackend>>& Backend() {
  static const auto* const backend = [] {
    auto* loaded = new absl::StatusOr<std::unique_ptr<EmulatedBackend>>(EmulatedBackend::Load());
    if (!loaded->ok()) {
      std::fprintf(stderr, "WeWorkFinanceSdk emulator: cannot load config: %s\n",
                   loaded->status().ToString().c_str());
    }
    return loaded;
  }();
  return *backend;
}

// Set by the first successful Init: the real SDK crashes in DecryptData without one.
std::atomic<bool> any_init_succeeded{false};

// Every instance NewSdk ever returned.
class InstanceRegistry {
 public:
  WeWorkFinanceSdk_t* Create() {
    auto* sdk = new WeWorkFinanceSdk_t;
    absl::MutexLock lock(&mu_);
    instances_.insert(sdk);
    return sdk;
  }
  bool Contains(const WeWorkFinanceSdk_t* sdk) {
    absl::MutexLock lock(&mu_);
    return instances_.contains(sdk);
  }

 private:
  absl::Mutex mu_;
  absl::flat_hash_set<const WeWorkFinanceSdk_t*> instances_ ABSL_GUARDED_BY(mu_);
};

InstanceRegistry& Registry() {
  static auto* const registry = new InstanceRegistry;
  return *registry;
}

// Holds an instance for one call, aborting on the misuses that crash the real
// SDK: unknown or destroyed pointers, and two threads in one instance.
class InstanceCall {
 public:
  InstanceCall(WeWorkFinanceSdk_t* sdk, absl::string_view function) : sdk_(sdk) {
    // Checked before touching the instance: the pointer may be anything.
    if (sdk == nullptr || !Registry().Contains(sdk)) {
      DieOfMisuse(function, "called with a pointer that NewSdk did not return");
    }
    if (sdk->in_call.exchange(true)) {
      DieOfMisuse(function,
                  "two threads are inside one SDK instance at once; the real SDK crashes. "
                  "Use one instance per thread");
    }
    if (sdk->destroyed.load()) DieOfMisuse(function, "called with an SDK after DestroySdk");
  }
  ~InstanceCall() { sdk_->in_call.store(false); }
  InstanceCall(const InstanceCall&) = delete;
  InstanceCall& operator=(const InstanceCall&) = delete;

 private:
  WeWorkFinanceSdk_t* sdk_;
};

// Replaces *buffer with a malloc'd, NUL-terminated copy of `bytes`.
bool SetBuffer(absl::string_view bytes, char** buffer, int* length) {
  std::free(*buffer);
  *buffer = static_cast<char*>(std::malloc(bytes.size() + 1));
  *length = 0;
  if (*buffer == nullptr) return false;
  std::memcpy(*buffer, bytes.data(), bytes.size());
  (*buffer)[bytes.size()] = '\0';
  *length = static_cast<int>(bytes.size());
  return true;
}

int AnswerInSlice(absl::string_view answer, Slice_t* slice) {
  return SetBuffer(answer, &slice->buf, &slice->len) ? kSdkOk : kSdkSystemError;
}

// proxy and passwd are optional (null or "" for none), as the vendor documents.
CallNetwork CallNetworkOf(const char* proxy, const char* passwd, int timeout) {
  return CallNetwork{.proxy = proxy == nullptr ? "" : proxy,
                     .passwd = passwd == nullptr ? "" : passwd,
                     .timeout_s = timeout};
}

}  // namespace
}  // namespace wecom::emulator

using wecom::emulator::AnswerInSlice;
using wecom::emulator::Backend;
using wecom::emulator::CallNetworkOf;
using wecom::emulator::InstanceCall;
using wecom::emulator::kSdkOk;
using wecom::emulator::kSdkParameterError;
using wecom::emulator::kSdkSystemError;
using wecom::emulator::Registry;
using wecom::emulator::SetBuffer;
using wecom::emulator::VendorCode;

// Exported even under -fvisibility=hidden; the version script exports nothing else.
#define FINANCE_SDK_API __attribute__((visibility("default")))

extern "C" {

FINANCE_SDK_API WeWorkFinanceSdk_t* NewSdk() {
  Backend();  // The config is read when the first SDK is created.
  return Registry().Create();
}

FINANCE_SDK_API int Init(WeWorkFinanceSdk_t* sdk, const char* corpid, const char* secret) {
  InstanceCall call(sdk, "Init");
  if (corpid == nullptr || secret == nullptr || *corpid == '\0' || *secret == '\0' ||
      !Backend().ok()) {
    return kSdkParameterError;
  }
  // Like the real Init, no server is asked: an unknown corpid or a wrong
  // secret shows in the calls that follow.
  sdk->corp = (*Backend())->Find(corpid);
  sdk->secret_ok = sdk->corp != nullptr && sdk->corp->SecretMatches(secret);
  sdk->initialized = true;
  wecom::emulator::any_init_succeeded.store(true);
  return kSdkOk;
}

FINANCE_SDK_API int GetChatData(WeWorkFinanceSdk_t* sdk, unsigned long long seq, unsigned int limit,
                                const char* proxy, const char* passwd, int timeout,
                                Slice_t* chatDatas) {
  InstanceCall call(sdk, "GetChatData");
  if (chatDatas == nullptr || !sdk->initialized) return kSdkParameterError;
  if (sdk->corp == nullptr) {
    return AnswerInSlice(
        wecom::emulator::ChatDataErrorJson(wecom::emulator::kErrInvalidCorpId, "invalid corpid"),
        chatDatas);
  }
  absl::StatusOr<std::string> answer =
      sdk->corp->ChatData(seq, limit, sdk->secret_ok, CallNetworkOf(proxy, passwd, timeout));
  if (!answer.ok()) return VendorCode(answer.status());
  return AnswerInSlice(*answer, chatDatas);
}

FINANCE_SDK_API int DecryptData(const char* encrypt_key, const char* encrypt_msg, Slice_t* msg) {
  if (!wecom::emulator::any_init_succeeded.load()) {
    wecom::emulator::DieOfMisuse("DecryptData",
                                 "called before any successful Init in this process; the real "
                                 "SDK crashes (free(): invalid pointer)");
  }
  if (encrypt_key == nullptr || encrypt_msg == nullptr || msg == nullptr) {
    return kSdkParameterError;
  }
  absl::StatusOr<std::string> plaintext =
      wecom::emulator::DecryptChatMessage(encrypt_key, encrypt_msg);
  if (!plaintext.ok()) return VendorCode(plaintext.status());
  return AnswerInSlice(*plaintext, msg);
}

FINANCE_SDK_API int GetMediaData(WeWorkFinanceSdk_t* sdk, const char* indexbuf,
                                 const char* sdkFileid, const char* proxy, const char* passwd,
                                 int timeout, MediaData_t* media_data) {
  InstanceCall call(sdk, "GetMediaData");
  if (media_data == nullptr || sdkFileid == nullptr || !sdk->initialized) {
    return kSdkParameterError;
  }
  if (sdk->corp == nullptr) return wecom::emulator::kErrInvalidCorpId;
  absl::StatusOr<wecom::emulator::MediaPiece> piece =
      sdk->corp->MediaData(indexbuf == nullptr ? "" : indexbuf, sdkFileid, sdk->secret_ok,
                           CallNetworkOf(proxy, passwd, timeout));
  if (!piece.ok()) return VendorCode(piece.status());
  if (!SetBuffer(piece->next_index, &media_data->outindexbuf, &media_data->out_len) ||
      !SetBuffer(piece->data, &media_data->data, &media_data->data_len)) {
    return kSdkSystemError;
  }
  media_data->is_finish = piece->finished ? 1 : 0;
  return kSdkOk;
}

FINANCE_SDK_API void DestroySdk(WeWorkFinanceSdk_t* sdk) {
  InstanceCall call(sdk, "DestroySdk");
  sdk->destroyed.store(true);
  sdk->corp = nullptr;
}

FINANCE_SDK_API Slice_t* NewSlice() {
  return static_cast<Slice_t*>(std::calloc(1, sizeof(Slice_t)));
}

FINANCE_SDK_API void FreeSlice(Slice_t* slice) {
  if (slice == nullptr) return;
  std::free(slice->buf);
  std::free(slice);
}

FINANCE_SDK_API char* GetContentFromSlice(Slice_t* slice) {
  return slice == nullptr ? nullptr : slice->buf;
}

FINANCE_SDK_API int GetSliceLen(Slice_t* slice) { return slice == nullptr ? 0 : slice->len; }

FINANCE_SDK_API MediaData_t* NewMediaData() {
  return static_cast<MediaData_t*>(std::calloc(1, sizeof(MediaData_t)));
}

FINANCE_SDK_API void FreeMediaData(MediaData_t* media_data) {
  if (media_data == nullptr) return;
  std::free(media_data->outindexbuf);
  std::free(media_data->data);
  std::free(media_data);
}

FINANCE_SDK_API char* GetOutIndexBuf(MediaData_t* media_data) {
  return media_data == nullptr ? nullptr : media_data->outindexbuf;
}

FINANCE_SDK_API char* GetData(MediaData_t* media_data) {
  return media_data == nullptr ? nullptr : media_data->data;
}

FINANCE_SDK_API int GetIndexLen(MediaData_t* media_data) {
  return media_data == nullptr ? 0 : media_data->out_len;
}

FINANCE_SDK_API int GetDataLen(MediaData_t* media_data) {
  return media_data == nullptr ? 0 : media_data->data_len;
}

FINANCE_SDK_API int IsMediaDataFinish(MediaData_t* media_data) {
  return media_data == nullptr ? 0 : media_data->is_finish;
}

}  // extern "C"
