#include "emulators/finance-sdk/corpus.h"

#include <openssl/evp.h>

#include <regex>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "common/crypto/hex_digest.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/emulators/documented_msgtypes.h"

namespace wecom::emulator {
namespace {

using ::testing::Contains;
using ::testing::IsSupersetOf;
using ::testing::Not;
using ::wecom::testing::IsOk;
using ::wecom::testing::StatusIs;

constexpr int64_t kStart = 1700000000000;

TrafficSettings Settings(uint64_t count, uint64_t seed = 1) {
  TrafficSettings settings;
  settings.message_count = count;
  settings.seed = seed;
  settings.start_time_ms = kStart;
  settings.time_span_ms = 3LL * 86400 * 1000;
  return settings;
}

std::vector<CorpusMessage> Messages(const Corpus& corpus) {
  absl::StatusOr<std::vector<CorpusMessage>> messages = corpus.BaseMessages();
  EXPECT_THAT(messages, IsOk());
  return messages.ok() ? *messages : std::vector<CorpusMessage>{};
}

// Every md5sum a message states, including those inside the JSON strings of
// mixed and chatrecord items.
std::vector<std::string> Md5sums(const nlohmann::json& json) {
  std::vector<std::string> found;
  if (json.is_string()) {
    const nlohmann::json inner = nlohmann::json::parse(json.get<std::string>(), nullptr, false);
    return inner.is_structured() ? Md5sums(inner) : found;
  }
  if (json.is_object() && json.contains("md5sum")) found.push_back(json["md5sum"]);
  if (json.is_structured()) {
    for (const auto& child : json) {
      for (std::string& md5sum : Md5sums(child)) found.push_back(std::move(md5sum));
    }
  }
  return found;
}

bool IsExternal(const std::string& id) {
  return absl::StartsWith(id, "wo") || absl::StartsWith(id, "wm");
}

TEST(CorpusTest, SameSettingsGiveTheSameCorpus) {
  const Corpus a(Settings(300));
  const Corpus b(Settings(300));
  const Corpus other_seed(Settings(300, 2));
  const std::vector<CorpusMessage> messages_a = Messages(a);
  const std::vector<CorpusMessage> messages_b = Messages(b);
  const std::vector<CorpusMessage> messages_other = Messages(other_seed);
  ASSERT_EQ(messages_a.size(), 300u);
  ASSERT_EQ(messages_b.size(), 300u);
  int differing = 0;
  for (size_t i = 0; i < messages_a.size(); ++i) {
    EXPECT_EQ(messages_a[i].plaintext, messages_b[i].plaintext);
    EXPECT_EQ(messages_a[i].seq, messages_b[i].seq);
    differing += messages_a[i].plaintext != messages_other[i].plaintext ? 1 : 0;
  }
  EXPECT_EQ(differing, 300);
}

TEST(CorpusTest, EveryDocumentedMsgtypeOccursEvenInASmallCorpus) {
  const Corpus corpus(Settings(40));
  std::set<std::string> msgtypes;
  for (const CorpusMessage& message : Messages(corpus)) {
    const nlohmann::json json = nlohmann::json::parse(message.plaintext);
    const std::string msgtype =
        json["action"] == "switch" ? "switch" : json["msgtype"].get<std::string>();
    EXPECT_EQ(msgtype, message.msgtype);
    msgtypes.insert(msgtype);
  }
  EXPECT_THAT(msgtypes, IsSupersetOf(DocumentedMsgtypes()));
}

TEST(CorpusTest, AllMsgtypesListsTheDocumentedOnes) {
  EXPECT_THAT(AllMsgtypes(), ::testing::UnorderedElementsAreArray(DocumentedMsgtypes()));
}

TEST(CorpusTest, MessagesHaveTheVendorsShapes) {
  const Corpus corpus(Settings(200));
  for (const CorpusMessage& message : Messages(corpus)) {
    const nlohmann::json json = nlohmann::json::parse(message.plaintext);
    SCOPED_TRACE(message.plaintext);
    EXPECT_EQ(json["msgid"], message.msgid);
    if (message.msgtype == "switch") {
      // Not a real message: msgid, action, time, user and nothing else.
      EXPECT_EQ(json.size(), 4u);
      EXPECT_EQ(json["action"], "switch");
      EXPECT_EQ(json["time"].get<int64_t>(), message.msgtime);
      EXPECT_TRUE(json["user"].is_string());
      continue;
    }
    EXPECT_EQ(json["msgtype"], message.msgtype);
    EXPECT_EQ(json["msgtime"].get<int64_t>(), message.msgtime);
    EXPECT_TRUE(json["from"].is_string());
    EXPECT_TRUE(json["tolist"].is_array());
    EXPECT_EQ(json["action"], message.msgtype == "revoke" ? "recall" : "send");
    std::string content_key = message.msgtype;
    if (message.msgtype == "docmsg") content_key = "doc";
    if (message.msgtype == "external_redpacket") content_key = "redpacket";
    for (const char* info_type :
         {"markdown", "news", "voiptext", "qydiskfile", "meeting_notification"}) {
      if (message.msgtype == info_type) content_key = "info";
    }
    EXPECT_TRUE(json.contains(content_key)) << content_key;
    if (message.msgtype == "meeting_voice_call" || message.msgtype == "voip_doc_share") {
      EXPECT_FALSE(json.contains("roomid"));
      EXPECT_TRUE(json.contains(message.msgtype == "voip_doc_share" ? "voipid" : "voiceid"));
    } else {
      ASSERT_TRUE(json["roomid"].is_string());
      const std::string roomid = json["roomid"].get<std::string>();
      EXPECT_TRUE(roomid.empty() || absl::StartsWith(roomid, "wr")) << roomid;
    }
    if (message.msgtype == "meeting_notification") {
      EXPECT_TRUE(json["time"].is_string());
    }
    if (message.msgtype == "mixed") {
      std::set<std::string> item_types;
      for (const auto& item : json["mixed"]["item"]) item_types.insert(item["type"]);
      EXPECT_THAT(item_types, IsSupersetOf({"text", "image"}));
    }
    if (message.msgtype == "chatrecord") {
      bool has_media_item = false;
      for (const auto& item : json["chatrecord"]["item"]) {
        EXPECT_TRUE(absl::StartsWith(item["type"].get<std::string>(), "ChatRecord"));
        const nlohmann::json content = nlohmann::json::parse(item["content"].get<std::string>());
        has_media_item |= content.contains("sdkfileid");
      }
      EXPECT_TRUE(has_media_item);
    }
  }
}

TEST(CorpusTest, QuotesFollowTheFieldNotesPatterns) {
  // The field notes' regexes, in ECMAScript form (no named groups, no /s).
  const std::regex archive_style(
      "^(这是一条引用/回复消息：|This is a quote/reply:)\n(\"|“)([^\n]+)(：|:)\\s?\n"
      "([\\s\\S]*?)(”|\")\n-{6}\n([\\s\\S]*)$");
  const std::regex wechat_style("^「([^\n]+)：\n?([\\s\\S]*?)」\n-( -){14}\n([\\s\\S]+)$");
  int chinese = 0;
  int english = 0;
  int wechat = 0;
  for (const CorpusMessage& message : Messages(Corpus(Settings(500)))) {
    if (message.msgtype != "text") continue;
    const std::string content =
        nlohmann::json::parse(message.plaintext)["text"]["content"].get<std::string>();
    std::smatch match;
    if (std::regex_match(content, match, archive_style)) {
      (absl::StartsWith(content, "This") ? english : chinese)++;
    } else if (std::regex_match(content, wechat_style)) {
      ++wechat;
    }
  }
  EXPECT_GT(chinese, 0);
  EXPECT_GT(english, 0);
  EXPECT_GT(wechat, 0);
}

TEST(CorpusTest, SeqsAndMsgtimesIncreaseWithOccasionalSeqGaps) {
  const TrafficSettings settings = Settings(5000);
  const Corpus corpus(settings);
  int gaps = 0;
  for (size_t i = 0; i < corpus.base_size(); ++i) {
    EXPECT_GE(corpus.MsgtimeAt(i), settings.start_time_ms);
    EXPECT_LT(corpus.MsgtimeAt(i), settings.start_time_ms + settings.time_span_ms);
    if (i == 0) continue;
    EXPECT_GT(corpus.SeqAt(i), corpus.SeqAt(i - 1));
    EXPECT_GT(corpus.MsgtimeAt(i), corpus.MsgtimeAt(i - 1));
    gaps += corpus.SeqAt(i) > corpus.SeqAt(i - 1) + 1 ? 1 : 0;
  }
  EXPECT_GT(gaps, 50);
  EXPECT_LT(gaps, 500);
}

TEST(CorpusTest, SendersAndMsgidsHaveTheRealShapes) {
  const Corpus corpus(Settings(2000));
  std::set<std::string> msgids;
  int internal = 0, external = 0, robot = 0, external_suffix = 0, updown_suffix = 0;
  for (const CorpusMessage& message : Messages(corpus)) {
    EXPECT_TRUE(msgids.insert(message.msgid).second) << "duplicate msgid " << message.msgid;
    if (message.msgtype == "switch") continue;
    const std::string from = nlohmann::json::parse(message.plaintext)["from"];
    if (absl::StartsWith(from, "wb")) {
      ++robot;
    } else if (IsExternal(from)) {
      ++external;
    } else {
      ++internal;
    }
    external_suffix += absl::EndsWith(message.msgid, "_external") ? 1 : 0;
    updown_suffix += absl::EndsWith(message.msgid, "_updown_stream") ? 1 : 0;
  }
  EXPECT_GT(internal, 0);
  EXPECT_GT(external, 0);
  EXPECT_GT(robot, 0);
  EXPECT_GT(external_suffix, 0);
  EXPECT_GT(updown_suffix, 0);
}

TEST(CorpusTest, RevokeRecallsAnEarlierMessageOfTheSameSender) {
  const std::vector<CorpusMessage> messages = Messages(Corpus(Settings(1000)));
  int revokes = 0;
  for (size_t i = 0; i < messages.size(); ++i) {
    if (messages[i].msgtype != "revoke") continue;
    ++revokes;
    const nlohmann::json revoke = nlohmann::json::parse(messages[i].plaintext);
    const std::string pre_msgid = revoke["revoke"]["pre_msgid"];
    bool found = false;
    for (size_t j = 0; j < i; ++j) {
      if (messages[j].msgid != pre_msgid) continue;
      found = true;
      EXPECT_EQ(nlohmann::json::parse(messages[j].plaintext)["from"], revoke["from"]);
    }
    EXPECT_TRUE(found) << pre_msgid;
  }
  EXPECT_GT(revokes, 0);
}

TEST(CorpusTest, MediaIdsAreUniqueAndFindable) {
  const Corpus corpus(Settings(1000));
  const Corpus other(Settings(1000, 99));
  std::set<std::string> ids;
  for (size_t i = 0; i < corpus.base_size(); ++i) {
    for (const MediaFile& file : corpus.MediaOf(i)) {
      EXPECT_TRUE(ids.insert(file.sdkfileid).second);
      EXPECT_GT(file.sdkfileid.size(), 150u);
      std::string raw;
      EXPECT_TRUE(absl::Base64Unescape(file.sdkfileid, &raw));
      const absl::StatusOr<MediaFile> found = corpus.FindMedia(file.sdkfileid);
      ASSERT_THAT(found, IsOk());
      EXPECT_EQ(found->message_index, i);
      EXPECT_EQ(found->slot, file.slot);
      EXPECT_EQ(found->size, file.size);
      EXPECT_THAT(other.FindMedia(file.sdkfileid), StatusIs(absl::StatusCode::kNotFound));
    }
  }
  EXPECT_GT(ids.size(), 100u);
  EXPECT_THAT(corpus.FindMedia("CtYBbm90IGFuIGlk"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(corpus.FindMedia("***"), StatusIs(absl::StatusCode::kNotFound));
}

TEST(CorpusTest, MediaBytesAreDeterministicPerRangeWithTheStatedMd5) {
  const Corpus corpus(Settings(60));
  int large_files = 0;
  for (size_t i = 0; i < corpus.base_size(); ++i) {
    const absl::StatusOr<CorpusMessage> message = corpus.Message(i);
    ASSERT_THAT(message, IsOk());
    for (const MediaFile& file : corpus.MediaOf(i)) {
      large_files += file.size > 524288 ? 1 : 0;
      const absl::StatusOr<std::string> whole = corpus.MediaBytes(file, 0, file.size);
      ASSERT_THAT(whole, IsOk());
      ASSERT_EQ(whole->size(), file.size);
      // Unaligned ranges equal the same bytes of the whole file.
      for (uint64_t offset : {uint64_t{0}, uint64_t{7}, file.size / 3, file.size - 1}) {
        const absl::StatusOr<std::string> part = corpus.MediaBytes(file, offset, 1000);
        ASSERT_THAT(part, IsOk());
        EXPECT_TRUE(*part == whole->substr(offset, 1000)) << file.kind << " at " << offset;
      }
      const absl::StatusOr<std::string> md5 = corpus.Md5Hex(file);
      ASSERT_THAT(md5, IsOk());
      EXPECT_EQ(*md5, Md5Hex(*whole));
      if (file.kind != "meeting_voice_call") {
        EXPECT_NE(message->plaintext.find(*md5), std::string::npos) << file.kind;
      }
    }
  }
  EXPECT_GE(large_files, 3);
}

TEST(CorpusTest, MediaSizeScaleScalesEveryFile) {
  TrafficSettings small = Settings(100);
  small.media_size_scale = 0.01;
  const Corpus normal(Settings(100));
  const Corpus scaled(small);
  int files = 0;
  for (size_t i = 0; i < normal.base_size(); ++i) {
    const std::vector<MediaFile> a = normal.MediaOf(i);
    const std::vector<MediaFile> b = scaled.MediaOf(i);
    ASSERT_EQ(a.size(), b.size());
    for (size_t f = 0; f < a.size(); ++f, ++files) {
      EXPECT_NEAR(static_cast<double>(b[f].size), a[f].size * 0.01, 1.0);
    }
  }
  EXPECT_GT(files, 10);
}

TEST(CorpusTest, MediaSizeRangesReplaceAKindsSizesAndNothingElse) {
  TrafficSettings big_videos = Settings(200);
  big_videos.media_size_ranges["video"] = {200'000'000, 200'000'000};
  big_videos.media_size_ranges["voice"] = {1000, 2000};
  const Corpus normal(Settings(200));
  const Corpus changed(big_videos);
  int videos = 0;
  int voices = 0;
  int others = 0;
  for (size_t i = 0; i < normal.base_size(); ++i) {
    const std::vector<MediaFile> a = normal.MediaOf(i);
    const std::vector<MediaFile> b = changed.MediaOf(i);
    ASSERT_EQ(a.size(), b.size());
    for (size_t f = 0; f < a.size(); ++f) {
      EXPECT_EQ(b[f].sdkfileid, a[f].sdkfileid);
      EXPECT_EQ(b[f].kind, a[f].kind);
      if (b[f].kind == "video") {
        ++videos;
        EXPECT_EQ(b[f].size, 200'000'000u);
      } else if (b[f].kind == "voice") {
        ++voices;
        EXPECT_GE(b[f].size, 1000u);
        EXPECT_LE(b[f].size, 2000u);
      } else {
        ++others;
        EXPECT_EQ(b[f].size, a[f].size) << b[f].kind;
      }
    }
  }
  EXPECT_GE(videos, 1);
  EXPECT_GE(voices, 2);
  EXPECT_GT(others, 10);

  // media_size_scale still applies; the bytes and md5sum follow the size.
  big_videos.media_size_ranges["video"] = {2'000'000, 2'000'000};
  big_videos.media_size_scale = 0.5;
  const Corpus scaled(big_videos);
  const MediaFile video = scaled.MediaOf(9).at(0);
  ASSERT_EQ(video.kind, "video");
  EXPECT_EQ(video.size, 1'000'000u);
  absl::StatusOr<std::string> bytes = scaled.MediaBytes(video, 0, video.size);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(bytes->size(), 1'000'000u);
  EXPECT_EQ(*scaled.Md5Hex(video), Md5Hex(*bytes));
  absl::StatusOr<CorpusMessage> message = scaled.Message(9);
  ASSERT_TRUE(message.ok()) << message.status();
  EXPECT_NE(message->plaintext.find("\"filesize\":1000000"), std::string::npos)
      << message->plaintext;
}

TEST(CorpusTest, EmptyMd5sumRateEmptiesMd5sums) {
  TrafficSettings settings = Settings(100);
  settings.empty_md5sum_rate = 1.0;
  const Corpus corpus(settings);
  int media_messages = 0;
  for (size_t i = 0; i < corpus.base_size(); ++i) {
    if (corpus.MediaOf(i).empty()) continue;
    const absl::StatusOr<CorpusMessage> message = corpus.Message(i);
    ASSERT_THAT(message, IsOk());
    ++media_messages;
    if (message->msgtype == "meeting_voice_call") continue;  // States no md5sum.
    const std::vector<std::string> md5sums = Md5sums(nlohmann::json::parse(message->plaintext));
    EXPECT_FALSE(md5sums.empty()) << message->msgtype;
    for (const std::string& md5sum : md5sums) EXPECT_EQ(md5sum, "") << message->msgtype;
  }
  EXPECT_GT(media_messages, 10);
}

TEST(CorpusTest, EmptyMd5sumRateEmptiesAFractionOfMediaMessages) {
  TrafficSettings settings = Settings(400);
  settings.empty_md5sum_rate = 0.3;
  int empty = 0;
  int stated = 0;
  for (const CorpusMessage& message : Messages(Corpus(settings))) {
    for (const std::string& md5sum : Md5sums(nlohmann::json::parse(message.plaintext))) {
      (md5sum.empty() ? empty : stated)++;
    }
  }
  EXPECT_GT(empty, 0);
  EXPECT_GT(stated, empty);
}

TEST(CorpusTest, LiveModeContinuesAfterTheSpan) {
  TrafficSettings settings = Settings(50);
  EXPECT_THAT(Corpus(settings).Message(50), StatusIs(absl::StatusCode::kOutOfRange));

  settings.live_messages_per_second = 4;
  const Corpus corpus(settings);
  const int64_t span_end = settings.start_time_ms + settings.time_span_ms;
  EXPECT_EQ(corpus.CountSentBy(span_end), 50u);
  EXPECT_EQ(corpus.CountSentBy(span_end + 10000), 90u);
  for (size_t i = 50; i < 90; ++i) {
    EXPECT_GT(corpus.SeqAt(i), corpus.SeqAt(i - 1));
    EXPECT_GT(corpus.MsgtimeAt(i), corpus.MsgtimeAt(i - 1));
    const absl::StatusOr<CorpusMessage> message = corpus.Message(i);
    ASSERT_THAT(message, IsOk());
    EXPECT_EQ(message->msgtime, corpus.MsgtimeAt(i));
  }
  EXPECT_EQ(corpus.FirstIndexAfterSeq(corpus.SeqAt(60), 90), 61u);
  EXPECT_EQ(corpus.FirstIndexSentAtOrAfter(corpus.MsgtimeAt(70), 90), 70u);
}

TEST(CorpusTest, KeyVersionScheduleAssignsVersionsBySeq) {
  TrafficSettings settings = Settings(100);
  const uint64_t switch_seq = Corpus(settings).SeqAt(40);
  settings.key_versions = {{1, 3}, {switch_seq, 4}};
  for (const CorpusMessage& message : Messages(Corpus(settings))) {
    EXPECT_EQ(message.publickey_ver, message.seq < switch_seq ? 3u : 4u);
  }
}

TEST(CorpusTest, RobotsAndRoomsBelongToTheCorpus) {
  const Corpus corpus(Settings(500));
  ASSERT_FALSE(corpus.robots().empty());
  std::set<std::string> robot_ids;
  for (const Robot& robot : corpus.robots()) {
    EXPECT_TRUE(absl::StartsWith(robot.robot_id, "wb"));
    EXPECT_FALSE(robot.name.empty());
    EXPECT_FALSE(IsExternal(robot.creator_userid));
    robot_ids.insert(robot.robot_id);
  }
  std::set<std::string> roomids;
  for (const Room& room : corpus.rooms()) {
    EXPECT_TRUE(absl::StartsWith(room.roomid, "wr"));
    roomids.insert(room.roomid);
    EXPECT_FALSE(room.roomname.empty());
    bool creator_is_member = false;
    for (const RoomMember& member : room.members) {
      creator_is_member |= member.memberid == room.creator;
      EXPECT_GE(member.jointime, room.room_create_time);
    }
    EXPECT_TRUE(creator_is_member);
  }
  // Group messages happen in these rooms; robot messages come from these robots.
  for (const CorpusMessage& message : Messages(corpus)) {
    if (message.msgtype == "switch") continue;
    const nlohmann::json json = nlohmann::json::parse(message.plaintext);
    const std::string roomid = json.value("roomid", "");
    if (!roomid.empty()) {
      EXPECT_THAT(roomids, Contains(roomid));
    }
    const std::string from = json["from"];
    if (absl::StartsWith(from, "wb")) {
      EXPECT_THAT(robot_ids, Contains(from));
    }
  }
  EXPECT_THAT(roomids, Not(Contains("")));
}

TEST(CorpusTest, HundredThousandMessagesIndexWithoutRenderingThem) {
  const Corpus corpus(Settings(100000));
  ASSERT_EQ(corpus.base_size(), 100000u);
  EXPECT_EQ(corpus.FirstIndexAfterSeq(corpus.SeqAt(99998), corpus.base_size()), 99999u);
  const absl::StatusOr<CorpusMessage> last = corpus.Message(99999);
  ASSERT_THAT(last, IsOk());
  EXPECT_EQ(last->seq, corpus.SeqAt(99999));
}

}  // namespace
}  // namespace wecom::emulator
