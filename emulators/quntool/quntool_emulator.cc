#include "emulators/quntool/quntool_emulator.h"

#include <openssl/rand.h>

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/crypto/hex_digest.h"

namespace wecom::quntool {

QuntoolEmulator::QuntoolEmulator(QuntoolConfig config)
    : world(config.world),
      config_(std::move(config)),
      webhook_(config_.webhook_url, config_.webhook_attempts) {
  base_url_ = config_.base_url;
}

void QuntoolEmulator::set_base_url(std::string base_url) {
  absl::MutexLock lock(&mu);
  if (config_.base_url.empty()) base_url_ = std::move(base_url);
}

std::string QuntoolEmulator::base_url() const {
  absl::MutexLock lock(&mu);
  return base_url_;
}

int64_t QuntoolEmulator::NowMillis() const { return absl::ToUnixMillis(absl::Now()); }

std::string QuntoolEmulator::NewUuid() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    // Never expected; a counter still keeps ids unique within the process.
    const uint64_t n = ++uuid_counter_;
    for (int i = 0; i < 16; ++i) bytes[i] = static_cast<unsigned char>(n >> (8 * (i % 8)));
  }
  bytes[6] = (bytes[6] & 0x0f) | 0x40;  // version 4
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const std::string hex = absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(bytes), sizeof(bytes)));
  return absl::StrCat(hex.substr(0, 8), "-", hex.substr(8, 4), "-", hex.substr(12, 4), "-",
                      hex.substr(16, 4), "-", hex.substr(20));
}

std::string QuntoolEmulator::NextServerId() { return absl::StrCat(next_server_id_++); }

void QuntoolEmulator::PostCallback(const Account& account, absl::string_view type, Json data,
                                   const Json& send_msg_id) {
  const Json envelope =
      CallbackEnvelope(account, type, std::move(data), NewUuid(), NowMillis(), send_msg_id);
  // Posted while the caller holds `mu`, so callbacks queue in the order the
  // world changed.
  webhook_.Post(envelope.dump(-1, ' ', false, Json::error_handler_t::replace));
}

std::string QuntoolEmulator::StoreFile(absl::string_view file_name, std::string content,
                                       std::string content_type) {
  const std::string md5 = Md5Hex(content);
  const std::string date = absl::FormatTime("%Y%m%d", absl::Now(), absl::FixedTimeZone(8 * 3600));
  const std::string path = absl::StrCat("/gnapi/Files/", date, "/", md5, "/", file_name);
  absl::MutexLock lock(&mu);
  files_[absl::AsciiStrToLower(path)] = StoredFile{std::move(content), std::move(content_type)};
  return path;
}

absl::StatusOr<StoredFile> QuntoolEmulator::FindFile(absl::string_view path) const {
  absl::MutexLock lock(&mu);
  const auto it = files_.find(absl::AsciiStrToLower(path));
  if (it == files_.end()) return absl::NotFoundError(absl::StrCat("no file at ", path));
  return it->second;
}

absl::StatusOr<Account*> QuntoolEmulator::FindAccount(absl::string_view wx_id,
                                                      bool require_online) {
  for (Account& account : world.accounts) {
    if (account.wx_id != wx_id) continue;
    if (require_online && account.status != AccountStatus::kOnline) break;
    return &account;
  }
  return absl::FailedPreconditionError(std::string(kAccountOffline));
}

Account* QuntoolEmulator::FindAccountByHostname(absl::string_view hostname) {
  for (Account& account : world.accounts) {
    if (account.hostname == hostname) return &account;
  }
  return nullptr;
}

const QuntoolUser* QuntoolEmulator::FindUser(absl::string_view user_id) const {
  for (const QuntoolUser& user : world.users) {
    if (user.id == user_id) return &user;
  }
  return nullptr;
}

Json CallbackEnvelope(const Account& account, absl::string_view type, Json data, std::string msg_id,
                      int64_t timestamp_ms, const Json& send_msg_id) {
  return {{"msgId", std::move(msg_id)}, {"source", account.hostname}, {"userId", account.user_id},
          {"wxid", account.wx_id},      {"timestamp", timestamp_ms},  {"type", std::string(type)},
          {"data", std::move(data)},    {"sendMsgId", send_msg_id}};
}

std::string PrivateConversationId(absl::string_view a, absl::string_view b) {
  const bool a_first = a.size() != b.size() ? a.size() < b.size() : a < b;
  return a_first ? absl::StrCat("S:", a, "_", b) : absl::StrCat("S:", b, "_", a);
}

std::string BeijingTime(absl::Time time) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S", time, absl::FixedTimeZone(8 * 3600));
}

Contact* FindContact(Account& account, absl::string_view user_id) {
  for (Contact& contact : account.contacts) {
    if (contact.user_id == user_id) return &contact;
  }
  return nullptr;
}

Group* FindGroup(Account& account, absl::string_view conversation_id) {
  for (Group& group : account.groups) {
    if (group.conversation_id == conversation_id) return &group;
  }
  return nullptr;
}

}  // namespace wecom::quntool
