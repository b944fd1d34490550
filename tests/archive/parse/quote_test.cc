#include <optional>
#include <ostream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/archive/parse/message_parser.h"

namespace wecom::archive {
namespace {

using ::testing::AllOf;
using ::testing::Matcher;
using ::testing::Optional;
using ::testing::Property;
using ::wecom::archive::v1::Quote;

Matcher<const std::optional<Quote>&> IsQuote(Quote::Style style, std::string user,
                                             std::string quoted, std::string reply,
                                             std::string language) {
  return Optional(AllOf(Property(&Quote::style, style), Property(&Quote::user, user),
                        Property(&Quote::quoted, quoted), Property(&Quote::reply, reply),
                        Property(&Quote::language, language)));
}

// ParseQuote(text) finds a quote made of the other fields.
struct QuoteCase {
  const char* name;
  const char* text;
  Quote::Style style;
  const char* user;
  const char* quoted;
  const char* reply;
  const char* language;
};

void PrintTo(const QuoteCase& quote_case, std::ostream* os) { *os << quote_case.name; }

constexpr QuoteCase kQuoteCases[] = {
    {"SeedExampleWithoutQuotationMarks", "这是一条引用/回复消息：\nnick\n666\n------\n@nick777",
     Quote::STYLE_ARCHIVE, "nick", "666", "@nick777", "zh"},
    {"ArchivePatternInChinese",
     "这是一条引用/回复消息：\n\"张三:\n明天开会吗？\"\n------\n开，十点", Quote::STYLE_ARCHIVE,
     "张三", "明天开会吗？", "开，十点", "zh"},
    {"ArchivePatternInEnglish", "This is a quote/reply:\n\"Bob: \nSee you at 5\"\n------\nOK",
     Quote::STYLE_ARCHIVE, "Bob", "See you at 5", "OK", "en"},
    {"ArchivePatternWithChineseMarksAndColon",
     "This is a quote/reply:\n“李四：\n第一行\n第二行”\n------\n收到\n谢谢", Quote::STYLE_ARCHIVE,
     "李四", "第一行\n第二行", "收到\n谢谢", "en"},
    {"ArchiveQuoteEndsAtTheFirstRule", "这是一条引用/回复消息：\n\"a:\nq\"\n------\nr1\n------\nr2",
     Quote::STYLE_ARCHIVE, "a", "q", "r1\n------\nr2", "zh"},
    // Without an opening mark, a closing mark belongs to the quoted text.
    {"ArchiveMarksAreOnlyStrippedInPairs",
     "这是一条引用/回复消息：\nnick\nhe said \"hi\"\n------\nok", Quote::STYLE_ARCHIVE, "nick",
     "he said \"hi\"", "ok", "zh"},
    {"WeChatPattern", "「张三：明天开会吗？」\n- - - - - - - - - - - - - - -\n开的",
     Quote::STYLE_WECHAT, "张三", "明天开会吗？", "开的", ""},
    {"WeChatPatternWithMultilineQuote",
     "「张三：\n第一行\n第二行」\n- - - - - - - - - - - - - - -\n好", Quote::STYLE_WECHAT, "张三",
     "第一行\n第二行", "好", ""},
    {"WeChatUserEndsAtTheFirstColon", "「张三：时间：明天」\n- - - - - - - - - - - - - - -\n好",
     Quote::STYLE_WECHAT, "张三", "时间：明天", "好", ""},
};

class ParseQuoteTest : public ::testing::TestWithParam<QuoteCase> {};

TEST_P(ParseQuoteTest, FindsTheQuote) {
  const QuoteCase& c = GetParam();
  EXPECT_THAT(ParseQuote(c.text), IsQuote(c.style, c.user, c.quoted, c.reply, c.language));
}

INSTANTIATE_TEST_SUITE_P(Quotes, ParseQuoteTest, ::testing::ValuesIn(kQuoteCases),
                         [](const ::testing::TestParamInfo<QuoteCase>& info) {
                           return std::string(info.param.name);
                         });

TEST(ParseQuoteTest, NonQuotes) {
  EXPECT_EQ(ParseQuote(""), std::nullopt);
  EXPECT_EQ(ParseQuote("test"), std::nullopt);
  EXPECT_EQ(ParseQuote("nick\n666\n------\n@nick777"), std::nullopt);
  // Archive prefix without a rule, or without a user line.
  EXPECT_EQ(ParseQuote("这是一条引用/回复消息：\nnick\n666"), std::nullopt);
  EXPECT_EQ(ParseQuote("这是一条引用/回复消息：\n666\n------\nx"), std::nullopt);
  EXPECT_EQ(ParseQuote("这是一条引用/回复消息：nick\n666\n------\nx"), std::nullopt);
  EXPECT_EQ(ParseQuote("这是一条引用/回复消息：\n\"：\n666\"\n------\nx"), std::nullopt);
  // WeChat block without a rule, without a user, or without a reply.
  EXPECT_EQ(ParseQuote("「张三：没有分隔线」"), std::nullopt);
  EXPECT_EQ(ParseQuote("「：无名」\n- - - - - - - - - - - - - - -\n回复"), std::nullopt);
  EXPECT_EQ(ParseQuote("「张三：无回复」\n- - - - - - - - - - - - - - -\n"), std::nullopt);
  // A rule one dash short.
  EXPECT_EQ(ParseQuote("「张三：短」\n- - - - - - - - - - - - - -\n回复"), std::nullopt);
}

}  // namespace
}  // namespace wecom::archive
