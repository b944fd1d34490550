// BlobStore on S3 or an S3-compatible object store (MinIO, Ceph RGW, ...),
// over HTTP with AWS Signature Version 4: blob <sha> is the object
// <key_prefix><sha[0:2]>/<sha> in one bucket, addressed path-style
// (<endpoint>/<bucket>/<key>). A PUT is atomic in S3, so a blob is visible
// only once whole.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/config/secret.h"
#include "common/http/http_client.h"
#include "services/media/blob/blob_store.h"

namespace wecom::media {

struct S3BlobStoreOptions {
  // "http://host:port" or "https://host[:port]", without a path.
  std::string endpoint;
  std::string bucket;
  std::string region = "us-east-1";
  // Put before every key, e.g. "media/"; letters, digits and "/_.-" only.
  std::string key_prefix;
  std::string access_key_id;
  Secret secret_access_key;
  absl::Duration connect_timeout = absl::Seconds(5);
  // Limit on a HEAD or a GET, and the fixed part of a PUT's limit.
  absl::Duration request_timeout = absl::Seconds(30);
  // A PUT of N bytes may take request_timeout + N / this: large uploads get
  // time in proportion to their size.
  uint64_t min_upload_bytes_per_second = 1 << 20;
};

// Thread-safe: each call borrows its own curl handle from a pool.
//
// Errors name the operation, bucket, key, HTTP status and S3 error code
// ("S3 PUT bucket/media/ab/ab12...: 403 SignatureDoesNotMatch"), never the
// keys: UNAVAILABLE for transport failures, timeouts and 5xx (worth a retry),
// PERMISSION_DENIED for 401/403, FAILED_PRECONDITION for other refusals (a
// missing bucket, a wrong region), INTERNAL for a 400 (a request S3 finds
// malformed).
class S3BlobStore final : public BlobStore {
 public:
  // INVALID_ARGUMENT for options that cannot work.
  static absl::StatusOr<std::unique_ptr<S3BlobStore>> Create(S3BlobStoreOptions options);

  // HEAD first: an existing blob is kept and the upload skipped. Otherwise
  // the file is streamed from disk in a single PUT, with the given SHA-256
  // as the signed payload hash (so S3 checks the bytes against it).
  absl::Status Put(const std::string& sha256, const std::string& staged_path,
                   uint64_t size) override;
  absl::StatusOr<std::optional<uint64_t>> Stat(const std::string& sha256) override;
  // One ranged GET; `length` bytes at most are held in memory.
  absl::StatusOr<std::string> Read(const std::string& sha256, uint64_t offset,
                                   uint64_t length) override;

  // "<key_prefix><sha[0:2]>/<sha>".
  std::string ObjectKey(const std::string& sha256) const;

 private:
  S3BlobStore(S3BlobStoreOptions options, std::unique_ptr<HttpClient> http)
      : options_(std::move(options)), http_(std::move(http)) {}

  // A signed request for `key` with an empty body, within request_timeout.
  HttpRequest NewRequest(absl::string_view method, const std::string& key) const;
  // Sends `request`; a failure to get an answer names the operation and the
  // object.
  absl::StatusOr<HttpResponse> Send(const HttpRequest& request, const std::string& key);
  // The status for an answer that is not a success.
  absl::Status ErrorFor(const HttpRequest& request, const std::string& key,
                        const HttpResponse& response) const;
  // The object's size, or nullopt when it does not exist.
  absl::StatusOr<std::optional<uint64_t>> Head(const std::string& key);
  // The object's size when a read at `offset` can be answered; NOT_FOUND or
  // OUT_OF_RANGE otherwise.
  absl::StatusOr<uint64_t> SizeForReadAt(const std::string& key, uint64_t offset);
  // "S3 GET bucket/key", how errors start.
  std::string Describe(absl::string_view method, const std::string& key) const;
  absl::Status Missing(const std::string& key) const;
  absl::Status PastTheEnd(const std::string& key, uint64_t offset, uint64_t size) const;

  const S3BlobStoreOptions options_;
  const std::unique_ptr<HttpClient> http_;
};

}  // namespace wecom::media
