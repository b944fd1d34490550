#include <string>

#include "absl/strings/str_cat.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/archive/parse/message_parser.h"
#include "tests/archive/parse/seed_examples.h"

namespace wecom::archive {
namespace {

using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;
using ::wecom::archive::testing::SeedExample;
using ::wecom::testing::IsOk;
using ::wecom::testing::StatusIs;

absl::Status ParseStatus(std::string_view json) { return ParseChatDataResponse(json).status(); }

TEST(ParseChatDataResponseTest, ParsesTheSeedEnvelope) {
  absl::StatusOr<EncryptedChatBatch> batch =
      ParseChatDataResponse(SeedExample("chatdata_envelope"));
  ASSERT_THAT(batch, IsOk());
  EXPECT_EQ(batch->errcode, 0);
  EXPECT_EQ(batch->errmsg, "ok");
  ASSERT_EQ(batch->chatdata.size(), 1u);
  const EncryptedChatData& entry = batch->chatdata[0];
  EXPECT_EQ(entry.seq, 196u);
  EXPECT_EQ(entry.msgid, "CAQQ2fbb4QUY0On2rYSAgAMgip/yzgs=");
  EXPECT_EQ(entry.publickey_ver, 3u);
  EXPECT_THAT(entry.encrypt_random_key, StartsWith("ftJ+uz3n/z1DsxlkwxNgE+mL38H42"));
  EXPECT_THAT(entry.encrypt_random_key, EndsWith("B/32Qxqd79A=="));
  EXPECT_EQ(entry.encrypt_random_key.size(), 344u);
  EXPECT_THAT(entry.encrypt_chat_msg, StartsWith("898WSfGMnIeytTsea7Rc0WsOocs0"));
  EXPECT_THAT(entry.encrypt_chat_msg, EndsWith("D+6+3VRqL"));
}

TEST(ParseChatDataResponseTest, ReturnsAVendorErrorAsData) {
  absl::StatusOr<EncryptedChatBatch> batch =
      ParseChatDataResponse(R"({"errcode":10001,"errmsg":"network error"})");
  ASSERT_THAT(batch, IsOk());
  EXPECT_EQ(batch->errcode, 10001);
  EXPECT_EQ(batch->errmsg, "network error");
  EXPECT_THAT(batch->chatdata, IsEmpty());
}

TEST(ParseChatDataResponseTest, ReturnsAnErrorWithEmptyChatdata) {
  absl::StatusOr<EncryptedChatBatch> batch =
      ParseChatDataResponse(R"({"errcode":48002,"errmsg":"api forbidden","chatdata":[]})");
  ASSERT_THAT(batch, IsOk());
  EXPECT_EQ(batch->errcode, 48002);
  EXPECT_EQ(batch->errmsg, "api forbidden");
  EXPECT_THAT(batch->chatdata, IsEmpty());
}

TEST(ParseChatDataResponseTest, KeepsEntriesInOrderAndSkipsUnknownKeys) {
  absl::StatusOr<EncryptedChatBatch> batch = ParseChatDataResponse(R"({
    "errcode": 0, "extra": {"nested": [1, {"seq": "not this one"}]}, "errmsg": "ok",
    "chatdata": [
      {"seq": 7, "msgid": "a", "publickey_ver": 1, "encrypt_random_key": "k1",
       "encrypt_chat_msg": "m1", "future": [[{}], {"x": null}]},
      {"msgid": "b_external", "seq": 18446744073709551615, "encrypt_chat_msg": "m2",
       "encrypt_random_key": "k2", "publickey_ver": 4294967295}
    ],
    "trailer": [true, false, 1.5, -3]})");
  ASSERT_THAT(batch, IsOk());
  EXPECT_EQ(batch->errmsg, "ok");
  EXPECT_THAT(batch->chatdata, ElementsAre(Field(&EncryptedChatData::msgid, "a"),
                                           Field(&EncryptedChatData::msgid, "b_external")));
  EXPECT_EQ(batch->chatdata[0].seq, 7u);
  EXPECT_EQ(batch->chatdata[0].encrypt_random_key, "k1");
  EXPECT_EQ(batch->chatdata[0].encrypt_chat_msg, "m1");
  EXPECT_EQ(batch->chatdata[1].seq, 18446744073709551615u);
  EXPECT_EQ(batch->chatdata[1].publickey_ver, 4294967295u);
  EXPECT_EQ(batch->chatdata[1].encrypt_chat_msg, "m2");
}

TEST(ParseChatDataResponseTest, ParsesAFullBatch) {
  std::string json = R"({"errcode":0,"errmsg":"ok","chatdata":[)";
  for (int seq = 1; seq <= 1000; ++seq) {
    absl::StrAppend(&json, seq > 1 ? "," : "", R"({"seq":)", seq, R"(,"msgid":"id)", seq,
                    R"(","publickey_ver":2,"encrypt_random_key":"key","encrypt_chat_msg":"msg"})");
  }
  absl::StrAppend(&json, "]}");
  absl::StatusOr<EncryptedChatBatch> batch = ParseChatDataResponse(json);
  ASSERT_THAT(batch, IsOk());
  ASSERT_EQ(batch->chatdata.size(), 1000u);
  EXPECT_EQ(batch->chatdata[999].seq, 1000u);
  EXPECT_EQ(batch->chatdata[999].msgid, "id1000");
}

TEST(ParseChatDataResponseTest, RejectsInvalidJson) {
  EXPECT_THAT(ParseStatus(R"({"errcode":0,"chatdata":[)"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not valid JSON")));
  EXPECT_THAT(ParseStatus(""),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not valid JSON")));
  EXPECT_THAT(ParseStatus(R"({"errcode":0,"chatdata":[]} trailing)"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not valid JSON")));
}

TEST(ParseChatDataResponseTest, RejectsANonObject) {
  EXPECT_THAT(ParseStatus("[1,2]"), StatusIs(absl::StatusCode::kInvalidArgument,
                                             HasSubstr("must be a JSON object, got array")));
}

TEST(ParseChatDataResponseTest, NamesAMissingField) {
  EXPECT_THAT(ParseStatus(R"({"errmsg":"ok","chatdata":[]})"),
              StatusIs(absl::StatusCode::kInvalidArgument, "errcode is missing"));
  EXPECT_THAT(ParseStatus(R"({"errcode":0,"errmsg":"ok"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("chatdata is missing")));
}

// One bad entry must not fail its page (that would stall the corp): it comes
// back with what is wrong, and the entries around it are intact.
TEST(ParseChatDataResponseTest, KeepsAMalformedEntryWithWhatIsWrong) {
  absl::StatusOr<EncryptedChatBatch> batch = ParseChatDataResponse(R"({"errcode":0,"chatdata":[
        {"seq":1,"msgid":"a","publickey_ver":1,"encrypt_random_key":"k","encrypt_chat_msg":"m"},
        {"seq":2,"msgid":"b","publickey_ver":1,"encrypt_chat_msg":"m"},
        {"seq":3,"msgid":"c","publickey_ver":1,"encrypt_random_key":"k","encrypt_chat_msg":"m"}]})");
  ASSERT_THAT(batch, IsOk());
  ASSERT_EQ(batch->chatdata.size(), 3u);
  EXPECT_THAT(batch->chatdata[0].malformed, IsEmpty());
  EXPECT_EQ(batch->chatdata[1].seq, 2u);
  EXPECT_EQ(batch->chatdata[1].malformed, "chatdata[1].encrypt_random_key is missing");
  EXPECT_THAT(batch->chatdata[2].malformed, IsEmpty());
  EXPECT_EQ(batch->chatdata[2].msgid, "c");
}

TEST(ParseChatDataResponseTest, NamesAWronglyTypedFieldOfAnEntry) {
  const std::string complete =
      R"("msgid":"a","publickey_ver":1,"encrypt_random_key":"k","encrypt_chat_msg":"m")";
  auto malformed = [](const std::string& chatdata) {
    absl::StatusOr<EncryptedChatBatch> batch =
        ParseChatDataResponse(absl::StrCat(R"({"errcode":0,"chatdata":[)", chatdata, "]}"));
    EXPECT_THAT(batch, IsOk());
    return batch.ok() && batch->chatdata.size() == 1 ? batch->chatdata[0].malformed : "?";
  };
  EXPECT_EQ(malformed(R"("x")"), "chatdata[0] must be an object, got string");
  EXPECT_EQ(malformed(absl::StrCat(R"({"seq":"196",)", complete, "}")),
            "chatdata[0].seq must be an unsigned integer, got string");
  EXPECT_EQ(malformed(absl::StrCat(R"({"seq":-1,)", complete, "}")),
            "chatdata[0].seq must be an unsigned integer, got -1");
  EXPECT_EQ(malformed(R"({"seq":1,"msgid":12,"publickey_ver":1,"encrypt_random_key":"k",)"
                      R"("encrypt_chat_msg":"m"})"),
            "chatdata[0].msgid must be a string, got number");
  EXPECT_EQ(malformed(R"({"seq":1,"msgid":"a","publickey_ver":4294967296,)"
                      R"("encrypt_random_key":"k","encrypt_chat_msg":"m"})"),
            "chatdata[0].publickey_ver is out of range for uint32: 4294967296");
  EXPECT_EQ(malformed(R"({"seq":1,"msgid":"a","publickey_ver":1,"encrypt_random_key":"k",)"
                      R"("encrypt_chat_msg":null})"),
            "chatdata[0].encrypt_chat_msg must be a string, got null");
}

TEST(ParseChatDataResponseTest, NamesAWronglyTypedField) {
  EXPECT_THAT(
      ParseStatus(R"({"errcode":"0","chatdata":[]})"),
      StatusIs(absl::StatusCode::kInvalidArgument, "errcode must be an integer, got string"));
  EXPECT_THAT(
      ParseStatus(R"({"errcode":0,"chatdata":{}})"),
      StatusIs(absl::StatusCode::kInvalidArgument, "chatdata must be an array, got object"));
}

}  // namespace
}  // namespace wecom::archive
