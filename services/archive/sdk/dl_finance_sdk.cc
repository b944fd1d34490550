// LoadFinanceSdk: the vendor library through dlopen. Every buffer is read by
// its length (GetSliceLen/GetDataLen/GetIndexLen), never as a C string, and
// every Slice_t/MediaData_t is freed on every path by the RAII owners below.
#include <dlfcn.h>

#include <atomic>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "services/archive/sdk/WeWorkFinanceSdk_C.h"
#include "services/archive/sdk/finance_sdk.h"

namespace wecom::archive {
namespace {

// The resolved C ABI.
struct SdkAbi {
  decltype(&::NewSdk) new_sdk;
  decltype(&::Init) init;
  decltype(&::GetChatData) get_chat_data;
  decltype(&::DecryptData) decrypt_data;
  decltype(&::GetMediaData) get_media_data;
  decltype(&::DestroySdk) destroy_sdk;
  decltype(&::NewSlice) new_slice;
  decltype(&::FreeSlice) free_slice;
  decltype(&::GetContentFromSlice) get_content_from_slice;
  decltype(&::GetSliceLen) get_slice_len;
  decltype(&::NewMediaData) new_media_data;
  decltype(&::FreeMediaData) free_media_data;
  decltype(&::GetOutIndexBuf) get_out_index_buf;
  decltype(&::GetData) get_data;
  decltype(&::GetIndexLen) get_index_len;
  decltype(&::GetDataLen) get_data_len;
  decltype(&::IsMediaDataFinish) is_media_data_finish;
};

template <typename Fn>
absl::Status Resolve(void* handle, const char* name, Fn* out) {
  void* symbol = dlsym(handle, name);
  if (symbol == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("Finance SDK library lacks the symbol ", name));
  }
  *out = reinterpret_cast<Fn>(symbol);
  return absl::OkStatus();
}

absl::StatusOr<SdkAbi> ResolveAbi(void* handle) {
  SdkAbi abi{};
  for (absl::Status status : {
           Resolve(handle, "NewSdk", &abi.new_sdk),
           Resolve(handle, "Init", &abi.init),
           Resolve(handle, "GetChatData", &abi.get_chat_data),
           Resolve(handle, "DecryptData", &abi.decrypt_data),
           Resolve(handle, "GetMediaData", &abi.get_media_data),
           Resolve(handle, "DestroySdk", &abi.destroy_sdk),
           Resolve(handle, "NewSlice", &abi.new_slice),
           Resolve(handle, "FreeSlice", &abi.free_slice),
           Resolve(handle, "GetContentFromSlice", &abi.get_content_from_slice),
           Resolve(handle, "GetSliceLen", &abi.get_slice_len),
           Resolve(handle, "NewMediaData", &abi.new_media_data),
           Resolve(handle, "FreeMediaData", &abi.free_media_data),
           Resolve(handle, "GetOutIndexBuf", &abi.get_out_index_buf),
           Resolve(handle, "GetData", &abi.get_data),
           Resolve(handle, "GetIndexLen", &abi.get_index_len),
           Resolve(handle, "GetDataLen", &abi.get_data_len),
           Resolve(handle, "IsMediaDataFinish", &abi.is_media_data_finish),
       }) {
    if (!status.ok()) return status;
  }
  return abi;
}

// Owns a Slice_t for one call.
class OwnedSlice {
 public:
  explicit OwnedSlice(const SdkAbi& abi) : abi_(abi), slice_(abi.new_slice()) {}
  ~OwnedSlice() {
    if (slice_ != nullptr) abi_.free_slice(slice_);
  }
  OwnedSlice(const OwnedSlice&) = delete;
  OwnedSlice& operator=(const OwnedSlice&) = delete;

  Slice_t* get() { return slice_; }
  std::string Content() {
    const char* buf = abi_.get_content_from_slice(slice_);
    const int len = abi_.get_slice_len(slice_);
    if (buf == nullptr || len <= 0) return {};
    return std::string(buf, static_cast<size_t>(len));
  }

 private:
  const SdkAbi& abi_;
  Slice_t* slice_;
};

// Owns a MediaData_t for one call.
class OwnedMediaData {
 public:
  explicit OwnedMediaData(const SdkAbi& abi) : abi_(abi), media_(abi.new_media_data()) {}
  ~OwnedMediaData() {
    if (media_ != nullptr) abi_.free_media_data(media_);
  }
  OwnedMediaData(const OwnedMediaData&) = delete;
  OwnedMediaData& operator=(const OwnedMediaData&) = delete;

  MediaData_t* get() { return media_; }
  // Copies everything out before the buffer is freed.
  MediaPiece Take() {
    MediaPiece piece;
    const char* data = abi_.get_data(media_);
    const int data_len = abi_.get_data_len(media_);
    if (data != nullptr && data_len > 0) piece.data.assign(data, static_cast<size_t>(data_len));
    const char* index = abi_.get_out_index_buf(media_);
    const int index_len = abi_.get_index_len(media_);
    if (index != nullptr && index_len > 0) {
      piece.outindexbuf.assign(index, static_cast<size_t>(index_len));
    }
    piece.is_finish = abi_.is_media_data_finish(media_) != 0;
    return piece;
  }

 private:
  const SdkAbi& abi_;
  MediaData_t* media_;
};

class DlFinanceSdkSession final : public FinanceSdkSession {
 public:
  // Holds its own copy of the ABI (function pointers), so it may outlive the FinanceSdk.
  DlFinanceSdkSession(const SdkAbi& abi, WeWorkFinanceSdk_t* sdk) : abi_(abi), sdk_(sdk) {}
  ~DlFinanceSdkSession() override { abi_.destroy_sdk(sdk_); }

  absl::StatusOr<std::string> GetChatData(uint64_t seq, uint32_t limit,
                                          const SdkCallOptions& options) override {
    OwnedSlice slice(abi_);
    const int rc = abi_.get_chat_data(sdk_, seq, limit, options.proxy.c_str(),
                                      options.passwd.c_str(), options.timeout_seconds, slice.get());
    if (rc != 0) return SdkErrorStatus(rc, "GetChatData");
    return slice.Content();
  }

  absl::StatusOr<MediaPiece> GetMediaData(std::string_view indexbuf, std::string_view sdkfileid,
                                          const SdkCallOptions& options) override {
    OwnedMediaData media(abi_);
    const std::string index(indexbuf);
    const std::string fileid(sdkfileid);
    const int rc =
        abi_.get_media_data(sdk_, index.c_str(), fileid.c_str(), options.proxy.c_str(),
                            options.passwd.c_str(), options.timeout_seconds, media.get());
    if (rc != 0) return SdkErrorStatus(rc, "GetMediaData");
    return media.Take();
  }

 private:
  const SdkAbi abi_;
  WeWorkFinanceSdk_t* sdk_;
};

class DlFinanceSdk final : public FinanceSdk {
 public:
  explicit DlFinanceSdk(SdkAbi abi) : abi_(abi) {}
  // The library is never dlclosed: it stays loaded for the life of the process: sessions and
  // DecryptData callers may outlive an orderly teardown, and the vendor SDK
  // keeps global state (curl, OpenSSL) that does not survive dlclose.
  ~DlFinanceSdk() override = default;

  absl::StatusOr<std::unique_ptr<FinanceSdkSession>> NewSession(std::string_view corpid,
                                                                std::string_view secret) override {
    WeWorkFinanceSdk_t* sdk = abi_.new_sdk();
    if (sdk == nullptr) return absl::InternalError("NewSdk returned null");
    const std::string corp(corpid);
    const std::string key(secret);
    const int rc = abi_.init(sdk, corp.c_str(), key.c_str());
    if (rc != 0) {
      abi_.destroy_sdk(sdk);
      return SdkErrorStatus(rc, "Init");
    }
    initialised_ = true;
    return std::make_unique<DlFinanceSdkSession>(abi_, sdk);
  }

  absl::StatusOr<std::string> DecryptData(std::string_view random_key,
                                          std::string_view encrypt_chat_msg) override {
    // The real SDK crashes in DecryptData unless some Init has succeeded.
    if (!initialised_) {
      return absl::FailedPreconditionError("DecryptData before any SDK session was initialised");
    }
    OwnedSlice slice(abi_);
    const std::string key(random_key);
    const std::string msg(encrypt_chat_msg);
    const int rc = abi_.decrypt_data(key.c_str(), msg.c_str(), slice.get());
    if (rc != 0) return SdkErrorStatus(rc, "DecryptData");
    return slice.Content();
  }

 private:
  SdkAbi abi_;
  std::atomic<bool> initialised_{false};
};

}  // namespace

absl::StatusOr<std::unique_ptr<FinanceSdk>> LoadFinanceSdk(const std::string& library_path) {
  void* handle = dlopen(library_path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* error = dlerror();
    return absl::FailedPreconditionError(absl::StrCat("cannot load the Finance SDK from ",
                                                      library_path, ": ",
                                                      error != nullptr ? error : "unknown"));
  }
  absl::StatusOr<SdkAbi> abi = ResolveAbi(handle);
  if (!abi.ok()) {
    dlclose(handle);
    return absl::Status(abi.status().code(),
                        absl::StrCat(abi.status().message(), " (", library_path, ")"));
  }
  return std::make_unique<DlFinanceSdk>(*abi);
}

}  // namespace wecom::archive
