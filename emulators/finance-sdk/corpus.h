// The deterministic chat archive a corp holds in the Finance SDK emulator.
// The same TrafficSettings always give the same messages, media bytes, robots
// and rooms, so tests and benchmarks can build a Corpus to know exactly what
// the emulator serves.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace wecom::emulator {

// Messages with seq >= from_seq are encrypted with publickey_ver (until the
// next step).
struct KeyVersionStep {
  uint64_t from_seq = 1;
  uint32_t publickey_ver = 1;
};

// Sizes of one media kind, in bytes at media_size_scale 1: log-uniform in
// [min_bytes, max_bytes].
struct MediaSizeRange {
  uint64_t min_bytes = 1;
  uint64_t max_bytes = 1;
  bool operator==(const MediaSizeRange&) const = default;
};

// What a corp's traffic looks like.
struct TrafficSettings {
  uint64_t message_count = 1000;
  uint64_t seed = 1;
  // msgtime of the first message, UTC ms. Set it: 0 is 1970, long past any
  // retention (a config file without it gets now - time_span_ms).
  int64_t start_time_ms = 0;
  // The message_count messages spread over [start_time_ms, start_time_ms + time_span_ms).
  int64_t time_span_ms = int64_t{3} * 24 * 3600 * 1000;
  // Ascending by from_seq; empty means publickey_ver 1 throughout.
  std::vector<KeyVersionStep> key_versions;
  // Multiplies every media size (1.0: tens of KiB to a few MiB).
  double media_size_scale = 1.0;
  // Replaces the default size range of the media kinds named (AllMediaKinds()),
  // e.g. {"video", {200'000'000, 200'000'000}}: every video is 200 MB.
  // media_size_scale still multiplies.
  std::map<std::string, MediaSizeRange> media_size_ranges;
  // Fraction of media-bearing messages whose md5sum fields are "".
  double empty_md5sum_rate = 0.0;
  // > 0: after the span, messages keep coming at this rate (at most 1000/s),
  // each with msgtime = the moment it is sent.
  double live_messages_per_second = 0.0;
};

// One message as the emulator serves it.
struct CorpusMessage {
  uint64_t seq = 0;
  std::string msgid;
  uint32_t publickey_ver = 1;
  // UTC ms ("time" for the switch log).
  int64_t msgtime = 0;
  // The vendor's msgtype; "switch" for the switch log, which has none.
  std::string msgtype;
  // The JSON DecryptData returns.
  std::string plaintext;
};

// One media object (sdkfileid) of the corpus.
struct MediaFile {
  std::string sdkfileid;
  // image, voice, video, file, emotion, meeting_voice_call or voip_doc_share.
  std::string kind;
  uint64_t size = 0;
  // The message that carries it.
  size_t message_index = 0;
  // Its position among that message's media.
  uint32_t slot = 0;
};

struct Robot {
  std::string robot_id;
  std::string name;
  std::string creator_userid;
};

struct RoomMember {
  std::string memberid;
  // UTC seconds.
  int64_t jointime = 0;
};

// An internal group chat, as msgaudit/groupchat/get describes it.
struct Room {
  std::string roomid;
  std::string roomname;
  std::string creator;
  // UTC seconds.
  int64_t room_create_time = 0;
  std::string notice;
  std::vector<RoomMember> members;
};

// Every msgtype the vendor documents, as CorpusMessage::msgtype spells them.
const std::vector<std::string>& AllMsgtypes();
// Every MediaFile::kind, in a fixed order.
const std::vector<std::string>& AllMediaKinds();

// The generated archive of one corp. Thread-safe.
class Corpus {
 public:
  explicit Corpus(TrafficSettings settings);
  Corpus(const Corpus&) = delete;
  Corpus& operator=(const Corpus&) = delete;

  const TrafficSettings& settings() const { return settings_; }
  // message_count: the messages of the time span (live ones follow them).
  size_t base_size() const { return base_seqs_.size(); }
  bool live() const { return settings_.live_messages_per_second > 0; }

  // The message at `index` (0-based, in seq order). Indexes from base_size()
  // on exist only in live mode.
  absl::StatusOr<CorpusMessage> Message(size_t index) const;
  // Messages [0, base_size()).
  absl::StatusOr<std::vector<CorpusMessage>> BaseMessages() const;

  // seq and msgtime of an existing index (cheap: no message is generated).
  uint64_t SeqAt(size_t index) const;
  int64_t MsgtimeAt(size_t index) const;
  // How many messages have msgtime <= now_ms: the prefix sent by then.
  size_t CountSentBy(int64_t now_ms) const;
  // The first index in [0, end) whose seq > seq, or end.
  size_t FirstIndexAfterSeq(uint64_t seq, size_t end) const;
  // The first index in [0, end) whose msgtime >= time_ms, or end.
  size_t FirstIndexSentAtOrAfter(int64_t time_ms, size_t end) const;

  // The media objects message `index` carries, in the order they appear.
  std::vector<MediaFile> MediaOf(size_t index) const;
  // The media object an sdkfileid names; NotFound for ids this corpus never issued.
  absl::StatusOr<MediaFile> FindMedia(absl::string_view sdkfileid) const;
  // Lowercase hex MD5 of the whole file; computed on first use, then cached.
  absl::StatusOr<std::string> Md5Hex(const MediaFile& file) const;
  // The file's bytes [offset, offset + length), clipped to its size. Any range
  // is produced without producing the rest.
  absl::StatusOr<std::string> MediaBytes(const MediaFile& file, uint64_t offset,
                                         uint64_t length) const;

  const std::vector<Robot>& robots() const { return robots_; }
  const std::vector<Room>& rooms() const { return rooms_; }

 private:
  struct Conversation;

  bool IndexExists(size_t index) const;
  uint32_t KeyVersionFor(uint64_t seq) const;
  std::string MsgidAt(size_t index) const;
  Conversation ConversationAt(size_t index) const;
  absl::StatusOr<std::string> RenderPlaintext(size_t index) const;

  TrafficSettings settings_;
  std::vector<uint64_t> base_seqs_;
  std::vector<int64_t> base_msgtimes_;
  std::vector<std::string> internal_users_;
  std::vector<std::string> external_contacts_;
  std::vector<Robot> robots_;
  std::vector<Room> rooms_;

  mutable absl::Mutex md5_mu_;
  // Keyed by (message index, slot).
  mutable absl::flat_hash_map<uint64_t, std::string> md5_cache_ ABSL_GUARDED_BY(md5_mu_);
};

}  // namespace wecom::emulator
