#include "services/archive/ingest/message_decryptor.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status/vendor_error.h"

namespace wecom::archive {

using wecom::archive::v1::ArchivedMessage;
using wecom::archive::v1::FailureReason;

namespace {

void MarkUndecryptable(ArchivedMessage* out, FailureReason reason, std::string detail) {
  out->set_status(wecom::archive::v1::DECRYPT_STATUS_UNDECRYPTABLE);
  out->set_failure(reason);
  out->set_failure_detail(std::move(detail));
  out->clear_message();
}

}  // namespace

ArchivedMessage MessageDecryptor::Decrypt(std::string_view corp,
                                          const EncryptedChatData& data) const {
  ArchivedMessage out;
  out.set_corp_id(std::string(corp));
  out.set_seq(data.seq);
  out.set_msgid(data.msgid);
  out.set_publickey_ver(data.publickey_ver);
  out.set_archived_at_ms(absl::ToUnixMillis(absl::Now()));
  auto* envelope = out.mutable_envelope();
  envelope->set_publickey_ver(data.publickey_ver);
  envelope->set_encrypt_random_key(data.encrypt_random_key);
  envelope->set_encrypt_chat_msg(data.encrypt_chat_msg);
  if (!data.malformed.empty()) {
    // Kept with what is wrong, so the vendor's mistake neither stalls the pull nor vanishes.
    if (out.msgid().empty()) out.set_msgid(absl::StrCat("malformed-seq-", data.seq));
    MarkUndecryptable(&out, wecom::archive::v1::FAILURE_REASON_BAD_ENVELOPE, data.malformed);
    return out;
  }
  DecryptEnvelope(&out);
  return out;
}

bool MessageDecryptor::Retry(ArchivedMessage* message) const {
  if (message->failure() == wecom::archive::v1::FAILURE_REASON_BAD_ENVELOPE) return false;
  DecryptEnvelope(message);
  return message->status() == wecom::archive::v1::DECRYPT_STATUS_DECRYPTED;
}

bool MessageDecryptor::KeyArrivedSince(const ArchivedMessage& message) const {
  if (message.failure() != wecom::archive::v1::FAILURE_REASON_UNKNOWN_KEY_VERSION) return false;
  const std::vector<uint32_t> versions = keys_->versions();
  return std::find(versions.begin(), versions.end(), message.publickey_ver()) != versions.end();
}

void MessageDecryptor::DecryptEnvelope(ArchivedMessage* out) const {
  const auto& envelope = out->envelope();
  absl::StatusOr<std::string> random_key =
      keys_->DecryptRandomKey(envelope.publickey_ver(), envelope.encrypt_random_key());
  if (!random_key.ok()) {
    const bool unknown_version = absl::IsNotFound(random_key.status());
    MarkUndecryptable(out,
                      unknown_version ? wecom::archive::v1::FAILURE_REASON_UNKNOWN_KEY_VERSION
                                      : wecom::archive::v1::FAILURE_REASON_RSA_DECRYPT_FAILED,
                      std::string(random_key.status().message()));
    return;
  }
  absl::StatusOr<std::string> plaintext =
      sdk_->DecryptData(*random_key, envelope.encrypt_chat_msg());
  if (!plaintext.ok()) {
    const auto vendor = GetVendorError(plaintext.status());
    MarkUndecryptable(out, wecom::archive::v1::FAILURE_REASON_SDK_DECRYPT_FAILED,
                      vendor ? absl::StrCat("DecryptData errcode ", vendor->code())
                             : std::string(plaintext.status().message()));
    return;
  }
  absl::StatusOr<wecom::archive::v1::ChatMessage> message = ParseChatMessage(*plaintext);
  if (!message.ok()) {
    MarkUndecryptable(out, wecom::archive::v1::FAILURE_REASON_BAD_JSON,
                      std::string(message.status().message()));
    return;
  }
  out->set_status(wecom::archive::v1::DECRYPT_STATUS_DECRYPTED);
  out->clear_failure();
  out->clear_failure_detail();
  *out->mutable_message() = *std::move(message);
  // The raw envelope is only worth its space while the message is undecrypted.
  out->clear_envelope();
}

}  // namespace wecom::archive
