#include "emulators/finance-sdk/emulated_corp.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/status/status_macros.h"
#include "emulators/finance-sdk/message_cipher.h"
#include "emulators/finance-sdk/stable_hash.h"
#include "emulators/finance-sdk/vendor_codes.h"
#include "nlohmann/json.hpp"

namespace wecom::emulator {
namespace {

constexpr absl::string_view kRangePrefix = "Range:bytes=";
constexpr uint64_t kFaultStream = 0xfa017;
constexpr uint64_t kCorruptStream = 0xc0de;

// A byte range [first, last] as a media index names it.
struct ByteRange {
  uint64_t first = 0;
  uint64_t last = UINT64_MAX;
};

bool ParseDecimal(absl::string_view text, uint64_t* out) {
  if (text.empty() || !std::all_of(text.begin(), text.end(), absl::ascii_isdigit)) return false;
  return absl::SimpleAtoi(text, out);
}

absl::StatusOr<ByteRange> ParseMediaIndex(absl::string_view indexbuf) {
  if (indexbuf.empty()) return ByteRange{};
  absl::string_view range = indexbuf;
  ByteRange parsed;
  const bool well_formed = absl::ConsumePrefix(&range, kRangePrefix) && [&] {
    const size_t dash = range.find('-');
    return dash != absl::string_view::npos && ParseDecimal(range.substr(0, dash), &parsed.first) &&
           ParseDecimal(range.substr(dash + 1), &parsed.last) && parsed.first <= parsed.last;
  }();
  if (!well_formed) {
    return VendorError(kSdkParameterError,
                       "indexbuf must be empty or an outindexbuf (\"Range:bytes=<first>-<last>\")");
  }
  return parsed;
}

std::string MediaIndex(uint64_t first, uint64_t last) {
  return absl::StrCat(kRangePrefix, first, "-", last);
}

}  // namespace

std::string ChatDataErrorJson(int errcode, absl::string_view errmsg) {
  nlohmann::ordered_json answer;
  answer["errcode"] = errcode;
  answer["errmsg"] = std::string(errmsg);
  answer["chatdata"] = nlohmann::ordered_json::array();
  return answer.dump();
}

absl::StatusOr<std::unique_ptr<EmulatedCorp>> EmulatedCorp::Create(CorpConfig config) {
  std::map<uint32_t, RsaPublicKey> keys;
  for (const auto& [version, path] : config.public_key_files) {
    absl::StatusOr<RsaPublicKey> key = RsaPublicKey::ReadPem(path);
    if (!key.ok()) {
      return absl::Status(key.status().code(),
                          absl::StrCat("corp ", config.corpid, " publickey_ver ", version, ": ",
                                       key.status().message()));
    }
    keys.emplace(version, *std::move(key));
  }
  return std::unique_ptr<EmulatedCorp>(new EmulatedCorp(std::move(config), std::move(keys)));
}

EmulatedCorp::EmulatedCorp(CorpConfig config, std::map<uint32_t, RsaPublicKey> keys)
    : config_(std::move(config)),
      corpus_(config_.traffic),
      keys_(std::move(keys)),
      failing_sdkfileids_(config_.faults.failing_sdkfileids.begin(),
                          config_.faults.failing_sdkfileids.end()),
      chat_limit_(config_.faults.chat_calls_per_minute),
      media_limit_(config_.faults.media_calls_per_minute) {}

absl::Status EmulatedCorp::SimulateNetwork(const CallNetwork& network) {
  // The vendor documents no code of its own for proxy failures: the SDK's
  // curl cannot reach the server, which is a network error. The messages
  // never quote the passwd.
  const NetworkSettings& route = config_.network;
  if (!route.required_proxy.empty()) {
    if (network.proxy != route.required_proxy) {
      return VendorError(kSdkNetworkError, "the server is reachable only through the corp's proxy");
    }
    if (!route.required_proxy_passwd.empty() && network.passwd != route.required_proxy_passwd) {
      return VendorError(kSdkNetworkError, "the proxy refused the credentials");
    }
  }
  const absl::Duration latency = absl::Milliseconds(config_.faults.latency_ms);
  if (network.timeout_s > 0 && latency > absl::Seconds(network.timeout_s)) {
    absl::SleepFor(absl::Seconds(network.timeout_s));
    return VendorError(kSdkNetworkError, "timed out waiting for the server");
  }
  if (latency > absl::ZeroDuration()) absl::SleepFor(latency);
  return absl::OkStatus();
}

absl::Status EmulatedCorp::TransientFault() {
  const uint64_t draw = StableMix(config_.traffic.seed, calls_.fetch_add(1), kFaultStream);
  if (UnitInterval(draw) >= config_.faults.transient_error_rate) return absl::OkStatus();
  static constexpr int kCodes[] = {kSdkNetworkError, kSdkDataParseError, kSdkSystemError};
  return VendorError(kCodes[(draw >> 8) % 3], "injected transient failure");
}

bool EmulatedCorp::CorruptsThisFetch(const MediaFile& file, uint64_t offset) {
  const uint64_t file_key = (static_cast<uint64_t>(file.message_index) << 8) | file.slot;
  const uint64_t draw = StableMix(config_.traffic.seed, file_key, offset ^ kCorruptStream);
  if (UnitInterval(draw) >= config_.faults.media_corrupt_rate) return false;
  // Only the first fetch of a flaky piece is corrupted, so a refetch heals it.
  absl::MutexLock lock(&fetched_mu_);
  return fetched_pieces_.emplace(file_key, offset).second;
}

absl::StatusOr<std::string> EmulatedCorp::EncryptedEntry(const CorpusMessage& message) const {
  const auto key = keys_.find(message.publickey_ver);
  if (key == keys_.end()) {
    return VendorError(kSdkSystemError,
                       absl::StrCat("no public key for publickey_ver ", message.publickey_ver));
  }
  ASSIGN_OR_RETURN(const std::string message_key, NewMessageKey());
  ASSIGN_OR_RETURN(const std::string encrypted_key, key->second.EncryptPkcs1(message_key));
  ASSIGN_OR_RETURN(const std::string encrypted_message,
                   EncryptChatMessage(message_key, message.plaintext));
  return absl::StrCat("{\"seq\":", message.seq, ",\"msgid\":", nlohmann::json(message.msgid).dump(),
                      ",\"publickey_ver\":", message.publickey_ver, ",\"encrypt_random_key\":\"",
                      absl::Base64Escape(encrypted_key), "\",\"encrypt_chat_msg\":\"",
                      encrypted_message, "\"}");
}

absl::StatusOr<std::string> EmulatedCorp::ChatData(uint64_t seq, uint32_t limit, bool secret_ok,
                                                   const CallNetwork& network) {
  // Checked by the SDK itself, before any network traffic.
  if (limit > kMaxChatDataLimit) {
    return VendorError(kSdkParameterError, absl::StrCat("limit ", limit, " exceeds 1000"));
  }
  RETURN_IF_ERROR(SimulateNetwork(network));
  RETURN_IF_ERROR(TransientFault());
  if (!secret_ok) {
    return ChatDataErrorJson(kErrInvalidCredential,
                             "invalid credential, the secret is not this corp's chat archive "
                             "secret");
  }
  const absl::Time now = absl::Now();
  if (!chat_limit_.TryAdmit(now)) {
    return ChatDataErrorJson(kErrFrequencyLimit, "api freq out of limit");
  }

  const int64_t now_ms = absl::ToUnixMillis(now);
  const size_t end = corpus_.CountSentBy(now_ms);
  const auto retention_ms = static_cast<int64_t>(config_.retention_days * 86400 * 1000);
  const size_t begin = std::max(corpus_.FirstIndexAfterSeq(seq, end),
                                corpus_.FirstIndexSentAtOrAfter(now_ms - retention_ms, end));
  std::string answer = "{\"errcode\":0,\"errmsg\":\"ok\",\"chatdata\":[";
  for (size_t i = begin; i < std::min<size_t>(end, begin + limit); ++i) {
    ASSIGN_OR_RETURN(const CorpusMessage message, corpus_.Message(i));
    ASSIGN_OR_RETURN(const std::string entry, EncryptedEntry(message));
    if (i != begin) answer.push_back(',');
    answer += entry;
  }
  answer += "]}";
  return answer;
}

absl::StatusOr<MediaPiece> EmulatedCorp::MediaData(absl::string_view indexbuf,
                                                   absl::string_view sdkfileid, bool secret_ok,
                                                   const CallNetwork& network) {
  ASSIGN_OR_RETURN(const ByteRange range, ParseMediaIndex(indexbuf));
  RETURN_IF_ERROR(SimulateNetwork(network));
  RETURN_IF_ERROR(TransientFault());
  if (!secret_ok) {
    return VendorError(kErrInvalidCredential,
                       "invalid credential, the secret is not this corp's chat archive secret");
  }
  const absl::Time now = absl::Now();
  if (!media_limit_.TryAdmit(now)) return VendorError(kErrFrequencyLimit, "api freq out of limit");

  absl::StatusOr<MediaFile> file = corpus_.FindMedia(sdkfileid);
  const int64_t now_ms = absl::ToUnixMillis(now);
  // Media of a message not sent yet is as unknown as a made-up id.
  if (!file.ok() || file->message_index >= corpus_.CountSentBy(now_ms)) {
    return VendorError(kSdkBadFileId, "sdkfileid is not a media id of this corp");
  }
  if (failing_sdkfileids_.contains(sdkfileid)) {
    return VendorError(kSdkDecryptFailure, "media decrypt failure (configured to always fail)");
  }
  const auto retention_ms = static_cast<int64_t>(config_.retention_days * 86400 * 1000);
  if (corpus_.MsgtimeAt(file->message_index) < now_ms - retention_ms) {
    return VendorError(kSdkDataExpired, "media of a message past the retention period");
  }
  if (range.first >= file->size) {
    return VendorError(kSdkParameterError,
                       absl::StrCat("indexbuf starts at ", range.first, ", beyond the file's ",
                                    file->size, " bytes"));
  }

  const uint64_t end = std::min({file->size, range.first + kMediaPieceSize,
                                 range.last == UINT64_MAX ? UINT64_MAX : range.last + 1});
  MediaPiece piece;
  ASSIGN_OR_RETURN(piece.data, corpus_.MediaBytes(*file, range.first, end - range.first));
  if (CorruptsThisFetch(*file, range.first)) {
    // Enough flipped bytes that any checksum notices.
    for (size_t i = 0; i < piece.data.size(); i += 4096) piece.data[i] ^= 0x5a;
  }
  piece.finished = end >= file->size;
  if (!piece.finished) {
    piece.next_index = MediaIndex(end, std::min(file->size, end + kMediaPieceSize) - 1);
  }
  return piece;
}

}  // namespace wecom::emulator
