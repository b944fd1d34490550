// bench/media: one 200 MB video and 2,000 small images through the whole
// media path (the Finance SDK emulator dlopened by a real wecom-archive, its
// GetMediaChunk over loopback gRPC, a real wecom-media staging, digesting,
// verifying and storing each file on local disk), next to this machine's
// single-core OpenSSL MD5 speed. Prints one `name value` line per figure:
// in MB/s, MB is 10^6 bytes; RSS is in MiB, as in bench/archive.
#include <openssl/evp.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/archive_support.h"
#include "bench/bench_support.h"
#include "common/grpc/status.h"
#include "common/process/process_defaults.h"
#include "common/status/status_macros.h"
#include "tests/integration/media_harness.h"

namespace {

using wecom::archive::v1::MediaRef;
using wecom::archive::v1::StreamEvent;
using wecom::media::v1::MediaService;
using wecom::testing::MediaHarness;

constexpr uint64_t kMB = 1'000'000;
constexpr uint64_t kLargeBytes = 200 * kMB;
// Fetched first, to warm the path and to see that memory does not grow with
// file size.
constexpr uint64_t kWarmupBytes = 20 * kMB;
constexpr size_t kSmallFiles = 2000;
// The first cycle of a corpus: every msgtype once, so exactly one video.
constexpr uint64_t kOneVideoMessages = 35;
// Messages whose images number at least kSmallFiles (about 1 in 10 carries one).
constexpr uint64_t kSmallFileMessages = 22'000;
constexpr size_t kPieceBytes = 512 << 10;
// The vendor's GetMediaData limit per corp, which the archive paces to.
constexpr int kVendorCallsPerMinute = 25000;
constexpr absl::Duration kPoll = absl::Milliseconds(10);

// Corps of the harness.
enum Corp : size_t { kImagesCorp = 0, kWarmupCorp = 1, kLargeCorp = 2 };

using wecom::bench::Fail;
using wecom::bench::OrFail;

// Single-thread OpenSSL MD5 over one piece-sized buffer hashed again and
// again for `duration` (the fetcher hashes 512 KiB pieces); MB/s.
double Md5MbPerSecond(absl::Duration duration) {
  std::string buffer(kPieceBytes, '\0');
  for (size_t i = 0; i < buffer.size(); ++i) buffer[i] = static_cast<char>(i * 2654435761u >> 13);
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  EVP_DigestInit_ex(context, EVP_md5(), nullptr);
  uint64_t bytes = 0;
  const absl::Time start = absl::Now();
  absl::Duration elapsed;
  do {
    for (int i = 0; i < 16; ++i) EVP_DigestUpdate(context, buffer.data(), buffer.size());
    bytes += 16 * buffer.size();
    elapsed = absl::Now() - start;
  } while (elapsed < duration);
  unsigned char digest[EVP_MAX_MD_SIZE];
  EVP_DigestFinal_ex(context, digest, nullptr);
  EVP_MD_CTX_free(context);
  return static_cast<double>(bytes) / kMB / absl::ToDoubleSeconds(elapsed);
}

// A corp whose one video is `bytes` long.
wecom::emulator::TrafficSettings OneVideoCorp(uint64_t seed, uint64_t bytes) {
  wecom::emulator::TrafficSettings traffic;
  traffic.message_count = kOneVideoMessages;
  traffic.seed = seed;
  traffic.media_size_ranges["video"] = {bytes, bytes};
  return traffic;
}

// The media of every message of `corp` as the archive parsed them: what
// automatic mode, or a user, passes to FetchMedia.
absl::StatusOr<std::vector<MediaRef>> ArchivedMedia(MediaHarness& harness, size_t corp) {
  auto stub = harness.archive().Stub();
  grpc::ClientContext context;
  wecom::archive::v1::StreamMessagesRequest request;
  request.set_corp_id(harness.corp_id(corp));
  request.set_after_seq(0);
  auto reader = stub->StreamMessages(&context, request);
  wecom::archive::StreamEventReader events(reader.get());
  const size_t count = harness.corpus(corp).base_size();
  std::vector<MediaRef> media;
  size_t got = 0;
  StreamEvent event;
  while (got < count && events.Next(&event)) {
    if (event.kind() == StreamEvent::KIND_CAUGHT_UP) continue;
    ++got;
    for (const MediaRef& ref : event.message().message().media()) media.push_back(ref);
  }
  context.TryCancel();
  reader->Finish();
  if (got != count) {
    return absl::DataLossError(absl::StrCat("the archive streamed ", got, " of ", count,
                                            " messages of corp ", harness.corp_id(corp)));
  }
  return media;
}

// The first `count` media of `kind` among `media`.
absl::StatusOr<std::vector<MediaRef>> OfKind(const std::vector<MediaRef>& media,
                                             const std::string& kind, size_t count) {
  std::vector<MediaRef> picked;
  for (const MediaRef& ref : media) {
    if (ref.kind() == kind && picked.size() < count) picked.push_back(ref);
  }
  if (picked.size() < count) {
    return absl::FailedPreconditionError(
        absl::StrCat("the corpus has ", picked.size(), " ", kind, " files, not ", count));
  }
  return picked;
}

absl::Status Queue(MediaService::StubInterface* stub, const std::string& corp_id,
                   const MediaRef& media) {
  grpc::ClientContext context;
  wecom::media::v1::FetchMediaRequest request;
  request.set_corp_id(corp_id);
  *request.mutable_media() = media;
  wecom::media::v1::FetchMediaResponse response;
  return wecom::FromGrpcStatus(stub->FetchMedia(&context, request, &response));
}

// Queues every file at once, then polls each until GetMedia says DONE, with
// the digests and size the message states; seconds from the first FetchMedia
// to the last DONE.
absl::StatusOr<double> FetchSeconds(MediaService::StubInterface* stub, const std::string& corp_id,
                                    const std::vector<MediaRef>& files) {
  const absl::Time start = absl::Now();
  for (const MediaRef& file : files) RETURN_IF_ERROR(Queue(stub, corp_id, file));
  for (const MediaRef& file : files) {
    ASSIGN_OR_RETURN(wecom::media::v1::MediaJob job,
                     wecom::testing::AwaitMediaSettled(stub, corp_id, file.sdkfileid(),
                                                       absl::Minutes(10), kPoll));
    if (job.state() != wecom::media::v1::MEDIA_STATE_DONE) {
      return absl::InternalError(absl::StrCat("a fetch failed: ", job.error()));
    }
    if (job.size() != file.size() || job.md5() != file.md5sum()) {
      return absl::DataLossError(absl::StrCat("stored ", job.size(), " bytes, md5 ", job.md5(),
                                              "; the message says ", file.size(), ", ",
                                              file.md5sum()));
    }
  }
  return absl::ToDoubleSeconds(absl::Now() - start);
}

}  // namespace

int main() {
  wecom::ApplyServiceProcessDefaults();  // as in the services

  wecom::testing::MediaHarnessOptions options;
  options.follow = false;  // manual mode: only FetchMedia queues fetches
  options.archive.traffic.message_count = kSmallFileMessages;
  options.archive.traffic.seed = 2026;
  options.archive.extra_corps = 2;
  options.archive.extra_corp_traffic = {OneVideoCorp(2027, kWarmupBytes),
                                        OneVideoCorp(2028, kLargeBytes)};
  std::unique_ptr<MediaHarness> harness = OrFail(MediaHarness::Create(options));
  // Ingest first, so that it does not compete with the fetches for the cores.
  for (size_t corp : {kImagesCorp, kWarmupCorp, kLargeCorp}) {
    if (absl::Status s = wecom::bench::AwaitArchived(harness->archive(), corp); !s.ok()) Fail(s);
  }
  const std::vector<MediaRef> images =
      OrFail(OfKind(OrFail(ArchivedMedia(*harness, kImagesCorp)), "image", kSmallFiles));
  const std::vector<MediaRef> warmup =
      OrFail(OfKind(OrFail(ArchivedMedia(*harness, kWarmupCorp)), "video", 1));
  const std::vector<MediaRef> large =
      OrFail(OfKind(OrFail(ArchivedMedia(*harness, kLargeCorp)), "video", 1));
  if (warmup[0].size() != kWarmupBytes || large[0].size() != kLargeBytes) {
    Fail(absl::InternalError("the emulator's videos are not the sizes asked for"));
  }

  if (absl::Status s = harness->StartMedia(); !s.ok()) Fail(s);
  const pid_t media_pid = harness->media_pid();
  auto stub = harness->Stub();
  // Each phase's seconds. On stderr, where the time went: the floor the
  // vendor's limit sets (one call per 2.4 ms, the first at once) and the CPU
  // each process used.
  auto timed = [&](const char* phase, size_t corp, const std::vector<MediaRef>& files) {
    uint64_t calls = 0;
    for (const MediaRef& file : files) calls += (file.size() + kPieceBytes - 1) / kPieceBytes;
    const absl::Duration floor = absl::Minutes(1) * (calls - 1) / kVendorCallsPerMinute;
    const pid_t archive_pid = harness->archive().archive_pid();
    const absl::Duration media_cpu = wecom::bench::CpuTime(media_pid);
    const absl::Duration archive_cpu = wecom::bench::CpuTime(archive_pid);
    const double seconds = OrFail(FetchSeconds(stub.get(), harness->corp_id(corp), files));
    std::cerr << absl::StrFormat(
        "# %s: %.3f s, of which the vendor's GetMediaData limit alone takes %.3f s; CPU seconds: "
        "wecom-media %.2f, wecom-archive with the SDK emulator %.2f\n",
        phase, seconds, absl::ToDoubleSeconds(floor),
        absl::ToDoubleSeconds(wecom::bench::CpuTime(media_pid) - media_cpu),
        absl::ToDoubleSeconds(wecom::bench::CpuTime(archive_pid) - archive_cpu));
    return seconds;
  };
  timed("20 MB video", kWarmupCorp, warmup);
  const double rss_after_warmup = wecom::bench::PeakRssMb(media_pid);
  const double large_seconds = timed("200 MB video", kLargeCorp, large);
  const double rss_after_large = wecom::bench::PeakRssMb(media_pid);
  const double small_seconds = timed("2000 images", kImagesCorp, images);
  const double peak_rss = wecom::bench::PeakRssMb(media_pid);

  const double large_rate = static_cast<double>(kLargeBytes) / kMB / large_seconds;
  const double md5_rate = Md5MbPerSecond(absl::Seconds(3));
  std::printf("media_large_mb_per_s %.1f\n", large_rate);
  std::printf("md5_single_core_mb_per_s %.1f\n", md5_rate);
  std::printf("media_large_vs_md5_ratio %.3f\n", large_rate / md5_rate);
  std::printf("media_small_files_per_s %.0f\n", static_cast<double>(kSmallFiles) / small_seconds);
  std::printf("media_peak_rss_mb %.1f\n", peak_rss);
  std::printf("media_rss_growth_20mb_to_200mb_mb %.1f\n", rss_after_large - rss_after_warmup);
  return 0;
}
