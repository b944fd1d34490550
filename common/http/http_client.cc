#include "common/http/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstdio>

#include "absl/cleanup/cleanup.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace wecom {
namespace {

constexpr char kAwsPayloadHash[] = "x-amz-content-sha256";

// curl_global_init is not thread-safe and must run once before any other curl
// call; a function-local static gives both.
CURLcode GlobalInitResult() {
  static const CURLcode result = curl_global_init(CURL_GLOBAL_DEFAULT);
  return result;
}

// The URL's host and port, for error messages. Never the query or userinfo,
// which may carry tokens.
std::string HostOf(const std::string& url) {
  std::string host = "(unparsable URL)";
  CURLU* parsed = curl_url();
  if (parsed != nullptr && curl_url_set(parsed, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    char* name = nullptr;
    char* port = nullptr;
    if (curl_url_get(parsed, CURLUPART_HOST, &name, 0) == CURLUE_OK) {
      host = name;
      if (curl_url_get(parsed, CURLUPART_PORT, &port, 0) == CURLUE_OK) {
        absl::StrAppend(&host, ":", port);
      }
    }
    curl_free(name);
    curl_free(port);
  }
  curl_url_cleanup(parsed);
  return host;
}

constexpr char kRequestMayHaveBeenSentPayload[] = "wecom.http/request-may-have-been-sent";

absl::Status TransportFailure(CURLcode code, const HttpRequest& request) {
  const std::string what = absl::StrCat(request.method, " to ", HostOf(request.url),
                                        " failed: ", curl_easy_strerror(code));
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return absl::DeadlineExceededError(
          absl::StrCat(what, " (timeout ", absl::FormatDuration(request.timeout), ")"));
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return absl::InvalidArgumentError(what);
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
      return absl::UnavailableError(what);
    default: {
      // The connection was up: the server may have acted on the request.
      absl::Status status = absl::UnavailableError(what);
      status.SetPayload(kRequestMayHaveBeenSentPayload, absl::Cord("1"));
      return status;
    }
  }
}

// Where the response body goes, within the request's limit.
struct ResponseBody {
  std::string* body = nullptr;
  std::optional<uint64_t> limit;
  bool over_limit = false;
};

size_t AppendBody(char* data, size_t size, size_t count, void* body_arg) {
  auto* response = static_cast<ResponseBody*>(body_arg);
  const size_t bytes = size * count;
  if (response->limit.has_value() && response->body->size() + bytes > *response->limit) {
    response->over_limit = true;
    return 0;  // anything short of `bytes` makes curl abort with CURLE_WRITE_ERROR
  }
  response->body->append(data, bytes);
  return bytes;
}

// A streamed request body as curl's read and seek callbacks see it.
struct RequestBody {
  const HttpBodyStream* stream = nullptr;
  uint64_t position = 0;
  absl::Status error;
};

size_t ReadBody(char* buffer, size_t size, size_t count, void* body_arg) {
  auto* request = static_cast<RequestBody*>(body_arg);
  absl::StatusOr<size_t> read = request->stream->read(request->position, buffer, size * count);
  if (read.ok() && *read == 0 && request->position < request->stream->size) {
    read = absl::DataLossError(absl::StrCat("request body ended after ", request->position, " of ",
                                            request->stream->size, " bytes"));
  }
  if (!read.ok()) {
    request->error = read.status();
    return CURL_READFUNC_ABORT;
  }
  request->position += *read;
  return *read;
}

// curl seeks back to resend the body, e.g. when a reused connection turns out
// to be closed.
int SeekBody(void* body_arg, curl_off_t offset, int origin) {
  auto* request = static_cast<RequestBody*>(body_arg);
  if (origin != SEEK_SET || offset < 0 || static_cast<uint64_t>(offset) > request->stream->size) {
    return CURL_SEEKFUNC_CANTSEEK;
  }
  request->position = static_cast<uint64_t>(offset);
  return CURL_SEEKFUNC_OK;
}

size_t AppendHeader(char* data, size_t size, size_t count, void* headers_arg) {
  auto* headers = static_cast<HttpHeaders*>(headers_arg);
  const absl::string_view line(data, size * count);
  if (absl::StartsWith(line, "HTTP/")) {
    // A status line starts a new block (after a 1xx or a proxy's CONNECT
    // answer): keep only the final response's headers.
    headers->clear();
  } else if (const size_t colon = line.find(':'); colon != absl::string_view::npos) {
    headers->emplace_back(absl::StripAsciiWhitespace(line.substr(0, colon)),
                          absl::StripAsciiWhitespace(line.substr(colon + 1)));
  }
  return size * count;
}

long Milliseconds(absl::Duration d) { return static_cast<long>(absl::ToInt64Milliseconds(d)); }

}  // namespace

std::optional<absl::string_view> HttpResponse::FindHeader(absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return std::nullopt;
}

absl::StatusOr<std::unique_ptr<CurlHttpClient>> CurlHttpClient::Create(
    CurlHttpClientOptions options) {
  if (const CURLcode init = GlobalInitResult(); init != CURLE_OK) {
    return absl::InternalError(absl::StrCat("curl_global_init failed: ", curl_easy_strerror(init)));
  }
  if (options.connect_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("CurlHttpClientOptions.connect_timeout must be positive");
  }
  if (options.max_idle_handles < 0) {
    return absl::InvalidArgumentError(
        "CurlHttpClientOptions.max_idle_handles must not be negative");
  }
  return std::unique_ptr<CurlHttpClient>(new CurlHttpClient(std::move(options)));
}

CurlHttpClient::CurlHttpClient(CurlHttpClientOptions options) : options_(std::move(options)) {}

CurlHttpClient::~CurlHttpClient() {
  absl::MutexLock lock(&pool_mu_);
  for (CURL* handle : idle_handles_) curl_easy_cleanup(handle);
}

CURL* CurlHttpClient::AcquireHandle() {
  {
    absl::MutexLock lock(&pool_mu_);
    if (!idle_handles_.empty()) {
      CURL* handle = idle_handles_.back();
      idle_handles_.pop_back();
      return handle;
    }
  }
  return curl_easy_init();
}

void CurlHttpClient::ReleaseHandle(CURL* handle) {
  // Reset clears the options but keeps the handle's open connections and DNS
  // cache, which is what makes reuse worthwhile.
  curl_easy_reset(handle);
  {
    absl::MutexLock lock(&pool_mu_);
    if (idle_handles_.size() < static_cast<size_t>(options_.max_idle_handles)) {
      idle_handles_.push_back(handle);
      return;
    }
  }
  curl_easy_cleanup(handle);
}

absl::StatusOr<HttpResponse> CurlHttpClient::Send(const HttpRequest& request) {
  if (request.timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("HttpRequest.timeout must be positive");
  }
  if (request.aws_sigv4.has_value() && request.body_stream.has_value() &&
      std::none_of(request.headers.begin(), request.headers.end(), [](const auto& header) {
        return absl::EqualsIgnoreCase(header.first, kAwsPayloadHash);
      })) {
    // Without it curl would sign the hash of an empty body.
    return absl::InvalidArgumentError(
        absl::StrCat("a signed streamed body needs the ", kAwsPayloadHash, " header"));
  }
  CURL* curl = AcquireHandle();
  if (curl == nullptr) return absl::ResourceExhaustedError("curl_easy_init failed");
  absl::Cleanup release = [this, curl] { ReleaseHandle(curl); };

  curl_slist* header_list = nullptr;
  for (const auto& [name, value] : request.headers) {
    header_list = curl_slist_append(header_list, absl::StrCat(name, ": ", value).c_str());
  }
  // Otherwise curl waits for a "100 Continue" before sending a large body.
  // Not when signing: curl 7.88 signs this empty header although it never
  // sends it, so the server would compute another signature.
  if (!request.aws_sigv4.has_value()) header_list = curl_slist_append(header_list, "Expect:");
  absl::Cleanup free_headers = [header_list] { curl_slist_free_all(header_list); };

  HttpResponse response;
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  // Signals are process-wide; with them curl is not thread-safe.
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, Milliseconds(options_.connect_timeout));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, std::max(1L, Milliseconds(request.timeout)));
  // An empty proxy also stops curl from reading http_proxy and friends.
  curl_easy_setopt(curl, CURLOPT_PROXY, options_.proxy.c_str());
  if (!options_.proxy_credentials.empty()) {
    curl_easy_setopt(curl, CURLOPT_PROXYUSERPWD, options_.proxy_credentials.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, header_list);
  RequestBody streamed_body;
  streamed_body.stream = request.body_stream ? &*request.body_stream : nullptr;
  if (request.body_stream.has_value()) {
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE,
                     static_cast<curl_off_t>(request.body_stream->size));
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadBody);
    curl_easy_setopt(curl, CURLOPT_READDATA, &streamed_body);
    curl_easy_setopt(curl, CURLOPT_SEEKFUNCTION, SeekBody);
    curl_easy_setopt(curl, CURLOPT_SEEKDATA, &streamed_body);
    if (request.method != "PUT") {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
  } else if (request.method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    if (request.method != "POST") {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
  }
  if (request.aws_sigv4.has_value()) {
    const AwsSigV4Signing& signing = *request.aws_sigv4;
    const std::string provider = absl::StrCat("aws:amz:", signing.region, ":", signing.service);
    curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, provider.c_str());
    // Separate options, so a ':' in either part cannot move the split.
    curl_easy_setopt(curl, CURLOPT_USERNAME, signing.access_key_id.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, signing.secret_access_key.reveal().c_str());
  }
  ResponseBody response_body;
  response_body.body = &response.body;
  response_body.limit = request.max_response_body_bytes;
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response_body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, AppendHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);

  if (const CURLcode code = curl_easy_perform(curl); code != CURLE_OK) {
    if (!streamed_body.error.ok()) return streamed_body.error;
    if (response_body.over_limit) {
      return absl::ResourceExhaustedError(absl::StrCat(request.method, " to ", HostOf(request.url),
                                                       ": response body over ",
                                                       *request.max_response_body_bytes, " bytes"));
    }
    return TransportFailure(code, request);
  }
  long status_code = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status_code);
  response.status_code = static_cast<int>(status_code);
  return response;
}

std::string UrlEncode(absl::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  encoded.reserve(text.size());
  for (const char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      encoded.push_back(c);
    } else {
      const auto byte = static_cast<unsigned char>(c);
      encoded.push_back('%');
      encoded.push_back(kHex[byte >> 4]);
      encoded.push_back(kHex[byte & 0xF]);
    }
  }
  return encoded;
}

std::string EncodeQuery(
    std::initializer_list<std::pair<absl::string_view, absl::string_view>> params) {
  std::string query;
  for (const auto& [key, value] : params) {
    if (!query.empty()) query.push_back('&');
    absl::StrAppend(&query, UrlEncode(key), "=", UrlEncode(value));
  }
  return query;
}

bool RequestMayHaveBeenSent(const absl::Status& status) {
  return status.code() == absl::StatusCode::kDeadlineExceeded ||
         status.GetPayload(kRequestMayHaveBeenSentPayload).has_value();
}

}  // namespace wecom
