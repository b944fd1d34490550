// The Finance SDK emulator through its C ABI only, loaded with dlopen as the
// archive service loads the real SDK.
#include <openssl/evp.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/crypto/hex_digest.h"
#include "common/testing/status_matchers.h"
#include "emulators/finance-sdk/corpus.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/emulators/documented_msgtypes.h"
#include "tests/emulators/emulator_test_world.h"

namespace wecom::emulator {
namespace {

using ::testing::AnyOf;
using ::testing::ElementsAre;
using ::testing::Eq;
using ::testing::IsEmpty;
using ::testing::IsSupersetOf;
using ::testing::SizeIs;
using ::wecom::testing::IsOk;

constexpr int kPieceSize = 524288;

// The md5sum a message states for `sdkfileid`, looking inside the JSON
// strings of mixed and chatrecord items too.
std::string StatedMd5(const nlohmann::json& json, const std::string& sdkfileid) {
  if (json.is_object() && json.value("sdkfileid", "") == sdkfileid && json.contains("md5sum")) {
    return json["md5sum"].get<std::string>();
  }
  if (json.is_string()) {
    const nlohmann::json inner = nlohmann::json::parse(json.get<std::string>(), nullptr, false);
    return inner.is_structured() ? StatedMd5(inner, sdkfileid) : "";
  }
  if (json.is_structured()) {
    for (const auto& child : json) {
      if (std::string md5 = StatedMd5(child, sdkfileid); !md5.empty()) return md5;
    }
  }
  return "";
}

// The proxy and passwd arguments of a call (null: none).
struct Route {
  const char* proxy = nullptr;
  const char* passwd = nullptr;
};

class FinanceSdkTest : public ::testing::Test {
 protected:
  using SlicePtr = std::unique_ptr<Slice_t, void (*)(Slice_t*)>;
  using MediaPtr = std::unique_ptr<MediaData_t, void (*)(MediaData_t*)>;

  // One GetChatData call: its return value and, on 0, the parsed answer.
  struct Page {
    int ret = -1;
    nlohmann::json answer;
  };

  ~FinanceSdkTest() override {
    for (WeWorkFinanceSdk_t* sdk : sdks_) abi_.DestroySdk(sdk);
  }

  SlicePtr NewSlice() const { return SlicePtr(abi_.NewSlice(), abi_.FreeSlice); }
  MediaPtr NewMediaData() const { return MediaPtr(abi_.NewMediaData(), abi_.FreeMediaData); }

  // A new instance initialised for `corpid` with `secret` (default: the right one).
  WeWorkFinanceSdk_t* Sdk(const std::string& corpid, std::string secret = "") {
    WeWorkFinanceSdk_t* sdk = abi_.NewSdk();
    sdks_.push_back(sdk);
    if (secret.empty()) secret = world_.secret(corpid);
    EXPECT_EQ(abi_.Init(sdk, corpid.c_str(), secret.c_str()), 0);
    return sdk;
  }

  Page Pull(WeWorkFinanceSdk_t* sdk, uint64_t seq, unsigned limit, Route route = {}) const {
    SlicePtr slice = NewSlice();
    Page page;
    page.ret = abi_.GetChatData(sdk, seq, limit, route.proxy, route.passwd, 5, slice.get());
    if (page.ret == 0) {
      page.answer = nlohmann::json::parse(
          std::string(abi_.GetContentFromSlice(slice.get()), abi_.GetSliceLen(slice.get())));
    }
    return page;
  }

  // RSA-decrypts the entry's key with the test's private key.
  std::string MessageKey(const nlohmann::json& entry) const {
    std::string encrypted_key;
    EXPECT_TRUE(
        absl::Base64Unescape(entry["encrypt_random_key"].get<std::string>(), &encrypted_key));
    absl::StatusOr<std::string> key =
        world_.DecryptWithPrivateKey(entry["publickey_ver"].get<uint32_t>(), encrypted_key);
    EXPECT_THAT(key, IsOk());
    return key.ok() ? *key : "";
  }

  // DecryptData's return value; `plaintext` gets the message on 0.
  int Decrypt(const std::string& key, const std::string& encrypted,
              std::string* plaintext = nullptr) const {
    SlicePtr slice = NewSlice();
    const int ret = abi_.DecryptData(key.c_str(), encrypted.c_str(), slice.get());
    if (ret == 0 && plaintext != nullptr) {
      *plaintext =
          std::string(abi_.GetContentFromSlice(slice.get()), abi_.GetSliceLen(slice.get()));
    }
    return ret;
  }

  // Pulls every piece of a file from an empty index on, recording the indexes
  // the emulator hands back; returns the first nonzero return value, or 0.
  int FetchMedia(WeWorkFinanceSdk_t* sdk, const std::string& sdkfileid, std::string* data,
                 std::vector<std::string>* indexes, Route route = {}) const {
    MediaPtr media = NewMediaData();
    std::string index;
    for (;;) {
      const int ret = abi_.GetMediaData(sdk, index.c_str(), sdkfileid.c_str(), route.proxy,
                                        route.passwd, 5, media.get());
      if (ret != 0) return ret;
      data->append(abi_.GetData(media.get()), abi_.GetDataLen(media.get()));
      if (abi_.IsMediaDataFinish(media.get()) == 1) return 0;
      index.assign(abi_.GetOutIndexBuf(media.get()), abi_.GetIndexLen(media.get()));
      indexes->push_back(index);
    }
  }

  // The first media file of `corpid` that satisfies `wanted`.
  MediaFile FindFile(const std::string& corpid,
                     const std::function<bool(const MediaFile&)>& wanted) const {
    const Corpus& corpus = world_.corpus(corpid);
    for (size_t i = 0; i < corpus.base_size(); ++i) {
      for (const MediaFile& file : corpus.MediaOf(i)) {
        if (wanted(file)) return file;
      }
    }
    ADD_FAILURE() << "no such media file in " << corpid;
    return MediaFile{};
  }

  const EmulatorTestWorld& world_ = EmulatorTestWorld::Get();
  const FinanceSdkAbi& abi_ = world_.abi();
  std::vector<WeWorkFinanceSdk_t*> sdks_;
};

TEST_F(FinanceSdkTest, PullsEveryMessageInPagesAndDecryptsToTheCorpusPlaintext) {
  WeWorkFinanceSdk_t* sdk = Sdk(kMainCorp);
  const Corpus& corpus = world_.corpus(kMainCorp);
  std::set<std::string> msgtypes;
  std::set<uint32_t> versions;
  bool saw_seq_gap = false;
  uint64_t cursor = 0;
  size_t index = 0;
  for (;;) {
    const Page page = Pull(sdk, cursor, 37);
    ASSERT_EQ(page.ret, 0);
    ASSERT_EQ(page.answer["errcode"], 0);
    ASSERT_EQ(page.answer["errmsg"], "ok");
    const nlohmann::json& chatdata = page.answer["chatdata"];
    if (chatdata.empty()) break;
    ASSERT_LE(chatdata.size(), 37u);
    for (const nlohmann::json& entry : chatdata) {
      ASSERT_LT(index, corpus.base_size());
      const absl::StatusOr<CorpusMessage> expected = corpus.Message(index++);
      ASSERT_THAT(expected, IsOk());
      EXPECT_EQ(entry["seq"].get<uint64_t>(), expected->seq);
      EXPECT_EQ(entry["msgid"].get<std::string>(), expected->msgid);
      EXPECT_EQ(entry["publickey_ver"].get<uint32_t>(), expected->publickey_ver);
      saw_seq_gap |= expected->seq > cursor + 1 && cursor != 0;
      cursor = entry["seq"].get<uint64_t>();
      versions.insert(expected->publickey_ver);

      std::string plaintext;
      ASSERT_EQ(
          Decrypt(MessageKey(entry), entry["encrypt_chat_msg"].get<std::string>(), &plaintext), 0);
      EXPECT_EQ(plaintext, expected->plaintext);
      const nlohmann::json message = nlohmann::json::parse(plaintext);
      msgtypes.insert(message["action"] == "switch" ? "switch"
                                                    : message["msgtype"].get<std::string>());
    }
  }
  EXPECT_EQ(index, corpus.base_size());
  EXPECT_THAT(msgtypes, IsSupersetOf(DocumentedMsgtypes()));
  EXPECT_THAT(versions, ElementsAre(1, 2));
  EXPECT_TRUE(saw_seq_gap);
}

TEST_F(FinanceSdkTest, PullFromAnySeqReturnsOnlyLaterMessages) {
  WeWorkFinanceSdk_t* sdk = Sdk(kMainCorp);
  const Corpus& corpus = world_.corpus(kMainCorp);
  const Page page = Pull(sdk, corpus.SeqAt(100), 5);
  ASSERT_EQ(page.ret, 0);
  ASSERT_THAT(page.answer["chatdata"], SizeIs(5));
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(page.answer["chatdata"][i]["seq"].get<uint64_t>(), corpus.SeqAt(101 + i));
  }
}

TEST_F(FinanceSdkTest, LimitAbove1000IsAParameterError) {
  WeWorkFinanceSdk_t* sdk = Sdk(kMainCorp);
  EXPECT_EQ(Pull(sdk, 0, 1001).ret, 10000);
  const Page page = Pull(sdk, 0, 1000);
  ASSERT_EQ(page.ret, 0);
  EXPECT_THAT(page.answer["chatdata"], SizeIs(world_.corpus(kMainCorp).base_size()));
}

TEST_F(FinanceSdkTest, DecryptDataRejectsTheBase64KeyWrongKeysAndBadCiphertext) {
  WeWorkFinanceSdk_t* sdk = Sdk(kMainCorp);
  const Page page = Pull(sdk, 0, 2);
  ASSERT_EQ(page.ret, 0);
  const nlohmann::json& first = page.answer["chatdata"][0];
  const nlohmann::json& second = page.answer["chatdata"][1];
  const std::string encrypted = first["encrypt_chat_msg"].get<std::string>();

  // The base64 text instead of the RSA-decrypted key.
  EXPECT_EQ(Decrypt(first["encrypt_random_key"].get<std::string>(), encrypted), 10008);
  // Another message's key.
  EXPECT_EQ(Decrypt(MessageKey(second), encrypted), 10006);
  EXPECT_EQ(Decrypt(MessageKey(first), "not*base64!"), 10002);
  EXPECT_EQ(Decrypt(MessageKey(first), encrypted), 0);
}

TEST_F(FinanceSdkTest, WrongSecretAnswers40001InsideTheJson) {
  WeWorkFinanceSdk_t* sdk = Sdk(kMainCorp, "not-the-secret");
  const Page page = Pull(sdk, 0, 10);
  ASSERT_EQ(page.ret, 0);
  EXPECT_EQ(page.answer["errcode"], 40001);
  EXPECT_THAT(page.answer["chatdata"], IsEmpty());
  const MediaFile file = FindFile(kMainCorp, [](const MediaFile&) { return true; });
  std::string data;
  std::vector<std::string> indexes;
  EXPECT_EQ(FetchMedia(sdk, file.sdkfileid, &data, &indexes), 40001);
}

TEST_F(FinanceSdkTest, UnknownCorpAnswers40013) {
  WeWorkFinanceSdk_t* sdk = Sdk("wwnosuchcorp", "whatever");
  const Page page = Pull(sdk, 0, 10);
  ASSERT_EQ(page.ret, 0);
  EXPECT_EQ(page.answer["errcode"], 40013);
}

TEST_F(FinanceSdkTest, InitAndCallsCheckTheirArguments) {
  WeWorkFinanceSdk_t* sdk = abi_.NewSdk();
  sdks_.push_back(sdk);
  EXPECT_EQ(Pull(sdk, 0, 10).ret, 10000) << "GetChatData before Init";
  EXPECT_EQ(abi_.Init(sdk, nullptr, "secret"), 10000);
  EXPECT_EQ(abi_.Init(sdk, kMainCorp, ""), 10000);
  ASSERT_EQ(abi_.Init(sdk, kMainCorp, world_.secret(kMainCorp).c_str()), 0);
  EXPECT_EQ(abi_.GetChatData(sdk, 0, 10, nullptr, nullptr, 5, nullptr), 10000);
}

TEST_F(FinanceSdkTest, MediaPiecesReassembleToTheCorpusBytesWithRangeIndexes) {
  WeWorkFinanceSdk_t* sdk = Sdk(kMainCorp);
  const Corpus& corpus = world_.corpus(kMainCorp);
  const std::vector<std::string>& failing = world_.corp(kMainCorp).faults.failing_sdkfileids;
  int multi_piece_files = 0;
  int checked_against_message = 0;
  for (size_t i = 0; i < corpus.base_size(); ++i) {
    for (const MediaFile& file : corpus.MediaOf(i)) {
      if (std::find(failing.begin(), failing.end(), file.sdkfileid) != failing.end()) continue;
      std::string data;
      std::vector<std::string> indexes;
      ASSERT_EQ(FetchMedia(sdk, file.sdkfileid, &data, &indexes), 0) << file.kind;
      ASSERT_EQ(data.size(), file.size);
      const absl::StatusOr<std::string> expected = corpus.MediaBytes(file, 0, file.size);
      ASSERT_THAT(expected, IsOk());
      EXPECT_TRUE(data == *expected) << "bytes differ for a " << file.kind;

      std::vector<std::string> expected_indexes;
      for (uint64_t first = kPieceSize; first < file.size; first += kPieceSize) {
        expected_indexes.push_back(absl::StrCat(
            "Range:bytes=", first, "-", std::min<uint64_t>(first + kPieceSize, file.size) - 1));
      }
      EXPECT_EQ(indexes, expected_indexes);
      multi_piece_files += indexes.empty() ? 0 : 1;

      const absl::StatusOr<std::string> corpus_md5 = corpus.Md5Hex(file);
      ASSERT_THAT(corpus_md5, IsOk());
      EXPECT_EQ(Md5Hex(data), *corpus_md5);
      const absl::StatusOr<CorpusMessage> message = corpus.Message(i);
      ASSERT_THAT(message, IsOk());
      const std::string stated =
          StatedMd5(nlohmann::json::parse(message->plaintext), file.sdkfileid);
      if (!stated.empty()) {
        EXPECT_EQ(stated, Md5Hex(data));
        ++checked_against_message;
      }
    }
  }
  EXPECT_GE(multi_piece_files, 3);
  EXPECT_GT(checked_against_message, 10);
}

TEST_F(FinanceSdkTest, ConfiguredMediaAlwaysFailsWith10006) {
  WeWorkFinanceSdk_t* sdk = Sdk(kMainCorp);
  const std::vector<std::string>& failing = world_.corp(kMainCorp).faults.failing_sdkfileids;
  ASSERT_THAT(failing, SizeIs(2));
  for (const std::string& sdkfileid : failing) {
    for (int attempt = 0; attempt < 3; ++attempt) {
      std::string data;
      std::vector<std::string> indexes;
      EXPECT_EQ(FetchMedia(sdk, sdkfileid, &data, &indexes), 10006);
    }
  }
}

TEST_F(FinanceSdkTest, UnknownSdkfileidsAre10005AndMalformedIndexesAre10000) {
  WeWorkFinanceSdk_t* sdk = Sdk(kMainCorp);
  MediaPtr media = NewMediaData();
  const MediaFile other_corps = FindFile(kCorruptCorp, [](const MediaFile&) { return true; });
  for (const std::string& unknown :
       {std::string("CtYBnotreal"), std::string("!!!"), std::string(""), other_corps.sdkfileid}) {
    EXPECT_EQ(abi_.GetMediaData(sdk, "", unknown.c_str(), nullptr, nullptr, 5, media.get()), 10005)
        << unknown;
  }
  const MediaFile file = FindFile(kMainCorp, [&](const MediaFile& candidate) {
    const auto& failing = world_.corp(kMainCorp).faults.failing_sdkfileids;
    return std::find(failing.begin(), failing.end(), candidate.sdkfileid) == failing.end();
  });
  for (const char* index :
       {"bytes=0-10", "Range:bytes=10-5", "Range:bytes=a-b", "Range:bytes=5", "Range:bytes=-5"}) {
    EXPECT_EQ(
        abi_.GetMediaData(sdk, index, file.sdkfileid.c_str(), nullptr, nullptr, 5, media.get()),
        10000)
        << index;
  }
  const std::string beyond = absl::StrCat("Range:bytes=", file.size, "-", file.size + 10);
  EXPECT_EQ(abi_.GetMediaData(sdk, beyond.c_str(), file.sdkfileid.c_str(), nullptr, nullptr, 5,
                              media.get()),
            10000);
}

TEST_F(FinanceSdkTest, CorruptedPieceComesRightOnRefetch) {
  WeWorkFinanceSdk_t* sdk = Sdk(kCorruptCorp);
  const Corpus& corpus = world_.corpus(kCorruptCorp);
  const MediaFile file =
      FindFile(kCorruptCorp, [](const MediaFile& candidate) { return candidate.size > 4096; });
  const absl::StatusOr<std::string> expected = corpus.MediaBytes(file, 0, kPieceSize);
  ASSERT_THAT(expected, IsOk());
  MediaPtr media = NewMediaData();

  ASSERT_EQ(abi_.GetMediaData(sdk, "", file.sdkfileid.c_str(), nullptr, nullptr, 5, media.get()),
            0);
  const std::string first(abi_.GetData(media.get()), abi_.GetDataLen(media.get()));
  EXPECT_EQ(first.size(), expected->size());
  EXPECT_NE(Md5Hex(first), Md5Hex(*expected));

  ASSERT_EQ(abi_.GetMediaData(sdk, "", file.sdkfileid.c_str(), nullptr, nullptr, 5, media.get()),
            0);
  const std::string second(abi_.GetData(media.get()), abi_.GetDataLen(media.get()));
  EXPECT_TRUE(second == *expected);
}

TEST_F(FinanceSdkTest, RetentionHidesOldMessagesAndTheirMedia) {
  WeWorkFinanceSdk_t* sdk = Sdk(kRetentionCorp);
  const Corpus& corpus = world_.corpus(kRetentionCorp);
  const int64_t retention_ms = 5LL * 86400 * 1000;
  const int64_t before_ms = absl::ToUnixMillis(absl::Now());
  const Page page = Pull(sdk, 0, 1000);
  const int64_t after_ms = absl::ToUnixMillis(absl::Now());
  ASSERT_EQ(page.ret, 0);
  const nlohmann::json& chatdata = page.answer["chatdata"];
  ASSERT_FALSE(chatdata.empty());

  // Served: a contiguous run of the corpus from the first unexpired message.
  const size_t first =
      corpus.FirstIndexAfterSeq(chatdata[0]["seq"].get<uint64_t>() - 1, corpus.base_size());
  EXPECT_GE(corpus.MsgtimeAt(first), before_ms - retention_ms);
  EXPECT_GT(first, 0u);
  EXPECT_LT(corpus.MsgtimeAt(first - 1), after_ms - retention_ms);
  EXPECT_EQ(chatdata.size(), corpus.base_size() - first);

  const MediaFile expired = FindFile(kRetentionCorp, [&](const MediaFile& file) {
    return corpus.MsgtimeAt(file.message_index) < before_ms - retention_ms;
  });
  std::string data;
  std::vector<std::string> indexes;
  EXPECT_EQ(FetchMedia(sdk, expired.sdkfileid, &data, &indexes), 10010);
}

TEST_F(FinanceSdkTest, TransientFaultsAnswer10001To10003) {
  WeWorkFinanceSdk_t* sdk = Sdk(kFlakyCorp);
  const MediaFile file = FindFile(kFlakyCorp, [](const MediaFile&) { return true; });
  MediaPtr media = NewMediaData();
  std::set<int> codes;
  for (int i = 0; i < 30; ++i) {
    const int chat = Pull(sdk, 0, 10).ret;
    const int media_ret =
        abi_.GetMediaData(sdk, "", file.sdkfileid.c_str(), nullptr, nullptr, 5, media.get());
    EXPECT_THAT(chat, AnyOf(Eq(10001), Eq(10002), Eq(10003)));
    EXPECT_THAT(media_ret, AnyOf(Eq(10001), Eq(10002), Eq(10003)));
    codes.insert(chat);
    codes.insert(media_ret);
  }
  EXPECT_THAT(codes, SizeIs(3));
}

TEST_F(FinanceSdkTest, CallsBeyondThePerMinuteLimitsAnswer45009) {
  WeWorkFinanceSdk_t* sdk = Sdk(kLimitedCorp);
  for (int i = 0; i < 3; ++i) {
    const Page page = Pull(sdk, 0, 10);
    ASSERT_EQ(page.ret, 0);
    EXPECT_EQ(page.answer["errcode"], 0) << "call " << i;
  }
  const Page limited = Pull(sdk, 0, 10);
  ASSERT_EQ(limited.ret, 0);
  EXPECT_EQ(limited.answer["errcode"], 45009);
  EXPECT_THAT(limited.answer["chatdata"], IsEmpty());

  const MediaFile file = FindFile(kLimitedCorp, [](const MediaFile&) { return true; });
  MediaPtr media = NewMediaData();
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(abi_.GetMediaData(sdk, "", file.sdkfileid.c_str(), nullptr, nullptr, 5, media.get()),
              0);
  }
  EXPECT_EQ(abi_.GetMediaData(sdk, "", file.sdkfileid.c_str(), nullptr, nullptr, 5, media.get()),
            45009);
}

TEST_F(FinanceSdkTest, LiveModeServesMessagesSentSoFar) {
  WeWorkFinanceSdk_t* sdk = Sdk(kLiveCorp);
  const Corpus& corpus = world_.corpus(kLiveCorp);
  const int64_t before_ms = absl::ToUnixMillis(absl::Now());
  const Page page = Pull(sdk, 0, 1000);
  const int64_t after_ms = absl::ToUnixMillis(absl::Now());
  ASSERT_EQ(page.ret, 0);
  const nlohmann::json& chatdata = page.answer["chatdata"];
  EXPECT_GE(chatdata.size(), corpus.CountSentBy(before_ms));
  EXPECT_LE(chatdata.size(), corpus.CountSentBy(after_ms));
  // 20 messages in the span, then 20 a second for the last 10 seconds.
  EXPECT_GE(chatdata.size(), corpus.base_size() + 150);
  for (size_t i = 0; i < chatdata.size(); ++i) {
    const absl::StatusOr<CorpusMessage> expected = corpus.Message(i);
    ASSERT_THAT(expected, IsOk());
    EXPECT_EQ(chatdata[i]["seq"].get<uint64_t>(), expected->seq);
    std::string plaintext;
    ASSERT_EQ(Decrypt(MessageKey(chatdata[i]), chatdata[i]["encrypt_chat_msg"].get<std::string>(),
                      &plaintext),
              0);
    EXPECT_EQ(plaintext, expected->plaintext);
    EXPECT_LE(expected->msgtime, after_ms);
  }
}

TEST_F(FinanceSdkTest, ProxiedCorpAnswersOnlyThroughItsProxyWithItsPasswd) {
  WeWorkFinanceSdk_t* sdk = Sdk(kProxiedCorp);
  const Corpus& corpus = world_.corpus(kProxiedCorp);
  const MediaFile file = FindFile(kProxiedCorp, [](const MediaFile&) { return true; });
  const Route right{kCorpProxy, kCorpProxyPasswd};
  const std::vector<std::pair<std::string, Route>> unreachable = {
      {"no proxy", {}},
      {"empty proxy and passwd", {"", ""}},
      {"another proxy", {"socks5://127.0.0.1:1081", kCorpProxyPasswd}},
      {"the proxy's address over http", {"http://127.0.0.1:1080", kCorpProxyPasswd}},
      {"the proxy without passwd", {kCorpProxy, nullptr}},
      {"the proxy with a wrong passwd", {kCorpProxy, "archive:wrong-pass"}},
  };
  for (const auto& [name, route] : unreachable) {
    EXPECT_EQ(Pull(sdk, 0, 10, route).ret, 10001) << name;
    std::string data;
    std::vector<std::string> indexes;
    EXPECT_EQ(FetchMedia(sdk, file.sdkfileid, &data, &indexes, route), 10001) << name;
  }
  // Argument checks come before the network, as for every corp.
  EXPECT_EQ(Pull(sdk, 0, 1001).ret, 10000);

  const Page page = Pull(sdk, 0, 1000, right);
  ASSERT_EQ(page.ret, 0);
  EXPECT_EQ(page.answer["errcode"], 0);
  EXPECT_THAT(page.answer["chatdata"], SizeIs(corpus.base_size()));
  std::string data;
  std::vector<std::string> indexes;
  ASSERT_EQ(FetchMedia(sdk, file.sdkfileid, &data, &indexes, right), 0);
  const absl::StatusOr<std::string> expected = corpus.MediaBytes(file, 0, file.size);
  ASSERT_THAT(expected, IsOk());
  EXPECT_TRUE(data == *expected);
}

TEST_F(FinanceSdkTest, CorpsWithoutARequiredProxyTakeAnyRoute) {
  WeWorkFinanceSdk_t* sdk = Sdk(kMainCorp);
  for (const Route route : {Route{}, Route{kCorpProxy, kCorpProxyPasswd},
                            Route{"http://10.0.0.1:8081", "user_name:passwd_123"}}) {
    const Page page = Pull(sdk, 0, 3, route);
    ASSERT_EQ(page.ret, 0) << (route.proxy == nullptr ? "no proxy" : route.proxy);
    EXPECT_THAT(page.answer["chatdata"], SizeIs(3));
  }
}

TEST_F(FinanceSdkTest, BuffersAreZeroedBinarySafeAndReplacedOnReuse) {
  SlicePtr slice = NewSlice();
  EXPECT_EQ(slice->buf, nullptr);
  EXPECT_EQ(slice->len, 0);
  MediaPtr media = NewMediaData();
  EXPECT_EQ(media->outindexbuf, nullptr);
  EXPECT_EQ(media->data, nullptr);
  EXPECT_EQ(media->out_len, 0);
  EXPECT_EQ(media->data_len, 0);
  EXPECT_EQ(media->is_finish, 0);

  WeWorkFinanceSdk_t* sdk = Sdk(kMainCorp);
  ASSERT_EQ(abi_.GetChatData(sdk, 0, 1, nullptr, nullptr, 5, slice.get()), 0);
  const std::string one(abi_.GetContentFromSlice(slice.get()), abi_.GetSliceLen(slice.get()));
  // The same slice again: the old buffer is replaced (ASan reports a leak otherwise).
  ASSERT_EQ(abi_.GetChatData(sdk, 0, 3, nullptr, nullptr, 5, slice.get()), 0);
  EXPECT_EQ(abi_.GetContentFromSlice(slice.get()), slice->buf);
  EXPECT_EQ(abi_.GetSliceLen(slice.get()), slice->len);
  EXPECT_GT(slice->len, static_cast<int>(one.size()));
  EXPECT_EQ(std::strlen(slice->buf), static_cast<size_t>(slice->len));

  const MediaFile file =
      FindFile(kMainCorp, [](const MediaFile& candidate) { return candidate.size > kPieceSize; });
  ASSERT_EQ(abi_.GetMediaData(sdk, "", file.sdkfileid.c_str(), nullptr, nullptr, 5, media.get()),
            0);
  EXPECT_EQ(abi_.GetData(media.get()), media->data);
  EXPECT_EQ(abi_.GetDataLen(media.get()), kPieceSize);
  EXPECT_EQ(abi_.GetOutIndexBuf(media.get()), media->outindexbuf);
  EXPECT_EQ(abi_.GetIndexLen(media.get()), static_cast<int>(std::strlen(media->outindexbuf)));
  EXPECT_EQ(abi_.IsMediaDataFinish(media.get()), 0);
  // Binary data: NULs count in data_len, which only GetDataLen reports.
  const absl::StatusOr<std::string> expected =
      world_.corpus(kMainCorp).MediaBytes(file, 0, kPieceSize);
  ASSERT_THAT(expected, IsOk());
  EXPECT_NE(expected->find('\0'), std::string::npos);
  EXPECT_TRUE(std::string(media->data, media->data_len) == *expected);
}

TEST_F(FinanceSdkTest, InstancesWorkInParallelThreadsAndDecryptDataIsThreadSafe) {
  const Corpus& corpus = world_.corpus(kMainCorp);
  std::vector<WeWorkFinanceSdk_t*> sdks;
  for (int t = 0; t < 4; ++t) sdks.push_back(Sdk(kMainCorp));
  std::vector<int> matched(sdks.size(), 0);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < sdks.size(); ++t) {
    threads.emplace_back([&, t] {
      const Page page = Pull(sdks[t], 0, 1000);
      if (page.ret != 0) return;
      const nlohmann::json& chatdata = page.answer["chatdata"];
      for (size_t i = 0; i < chatdata.size(); ++i) {
        std::string plaintext;
        if (Decrypt(MessageKey(chatdata[i]), chatdata[i]["encrypt_chat_msg"].get<std::string>(),
                    &plaintext) != 0) {
          continue;
        }
        const absl::StatusOr<CorpusMessage> expected = corpus.Message(i);
        if (expected.ok() && plaintext == expected->plaintext) ++matched[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int count : matched) EXPECT_EQ(count, static_cast<int>(corpus.base_size()));
}

}  // namespace
}  // namespace wecom::emulator
