#include "emulators/finance-sdk/corpus.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "common/status/status_macros.h"
#include "emulators/finance-sdk/stable_hash.h"
#include "nlohmann/json.hpp"

namespace wecom::emulator {
namespace {

using Json = nlohmann::ordered_json;

// Independent random streams per message index, so e.g. the media layout can
// be recomputed without rendering the message.
enum Stream : uint64_t {
  kKindStream = 1,
  kConversationStream,
  kContentStream,
  kMediaStream,
  kMsgidStream,
  kEmptyMd5Stream,
  kSeqGapStream,
  kJitterStream,
  kPeopleStream,
  kFileIdStream,
  kFileKeyStream,
};

enum class Kind {
  kText,
  kQuoteZh,
  kQuoteEn,
  kQuoteWechat,
  kImage,
  kRevoke,
  kAgree,
  kDisagree,
  kVoice,
  kVideo,
  kCard,
  kLocation,
  kEmotion,
  kFile,
  kLink,
  kWeapp,
  kChatRecord,
  kTodo,
  kVote,
  kCollect,
  kRedPacket,
  kMeeting,
  kMeetingNotification,
  kSwitch,
  kDocMsg,
  kMarkdown,
  kNews,
  kVoipText,
  kQyDiskFile,
  kCalendar,
  kMixed,
  kMeetingVoiceCall,
  kVoipDocShare,
  kExternalRedPacket,
  kSphFeed,
};

struct KindInfo {
  Kind kind;
  const char* msgtype;
  // Relative frequency, per 10000 messages.
  int weight;
};

// Text dominates, as in real corp chat; media kinds are a minority so that
// MD5 work per pulled message stays small.
constexpr KindInfo kKinds[] = {
    {Kind::kText, "text", 4600},
    {Kind::kQuoteZh, "text", 300},
    {Kind::kQuoteEn, "text", 150},
    {Kind::kQuoteWechat, "text", 200},
    {Kind::kImage, "image", 800},
    {Kind::kRevoke, "revoke", 150},
    {Kind::kAgree, "agree", 60},
    {Kind::kDisagree, "disagree", 20},
    {Kind::kVoice, "voice", 300},
    {Kind::kVideo, "video", 50},
    {Kind::kCard, "card", 80},
    {Kind::kLocation, "location", 80},
    {Kind::kEmotion, "emotion", 200},
    {Kind::kFile, "file", 150},
    {Kind::kLink, "link", 250},
    {Kind::kWeapp, "weapp", 80},
    {Kind::kChatRecord, "chatrecord", 100},
    {Kind::kTodo, "todo", 50},
    {Kind::kVote, "vote", 40},
    {Kind::kCollect, "collect", 30},
    {Kind::kRedPacket, "redpacket", 80},
    {Kind::kMeeting, "meeting", 60},
    {Kind::kMeetingNotification, "meeting_notification", 60},
    {Kind::kSwitch, "switch", 40},
    {Kind::kDocMsg, "docmsg", 120},
    {Kind::kMarkdown, "markdown", 200},
    {Kind::kNews, "news", 100},
    {Kind::kVoipText, "voiptext", 80},
    {Kind::kQyDiskFile, "qydiskfile", 40},
    {Kind::kCalendar, "calendar", 60},
    {Kind::kMixed, "mixed", 100},
    {Kind::kMeetingVoiceCall, "meeting_voice_call", 30},
    {Kind::kVoipDocShare, "voip_doc_share", 30},
    {Kind::kExternalRedPacket, "external_redpacket", 40},
    {Kind::kSphFeed, "sphfeed", 60},
};
constexpr size_t kKindCount = std::size(kKinds);

constexpr int TotalWeight() {
  int total = 0;
  for (const KindInfo& info : kKinds) total += info.weight;
  return total;
}

const KindInfo& InfoOf(Kind kind) {
  for (const KindInfo& info : kKinds) {
    if (info.kind == kind) return info;
  }
  return kKinds[0];
}

// Log-uniform size ranges at media_size_scale 1.
struct SizeRange {
  const char* kind;
  double low;
  double high;
};
constexpr SizeRange kSizeRanges[] = {
    {"image", 10 << 10, 300 << 10},        {"voice", 2 << 10, 40 << 10},
    {"video", 300 << 10, 3 << 20},         {"file", 5 << 10, 1536 << 10},
    {"emotion", 5 << 10, 300 << 10},       {"meeting_voice_call", 100 << 10, 2 << 20},
    {"voip_doc_share", 40 << 10, 2 << 20},
};

// The real service's sdkfileids decode to a protobuf-like blob; ours start
// with the same bytes ("CtYB" in base64) and carry the message index and slot
// under a mask, followed by filler.
constexpr char kFileIdPrefix[] = {'\x0a', '\xd6', '\x01'};
constexpr size_t kFileIdHeaderSize = sizeof(kFileIdPrefix) + 8 + 1;

const std::array<const char*, 24> kInternalUsers = {
    "zhangwei", "LiNa",     "wangfang",    "liuyang",  "chenjing",   "yangli",
    "zhaolei",  "huangmin", "zhouqiang",   "wuxiaomi", "XuJinSheng", "icefog",
    "kenshin",  "HeMiao",   "LiuZeYu",     "sunhao",   "maxiaoyun",  "zhuting",
    "guojun",   "linfeng",  "HeChangTian", "gaoyan",   "luowei",     "tangning"};
const std::array<const char*, 10> kDisplayNames = {"张伟",  "李娜",  "王芳", "刘洋", "陈静",
                                                   "Kevin", "Alice", "老周", "小马", "Tony"};
const std::array<const char*, 12> kChineseTexts = {"好的，收到",
                                                   "明天上午十点开会，请准时参加",
                                                   "这个方案我再看一下",
                                                   "客户那边已经确认了",
                                                   "麻烦把合同发我一下[微笑]",
                                                   "今天的日报已提交",
                                                   "辛苦了！",
                                                   "价格方面还可以再谈吗？",
                                                   "我们下周三去现场看看",
                                                   "发票已经寄出，请注意查收",
                                                   "你好[微笑]\n",
                                                   "收到，马上处理\n稍后回复你"};
const std::array<const char*, 8> kEnglishTexts = {"Sounds good, thanks!",
                                                  "Can we move the call to 3pm?",
                                                  "Please review the attached draft.",
                                                  "The shipment left the warehouse this morning.",
                                                  "Let me check with the team and get back to you.",
                                                  "Happy to help!",
                                                  "Invoice #2291 is attached.",
                                                  "See you at the booth tomorrow."};
const std::array<const char*, 10> kRoomNames = {
    "项目攻坚群", "华东客户服务群", "产品讨论组", "Marketing Sync", "售后支持群",
    "技术支持群", "年会筹备组",     "采购对接群", "Design Review",  "周报提交群"};
const std::array<const char*, 7> kFileNames = {
    "资料.docx",     "报价单.xlsx", "合同扫描件.pdf", "meeting-notes.txt",
    "产品手册.pptx", "logo.png",    "archive.zip"};
struct Place {
  const char* address;
  const char* title;
  double longitude;
  double latitude;
};
const std::array<Place, 4> kPlaces = {{
    {"北京市海淀区中关村大街1号", "海龙大厦", 116.310, 39.983},
    {"上海市浦东新区世纪大道100号", "环球金融中心", 121.507, 31.234},
    {"广东省深圳市南山区科技中一路", "腾讯大厦", 113.934, 22.540},
    {"浙江省杭州市西湖区文三路", "西溪湿地", 120.080, 30.270},
}};

Kind KindAt(uint64_t seed, size_t index) {
  // The first messages cycle through every kind, so even a small corpus has
  // them all; kKinds starts with text so a recall has something to recall.
  if (index < kKindCount) return kKinds[index].kind;
  int pick = static_cast<int>(StableMix(seed, index, kKindStream) % TotalWeight());
  for (const KindInfo& info : kKinds) {
    if (pick < info.weight) return info.kind;
    pick -= info.weight;
  }
  return Kind::kText;
}

bool IsRecallable(Kind kind) { return kind != Kind::kRevoke && kind != Kind::kSwitch; }

// The message a revoke at `index` recalls: a recent earlier message.
size_t RecallTarget(uint64_t seed, size_t index) {
  StableRandom random(StableMix(seed, index, kConversationStream));
  size_t target = index - 1 - std::min<size_t>(random.Below(8), index - 1);
  // Index 0 is text, so the walk always ends.
  while (!IsRecallable(KindAt(seed, target))) --target;
  return target;
}

uint64_t FileKey(size_t index, uint32_t slot) { return (static_cast<uint64_t>(index) << 8) | slot; }

std::string PersonId(StableRandom& random, absl::string_view prefix) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
  std::string id(prefix);
  while (id.size() < 32) id.push_back(kAlphabet[random.Below(64)]);
  return id;
}

std::string HexId(StableRandom& random, absl::string_view prefix, size_t digits) {
  std::string id(prefix);
  while (id.size() < prefix.size() + digits) id.push_back("0123456789abcdef"[random.Below(16)]);
  return id;
}

std::string ChinaTime(int64_t ms, const char* format) {
  return absl::FormatTime(format, absl::FromUnixMillis(ms), absl::FixedTimeZone(8 * 3600));
}

// Bytes of the AES-128-CTR keystream of one file: a counter-based PRNG, so
// any range is produced directly.
class MediaKeystream {
 public:
  static absl::StatusOr<MediaKeystream> Start(uint64_t seed, uint64_t file_key, uint64_t offset) {
    MediaKeystream stream;
    if (stream.ctx_ == nullptr) return absl::InternalError("EVP_CIPHER_CTX_new failed");
    std::array<unsigned char, 16> key;
    uint64_t halves[2] = {StableMix(seed, file_key, kFileKeyStream),
                          StableMix(seed, file_key, kFileKeyStream + 1)};
    std::memcpy(key.data(), halves, key.size());
    std::array<unsigned char, 16> iv{};
    const uint64_t block = offset / 16;
    for (int i = 0; i < 8; ++i) iv[15 - i] = static_cast<unsigned char>(block >> (8 * i));
    if (EVP_EncryptInit_ex(stream.ctx_.get(), EVP_aes_128_ctr(), nullptr, key.data(), iv.data()) !=
        1) {
      return absl::InternalError("AES-128-CTR init failed");
    }
    unsigned char skip[16] = {};
    RETURN_IF_ERROR(stream.Fill(skip, offset % 16));
    return stream;
  }

  absl::Status Fill(void* out, size_t length) {
    auto* bytes = static_cast<unsigned char*>(out);
    std::memset(bytes, 0, length);
    while (length > 0) {
      const int chunk = static_cast<int>(std::min<size_t>(length, 1 << 20));
      int written = 0;
      if (EVP_EncryptUpdate(ctx_.get(), bytes, &written, bytes, chunk) != 1 || written != chunk) {
        return absl::InternalError("AES-128-CTR keystream failed");
      }
      bytes += chunk;
      length -= chunk;
    }
    return absl::OkStatus();
  }

 private:
  struct CtxFree {
    void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
  };
  MediaKeystream() : ctx_(EVP_CIPHER_CTX_new()) {}
  std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx_;
};

Json MediaJson(absl::string_view kind, const MediaFile& file, const std::string& md5,
               const std::string& filename) {
  Json content;
  if (kind == "image") {
    content["md5sum"] = md5;
    content["filesize"] = file.size;
    content["sdkfileid"] = file.sdkfileid;
  } else {  // file
    const size_t dot = filename.rfind('.');
    content["md5sum"] = md5;
    content["filename"] = filename;
    content["fileext"] = dot == std::string::npos ? "" : filename.substr(dot + 1);
    content["filesize"] = file.size;
    content["sdkfileid"] = file.sdkfileid;
  }
  return content;
}

std::string Dump(const Json& json) {
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

const std::vector<std::string>& AllMediaKinds() {
  static const auto* const kinds = [] {
    auto* names = new std::vector<std::string>;
    for (const SizeRange& range : kSizeRanges) names->push_back(range.kind);
    return names;
  }();
  return *kinds;
}

const std::vector<std::string>& AllMsgtypes() {
  static const auto* const msgtypes = [] {
    auto* types = new std::vector<std::string>;
    for (const KindInfo& info : kKinds) {
      if (std::find(types->begin(), types->end(), info.msgtype) == types->end()) {
        types->push_back(info.msgtype);
      }
    }
    return types;
  }();
  return *msgtypes;
}

struct Corpus::Conversation {
  // "" for one-to-one chats.
  std::string roomid;
  std::string from;
  std::vector<std::string> tolist;
  // An external contact takes part.
  bool external = false;
};

Corpus::Corpus(TrafficSettings settings) : settings_(std::move(settings)) {
  const uint64_t seed = settings_.seed;
  const uint64_t count = settings_.message_count;
  base_seqs_.reserve(count);
  base_msgtimes_.reserve(count);
  // Message i is sent within its own slot of the span, so msgtimes increase.
  const auto slot_start = [&](uint64_t n) {
    return static_cast<int64_t>(static_cast<__int128>(n) * settings_.time_span_ms / count);
  };
  uint64_t seq = 0;
  for (uint64_t i = 0; i < count; ++i) {
    // Like the real service, seqs now and then skip a few numbers.
    const uint64_t gap_hash = StableMix(seed, i, kSeqGapStream);
    seq += 1 + (gap_hash % 100 < 3 ? 1 + (gap_hash >> 8) % 5 : 0);
    base_seqs_.push_back(seq);
    const int64_t step = std::max<int64_t>(1, slot_start(i + 1) - slot_start(i));
    const auto jitter = static_cast<int64_t>(StableMix(seed, i, kJitterStream) % step);
    base_msgtimes_.push_back(settings_.start_time_ms + slot_start(i) + jitter);
  }

  StableRandom people(StableMix(seed, 0, kPeopleStream));
  for (const char* user : kInternalUsers) internal_users_.push_back(user);
  for (int i = 0; i < 40; ++i) external_contacts_.push_back(PersonId(people, i % 3 ? "wm" : "wo"));
  for (int i = 0; i < 4; ++i) {
    robots_.push_back({PersonId(people, "wb"), absl::StrCat("机器人", std::string(1, 'A' + i)),
                       internal_users_[people.Below(internal_users_.size())]});
  }
  const int64_t start_s = settings_.start_time_ms / 1000;
  for (size_t r = 0; r < kRoomNames.size(); ++r) {
    Room room;
    room.roomid = PersonId(people, "wr");
    room.roomname = kRoomNames[r];
    room.creator = internal_users_[people.Below(internal_users_.size())];
    room.room_create_time = start_s - people.Between(30, 400) * 86400;
    room.notice = r % 2 ? "" : "请大家及时同步进展，非工作时间勿扰。";
    auto add_member = [&](const std::string& id) {
      for (const RoomMember& member : room.members) {
        if (member.memberid == id) return;
      }
      room.members.push_back({id, room.room_create_time + people.Between(0, 20 * 86400)});
    };
    room.members.push_back({room.creator, room.room_create_time});
    const int internals = static_cast<int>(people.Between(2, 8));
    for (int i = 0; i < internals; ++i) add_member(people.Pick(internal_users_));
    // Two rooms in three are external groups; every other room has a robot.
    if (r % 3 != 0) {
      const int externals = static_cast<int>(people.Between(1, 4));
      for (int i = 0; i < externals; ++i) add_member(people.Pick(external_contacts_));
    }
    if (r % 2 == 0) add_member(robots_[(r / 2) % robots_.size()].robot_id);
    rooms_.push_back(std::move(room));
  }
}

bool Corpus::IndexExists(size_t index) const { return index < base_size() || live(); }

uint64_t Corpus::SeqAt(size_t index) const {
  if (index < base_size()) return base_seqs_[index];
  // Live messages: closed form, with a gap of 2 after every 37th.
  const uint64_t k = index - base_size() + 1;
  const uint64_t last = base_seqs_.empty() ? 0 : base_seqs_.back();
  return last + k + 2 * (k / 37);
}

int64_t Corpus::MsgtimeAt(size_t index) const {
  if (index < base_size()) return base_msgtimes_[index];
  const uint64_t k = index - base_size() + 1;
  const double offset =
      std::ceil(static_cast<double>(k) * 1000.0 / settings_.live_messages_per_second);
  return settings_.start_time_ms + settings_.time_span_ms + static_cast<int64_t>(offset);
}

size_t Corpus::CountSentBy(int64_t now_ms) const {
  const size_t sent = std::upper_bound(base_msgtimes_.begin(), base_msgtimes_.end(), now_ms) -
                      base_msgtimes_.begin();
  if (sent < base_size() || !live()) return sent;
  const int64_t since_end = now_ms - settings_.start_time_ms - settings_.time_span_ms;
  if (since_end <= 0) return sent;
  // Estimate, then correct for rounding against the exact msgtimes.
  size_t count = base_size() + static_cast<size_t>(static_cast<double>(since_end) *
                                                   settings_.live_messages_per_second / 1000.0);
  while (count > base_size() && MsgtimeAt(count - 1) > now_ms) --count;
  while (MsgtimeAt(count) <= now_ms) ++count;
  return count;
}

size_t Corpus::FirstIndexAfterSeq(uint64_t seq, size_t end) const {
  size_t low = 0;
  size_t high = end;
  while (low < high) {
    const size_t mid = low + (high - low) / 2;
    if (SeqAt(mid) > seq) {
      high = mid;
    } else {
      low = mid + 1;
    }
  }
  return low;
}

size_t Corpus::FirstIndexSentAtOrAfter(int64_t time_ms, size_t end) const {
  size_t low = 0;
  size_t high = end;
  while (low < high) {
    const size_t mid = low + (high - low) / 2;
    if (MsgtimeAt(mid) >= time_ms) {
      high = mid;
    } else {
      low = mid + 1;
    }
  }
  return low;
}

uint32_t Corpus::KeyVersionFor(uint64_t seq) const {
  // Seqs below the first step use the first step's version.
  uint32_t version =
      settings_.key_versions.empty() ? 1 : settings_.key_versions.front().publickey_ver;
  for (const KeyVersionStep& step : settings_.key_versions) {
    if (seq >= step.from_seq) version = step.publickey_ver;
  }
  return version;
}

Corpus::Conversation Corpus::ConversationAt(size_t index) const {
  const uint64_t seed = settings_.seed;
  const Kind kind = KindAt(seed, index);
  // A recall happens in the recalled message's conversation, by its sender.
  if (kind == Kind::kRevoke) return ConversationAt(RecallTarget(seed, index));

  StableRandom random(StableMix(seed, index, kConversationStream));
  auto is_external = [](absl::string_view id) {
    return id.substr(0, 2) == "wo" || id.substr(0, 2) == "wm";
  };
  auto is_robot = [](absl::string_view id) { return id.substr(0, 2) == "wb"; };
  auto group = [&](bool robot_sender, bool external_sender) {
    Conversation conversation;
    std::vector<const Room*> candidates;
    for (const Room& room : rooms_) {
      const bool has = std::any_of(room.members.begin(), room.members.end(), [&](const auto& m) {
        return robot_sender ? is_robot(m.memberid) : !external_sender || is_external(m.memberid);
      });
      if (has) candidates.push_back(&room);
    }
    const Room& room = *random.Pick(candidates);
    std::vector<std::string> senders;
    for (const RoomMember& member : room.members) {
      const bool robot = is_robot(member.memberid);
      if (robot_sender ? robot : !robot && (!external_sender || is_external(member.memberid))) {
        senders.push_back(member.memberid);
      }
    }
    conversation.roomid = room.roomid;
    conversation.from = random.Pick(senders);
    for (const RoomMember& member : room.members) {
      if (member.memberid != conversation.from) conversation.tolist.push_back(member.memberid);
      conversation.external |= is_external(member.memberid);
    }
    return conversation;
  };
  auto single = [&](bool external_peer, bool external_sends) {
    Conversation conversation;
    std::string internal = random.Pick(internal_users_);
    std::string peer = external_peer ? random.Pick(external_contacts_) : [&] {
      std::string other = random.Pick(internal_users_);
      while (other == internal) other = random.Pick(internal_users_);
      return other;
    }();
    if (external_sends) std::swap(internal, peer);
    conversation.from = internal;
    conversation.tolist = {peer};
    conversation.external = external_peer;
    return conversation;
  };

  switch (kind) {
    case Kind::kMarkdown:
    case Kind::kNews:
      return group(/*robot_sender=*/true, false);
    case Kind::kAgree:
    case Kind::kDisagree:
      return single(/*external_peer=*/true, /*external_sends=*/true);
    case Kind::kSwitch:
      return single(false, false);
    case Kind::kCollect:
    case Kind::kVote:
    case Kind::kMeeting:
      return group(false, false);
    case Kind::kExternalRedPacket:
      return random.Chance(0.5) ? group(false, /*external_sender=*/true) : single(true, true);
    default:
      if (random.Chance(0.55)) return group(false, false);
      return single(random.Chance(0.7), random.Chance(0.4));
  }
}

std::string Corpus::MsgidAt(size_t index) const {
  const uint64_t seed = settings_.seed;
  const uint64_t unique = StableMix(seed, index);
  StableRandom random(StableMix(seed, index, kMsgidStream));
  if (KindAt(seed, index) == Kind::kSwitch) return absl::StrCat(unique, random.Below(10));
  std::string msgid;
  if (random.Chance(0.1)) {
    // The protobuf-like base64 form, e.g. "CAQQluDa4QUY0On2rYSAgAMgzPrShAE=".
    std::string raw = {'\x08', '\x04', '\x10'};
    for (int i = 0; i < 8; ++i) raw.push_back(static_cast<char>(unique >> (8 * i)));
    for (int i = 0; i < 12; ++i) raw.push_back(static_cast<char>(random.Next()));
    msgid = absl::Base64Escape(raw);
  } else {
    const int64_t msgtime = MsgtimeAt(index);
    msgid = absl::StrCat(unique, "_", random.Chance(0.5) ? msgtime / 1000 : msgtime);
  }
  const bool external = ConversationAt(index).external;
  if (external && random.Chance(0.5)) {
    absl::StrAppend(&msgid, "_external");
  } else if (!external && random.Chance(0.04)) {
    absl::StrAppend(&msgid, "_updown_stream");
  }
  return msgid;
}

std::vector<MediaFile> Corpus::MediaOf(size_t index) const {
  const uint64_t seed = settings_.seed;
  StableRandom random(StableMix(seed, index, kMediaStream));
  std::vector<std::string> kinds;
  switch (KindAt(seed, index)) {
    case Kind::kImage:
      kinds = {"image"};
      break;
    case Kind::kVoice:
      kinds = {"voice"};
      break;
    case Kind::kVideo:
      kinds = {"video"};
      break;
    case Kind::kFile:
      kinds = {"file"};
      break;
    case Kind::kEmotion:
      kinds = {"emotion"};
      break;
    case Kind::kMixed:
      kinds.assign(1 + random.Below(2), "image");
      break;
    case Kind::kChatRecord:
      // The first chatrecord carries a file, later ones mostly an image.
      kinds = {index < kKindCount || random.Chance(0.3) ? "file" : "image"};
      break;
    case Kind::kMeetingVoiceCall:
      kinds = {"meeting_voice_call"};
      break;
    case Kind::kVoipDocShare:
      kinds = {"voip_doc_share"};
      break;
    default:
      return {};
  }

  const uint64_t mask = StableMix(seed, 0, kFileIdStream);
  std::vector<MediaFile> files;
  for (uint32_t slot = 0; slot < kinds.size(); ++slot) {
    MediaFile file;
    file.kind = kinds[slot];
    file.message_index = index;
    file.slot = slot;
    SizeRange range = kSizeRanges[0];
    for (const SizeRange& candidate : kSizeRanges) {
      if (file.kind == candidate.kind) range = candidate;
    }
    if (auto it = settings_.media_size_ranges.find(file.kind);
        it != settings_.media_size_ranges.end()) {
      range.low = static_cast<double>(it->second.min_bytes);
      range.high = static_cast<double>(it->second.max_bytes);
    }
    // The first cycle draws from the top of each range, so every corpus has
    // several files that take more than one 512 KiB piece.
    const double position = index < kKindCount ? 0.9 + 0.1 * random.Unit() : random.Unit();
    const double size =
        range.low * std::pow(range.high / range.low, position) * settings_.media_size_scale;
    file.size = std::max<uint64_t>(1, static_cast<uint64_t>(size));

    StableRandom id_random(StableMix(seed, FileKey(index, slot), kFileIdStream));
    std::string raw(kFileIdPrefix, sizeof(kFileIdPrefix));
    const uint64_t masked_index = static_cast<uint64_t>(index) ^ mask;
    for (int i = 7; i >= 0; --i) raw.push_back(static_cast<char>(masked_index >> (8 * i)));
    raw.push_back(static_cast<char>(slot ^ (mask >> 56)));
    const size_t filler = 150 + id_random.Below(48);
    for (size_t i = 0; i < filler; ++i) raw.push_back(static_cast<char>(id_random.Next()));
    file.sdkfileid = absl::Base64Escape(raw);
    files.push_back(std::move(file));
  }
  return files;
}

absl::StatusOr<MediaFile> Corpus::FindMedia(absl::string_view sdkfileid) const {
  std::string raw;
  if (!absl::Base64Unescape(sdkfileid, &raw) || raw.size() < kFileIdHeaderSize ||
      raw.compare(0, sizeof(kFileIdPrefix), kFileIdPrefix, sizeof(kFileIdPrefix)) != 0) {
    return absl::NotFoundError("sdkfileid is not one this corpus issued");
  }
  const uint64_t mask = StableMix(settings_.seed, 0, kFileIdStream);
  uint64_t masked_index = 0;
  for (int i = 0; i < 8; ++i) {
    masked_index = (masked_index << 8) | static_cast<unsigned char>(raw[sizeof(kFileIdPrefix) + i]);
  }
  const uint64_t index = masked_index ^ mask;
  const uint32_t slot =
      static_cast<unsigned char>(raw[kFileIdHeaderSize - 1]) ^ static_cast<uint32_t>(mask >> 56);
  if (!IndexExists(index)) return absl::NotFoundError("sdkfileid is not one this corpus issued");
  std::vector<MediaFile> files = MediaOf(index);
  if (slot >= files.size() || files[slot].sdkfileid != sdkfileid) {
    return absl::NotFoundError("sdkfileid is not one this corpus issued");
  }
  return std::move(files[slot]);
}

absl::StatusOr<std::string> Corpus::Md5Hex(const MediaFile& file) const {
  const uint64_t key = FileKey(file.message_index, file.slot);
  {
    absl::MutexLock lock(&md5_mu_);
    if (auto it = md5_cache_.find(key); it != md5_cache_.end()) return it->second;
  }
  // Computed outside the lock; two threads may both compute the same value.
  ASSIGN_OR_RETURN(MediaKeystream stream, MediaKeystream::Start(settings_.seed, key, 0));
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (md == nullptr || EVP_DigestInit_ex(md.get(), EVP_md5(), nullptr) != 1) {
    return absl::InternalError("MD5 init failed");
  }
  std::string chunk(256 << 10, '\0');
  for (uint64_t done = 0; done < file.size;) {
    const size_t length = std::min<uint64_t>(chunk.size(), file.size - done);
    RETURN_IF_ERROR(stream.Fill(chunk.data(), length));
    if (EVP_DigestUpdate(md.get(), chunk.data(), length) != 1) {
      return absl::InternalError("MD5 update failed");
    }
    done += length;
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  if (EVP_DigestFinal_ex(md.get(), digest, &digest_size) != 1) {
    return absl::InternalError("MD5 final failed");
  }
  std::string hex =
      absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), digest_size));
  absl::MutexLock lock(&md5_mu_);
  md5_cache_.emplace(key, hex);
  return hex;
}

absl::StatusOr<std::string> Corpus::MediaBytes(const MediaFile& file, uint64_t offset,
                                               uint64_t length) const {
  if (offset >= file.size) return std::string();
  length = std::min(length, file.size - offset);
  ASSIGN_OR_RETURN(
      MediaKeystream stream,
      MediaKeystream::Start(settings_.seed, FileKey(file.message_index, file.slot), offset));
  std::string bytes(length, '\0');
  RETURN_IF_ERROR(stream.Fill(bytes.data(), length));
  return bytes;
}

absl::StatusOr<std::string> Corpus::RenderPlaintext(size_t index) const {
  const uint64_t seed = settings_.seed;
  const Kind kind = KindAt(seed, index);
  const std::string msgid = MsgidAt(index);
  const int64_t msgtime = MsgtimeAt(index);
  const Conversation conversation = ConversationAt(index);
  const std::vector<MediaFile> media = MediaOf(index);
  const bool empty_md5 = !media.empty() && UnitInterval(StableMix(seed, index, kEmptyMd5Stream)) <
                                               settings_.empty_md5sum_rate;
  StableRandom random(StableMix(seed, index, kContentStream));

  auto md5_of = [&](const MediaFile& file) -> absl::StatusOr<std::string> {
    if (empty_md5) return std::string();
    return Md5Hex(file);
  };
  auto text = [&]() -> std::string {
    return random.Chance(0.75) ? random.Pick(kChineseTexts) : random.Pick(kEnglishTexts);
  };
  auto display_name = [&]() -> std::string { return random.Pick(kDisplayNames); };
  auto someone = [&]() -> std::string {
    return random.Chance(0.5) ? random.Pick(internal_users_) : random.Pick(external_contacts_);
  };
  auto seconds = [&](int64_t lo, int64_t hi) { return msgtime / 1000 + random.Between(lo, hi); };

  if (kind == Kind::kSwitch) {
    // Not a real message: its own shape, without msgtype.
    Json log;
    log["msgid"] = msgid;
    log["action"] = "switch";
    log["time"] = msgtime;
    log["user"] = conversation.from;
    return Dump(log);
  }
  if (kind == Kind::kMeetingNotification) {
    // The vendor's example lists this one's keys in sorted order.
    Json info;
    info["content"] = random.Chance(0.5) ? absl::StrCat(display_name(), "的快速会议 已结束")
                                         : absl::StrCat(display_name(), " 加入了会议");
    info["meeting_id"] = random.Next();
    info["notification_type"] = random.Between(1, 2);
    Json notification;
    notification["action"] = "send";
    notification["from"] = conversation.from;
    notification["info"] = std::move(info);
    notification["msgid"] = msgid;
    notification["msgtime"] = msgtime;
    notification["msgtype"] = "meeting_notification";
    notification["roomid"] = conversation.roomid;
    notification["tolist"] = conversation.tolist;
    notification["time"] = absl::StrFormat("%s:%03d", ChinaTime(msgtime, "%Y-%m-%d %H:%M:%S"),
                                           static_cast<int>(msgtime % 1000));
    return Dump(notification);
  }

  Json message;
  message["msgid"] = msgid;
  message["action"] = kind == Kind::kRevoke ? "recall" : "send";
  message["from"] = conversation.from;
  message["tolist"] = conversation.tolist;
  // The audio archive messages carry no roomid, as in the vendor's examples.
  if (kind != Kind::kMeetingVoiceCall && kind != Kind::kVoipDocShare) {
    message["roomid"] = conversation.roomid;
  }
  message["msgtime"] = msgtime;
  message["msgtype"] = InfoOf(kind).msgtype;

  Json content;
  std::string key = InfoOf(kind).msgtype;
  switch (kind) {
    case Kind::kText:
      content["content"] = text();
      break;
    case Kind::kQuoteZh:
      content["content"] = absl::StrCat("这是一条引用/回复消息：\n“", display_name(), "：\n",
                                        text(), "”\n------\n", text());
      break;
    case Kind::kQuoteEn:
      content["content"] = absl::StrCat("This is a quote/reply:\n\"", display_name(), ":\n", text(),
                                        "\"\n------\n", text());
      break;
    case Kind::kQuoteWechat: {
      std::string rule = "-";
      for (int i = 0; i < 14; ++i) rule += " -";
      content["content"] =
          absl::StrCat("「", display_name(), "：", text(), "」\n", rule, "\n", text());
      break;
    }
    case Kind::kImage: {
      ASSIGN_OR_RETURN(const std::string md5, md5_of(media[0]));
      content = MediaJson("image", media[0], md5, "");
      break;
    }
    case Kind::kRevoke:
      content["pre_msgid"] = MsgidAt(RecallTarget(seed, index));
      break;
    case Kind::kAgree:
      content["userid"] = conversation.from;
      content["agree_time"] = msgtime;
      break;
    case Kind::kDisagree:
      content["userid"] = conversation.from;
      content["disagree_time"] = msgtime;
      break;
    case Kind::kVoice: {
      ASSIGN_OR_RETURN(const std::string md5, md5_of(media[0]));
      content["md5sum"] = md5;
      content["voice_size"] = media[0].size;
      content["play_length"] = std::clamp<uint64_t>(media[0].size / 1600, 1, 60);
      content["sdkfileid"] = media[0].sdkfileid;
      break;
    }
    case Kind::kVideo: {
      ASSIGN_OR_RETURN(const std::string md5, md5_of(media[0]));
      content["md5sum"] = md5;
      content["filesize"] = media[0].size;
      content["play_length"] = std::max<uint64_t>(1, media[0].size / 150000);
      content["sdkfileid"] = media[0].sdkfileid;
      break;
    }
    case Kind::kCard:
      content["corpname"] = random.Chance(0.6) ? "微信联系人" : "深圳市某某科技有限公司";
      content["userid"] = someone();
      break;
    case Kind::kLocation: {
      const Place& place = random.Pick(kPlaces);
      auto jitter = [&](double degrees) {
        return std::round((degrees + (random.Unit() - 0.5) * 0.02) * 1e9) / 1e9;
      };
      content["longitude"] = jitter(place.longitude);
      content["latitude"] = jitter(place.latitude);
      content["address"] = place.address;
      content["title"] = place.title;
      content["zoom"] = random.Between(12, 18);
      break;
    }
    case Kind::kEmotion: {
      ASSIGN_OR_RETURN(const std::string md5, md5_of(media[0]));
      const int64_t side = random.Between(100, 300);
      content["type"] = random.Between(1, 2);
      content["width"] = side;
      content["height"] = side;
      content["imagesize"] = media[0].size;
      content["md5sum"] = md5;
      content["sdkfileid"] = media[0].sdkfileid;
      break;
    }
    case Kind::kFile: {
      ASSIGN_OR_RETURN(const std::string md5, md5_of(media[0]));
      content = MediaJson("file", media[0], md5, random.Pick(kFileNames));
      break;
    }
    case Kind::kLink:
      content["title"] = random.Chance(0.5) ? "邀请你加入群聊" : "2024 年度产品发布会回顾";
      content["description"] = random.Chance(0.5) ? "技术支持群，进入可查看详情" : "点击查看全文";
      content["link_url"] = absl::StrCat(
          "https://work.weixin.qq.com/wework_admin/external_room/"
          "join/exceed?vcode=",
          HexId(random, "", 16));
      content["image_url"] =
          absl::StrCat("https://wework.qpic.cn/wwpic/", HexId(random, "", 12), "/0");
      break;
    case Kind::kWeapp:
      content["title"] = "开始聊天前请仔细阅读服务须知事项";
      content["description"] = "客户需同意存档聊天记录";
      content["username"] = absl::StrCat(HexId(random, "gh_", 12), "@app");
      content["displayname"] = random.Chance(0.5) ? "服务须知" : "预约小助手";
      break;
    case Kind::kChatRecord: {
      Json items = Json::array();
      const int64_t plain_items = random.Between(2, 4);
      const int64_t media_position = random.Between(0, plain_items);
      for (int64_t i = 0; i <= plain_items; ++i) {
        Json item;
        Json item_content;
        if (i == media_position) {
          ASSIGN_OR_RETURN(const std::string md5, md5_of(media[0]));
          const bool is_file = media[0].kind == "file";
          item["type"] = is_file ? "ChatRecordFile" : "ChatRecordImage";
          item_content =
              MediaJson(media[0].kind, media[0], md5, is_file ? random.Pick(kFileNames) : "");
        } else if (random.Chance(0.7)) {
          item["type"] = "ChatRecordText";
          item_content["content"] = text();
        } else if (random.Chance(0.5)) {
          item["type"] = "ChatRecordLink";
          item_content["title"] = "2024 年度产品发布会回顾";
          item_content["description"] = "点击查看全文";
          item_content["link_url"] = "https://work.weixin.qq.com/";
          item_content["image_url"] = "https://wework.qpic.cn/wwpic/0";
        } else {
          const Place& place = random.Pick(kPlaces);
          item["type"] = "ChatRecordLocation";
          item_content["longitude"] = place.longitude;
          item_content["latitude"] = place.latitude;
          item_content["address"] = place.address;
          item_content["title"] = place.title;
          item_content["zoom"] = 15;
        }
        item["msgtime"] = msgtime / 1000 - (plain_items + 1 - i) * random.Between(5, 600);
        item["content"] = Dump(item_content);
        item["from_chatroom"] = random.Chance(0.5);
        items.push_back(std::move(item));
      }
      content["title"] = random.Chance(0.5)
                             ? "群聊"
                             : absl::StrCat(display_name(), "和", display_name(), "的聊天记录");
      content["item"] = std::move(items);
      break;
    }
    case Kind::kTodo:
      content["title"] = "来自群聊的待办";
      content["content"] = text();
      break;
    case Kind::kVote: {
      content["votetitle"] = random.Chance(0.5) ? "团建去哪里？" : "周五午餐吃什么";
      Json items = Json::array();
      const int64_t options = random.Between(2, 4);
      for (int64_t i = 0; i < options; ++i) items.push_back(absl::StrCat("选项", i + 1));
      content["voteitem"] = std::move(items);
      content["votetype"] = random.Chance(0.5) ? 101 : 102;
      content["voteid"] = HexId(random, "", 20);
      break;
    }
    case Kind::kCollect: {
      const Room* room = &rooms_[0];
      for (const Room& candidate : rooms_) {
        if (candidate.roomid == conversation.roomid) room = &candidate;
      }
      content["room_name"] = room->roomname;
      content["creator"] = display_name();
      content["create_time"] = ChinaTime(msgtime, "%Y-%m-%d %H:%M:%S");
      content["title"] = "这是填表title";
      static constexpr std::array<std::pair<const char*, const char*>, 4> kFields = {
          {{"Text", "文本"}, {"Number", "数字"}, {"Date", "日期"}, {"Time", "时间"}}};
      Json details = Json::array();
      const int64_t fields = random.Between(2, 4);
      for (int64_t i = 0; i < fields; ++i) {
        const auto& [type, label] = kFields[i];
        Json detail;
        detail["id"] = i + 1;
        detail["ques"] = absl::StrCat("表项", i + 1, "，", label);
        detail["type"] = type;
        details.push_back(std::move(detail));
      }
      content["details"] = std::move(details);
      break;
    }
    case Kind::kRedPacket:
    case Kind::kExternalRedPacket: {
      key = "redpacket";
      const int64_t count = random.Between(1, 10);
      content["type"] = random.Between(1, kind == Kind::kRedPacket ? 3 : 2);
      content["wish"] = "恭喜发财，大吉大利";
      content["totalcnt"] = count;
      content["totalamount"] = count * random.Between(1, 100) * 100;
      break;
    }
    case Kind::kMeeting: {
      const int64_t start = seconds(600, 86400);
      content["topic"] = random.Chance(0.5) ? "夕会" : "季度复盘会";
      content["starttime"] = start;
      content["endtime"] = start + random.Between(1800, 7200);
      content["address"] = random.Chance(0.5) ? "" : "3 楼大会议室";
      content["remarks"] = "";
      content["meetingid"] = random.Below(10000000000ULL);
      break;
    }
    case Kind::kDocMsg:
      key = "doc";
      content["title"] = random.Chance(0.5) ? "测试&演示客户" : "2024 销售周报";
      content["doc_creator"] = conversation.from;
      content["link_url"] =
          absl::StrCat("https://doc.weixin.qq.com/txdoc/excel?docid=", HexId(random, "", 24));
      break;
    case Kind::kMarkdown:
      key = "info";
      content["content"] = absl::StrCat("**日报提醒**\n> 今日待办 ", random.Between(1, 9),
                                        " 项\n请前往系统查看，谢谢。");
      break;
    case Kind::kNews: {
      key = "info";
      Json items = Json::array();
      const int64_t count = random.Between(1, 2);
      for (int64_t i = 0; i < count; ++i) {
        Json item;
        item["title"] = i == 0 ? "本周行业动态" : "service ";
        item["description"] = "test";
        item["url"] = absl::StrCat("https://example.qq.com/news/", HexId(random, "", 8));
        item["picurl"] = "https://www.qq.com/xxx.jpg";
        items.push_back(std::move(item));
      }
      content["item"] = std::move(items);
      break;
    }
    case Kind::kVoipText:
      key = "info";
      content["callduration"] = random.Between(1, 3600);
      content["invitetype"] = random.Between(1, 4);
      break;
    case Kind::kQyDiskFile:
      key = "info";
      content["filename"] = random.Chance(0.5) ? ".sys.log" : "项目资料汇总.xlsx";
      break;
    case Kind::kCalendar: {
      const int64_t start = seconds(3600, 7 * 86400);
      content["title"] = "xxx业绩复盘会";
      content["creatorname"] = display_name();
      Json attendees = Json::array();
      const int64_t count = random.Between(1, 4);
      for (int64_t i = 0; i < count; ++i) attendees.push_back(display_name());
      content["attendeename"] = std::move(attendees);
      content["starttime"] = start;
      content["endtime"] = start + 3600;
      content["place"] = random.Chance(0.5) ? "" : "A 座 501";
      content["remarks"] = "";
      break;
    }
    case Kind::kMixed: {
      Json items = Json::array();
      for (const MediaFile& file : media) {
        Json text_content;
        text_content["content"] = text();
        Json text_item;
        text_item["type"] = "text";
        text_item["content"] = Dump(text_content);
        items.push_back(std::move(text_item));
        ASSIGN_OR_RETURN(const std::string md5, md5_of(file));
        Json image_item;
        image_item["type"] = "image";
        image_item["content"] = Dump(MediaJson("image", file, md5, ""));
        items.push_back(std::move(image_item));
      }
      content["item"] = std::move(items);
      break;
    }
    case Kind::kMeetingVoiceCall: {
      message["voiceid"] = HexId(random, "gr", 32);
      const int64_t start = msgtime / 1000;
      content["endtime"] = start + random.Between(60, 3600);
      content["sdkfileid"] = media[0].sdkfileid;
      if (random.Chance(0.5)) {
        Json demo;
        demo["filename"] = absl::StrCat(HexId(random, "", 32), ".docx");
        demo["demooperator"] = conversation.from;
        demo["starttime"] = start + 10;
        demo["endtime"] = start + 20;
        content["demofiledata"] = Json::array({std::move(demo)});
        Json share;
        share["share"] = conversation.from;
        share["starttime"] = start + 30;
        share["endtime"] = start + 40;
        content["sharescreendata"] = Json::array({std::move(share)});
      }
      break;
    }
    case Kind::kVoipDocShare: {
      message["voipid"] = HexId(random, "gr", 32);
      ASSIGN_OR_RETURN(const std::string md5, md5_of(media[0]));
      content["filename"] = random.Chance(0.5) ? "欢迎使用微盘.pdf.pdf" : "方案评审.pptx";
      content["md5sum"] = md5;
      content["filesize"] = media[0].size;
      content["sdkfileid"] = media[0].sdkfileid;
      break;
    }
    case Kind::kSphFeed:
      content["feed_type"] = std::array<int, 3>{2, 4, 9}[random.Below(3)];
      content["sph_name"] = random.Chance(0.5) ? "云游天地旅行家" : "企业微信";
      content["feed_desc"] = "瑞士丨盖尔默缆车，名副其实的过山车~\n\n#旅行#风景#热门";
      break;
    case Kind::kSwitch:
    case Kind::kMeetingNotification:
      break;  // Rendered above.
  }
  message[key] = std::move(content);
  return Dump(message);
}

absl::StatusOr<CorpusMessage> Corpus::Message(size_t index) const {
  if (!IndexExists(index)) {
    return absl::OutOfRangeError(absl::StrCat("message index ", index, " is beyond the ",
                                              base_size(),
                                              " messages of a corpus without live mode"));
  }
  CorpusMessage message;
  message.seq = SeqAt(index);
  message.msgid = MsgidAt(index);
  message.publickey_ver = KeyVersionFor(message.seq);
  message.msgtime = MsgtimeAt(index);
  message.msgtype = InfoOf(KindAt(settings_.seed, index)).msgtype;
  ASSIGN_OR_RETURN(message.plaintext, RenderPlaintext(index));
  return message;
}

absl::StatusOr<std::vector<CorpusMessage>> Corpus::BaseMessages() const {
  std::vector<CorpusMessage> messages;
  messages.reserve(base_size());
  for (size_t i = 0; i < base_size(); ++i) {
    ASSIGN_OR_RETURN(CorpusMessage message, Message(i));
    messages.push_back(std::move(message));
  }
  return messages;
}

}  // namespace wecom::emulator
