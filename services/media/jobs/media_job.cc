#include "services/media/jobs/media_job.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace wecom::media {
namespace {

constexpr size_t kMaxNameLength = 1024;

absl::Status Invalid(absl::string_view field, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

bool IsHex(absl::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return absl::ascii_isxdigit(c); });
}

bool IsExt(absl::string_view ext) {
  return ext.size() <= 16 &&
         std::all_of(ext.begin(), ext.end(), [](char c) { return absl::ascii_isalnum(c); });
}

}  // namespace

std::string MimeTypeForExt(const std::string& ext) {
  static const auto* const kTypes = new absl::flat_hash_map<std::string, std::string>{
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"png", "image/png"},
      {"gif", "image/gif"},
      {"bmp", "image/bmp"},
      {"webp", "image/webp"},
      {"amr", "audio/amr"},
      {"silk", "audio/silk"},
      {"mp3", "audio/mpeg"},
      {"wav", "audio/wav"},
      {"mp4", "video/mp4"},
      {"mov", "video/quicktime"},
      {"pdf", "application/pdf"},
      {"doc", "application/msword"},
      {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
      {"xls", "application/vnd.ms-excel"},
      {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
      {"ppt", "application/vnd.ms-powerpoint"},
      {"pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
      {"txt", "text/plain"},
      {"csv", "text/csv"},
      {"zip", "application/zip"},
  };
  auto it = kTypes->find(absl::AsciiStrToLower(ext));
  return it == kTypes->end() ? "application/octet-stream" : it->second;
}

absl::StatusOr<v1::MediaJob> NewMediaJob(const std::string& corp_id,
                                         const wecom::archive::v1::MediaRef& media,
                                         const std::string& msgid) {
  if (media.sdkfileid().empty()) return Invalid("media.sdkfileid", "required");
  if (media.sdkfileid().size() > kMaxSdkFileIdLength) {
    return Invalid("media.sdkfileid", "longer than 8192 bytes");
  }
  if (!media.md5sum().empty() && (media.md5sum().size() != 32 || !IsHex(media.md5sum()))) {
    return Invalid("media.md5sum", "must be empty or 32 hex digits");
  }
  if (!IsExt(media.ext())) return Invalid("media.ext", "at most 16 letters or digits");
  if (media.filename().size() > kMaxNameLength) {
    return Invalid("media.filename", "longer than 1024 bytes");
  }
  if (media.kind().size() > 64) return Invalid("media.kind", "longer than 64 bytes");
  if (msgid.size() > 256) return Invalid("msgid", "longer than 256 bytes");
  v1::MediaJob job;
  job.set_corp_id(corp_id);
  job.set_sdkfileid(media.sdkfileid());
  job.set_expected_md5(absl::AsciiStrToLower(media.md5sum()));
  job.set_expected_size(media.size());
  job.set_kind(media.kind());
  job.set_ext(media.ext());
  job.set_filename(media.filename());
  job.set_mime_type(MimeTypeForExt(media.ext()));
  job.set_msgid(msgid);
  return job;
}

}  // namespace wecom::media
