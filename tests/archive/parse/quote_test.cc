#include <optional>
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

TEST(ParseQuoteTest, SeedExampleWithoutQuotationMarks) {
  EXPECT_THAT(ParseQuote("这是一条引用/回复消息：\nnick\n666\n------\n@nick777"),
              IsQuote(Quote::STYLE_ARCHIVE, "nick", "666", "@nick777", "zh"));
}

TEST(ParseQuoteTest, ArchivePatternInChinese) {
  EXPECT_THAT(ParseQuote("这是一条引用/回复消息：\n\"张三:\n明天开会吗？\"\n------\n开，十点"),
              IsQuote(Quote::STYLE_ARCHIVE, "张三", "明天开会吗？", "开，十点", "zh"));
}

TEST(ParseQuoteTest, ArchivePatternInEnglish) {
  EXPECT_THAT(ParseQuote("This is a quote/reply:\n\"Bob: \nSee you at 5\"\n------\nOK"),
              IsQuote(Quote::STYLE_ARCHIVE, "Bob", "See you at 5", "OK", "en"));
}

TEST(ParseQuoteTest, ArchivePatternWithChineseMarksAndColon) {
  EXPECT_THAT(ParseQuote("This is a quote/reply:\n“李四：\n第一行\n第二行”\n------\n收到\n谢谢"),
              IsQuote(Quote::STYLE_ARCHIVE, "李四", "第一行\n第二行", "收到\n谢谢", "en"));
}

TEST(ParseQuoteTest, ArchiveQuoteEndsAtTheFirstRule) {
  EXPECT_THAT(ParseQuote("这是一条引用/回复消息：\n\"a:\nq\"\n------\nr1\n------\nr2"),
              IsQuote(Quote::STYLE_ARCHIVE, "a", "q", "r1\n------\nr2", "zh"));
}

TEST(ParseQuoteTest, ArchiveMarksAreOnlyStrippedInPairs) {
  // Without an opening mark, a closing mark belongs to the quoted text.
  EXPECT_THAT(ParseQuote("这是一条引用/回复消息：\nnick\nhe said \"hi\"\n------\nok"),
              IsQuote(Quote::STYLE_ARCHIVE, "nick", "he said \"hi\"", "ok", "zh"));
}

TEST(ParseQuoteTest, WeChatPattern) {
  EXPECT_THAT(ParseQuote("「张三：明天开会吗？」\n- - - - - - - - - - - - - - -\n开的"),
              IsQuote(Quote::STYLE_WECHAT, "张三", "明天开会吗？", "开的", ""));
}

TEST(ParseQuoteTest, WeChatPatternWithMultilineQuote) {
  EXPECT_THAT(ParseQuote("「张三：\n第一行\n第二行」\n- - - - - - - - - - - - - - -\n好"),
              IsQuote(Quote::STYLE_WECHAT, "张三", "第一行\n第二行", "好", ""));
}

TEST(ParseQuoteTest, WeChatUserEndsAtTheFirstColon) {
  EXPECT_THAT(ParseQuote("「张三：时间：明天」\n- - - - - - - - - - - - - - -\n好"),
              IsQuote(Quote::STYLE_WECHAT, "张三", "时间：明天", "好", ""));
}

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
