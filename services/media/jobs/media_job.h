// A new media job from what an archived message says of its media object.
#pragma once

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "wecom/archive/v1/message.pb.h"
#include "wecom/media/v1/media_service.pb.h"

namespace wecom::media {

// Longest sdkfileid accepted (the vendor's are a few hundred bytes).
inline constexpr size_t kMaxSdkFileIdLength = 8192;

// A job (state unset) for `media` of `corp_id`, or INVALID_ARGUMENT naming the
// bad field ("media.sdkfileid", "media.md5sum", ...).
absl::StatusOr<v1::MediaJob> NewMediaJob(const std::string& corp_id,
                                         const wecom::archive::v1::MediaRef& media,
                                         const std::string& msgid);

// The MIME type for a file extension (case-insensitive);
// application/octet-stream when unknown.
std::string MimeTypeForExt(const std::string& ext);

}  // namespace wecom::media
