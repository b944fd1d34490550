#include "services/archive/parse/json_scanner.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace wecom::archive {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::wecom::testing::IsOk;
using ::wecom::testing::IsOkAndHolds;
using ::wecom::testing::StatusIs;
using Kind = JsonScanner::Kind;

// Reads `text` as one value and nothing after it.
absl::Status Skip(absl::string_view text) {
  JsonScanner scanner(text, "doc");
  RETURN_IF_ERROR(scanner.SkipValue());
  return scanner.ExpectEnd();
}

absl::StatusOr<std::string> ReadOneString(absl::string_view text) {
  JsonScanner scanner(text, "doc");
  std::string out;
  RETURN_IF_ERROR(scanner.ReadString(out));
  RETURN_IF_ERROR(scanner.ExpectEnd());
  return out;
}

TEST(JsonScannerTest, WalksObjectsAndArrays) {
  JsonScanner scanner(
      R"( {"name": "x", "list": [1, -2.5e3, "three"], "skip": {"a": [true, null]}} )", "doc");
  std::vector<std::string> keys;
  std::string name;
  std::vector<std::string> list;
  ASSERT_THAT(scanner.ReadObject([&](absl::string_view key) -> absl::Status {
    keys.emplace_back(key);
    if (key == "name") return scanner.ReadString(name);
    if (key == "list") {
      return scanner.ReadArray([&](size_t index) -> absl::Status {
        ASSIGN_OR_RETURN(const Kind kind, scanner.Peek());
        if (kind == Kind::kString) return scanner.ReadString(list.emplace_back());
        ASSIGN_OR_RETURN(const JsonScanner::Number number, scanner.ReadNumber());
        list.push_back(absl::StrCat(index, ":", number.text, number.negative ? " negative" : "",
                                    number.integral ? " integral" : ""));
        return absl::OkStatus();
      });
    }
    return scanner.SkipValue();
  }),
              IsOk());
  EXPECT_THAT(scanner.ExpectEnd(), IsOk());
  EXPECT_THAT(keys, ElementsAre("name", "list", "skip"));
  EXPECT_EQ(name, "x");
  EXPECT_THAT(list, ElementsAre("0:1 integral", "1:-2.5e3 negative", "three"));
}

TEST(JsonScannerTest, PeeksKinds) {
  const auto peek = [](absl::string_view text) { return JsonScanner(text, "doc").Peek(); };
  EXPECT_THAT(peek(" {}"), IsOkAndHolds(Kind::kObject));
  EXPECT_THAT(peek("[]"), IsOkAndHolds(Kind::kArray));
  EXPECT_THAT(peek("\"s\""), IsOkAndHolds(Kind::kString));
  EXPECT_THAT(peek("-1"), IsOkAndHolds(Kind::kNumber));
  EXPECT_THAT(peek("7"), IsOkAndHolds(Kind::kNumber));
  EXPECT_THAT(peek("false"), IsOkAndHolds(Kind::kBoolean));
  EXPECT_THAT(peek("null"), IsOkAndHolds(Kind::kNull));
  EXPECT_THAT(peek("+1"), StatusIs(absl::StatusCode::kInvalidArgument,
                                   "doc is not valid JSON: expected a value at byte 0"));
  EXPECT_THAT(peek("  "), StatusIs(absl::StatusCode::kInvalidArgument,
                                   "doc is not valid JSON: unexpected end at byte 2"));
}

TEST(JsonScannerTest, DecodesEscapes) {
  EXPECT_THAT(ReadOneString(R"("a\"b\\c\/d\b\f\n\r\t")"), IsOkAndHolds("a\"b\\c/d\b\f\n\r\t"));
  EXPECT_THAT(ReadOneString(R"("caf\u00e9 \u4E2D")"), IsOkAndHolds("café 中"));
  EXPECT_THAT(ReadOneString(R"("\ud83d\ude00!")"), IsOkAndHolds("😀!"));
  EXPECT_THAT(ReadOneString(R"("中文 raw")"), IsOkAndHolds("中文 raw"));
  EXPECT_THAT(ReadOneString(R"("")"), IsOkAndHolds(""));
}

TEST(JsonScannerTest, RejectsBadStrings) {
  const auto rejects = [](absl::string_view text, absl::string_view problem) {
    EXPECT_THAT(ReadOneString(text),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(problem)))
        << text;
  };
  rejects(R"("\ud83d")", "unpaired surrogate");
  rejects(R"("\ude00")", "unpaired surrogate");
  rejects(R"("\ud83d\u0041")", "unpaired surrogate");
  rejects(R"("\x41")", "invalid escape at byte 2");
  rejects(R"("\u12")", "expected four hex digits");
  rejects("\"line\nbreak\"", "control character in string");
  rejects("\"\xff\"", "string is not UTF-8");
  rejects("\"\xc0\xaf\"", "string is not UTF-8");      // overlong '/'
  rejects("\"\xed\xa0\x80\"", "string is not UTF-8");  // encoded surrogate
  rejects("\"\xe4\xb8\"", "string is not UTF-8");      // truncated
  rejects(R"("open)", "unterminated string");
  rejects(R"("open\)", "unterminated string");
}

TEST(JsonScannerTest, RejectsBadNumbersAndLiterals) {
  EXPECT_THAT(Skip("01"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "doc is not valid JSON: unexpected data after the value at byte 1"));
  EXPECT_THAT(Skip("-"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("expected a digit")));
  EXPECT_THAT(Skip("1."), StatusIs(absl::StatusCode::kInvalidArgument,
                                   HasSubstr("expected a digit after '.'")));
  EXPECT_THAT(Skip("1e+"), StatusIs(absl::StatusCode::kInvalidArgument,
                                    HasSubstr("expected a digit in the exponent")));
  EXPECT_THAT(Skip("tru"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("expected true")));
  EXPECT_THAT(Skip("nul1"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("expected null")));
  EXPECT_THAT(Skip("0.5e-3"), IsOk());
  EXPECT_THAT(Skip("-0"), IsOk());
}

TEST(JsonScannerTest, RejectsBadStructure) {
  EXPECT_THAT(Skip(R"({"a" 1})"), StatusIs(absl::StatusCode::kInvalidArgument,
                                           "doc is not valid JSON: expected ':' at byte 5"));
  EXPECT_THAT(Skip(R"({"a":1,})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("expected a string")));
  EXPECT_THAT(Skip(R"({"a":1 "b":2})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("expected ',' or '}'")));
  EXPECT_THAT(Skip("[1,]"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("expected a value")));
  EXPECT_THAT(Skip("[1 2]"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("expected ',' or ']'")));
  EXPECT_THAT(Skip("{1:2}"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("expected a string")));
  EXPECT_THAT(Skip("[] []"), StatusIs(absl::StatusCode::kInvalidArgument,
                                      HasSubstr("unexpected data after the value")));
  EXPECT_THAT(Skip(""), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unexpected end")));
}

TEST(JsonScannerTest, LimitsNesting) {
  const auto nested = [](int depth) {
    return absl::StrCat(std::string(depth, '['), std::string(depth, ']'));
  };
  EXPECT_THAT(Skip(nested(64)), IsOk());
  EXPECT_THAT(Skip(nested(65)), StatusIs(absl::StatusCode::kInvalidArgument,
                                         HasSubstr("values nested too deeply at byte 65")));
}

}  // namespace
}  // namespace wecom::archive
