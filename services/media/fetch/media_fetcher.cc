#include "services/media/fetch/media_fetcher.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <memory>
#include <system_error>
#include <utility>
#include <variant>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "common/status/vendor_error.h"

namespace wecom::media {
namespace {

using wecom::common::v1::VendorError;
using wecom::media::v1::FailureReason;

// Staged files are named <prefix><random hex><suffix>, so that leftovers are
// recognised and nothing else in the directory is touched.
constexpr char kStagedPrefix[] = "fetch-";
constexpr char kStagedSuffix[] = ".partial";
// The vendor's rate-limit code; SdkErrorStatus leaves it UNKNOWN.
constexpr int64_t kVendorFrequencyLimit = 45009;
constexpr uint64_t kSizeSlack = uint64_t{1} << 20;
// Staged bytes are handed to the disk in windows of this size as they arrive,
// so that the store's fsync at the end waits for one window, not the file.
constexpr uint64_t kWritebackWindow = uint64_t{4} << 20;

// How many bytes a fetch may receive: twice the expected size plus 1 MiB,
// never more than max_size (and without overflowing).
uint64_t SizeLimit(uint64_t expected_size, uint64_t max_size) {
  if (expected_size == 0 || expected_size > (max_size - std::min(max_size, kSizeSlack)) / 2) {
    return max_size;
  }
  return expected_size * 2 + kSizeSlack;
}

// sdkfileids run to hundreds of characters; enough of one to find it in logs.
std::string ShortId(absl::string_view id) {
  // The head is much the same across ids; the tail tells them apart.
  constexpr size_t kHead = 8;
  constexpr size_t kTail = 12;
  if (id.size() <= kHead + kTail + 3) return std::string(id);
  return absl::StrCat(id.substr(0, kHead), "...", id.substr(id.size() - kTail));
}

std::string PieceName(absl::string_view indexbuf) {
  if (indexbuf.empty()) return "the first piece";
  return absl::StrCat("piece \"", indexbuf.substr(0, 64), "\"");
}

std::string Describe(const absl::Status& status) {
  return absl::StrCat(absl::StatusCodeToString(status.code()), ": ", status.message());
}

// Whether a failed piece is worth asking for again, and why.
std::optional<RetryReason> RetryReasonFor(const absl::Status& status,
                                          const std::optional<VendorError>& vendor) {
  if (status.code() == absl::StatusCode::kResourceExhausted ||
      (vendor.has_value() && vendor->code() == kVendorFrequencyLimit)) {
    return RetryReason::kRateLimited;
  }
  if (status.code() == absl::StatusCode::kUnavailable ||
      status.code() == absl::StatusCode::kDeadlineExceeded ||
      (vendor.has_value() && vendor->retryable())) {
    return RetryReason::kTransient;
  }
  return std::nullopt;
}

// A file being written in the staging directory, removed when dropped unless
// Release()d. Created with O_EXCL and mode 0600: nobody else's file is ever
// reused, and nobody else reads the bytes before they are verified.
class IncomingFile {
 public:
  static absl::StatusOr<IncomingFile> Create(const std::string& dir) {
    if (dir.empty()) return absl::InvalidArgumentError("no staging directory configured");
    // A clash of 64 random bits is not expected; retry a few times anyway.
    for (int tries = 0; tries < 4; ++tries) {
      unsigned char random[8];
      if (RAND_bytes(random, sizeof(random)) != 1) {
        return absl::InternalError("RAND_bytes failed");
      }
      std::string path = absl::StrCat(dir, "/", kStagedPrefix,
                                      absl::BytesToHexString(absl::string_view(
                                          reinterpret_cast<char*>(random), sizeof(random))),
                                      kStagedSuffix);
      const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      if (fd >= 0) return IncomingFile(std::move(path), fd);
      if (errno != EEXIST) return absl::ErrnoToStatus(errno, absl::StrCat("cannot create ", path));
    }
    return absl::AlreadyExistsError(absl::StrCat("no free staging file name in ", dir));
  }

  IncomingFile(IncomingFile&& other) noexcept
      : path_(std::exchange(other.path_, "")),
        fd_(std::exchange(other.fd_, -1)),
        written_(other.written_),
        handed_to_disk_(other.handed_to_disk_) {}
  IncomingFile& operator=(IncomingFile&&) = delete;
  ~IncomingFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!path_.empty()) ::unlink(path_.c_str());
  }

  const std::string& path() const { return path_; }

  absl::Status Append(absl::string_view data) {
    while (!data.empty()) {
      const ssize_t written = ::write(fd_, data.data(), data.size());
      if (written < 0) {
        if (errno == EINTR) continue;
        return absl::ErrnoToStatus(errno, absl::StrCat("cannot write ", path_));
      }
      data.remove_prefix(static_cast<size_t>(written));
      written_ += static_cast<uint64_t>(written);
    }
    // Starts the writeback of each full window without waiting for it, so
    // that a large file is not all still in the page cache when the store
    // fsyncs it. Best effort: the fsync reports any write error.
    if (written_ - handed_to_disk_ >= kWritebackWindow) {
      ::sync_file_range(fd_, static_cast<off_t>(handed_to_disk_),
                        static_cast<off_t>(written_ - handed_to_disk_), SYNC_FILE_RANGE_WRITE);
      handed_to_disk_ = written_;
    }
    return absl::OkStatus();
  }

  // Closes the file for the store to take; making it durable is the
  // store's part (LocalBlobStore fsyncs before its rename).
  absl::Status Close() {
    if (::close(std::exchange(fd_, -1)) != 0) {
      return absl::ErrnoToStatus(errno, absl::StrCat("cannot close ", path_));
    }
    return absl::OkStatus();
  }

  // The store has consumed the file: it is no longer ours to remove.
  void Release() { path_.clear(); }

 private:
  IncomingFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}

  std::string path_;  // empty once released or moved from
  int fd_;
  uint64_t written_ = 0;
  // Bytes before this offset have had their writeback started.
  uint64_t handed_to_disk_ = 0;
};

// MD5 (to check against md5sum) and SHA-256 (the content address), both
// computed as the pieces arrive.
class ContentDigests {
 public:
  static absl::StatusOr<ContentDigests> Create() {
    ContentDigests digests;
    if (digests.md5_ == nullptr || digests.sha256_ == nullptr ||
        EVP_DigestInit_ex(digests.md5_.get(), EVP_md5(), nullptr) != 1 ||
        EVP_DigestInit_ex(digests.sha256_.get(), EVP_sha256(), nullptr) != 1) {
      return absl::InternalError("cannot set up MD5 and SHA-256");
    }
    return digests;
  }

  absl::Status Update(absl::string_view data) {
    if (EVP_DigestUpdate(md5_.get(), data.data(), data.size()) != 1 ||
        EVP_DigestUpdate(sha256_.get(), data.data(), data.size()) != 1) {
      return absl::InternalError("digest update failed");
    }
    return absl::OkStatus();
  }

  // Lowercase hex of {md5, sha256}.
  absl::StatusOr<std::pair<std::string, std::string>> Finish() {
    ASSIGN_OR_RETURN(std::string md5, FinishOne(md5_.get()));
    ASSIGN_OR_RETURN(std::string sha256, FinishOne(sha256_.get()));
    return std::make_pair(std::move(md5), std::move(sha256));
  }

 private:
  using Context = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

  ContentDigests()
      : md5_(EVP_MD_CTX_new(), EVP_MD_CTX_free), sha256_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {}

  static absl::StatusOr<std::string> FinishOne(EVP_MD_CTX* context) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (EVP_DigestFinal_ex(context, digest, &size) != 1) {
      return absl::InternalError("digest final failed");
    }
    return absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(digest), size));
  }

  Context md5_;
  Context sha256_;
};

FetchObserver* NoOpObserver() {
  static FetchObserver* const observer = new FetchObserver();
  return observer;
}

}  // namespace

absl::string_view RetryReasonLabel(RetryReason reason) {
  switch (reason) {
    case RetryReason::kTransient:
      return "transient";
    case RetryReason::kRateLimited:
      return "rate_limited";
    case RetryReason::kMd5Mismatch:
      return "md5_mismatch";
    case RetryReason::kSizeMismatch:
      return "size_mismatch";
  }
  return "unknown";
}

void CancelFlag::Cancel() {
  absl::MutexLock lock(&mu_);
  cancelled_ = true;
}

bool CancelFlag::cancelled() const {
  absl::MutexLock lock(&mu_);
  return cancelled_;
}

bool CancelFlag::SleepFor(Clock* clock, absl::Duration d) {
  absl::MutexLock lock(&mu_);
  return clock->SleepFor(d, &mu_, &cancelled_);
}

// One Fetch call: the whole-file attempts, each a chain of pieces.
class MediaFetcher::Run {
 public:
  Run(const MediaFetcher& fetcher, const FetchTarget& target, CancelFlag* cancel)
      : fetcher_(fetcher),
        options_(fetcher.options_),
        target_(target),
        cancel_(cancel),
        max_attempts_(static_cast<uint32_t>(std::max(1, options_.max_attempts))),
        piece_backoff_(options_.piece_retry) {}

  FetchResult Execute() {
    Backoff refetch_backoff(options_.refetch_backoff);
    for (attempt_ = 1;; ++attempt_) {
      std::variant<FetchResult, Mismatch> attempt = FetchOnce();
      if (auto* end = std::get_if<FetchResult>(&attempt)) return std::move(*end);
      const Mismatch& mismatch = std::get<Mismatch>(attempt);
      if (attempt_ >= max_attempts_) {
        return Failed(mismatch.reason, absl::StrCat(mismatch.what, ", on every attempt"));
      }
      fetcher_.observer_->OnRetry(target_, mismatch.retry);
      if (!Pause(refetch_backoff.Next())) return Cancelled();
    }
  }

 private:
  // One complete copy of the object, staged and digested.
  struct Download {
    IncomingFile file;
    uint64_t size = 0;
    std::string md5;
    std::string sha256;
  };

  struct Mismatch {
    FailureReason reason;
    RetryReason retry;
    std::string what;  // e.g. "md5 mismatch: expected ..., got ..."
  };

  // One whole-file attempt: the result that ends the fetch, or the mismatch
  // that calls for another attempt. The staged copy is gone either way.
  std::variant<FetchResult, Mismatch> FetchOnce() {
    std::variant<Download, FetchResult> download = DownloadOnce();
    if (auto* end = std::get_if<FetchResult>(&download)) return std::move(*end);
    Download& copy = std::get<Download>(download);
    if (std::optional<Mismatch> mismatch = Verify(copy); mismatch.has_value()) {
      return *std::move(mismatch);
    }
    return Store(copy);
  }

  // Fetches every piece from the first; a FetchResult when the fetch must end.
  std::variant<Download, FetchResult> DownloadOnce() {
    absl::StatusOr<IncomingFile> file = IncomingFile::Create(options_.staging_dir);
    if (!file.ok()) return StorageFailure(file.status());
    absl::StatusOr<ContentDigests> digests = ContentDigests::Create();
    if (!digests.ok()) return StorageFailure(digests.status());

    const uint64_t limit = SizeLimit(target_.expected_size, options_.max_size);
    uint64_t size = 0;
    std::string indexbuf;
    piece_backoff_.Reset();
    while (true) {
      std::variant<MediaChunk, FetchResult> piece = GetPiece(indexbuf);
      if (auto* end = std::get_if<FetchResult>(&piece)) return std::move(*end);
      MediaChunk& chunk = std::get<MediaChunk>(piece);

      if (chunk.data.size() > limit - size) {
        return Failed(v1::FAILURE_REASON_SIZE_MISMATCH,
                      target_.expected_size > 0
                          ? absl::StrCat("the source sent more than ", limit, " bytes, expected ",
                                         target_.expected_size)
                          : absl::StrCat("the source sent more than max_size, ", limit, " bytes"));
      }
      size += chunk.data.size();
      if (absl::Status s = digests->Update(chunk.data); !s.ok()) return StorageFailure(s);
      if (absl::Status s = file->Append(chunk.data); !s.ok()) return StorageFailure(s);
      fetcher_.observer_->OnPiece(target_, chunk.data.size());
      if (chunk.is_finish) break;
      // Each piece must make progress, or a misbehaving source loops forever.
      if (chunk.outindexbuf.empty() || chunk.data.empty()) {
        return Failed(v1::FAILURE_REASON_VENDOR_ERROR,
                      absl::StrCat("the source answered ", PieceName(indexbuf), " with ",
                                   chunk.data.size(), " bytes and outindexbuf \"",
                                   absl::string_view(chunk.outindexbuf).substr(0, 64),
                                   "\" but no is_finish"));
      }
      indexbuf = std::move(chunk.outindexbuf);
    }

    if (absl::Status s = file->Close(); !s.ok()) return StorageFailure(s);
    absl::StatusOr<std::pair<std::string, std::string>> hex = digests->Finish();
    if (!hex.ok()) return StorageFailure(hex.status());
    return Download{*std::move(file), size, std::move(hex->first), std::move(hex->second)};
  }

  // One piece, retried in place on transient errors and rate limits.
  std::variant<MediaChunk, FetchResult> GetPiece(const std::string& indexbuf) {
    while (true) {
      if (cancel_ != nullptr && cancel_->cancelled()) return Cancelled();
      absl::StatusOr<MediaChunk> chunk =
          fetcher_.source_->GetChunk(target_.corp_id, target_.sdkfileid, indexbuf);
      if (chunk.ok()) {
        piece_backoff_.Reset();
        return *std::move(chunk);
      }
      const std::optional<VendorError> vendor = GetVendorError(chunk.status());
      const std::optional<RetryReason> retry = RetryReasonFor(chunk.status(), vendor);
      if (!retry.has_value()) {
        return Failed(v1::FAILURE_REASON_VENDOR_ERROR,
                      absl::StrCat(PieceName(indexbuf), ": ", Describe(chunk.status())), vendor);
      }
      if (piece_backoff_.Exhausted()) {
        return Failed(v1::FAILURE_REASON_RETRIES_EXHAUSTED,
                      absl::StrCat(PieceName(indexbuf), " failed ", piece_backoff_.attempts() + 1,
                                   " times, last: ", Describe(chunk.status())),
                      vendor);
      }
      fetcher_.observer_->OnRetry(target_, *retry);
      if (!Pause(piece_backoff_.Next())) return Cancelled();
    }
  }

  // Size first: a wrong size explains a wrong md5.
  std::optional<Mismatch> Verify(const Download& copy) const {
    std::optional<Mismatch> mismatch;
    if (target_.expected_size > 0 && copy.size != target_.expected_size) {
      fetcher_.observer_->OnSizeMismatch(target_);
      mismatch = Mismatch{v1::FAILURE_REASON_SIZE_MISMATCH, RetryReason::kSizeMismatch,
                          absl::StrCat("size mismatch: expected ", target_.expected_size,
                                       " bytes, got ", copy.size)};
    }
    if (!target_.expected_md5.empty() && !absl::EqualsIgnoreCase(copy.md5, target_.expected_md5)) {
      fetcher_.observer_->OnMd5Mismatch(target_);
      std::string what =
          absl::StrCat("md5 mismatch: expected ", absl::AsciiStrToLower(target_.expected_md5),
                       ", got ", copy.md5, " (", copy.size, " bytes)");
      if (mismatch.has_value()) {
        absl::StrAppend(&mismatch->what, "; ", what);
      } else {
        mismatch =
            Mismatch{v1::FAILURE_REASON_MD5_MISMATCH, RetryReason::kMd5Mismatch, std::move(what)};
      }
    }
    return mismatch;
  }

  FetchResult Store(Download& copy) {
    if (absl::Status s = fetcher_.store_->Put(copy.sha256, copy.file.path(), copy.size); !s.ok()) {
      return Failed(v1::FAILURE_REASON_STORAGE, absl::StrCat("blob store: ", Describe(s)));
    }
    copy.file.Release();
    FetchResult result;
    result.outcome = FetchResult::Outcome::kDone;
    result.attempts = attempt_;
    result.md5 = std::move(copy.md5);
    result.sha256 = std::move(copy.sha256);
    result.size = copy.size;
    return result;
  }

  FetchResult Failed(FailureReason reason, absl::string_view what,
                     std::optional<VendorError> vendor = std::nullopt) const {
    FetchResult result;
    result.outcome = FetchResult::Outcome::kFailed;
    result.attempts = attempt_;
    result.failure = reason;
    result.error = absl::StrCat("media ", ShortId(target_.sdkfileid), " of corp ", target_.corp_id,
                                ": ", what, "; attempt ", attempt_, " of ", max_attempts_);
    result.vendor_error = std::move(vendor);
    return result;
  }

  FetchResult StorageFailure(const absl::Status& status) const {
    return Failed(v1::FAILURE_REASON_STORAGE, absl::StrCat("staging: ", Describe(status)));
  }

  FetchResult Cancelled() const {
    FetchResult result;
    result.outcome = FetchResult::Outcome::kCancelled;
    result.attempts = attempt_;
    result.error = absl::StrCat("media ", ShortId(target_.sdkfileid), " of corp ", target_.corp_id,
                                ": cancelled during attempt ", attempt_);
    return result;
  }

  bool Pause(absl::Duration d) {
    if (cancel_ != nullptr) return cancel_->SleepFor(fetcher_.clock_, d);
    absl::Mutex mu;
    absl::MutexLock lock(&mu);
    return fetcher_.clock_->SleepFor(d, &mu, /*cancel=*/nullptr);
  }

  const MediaFetcher& fetcher_;
  const MediaFetcherOptions& options_;
  const FetchTarget& target_;
  CancelFlag* const cancel_;
  const uint32_t max_attempts_;
  uint32_t attempt_ = 0;
  // Per piece: reset whenever a piece arrives.
  Backoff piece_backoff_;
};

MediaFetcher::MediaFetcher(MediaChunkSource* source, BlobStore* store, Clock* clock,
                           MediaFetcherOptions options, FetchObserver* observer)
    : source_(source),
      store_(store),
      clock_(clock),
      options_(std::move(options)),
      observer_(observer != nullptr ? observer : NoOpObserver()) {}

FetchResult MediaFetcher::Fetch(const FetchTarget& target, CancelFlag* cancel) {
  const absl::Time start = clock_->Now();
  FetchResult result = Run(*this, target, cancel).Execute();
  observer_->OnFinished(target, result, clock_->Now() - start);
  return result;
}

absl::StatusOr<int> RemoveStagedLeftovers(const std::string& staging_dir) {
  std::error_code error;
  std::filesystem::directory_iterator entries(staging_dir, error);
  if (error) {
    return absl::ErrnoToStatus(error.value(), absl::StrCat("cannot list ", staging_dir));
  }
  int removed = 0;
  for (; entries != std::filesystem::directory_iterator(); entries.increment(error)) {
    if (error) break;
    const std::string name = entries->path().filename().string();
    if (!absl::StartsWith(name, kStagedPrefix) || !absl::EndsWith(name, kStagedSuffix)) continue;
    if (!entries->is_regular_file(error) || error) continue;
    const bool existed = std::filesystem::remove(entries->path(), error);
    if (error) {
      return absl::ErrnoToStatus(error.value(),
                                 absl::StrCat("cannot remove ", entries->path().string()));
    }
    if (existed) ++removed;
  }
  if (error) return absl::ErrnoToStatus(error.value(), absl::StrCat("cannot list ", staging_dir));
  return removed;
}

}  // namespace wecom::media
