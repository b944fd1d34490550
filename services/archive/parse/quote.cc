// Plain substring search is enough for UTF-8: every delimiter below is a whole
// UTF-8 sequence, and UTF-8 never matches one starting mid-character.
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/types/span.h"
#include "services/archive/parse/message_parser.h"

namespace wecom::archive {
namespace {

using ::wecom::archive::v1::Quote;

struct ArchivePrefix {
  absl::string_view text;  // without its colon
  absl::string_view language;
};
constexpr ArchivePrefix kArchivePrefixes[] = {
    {"这是一条引用/回复消息", "zh"},
    {"This is a quote/reply", "en"},
};
constexpr absl::string_view kColons[] = {"：", ":"};
constexpr absl::string_view kOpeningMarks[] = {"\"", "“"};
constexpr absl::string_view kClosingMarks[] = {"\"", "”"};
// The rule between quoted text and reply.
constexpr absl::string_view kArchiveRule = "\n------\n";
constexpr absl::string_view kWeChatOpen = "「";
// The WeChat block's closing bracket and its rule of fifteen spaced dashes.
constexpr absl::string_view kWeChatCloseAndRule = "」\n- - - - - - - - - - - - - - -\n";

// Removes the first of `affixes` that `text` starts with; false if none.
bool ConsumeAnyPrefix(absl::string_view& text, absl::Span<const absl::string_view> affixes) {
  for (absl::string_view affix : affixes) {
    if (absl::ConsumePrefix(&text, affix)) return true;
  }
  return false;
}

// Removes the first of `affixes` that `text` ends with; false if none.
bool ConsumeAnySuffix(absl::string_view& text, absl::Span<const absl::string_view> affixes) {
  for (absl::string_view affix : affixes) {
    if (absl::ConsumeSuffix(&text, affix)) return true;
  }
  return false;
}

Quote MakeQuote(Quote::Style style, absl::string_view user, absl::string_view quoted,
                absl::string_view reply, absl::string_view language) {
  Quote quote;
  quote.set_style(style);
  quote.set_user(std::string(user));
  quote.set_quoted(std::string(quoted));
  quote.set_reply(std::string(reply));
  quote.set_language(std::string(language));
  return quote;
}

// Seed 002's first pattern and seed 000's example: the quoted user and text
// run up to the first rule (as the pattern's lazy match does); the reply is
// everything after it.
std::optional<Quote> ParseArchiveQuote(absl::string_view content) {
  for (const ArchivePrefix& prefix : kArchivePrefixes) {
    absl::string_view rest = content;
    if (!absl::ConsumePrefix(&rest, prefix.text) || !ConsumeAnyPrefix(rest, kColons) ||
        !absl::ConsumePrefix(&rest, "\n")) {
      continue;
    }
    const size_t rule = rest.find(kArchiveRule);
    if (rule == absl::string_view::npos) return std::nullopt;
    const absl::string_view block = rest.substr(0, rule);
    const absl::string_view reply = rest.substr(rule + kArchiveRule.size());
    const size_t newline = block.find('\n');
    if (newline == absl::string_view::npos) return std::nullopt;
    absl::string_view user = block.substr(0, newline);
    absl::string_view quoted = block.substr(newline + 1);
    // Quotation marks come in pairs: one before the user, one after the text.
    const bool marked = ConsumeAnyPrefix(user, kOpeningMarks);
    if (marked) ConsumeAnySuffix(quoted, kClosingMarks);
    // The pattern allows whitespace after the user's colon.
    user = absl::StripTrailingAsciiWhitespace(user);
    ConsumeAnySuffix(user, kColons);
    if (user.empty()) return std::nullopt;
    return MakeQuote(Quote::STYLE_ARCHIVE, user, quoted, reply, prefix.language);
  }
  return std::nullopt;
}

// Seed 002's second pattern. The user ends at the first colon of the first
// line (the pattern's greedy match would take the last), because quoted text
// contains colons far more often than display names do.
std::optional<Quote> ParseWeChatQuote(absl::string_view content) {
  absl::string_view rest = content;
  if (!absl::ConsumePrefix(&rest, kWeChatOpen)) return std::nullopt;
  const size_t rule = rest.find(kWeChatCloseAndRule);
  if (rule == absl::string_view::npos) return std::nullopt;
  const absl::string_view block = rest.substr(0, rule);
  const absl::string_view reply = rest.substr(rule + kWeChatCloseAndRule.size());
  if (reply.empty()) return std::nullopt;

  const absl::string_view first_line = block.substr(0, block.find('\n'));
  size_t colon = absl::string_view::npos;
  size_t colon_size = 0;
  for (absl::string_view candidate : kColons) {
    const size_t at = first_line.find(candidate);
    if (at < colon) {
      colon = at;
      colon_size = candidate.size();
    }
  }
  if (colon == absl::string_view::npos || colon == 0) return std::nullopt;
  absl::string_view quoted = block.substr(colon + colon_size);
  absl::ConsumePrefix(&quoted, "\n");
  return MakeQuote(Quote::STYLE_WECHAT, block.substr(0, colon), quoted, reply, "");
}

}  // namespace

std::optional<Quote> ParseQuote(std::string_view content) {
  // Abseil 20220623 here has its own string_view type.
  const absl::string_view text(content.data(), content.size());
  if (std::optional<Quote> quote = ParseArchiveQuote(text)) return quote;
  return ParseWeChatQuote(text);
}

}  // namespace wecom::archive
