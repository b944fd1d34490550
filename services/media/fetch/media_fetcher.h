// MediaFetcher fetches one media object (corp, sdkfileid) piece by piece from
// a MediaChunkSource into a staged file, verifies it against the message's
// md5sum and size, and hands it to the BlobStore under its SHA-256. Only
// verified, complete files reach the store; a failed or cancelled fetch
// leaves nothing behind in the staging directory.
//
// Retries, as the vendor's field notes advise:
// - a transient piece failure (SDK 10001-10003, the archive unavailable or
//   past its deadline) or a rate limit (RESOURCE_EXHAUSTED, SDK 45009) retries
//   the same piece with backoff, up to `piece_retry.max_attempts` tries;
// - an md5 or size mismatch refetches the whole file from its first piece,
//   with backoff, up to `max_attempts` whole-file attempts;
// - anything else (SDK 10006 decrypt failure, 10005 bad sdkfileid, ...) fails
//   the fetch at once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/retry/backoff.h"
#include "common/time/clock.h"
#include "services/media/blob/blob_store.h"
#include "services/media/fetch/media_chunk_source.h"
#include "wecom/common/v1/vendor_error.pb.h"
#include "wecom/media/v1/media_service.pb.h"

namespace wecom::media {

// The object to fetch, as the archived message describes it.
struct FetchTarget {
  std::string corp_id;
  std::string sdkfileid;
  // The message's md5sum, hex in any case; empty: not checked.
  std::string expected_md5;
  // The message's size in bytes; 0: unknown, not checked.
  uint64_t expected_size = 0;
};

struct FetchResult {
  enum class Outcome {
    kDone,       // verified and stored: md5, sha256 and size are set
    kFailed,     // given up: failure, error and maybe vendor_error are set
    kCancelled,  // stopped by a CancelFlag; the job should be fetched again later
  };
  Outcome outcome = Outcome::kFailed;
  // Whole-file attempts started (a refetch after a mismatch is a new attempt;
  // a retried piece is not).
  uint32_t attempts = 0;

  // Lowercase hex digests and size of the stored bytes.
  std::string md5;
  std::string sha256;
  uint64_t size = 0;

  // Why it failed. Beyond the proto's meanings: VENDOR_ERROR also covers a
  // source that refused for good without a vendor code, or answered nonsense
  // (no outindexbuf before is_finish); SIZE_MISMATCH a source that sent past
  // the size limit; STORAGE the staging directory as well as the store.
  v1::FailureReason failure = v1::FAILURE_REASON_UNSPECIFIED;
  // For people: the shortened sdkfileid, the attempt count and what went
  // wrong (expected vs got on a mismatch).
  std::string error;
  // The vendor's answer behind a VENDOR_ERROR or the last RETRIES_EXHAUSTED.
  std::optional<wecom::common::v1::VendorError> vendor_error;

  bool done() const { return outcome == Outcome::kDone; }
};

// Why a piece or a whole file is fetched again.
enum class RetryReason { kTransient, kRateLimited, kMd5Mismatch, kSizeMismatch };

// "transient", "rate_limited", "md5_mismatch" or "size_mismatch": a metric label.
absl::string_view RetryReasonLabel(RetryReason reason);

// Hooks for metrics, each given the fetch's target (e.g. for a corp label);
// every method is a no-op unless overridden. Called from the fetching thread,
// so an observer shared by concurrent fetches must be thread-safe (Prometheus
// counters are).
class FetchObserver {
 public:
  virtual ~FetchObserver() = default;
  // A piece arrived (also when its attempt is later rejected).
  virtual void OnPiece(const FetchTarget& target, uint64_t bytes) {}
  // A whole file disagreed with the expected md5 / size.
  virtual void OnMd5Mismatch(const FetchTarget& target) {}
  virtual void OnSizeMismatch(const FetchTarget& target) {}
  // A piece or the whole file is about to be fetched again.
  virtual void OnRetry(const FetchTarget& target, RetryReason reason) {}
  // The fetch ended, `elapsed` by the fetcher's clock.
  virtual void OnFinished(const FetchTarget& target, const FetchResult& result,
                          absl::Duration elapsed) {}
};

// Stops fetches from another thread. One flag may serve many fetches (e.g.
// every fetch at shutdown). A fetch checks it before each piece and wakes from
// a backoff sleep at once; a piece already requested is awaited first (the
// source's own deadline bounds it).
class CancelFlag {
 public:
  void Cancel();
  bool cancelled() const;
  // Sleeps `d` by `clock`, waking early on Cancel(); false when cancelled.
  bool SleepFor(Clock* clock, absl::Duration d);

 private:
  mutable absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

struct MediaFetcherOptions {
  // Where files are staged before verification. Must exist, be on the blob
  // store's filesystem for a cheap rename, and belong to this fetcher alone
  // (RemoveStagedLeftovers clears it).
  std::string staging_dir;
  // Whole-file attempts (the first fetch plus refetches after a mismatch).
  int max_attempts = 3;
  // Tries per piece on transient errors and rate limits, counting the first;
  // max_attempts 0 retries until cancelled.
  BackoffPolicy piece_retry = {.initial = absl::Milliseconds(200),
                               .max = absl::Seconds(10),
                               .multiplier = 2.0,
                               .max_attempts = 8};
  // The pause before a refetch after a mismatch; its max_attempts is unused.
  BackoffPolicy refetch_backoff = {.initial = absl::Seconds(1), .max = absl::Seconds(30)};
  // No object may exceed this, nor twice its expected size plus 1 MiB: a
  // source that keeps sending fails the fetch instead of filling the disk.
  uint64_t max_size = uint64_t{4} << 30;
};

// Thread-safe: concurrent Fetch calls share nothing but the dependencies,
// which must be thread-safe themselves.
class MediaFetcher {
 public:
  // The pointers must outlive the fetcher; `observer` may be null.
  MediaFetcher(MediaChunkSource* source, BlobStore* store, Clock* clock,
               MediaFetcherOptions options, FetchObserver* observer = nullptr);

  // Fetches, verifies and stores `target`. `cancel` may be null. Memory use
  // is one piece (512 KiB), whatever the file's size.
  FetchResult Fetch(const FetchTarget& target, CancelFlag* cancel = nullptr);

 private:
  class Run;  // one Fetch call, in media_fetcher.cc

  MediaChunkSource* const source_;
  BlobStore* const store_;
  Clock* const clock_;
  const MediaFetcherOptions options_;
  FetchObserver* const observer_;  // never null
};

// Removes what fetches staged in `staging_dir` and never finished (a process
// killed mid-fetch): run at startup, before any Fetch. Returns how many files
// it removed; other files are left alone.
absl::StatusOr<int> RemoveStagedLeftovers(const std::string& staging_dir);

}  // namespace wecom::media
