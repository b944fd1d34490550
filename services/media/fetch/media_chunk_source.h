// Where media pieces come from: the archive service's GetMediaChunk (the media
// service never loads the vendor SDK itself).
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace wecom::media {

// One piece of a media object, at most 512 KiB.
struct MediaChunk {
  std::string data;
  // Pass as `indexbuf` to get the next piece.
  std::string outindexbuf;
  bool is_finish = false;
};

class MediaChunkSource {
 public:
  virtual ~MediaChunkSource() = default;

  // The piece of `sdkfileid` that `indexbuf` names (empty: the first). A
  // failed vendor call carries its wecom.common.v1.VendorError (see
  // common/status/vendor_error.h): UNAVAILABLE for SDK 10001-10003,
  // RESOURCE_EXHAUSTED for rate limits, others final.
  virtual absl::StatusOr<MediaChunk> GetChunk(const std::string& corp_id,
                                              const std::string& sdkfileid,
                                              const std::string& indexbuf) = 0;
};

}  // namespace wecom::media
