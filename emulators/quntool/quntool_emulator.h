// The quntool server's state and behaviour, independent of HTTP: the world
// under one lock, the outgoing-message path with the vendor's per-account
// pacing and per-corp hourly limit, and the callbacks it POSTs to the
// webhook. QuntoolServer puts the document's HTTP API in front of it and
// QuntoolMqttFront the document's SendMessage topic; both call the same
// SendMessage with the same type names and fields.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/crypto/hex_digest.h"
#include "common/ratelimit/sliding_window.h"
#include "emulators/quntool/quntool_config.h"
#include "emulators/quntool/quntool_world.h"
#include "emulators/quntool/webhook_poster.h"

namespace wecom::quntool {

// error_code of the sent-message callback when an account sends again less
// than min_send_interval_ms after its previous send, or when its corp already
// delivered corp_hourly_limit sends in the last hour, with its error_message.
inline constexpr int kErrorAbnormalFrequency = -1000999;
inline constexpr absl::string_view kAbnormalFrequencyMessage = "Abnormal request frequency";
// The emulator's own error_code for media the document says WeCom will not
// deliver (a gif over 5 MB, a video over 50 MB); the vendor names no code.
inline constexpr int kErrorMediaTooLarge = -1;
// "企微不在线": what the server answers for an account that is not logged in.
inline constexpr absl::string_view kAccountOffline = "企微不在线";

// One send, as the HTTP bodies and the MQTT messages carry it: `type` is the
// MQTT type name (text, roomAt, image, file, gif, video, voice, personCard,
// link, miniProgram, videoNum, quote) and `params` the request's fields with
// lower-cased keys (the document: parameters are case-insensitive).
struct OutgoingMessage {
  std::string type;
  Json params;
};

// Uploaded files, served back under their relative path.
struct StoredFile {
  std::string content;
  std::string content_type;
};

class QuntoolEmulator {
 public:
  explicit QuntoolEmulator(QuntoolConfig config);
  QuntoolEmulator(const QuntoolEmulator&) = delete;
  QuntoolEmulator& operator=(const QuntoolEmulator&) = delete;

  const QuntoolConfig& config() const { return config_; }
  // http://host:port that relative file paths hang off; set once listening.
  void set_base_url(std::string base_url);
  std::string base_url() const;

  // Validates and accepts one send. Returns the vendor msgId at once; the
  // outcome (error_code 0, or -1000999 when the account sent too fast or its
  // corp reached its hourly limit) comes in the sent-message callback whose
  // sendMsgId is that msgId.
  absl::StatusOr<std::string> SendMessage(const OutgoingMessage& message);

  // Builds the callback envelope ({msgId, source, userId, wxid, timestamp,
  // type, data, sendMsgId}) for `account` and queues it for the webhook.
  void PostCallback(const Account& account, absl::string_view type, Json data,
                    const Json& send_msg_id = nullptr) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);

  // Stores an upload; returns its relative path "/gnapi/Files/…".
  std::string StoreFile(absl::string_view file_name, std::string content, std::string content_type);
  // The file at a relative path (any letter case of "/gnapi/files/").
  absl::StatusOr<StoredFile> FindFile(absl::string_view path) const;

  // The account with this wxId, or FAILED_PRECONDITION "企微不在线" when it is
  // unknown or (with require_online) not logged in.
  absl::StatusOr<Account*> FindAccount(absl::string_view wx_id, bool require_online = true)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  Account* FindAccountByHostname(absl::string_view hostname) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  const QuntoolUser* FindUser(absl::string_view user_id) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);

  int64_t NowMillis() const;
  // A fresh UUID-shaped id (msgId, sendMsgId).
  std::string NewUuid();
  // WeCom's server_id of the next message: a rising number, as a string.
  std::string NextServerId() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  int64_t webhook_dropped() const { return webhook_.dropped(); }
  // Redirects later callbacks (POST /emulator/webhook).
  void set_webhook_url(std::string url) { webhook_.SetUrl(std::move(url)); }

  // Guards `world` and every mutable member below; handlers hold it while
  // they read or change the world.
  mutable absl::Mutex mu;
  World world ABSL_GUARDED_BY(mu);

 private:
  const QuntoolConfig config_;
  WebhookPoster webhook_;
  std::string base_url_ ABSL_GUARDED_BY(mu);
  absl::flat_hash_map<std::string, absl::Time> last_send_ ABSL_GUARDED_BY(mu);
  // By corp_id: the corp's delivered sends of the last hour.
  absl::flat_hash_map<std::string, SlidingWindow> corp_sends_ ABSL_GUARDED_BY(mu);
  absl::flat_hash_map<std::string, StoredFile> files_ ABSL_GUARDED_BY(mu);
  uint64_t next_server_id_ ABSL_GUARDED_BY(mu) = 1047000;
  std::atomic<uint64_t> uuid_counter_{0};
};

// The document's callback envelope {msgId, source, userId, wxid, timestamp,
// type, data, sendMsgId} of `account`, as PostCallback POSTs it; also builds
// callbacks for load generators (bench/gateway).
Json CallbackEnvelope(const Account& account, absl::string_view type, Json data, std::string msg_id,
                      int64_t timestamp_ms, const Json& send_msg_id = nullptr);

// Helpers shared by the handlers.

// "S:<smaller id>_<larger id>", the document's private conversation id (ids
// compared as numbers).
std::string PrivateConversationId(absl::string_view a, absl::string_view b);
// "2024-01-08 13:51:22" in UTC+8, the server's clock.
std::string BeijingTime(absl::Time time);
// Lowercase hex MD5, as file names and md5 fields carry it.
using ::wecom::Md5Hex;
Contact* FindContact(Account& account, absl::string_view user_id);
Group* FindGroup(Account& account, absl::string_view conversation_id);

}  // namespace wecom::quntool
