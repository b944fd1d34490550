#include "tests/media/fetch/sdk_chunk_source.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"

namespace wecom::media {

absl::StatusOr<std::unique_ptr<SdkChunkSource>> SdkChunkSource::Create(archive::FinanceSdk* sdk,
                                                                       const std::string& corp_id,
                                                                       const std::string& secret) {
  ASSIGN_OR_RETURN(std::unique_ptr<archive::FinanceSdkSession> session,
                   sdk->NewSession(corp_id, secret));
  return std::unique_ptr<SdkChunkSource>(new SdkChunkSource(corp_id, std::move(session)));
}

absl::StatusOr<MediaChunk> SdkChunkSource::GetChunk(const std::string& corp_id,
                                                    const std::string& sdkfileid,
                                                    const std::string& indexbuf) {
  if (corp_id != corp_id_) {
    return absl::NotFoundError(absl::StrCat("no SDK session for corp ", corp_id));
  }
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(archive::MediaPiece piece,
                   session_->GetMediaData(indexbuf, sdkfileid, archive::SdkCallOptions{}));
  return MediaChunk{std::move(piece.data), std::move(piece.outindexbuf), piece.is_finish};
}

}  // namespace wecom::media
