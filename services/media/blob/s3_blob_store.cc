#include "services/media/blob/s3_blob_store.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/status/status_macros.h"
#include "services/media/blob/content_address.h"
#include "services/media/blob/staged_file.h"

namespace wecom::media {
namespace {

constexpr char kPayloadHashHeader[] = "x-amz-content-sha256";
// The SHA-256 of no bytes: the payload hash of a HEAD or a GET.
constexpr char kEmptyPayloadHash[] =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
// Room for an S3 XML error body, whatever range was asked for.
constexpr uint64_t kErrorBodyBytes = 64 * 1024;

// The <Code> of an S3 XML error body; empty when there is none or it is not a
// plain word (it goes into error messages).
std::string S3ErrorCode(absl::string_view body) {
  constexpr absl::string_view kOpen = "<Code>";
  const size_t start = body.find(kOpen);
  if (start == absl::string_view::npos) return "";
  const absl::string_view rest = body.substr(start + kOpen.size());
  const absl::string_view code = rest.substr(0, rest.find("</Code>"));
  const bool plain = !code.empty() && code.size() <= 64 &&
                     std::all_of(code.begin(), code.end(),
                                 [](char c) { return absl::ascii_isalnum(c) || c == '.'; });
  return plain ? std::string(code) : "";
}

bool AllOf(absl::string_view text, absl::string_view allowed_punctuation) {
  return std::all_of(text.begin(), text.end(), [&](char c) {
    return absl::ascii_isalnum(c) || absl::StrContains(allowed_punctuation, c);
  });
}

absl::Status CheckOptions(const S3BlobStoreOptions& options) {
  const absl::string_view endpoint = options.endpoint;
  absl::string_view authority = endpoint;
  if (!absl::ConsumePrefix(&authority, "http://") && !absl::ConsumePrefix(&authority, "https://")) {
    return absl::InvalidArgumentError(
        absl::StrCat("S3 endpoint must start with http:// or https://, got \"", endpoint, "\""));
  }
  // Userinfo, a path or a query would change what is signed or leak into logs.
  if (authority.empty() || !AllOf(authority, ".-:[]")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "S3 endpoint must be scheme://host[:port] and nothing more, got \"", endpoint, "\""));
  }
  if (options.bucket.size() < 3 || options.bucket.size() > 63 || !AllOf(options.bucket, ".-") ||
      absl::AsciiStrToLower(options.bucket) != options.bucket) {
    return absl::InvalidArgumentError(
        absl::StrCat("S3 bucket must be 3-63 lowercase letters, digits, '.' or '-', got \"",
                     options.bucket, "\""));
  }
  if (options.region.empty() || !AllOf(options.region, "-")) {
    return absl::InvalidArgumentError(
        absl::StrCat("S3 region must be letters, digits and '-', got \"", options.region, "\""));
  }
  // Keys go into the URL and the signature as they are: only characters that
  // need no percent-encoding.
  if (!AllOf(options.key_prefix, "/_.-") || absl::StartsWith(options.key_prefix, "/") ||
      absl::StrContains(options.key_prefix, "//")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "S3 key prefix must be letters, digits and \"/_.-\", not start with '/' nor hold \"//\", "
        "got \"",
        options.key_prefix, "\""));
  }
  if (options.access_key_id.empty() || options.secret_access_key.empty()) {
    return absl::InvalidArgumentError("S3 access key id and secret access key must be set");
  }
  if (options.connect_timeout <= absl::ZeroDuration() ||
      options.request_timeout <= absl::ZeroDuration() || options.min_upload_bytes_per_second == 0) {
    return absl::InvalidArgumentError(
        "S3 connect_timeout, request_timeout and min_upload_bytes_per_second must be positive");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<S3BlobStore>> S3BlobStore::Create(S3BlobStoreOptions options) {
  if (absl::EndsWith(options.endpoint, "/")) options.endpoint.pop_back();
  RETURN_IF_ERROR(CheckOptions(options));
  CurlHttpClientOptions http_options;
  http_options.connect_timeout = options.connect_timeout;
  ASSIGN_OR_RETURN(std::unique_ptr<CurlHttpClient> http,
                   CurlHttpClient::Create(std::move(http_options)));
  return std::unique_ptr<S3BlobStore>(new S3BlobStore(std::move(options), std::move(http)));
}

std::string S3BlobStore::ObjectKey(const std::string& sha256) const {
  return absl::StrCat(options_.key_prefix, ShardedBlobName(sha256));
}

HttpRequest S3BlobStore::NewRequest(absl::string_view method, const std::string& key) const {
  HttpRequest request;
  request.method = std::string(method);
  request.url = absl::StrCat(options_.endpoint, "/", options_.bucket, "/", key);
  request.headers = {{kPayloadHashHeader, kEmptyPayloadHash}};
  request.aws_sigv4 = AwsSigV4Signing{.region = options_.region,
                                      .service = "s3",
                                      .access_key_id = options_.access_key_id,
                                      .secret_access_key = options_.secret_access_key};
  request.timeout = options_.request_timeout;
  return request;
}

absl::StatusOr<HttpResponse> S3BlobStore::Send(const HttpRequest& request, const std::string& key) {
  absl::StatusOr<HttpResponse> response = http_->Send(request);
  if (response.ok()) return response;
  const std::string what =
      absl::StrCat(Describe(request.method, key), ": ", response.status().message());
  // A timeout is as worth a retry as a refused connection.
  if (absl::IsDeadlineExceeded(response.status()) || absl::IsUnavailable(response.status())) {
    return absl::UnavailableError(what);
  }
  return absl::Status(response.status().code(), what);
}

absl::Status S3BlobStore::ErrorFor(const HttpRequest& request, const std::string& key,
                                   const HttpResponse& response) const {
  const std::string code = S3ErrorCode(response.body);
  const std::string what = absl::StrCat(Describe(request.method, key), ": ", response.status_code,
                                        code.empty() ? "" : " ", code);
  const int status = response.status_code;
  if (status >= 500 || status == 408 || status == 429 || code == "RequestTimeout") {
    return absl::UnavailableError(what);
  }
  if (status == 401 || status == 403) return absl::PermissionDeniedError(what);
  if (status == 400) return absl::InternalError(what);
  return absl::FailedPreconditionError(what);
}

absl::StatusOr<std::optional<uint64_t>> S3BlobStore::Head(const std::string& key) {
  const HttpRequest request = NewRequest("HEAD", key);
  ASSIGN_OR_RETURN(const HttpResponse response, Send(request, key));
  if (response.status_code == 404) return std::nullopt;
  if (response.status_code != 200) return ErrorFor(request, key, response);
  const std::optional<absl::string_view> length = response.FindHeader("Content-Length");
  uint64_t size = 0;
  if (!length.has_value() || !absl::SimpleAtoi(*length, &size)) {
    return absl::InternalError(
        absl::StrCat(Describe(request.method, key), ": 200 without a valid Content-Length"));
  }
  return size;
}

absl::StatusOr<uint64_t> S3BlobStore::SizeForReadAt(const std::string& key, uint64_t offset) {
  ASSIGN_OR_RETURN(const std::optional<uint64_t> size, Head(key));
  if (!size.has_value()) return Missing(key);
  if (offset > *size) return PastTheEnd(key, offset, *size);
  return *size;
}

std::string S3BlobStore::Describe(absl::string_view method, const std::string& key) const {
  return absl::StrCat("S3 ", method, " ", options_.bucket, "/", key);
}

absl::Status S3BlobStore::Missing(const std::string& key) const {
  return absl::NotFoundError(absl::StrCat(Describe("GET", key), ": no such blob"));
}

absl::Status S3BlobStore::PastTheEnd(const std::string& key, uint64_t offset, uint64_t size) const {
  return absl::OutOfRangeError(absl::StrCat(Describe("GET", key), ": offset ", offset,
                                            " is past the end (", size, " bytes)"));
}

absl::Status S3BlobStore::Put(const std::string& sha256, const std::string& staged_path,
                              uint64_t size) {
  RETURN_IF_ERROR(CheckContentAddress(sha256));
  ASSIGN_OR_RETURN(StagedFile staged, StagedFile::Open(staged_path, size));
  const std::string key = ObjectKey(sha256);
  ASSIGN_OR_RETURN(const std::optional<uint64_t> existing, Head(key));
  if (existing.has_value()) return staged.Consume();

  HttpRequest request = NewRequest("PUT", key);
  // The content address is the payload's SHA-256, so it is the payload hash
  // SigV4 signs; S3 rejects a body that does not match it.
  request.headers = {{kPayloadHashHeader, sha256}};
  request.body_stream = HttpBodyStream{
      .size = size, .read = [&staged](uint64_t offset, char* buffer, size_t capacity) {
        return staged.ReadAt(offset, buffer, capacity);
      }};
  request.timeout += absl::Seconds(static_cast<double>(size) /
                                   static_cast<double>(options_.min_upload_bytes_per_second));
  ASSIGN_OR_RETURN(const HttpResponse response, Send(request, key));
  if (response.status_code != 200) return ErrorFor(request, key, response);
  return staged.Consume();
}

absl::StatusOr<std::optional<uint64_t>> S3BlobStore::Stat(const std::string& sha256) {
  RETURN_IF_ERROR(CheckContentAddress(sha256));
  return Head(ObjectKey(sha256));
}

absl::StatusOr<std::string> S3BlobStore::Read(const std::string& sha256, uint64_t offset,
                                              uint64_t length) {
  RETURN_IF_ERROR(CheckContentAddress(sha256));
  const std::string key = ObjectKey(sha256);
  // No Range header can ask for nothing.
  if (length == 0) {
    RETURN_IF_ERROR(SizeForReadAt(key, offset).status());
    return std::string();
  }
  HttpRequest request = NewRequest("GET", key);
  const uint64_t last = length - 1 > std::numeric_limits<uint64_t>::max() - offset
                            ? std::numeric_limits<uint64_t>::max()
                            : offset + length - 1;
  request.headers.emplace_back("Range", absl::StrCat("bytes=", offset, "-", last));
  request.max_response_body_bytes = std::max(length, kErrorBodyBytes);
  ASSIGN_OR_RETURN(HttpResponse response, Send(request, key));
  switch (response.status_code) {
    case 206:
      if (response.body.size() > length) {
        return absl::InternalError(absl::StrCat(Describe(request.method, key), ": ",
                                                response.body.size(), " bytes for a range of ",
                                                length));
      }
      return std::move(response.body);
    case 404:
      if (S3ErrorCode(response.body) == "NoSuchBucket") return ErrorFor(request, key, response);
      return Missing(key);
    case 416: {
      // S3 refuses any range that starts at the end, though reading nothing
      // there is fine.
      ASSIGN_OR_RETURN(const uint64_t size, SizeForReadAt(key, offset));
      if (offset == size) return std::string();
      return ErrorFor(request, key, response);
    }
    default:
      return ErrorFor(request, key, response);
  }
}

}  // namespace wecom::media
