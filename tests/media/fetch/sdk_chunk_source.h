// A MediaChunkSource straight over one Finance SDK session: what the archive's
// GetMediaChunk serves, without gRPC, so MediaFetcher tests run on the SDK
// emulator.
#pragma once

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "services/archive/sdk/finance_sdk.h"
#include "services/media/fetch/media_chunk_source.h"

namespace wecom::media {

class SdkChunkSource final : public MediaChunkSource {
 public:
  // One session (NewSdk + Init) of `sdk` for `corp_id`.
  static absl::StatusOr<std::unique_ptr<SdkChunkSource>> Create(archive::FinanceSdk* sdk,
                                                                const std::string& corp_id,
                                                                const std::string& secret);

  // Errors as the archive maps them (SdkErrorStatus, with the VendorError);
  // NOT_FOUND for another corp.
  absl::StatusOr<MediaChunk> GetChunk(const std::string& corp_id, const std::string& sdkfileid,
                                      const std::string& indexbuf) override;

 private:
  SdkChunkSource(std::string corp_id, std::unique_ptr<archive::FinanceSdkSession> session)
      : corp_id_(std::move(corp_id)), session_(std::move(session)) {}

  const std::string corp_id_;
  absl::Mutex mu_;
  // The SDK forbids two threads inside one instance.
  std::unique_ptr<archive::FinanceSdkSession> session_ ABSL_GUARDED_BY(mu_);
};

}  // namespace wecom::media
