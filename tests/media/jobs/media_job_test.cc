// NewMediaJob's validation, each error naming its field, and MimeTypeForExt.
#include "services/media/jobs/media_job.h"

#include <string>

#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace wecom::media {
namespace {

using ::testing::StartsWith;
using ::wecom::archive::v1::MediaRef;
using ::wecom::testing::IsOk;
using ::wecom::testing::StatusIs;

MediaRef Ref(const std::string& sdkfileid) {
  MediaRef media;
  media.set_sdkfileid(sdkfileid);
  return media;
}

TEST(NewMediaJobTest, CopiesTheReferenceAndLowercasesTheMd5) {
  MediaRef media = Ref("CtYBMzA2OTAyMDEwMjA0");
  media.set_md5sum("0123456789ABCDEFabcdef0123456789");
  media.set_size(1234);
  media.set_kind("file");
  media.set_ext("PDF");
  media.set_filename("报价单.pdf");
  absl::StatusOr<v1::MediaJob> job = NewMediaJob("ww1", media, "msg-1");
  ASSERT_THAT(job, IsOk());
  EXPECT_EQ(job->corp_id(), "ww1");
  EXPECT_EQ(job->sdkfileid(), "CtYBMzA2OTAyMDEwMjA0");
  EXPECT_EQ(job->expected_md5(), "0123456789abcdefabcdef0123456789");
  EXPECT_EQ(job->expected_size(), 1234u);
  EXPECT_EQ(job->kind(), "file");
  EXPECT_EQ(job->ext(), "PDF");
  EXPECT_EQ(job->filename(), "报价单.pdf");
  EXPECT_EQ(job->mime_type(), "application/pdf");
  EXPECT_EQ(job->msgid(), "msg-1");
  EXPECT_EQ(job->state(), v1::MEDIA_STATE_UNSPECIFIED);
}

TEST(NewMediaJobTest, OnlyTheSdkFileIdIsRequired) {
  absl::StatusOr<v1::MediaJob> job = NewMediaJob("ww1", Ref("x"), "");
  ASSERT_THAT(job, IsOk());
  EXPECT_EQ(job->expected_md5(), "");
  EXPECT_EQ(job->mime_type(), "application/octet-stream");
}

TEST(NewMediaJobTest, TheLongestValuesAreAccepted) {
  MediaRef media = Ref(std::string(kMaxSdkFileIdLength, 'x'));
  media.set_ext(std::string(16, 'a'));
  media.set_filename(std::string(1024, 'f'));
  media.set_kind(std::string(64, 'k'));
  EXPECT_THAT(NewMediaJob("ww1", media, std::string(256, 'm')), IsOk());
}

TEST(NewMediaJobTest, EachBadFieldIsNamed) {
  struct Case {
    std::string field;
    MediaRef media;
    std::string msgid;
  };
  auto with = [](auto set) {
    MediaRef media = Ref("x");
    set(media);
    return media;
  };
  const Case cases[] = {
      {"media.sdkfileid", Ref(""), ""},
      {"media.sdkfileid", Ref(std::string(kMaxSdkFileIdLength + 1, 'x')), ""},
      {"media.md5sum", with([](MediaRef& m) { m.set_md5sum("0123"); }), ""},
      {"media.md5sum", with([](MediaRef& m) { m.set_md5sum(std::string(31, 'a') + "g"); }), ""},
      {"media.md5sum", with([](MediaRef& m) { m.set_md5sum(std::string(33, 'a')); }), ""},
      {"media.ext", with([](MediaRef& m) { m.set_ext("../../etc"); }), ""},
      {"media.ext", with([](MediaRef& m) { m.set_ext("tar.gz"); }), ""},
      {"media.ext", with([](MediaRef& m) { m.set_ext(std::string(17, 'a')); }), ""},
      {"media.filename", with([](MediaRef& m) { m.set_filename(std::string(1025, 'f')); }), ""},
      {"media.kind", with([](MediaRef& m) { m.set_kind(std::string(65, 'k')); }), ""},
      {"msgid", Ref("x"), std::string(257, 'm')},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.media.ShortDebugString().substr(0, 80));
    EXPECT_THAT(NewMediaJob("ww1", c.media, c.msgid),
                StatusIs(absl::StatusCode::kInvalidArgument, StartsWith(c.field + ": ")));
  }
}

TEST(MimeTypeForExtTest, KnownExtensionsInAnyCase) {
  EXPECT_EQ(MimeTypeForExt("jpg"), "image/jpeg");
  EXPECT_EQ(MimeTypeForExt("JPG"), "image/jpeg");
  EXPECT_EQ(MimeTypeForExt("JpEg"), "image/jpeg");
  EXPECT_EQ(MimeTypeForExt("png"), "image/png");
  EXPECT_EQ(MimeTypeForExt("amr"), "audio/amr");
  EXPECT_EQ(MimeTypeForExt("mp4"), "video/mp4");
  EXPECT_EQ(MimeTypeForExt("MOV"), "video/quicktime");
  EXPECT_EQ(MimeTypeForExt("docx"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
  EXPECT_EQ(MimeTypeForExt("txt"), "text/plain");
}

TEST(MimeTypeForExtTest, AnUnknownOrEmptyExtensionIsOctetStream) {
  EXPECT_EQ(MimeTypeForExt(""), "application/octet-stream");
  EXPECT_EQ(MimeTypeForExt("exe"), "application/octet-stream");
  EXPECT_EQ(MimeTypeForExt(".jpg"), "application/octet-stream");
  EXPECT_EQ(MimeTypeForExt("jpgx"), "application/octet-stream");
}

}  // namespace
}  // namespace wecom::media
