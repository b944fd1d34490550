#include "services/archive/parse/json_scanner.h"

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"

namespace wecom::archive {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Which bytes a string may hold as they are: printable ASCII but '"' and '\\'.
struct PlainAsciiTable {
  bool is_plain[256] = {};
};
constexpr PlainAsciiTable MakePlainAsciiTable() {
  PlainAsciiTable table;
  for (int c = 0x20; c < 0x80; ++c) table.is_plain[c] = c != '"' && c != '\\';
  return table;
}
constexpr PlainAsciiTable kPlainAscii = MakePlainAsciiTable();

// Well-formed UTF-8: no overlong forms, surrogates, or values past U+10FFFF.
bool IsValidUtf8(absl::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char lead = text[i];
    if (lead < 0x80) {
      ++i;
      continue;
    }
    size_t length;
    unsigned code_point;
    unsigned smallest;
    if ((lead & 0xE0) == 0xC0) {
      length = 2, code_point = lead & 0x1F, smallest = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3, code_point = lead & 0x0F, smallest = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4, code_point = lead & 0x07, smallest = 0x10000;
    } else {
      return false;
    }
    if (text.size() - i < length) return false;
    for (size_t k = 1; k < length; ++k) {
      const unsigned char continuation = text[i + k];
      if ((continuation & 0xC0) != 0x80) return false;
      code_point = (code_point << 6) | (continuation & 0x3F);
    }
    if (code_point < smallest || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return false;
    }
    i += length;
  }
  return true;
}

void AppendUtf8(unsigned code_point, std::string& out) {
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xE0 | (code_point >> 12));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code_point >> 18));
    out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
}

}  // namespace

absl::string_view JsonScanner::KindName(Kind kind) {
  switch (kind) {
    case Kind::kObject:
      return "object";
    case Kind::kArray:
      return "array";
    case Kind::kString:
      return "string";
    case Kind::kNumber:
      return "number";
    case Kind::kBoolean:
      return "boolean";
    case Kind::kNull:
      return "null";
  }
  return "value";
}

absl::StatusOr<JsonScanner::Kind> JsonScanner::Peek() {
  SkipWhitespace();
  if (pos_ == text_.size()) return SyntaxError("unexpected end");
  const char next = text_[pos_];
  switch (next) {
    case '{':
      return Kind::kObject;
    case '[':
      return Kind::kArray;
    case '"':
      return Kind::kString;
    case 't':
    case 'f':
      return Kind::kBoolean;
    case 'n':
      return Kind::kNull;
    default:
      if (next == '-' || IsDigit(next)) return Kind::kNumber;
      return SyntaxError("expected a value");
  }
}

absl::Status JsonScanner::ReadObject(
    absl::FunctionRef<absl::Status(absl::string_view key)> on_member) {
  if (!Consume('{')) return SyntaxError("expected '{'");
  return Nested([&]() -> absl::Status {
    if (Consume('}')) return absl::OkStatus();
    // Holds this level's key while it has escapes; nested objects use their own.
    std::string scratch;
    do {
      ASSIGN_OR_RETURN(const absl::string_view key, ReadStringView(scratch));
      if (!Consume(':')) return SyntaxError("expected ':'");
      RETURN_IF_ERROR(on_member(key));
    } while (Consume(','));
    if (!Consume('}')) return SyntaxError("expected ',' or '}'");
    return absl::OkStatus();
  });
}

absl::Status JsonScanner::ReadArray(absl::FunctionRef<absl::Status(size_t index)> on_element) {
  if (!Consume('[')) return SyntaxError("expected '['");
  return Nested([&]() -> absl::Status {
    if (Consume(']')) return absl::OkStatus();
    size_t index = 0;
    do {
      RETURN_IF_ERROR(on_element(index++));
    } while (Consume(','));
    if (!Consume(']')) return SyntaxError("expected ',' or ']'");
    return absl::OkStatus();
  });
}

absl::Status JsonScanner::ReadString(std::string& out) {
  ASSIGN_OR_RETURN(const absl::string_view text, ReadStringView(out));
  // Escape-free strings are views into the input, not yet in `out`.
  if (text.data() != out.data()) out.assign(text.data(), text.size());
  return absl::OkStatus();
}

absl::StatusOr<JsonScanner::Number> JsonScanner::ReadNumber() {
  SkipWhitespace();
  const size_t start = pos_;
  const auto at_digit = [&] { return pos_ < text_.size() && IsDigit(text_[pos_]); };
  const auto skip_digits = [&] {
    while (at_digit()) ++pos_;
  };
  const auto at = [&](char c) { return pos_ < text_.size() && text_[pos_] == c; };

  Number number;
  if (at('-')) {
    number.negative = true;
    ++pos_;
  }
  // No leading zeros: "0" stands alone.
  if (at('0')) {
    ++pos_;
  } else if (at_digit()) {
    skip_digits();
  } else {
    return SyntaxError("expected a digit");
  }
  if (at('.')) {
    number.integral = false;
    ++pos_;
    if (!at_digit()) return SyntaxError("expected a digit after '.'");
    skip_digits();
  }
  if (at('e') || at('E')) {
    number.integral = false;
    ++pos_;
    if (at('+') || at('-')) ++pos_;
    if (!at_digit()) return SyntaxError("expected a digit in the exponent");
    skip_digits();
  }
  number.text = text_.substr(start, pos_ - start);
  return number;
}

absl::Status JsonScanner::SkipValue() {
  ASSIGN_OR_RETURN(const Kind kind, Peek());
  switch (kind) {
    case Kind::kObject:
      return ReadObject([&](absl::string_view) { return SkipValue(); });
    case Kind::kArray:
      return ReadArray([&](size_t) { return SkipValue(); });
    case Kind::kString: {
      std::string scratch;
      return ReadStringView(scratch).status();
    }
    case Kind::kNumber:
      return ReadNumber().status();
    case Kind::kBoolean:
      return ReadLiteral(text_[pos_] == 't' ? "true" : "false");
    case Kind::kNull:
      return ReadLiteral("null");
  }
  return SyntaxError("expected a value");
}

absl::Status JsonScanner::ExpectEnd() {
  SkipWhitespace();
  if (pos_ != text_.size()) return SyntaxError("unexpected data after the value");
  return absl::OkStatus();
}

void JsonScanner::SkipWhitespace() {
  while (pos_ < text_.size()) {
    const char c = text_[pos_];
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return;
    ++pos_;
  }
}

bool JsonScanner::Consume(char c) {
  SkipWhitespace();
  if (pos_ == text_.size() || text_[pos_] != c) return false;
  ++pos_;
  return true;
}

absl::Status JsonScanner::SyntaxError(absl::string_view problem) const {
  return absl::InvalidArgumentError(
      absl::StrCat(what_, " is not valid JSON: ", problem, " at byte ", pos_));
}

absl::StatusOr<absl::string_view> JsonScanner::ReadStringView(std::string& scratch) {
  if (!Consume('"')) return SyntaxError("expected a string");
  const size_t start = pos_;
  // Fast path for printable ASCII without escapes, as ids and base64 always
  // are: one table lookup per byte, and the input is the result.
  const char* const end = text_.data() + text_.size();
  const char* plain_end = text_.data() + start;
  while (plain_end != end && kPlainAscii.is_plain[static_cast<unsigned char>(*plain_end)]) {
    ++plain_end;
  }
  pos_ = plain_end - text_.data();
  if (plain_end != end && *plain_end == '"') {
    ++pos_;
    return text_.substr(start, pos_ - 1 - start);
  }

  // Escapes, control characters or non-ASCII: decode into scratch, validate.
  scratch.assign(text_.data() + start, pos_ - start);
  while (true) {
    if (pos_ == text_.size()) return SyntaxError("unterminated string");
    const unsigned char c = text_[pos_];
    if (c == '"') break;
    if (c < 0x20) return SyntaxError("control character in string");
    ++pos_;
    if (c == '\\') {
      RETURN_IF_ERROR(ReadEscape(scratch));
    } else {
      scratch += static_cast<char>(c);
    }
  }
  if (!IsValidUtf8(scratch)) return SyntaxError("string is not UTF-8");
  ++pos_;
  return absl::string_view(scratch);
}

absl::Status JsonScanner::ReadEscape(std::string& out) {
  if (pos_ == text_.size()) return SyntaxError("unterminated string");
  const char escaped = text_[pos_++];
  switch (escaped) {
    case '"':
    case '\\':
    case '/':
      out += escaped;
      return absl::OkStatus();
    case 'b':
      out += '\b';
      return absl::OkStatus();
    case 'f':
      out += '\f';
      return absl::OkStatus();
    case 'n':
      out += '\n';
      return absl::OkStatus();
    case 'r':
      out += '\r';
      return absl::OkStatus();
    case 't':
      out += '\t';
      return absl::OkStatus();
    case 'u':
      break;
    default:
      --pos_;
      return SyntaxError("invalid escape");
  }
  ASSIGN_OR_RETURN(unsigned code_point, ReadHex4());
  if (code_point >= 0xDC00 && code_point <= 0xDFFF) return SyntaxError("unpaired surrogate");
  if (code_point >= 0xD800 && code_point <= 0xDBFF) {
    // A high surrogate: the low one must follow as another \u escape.
    if (text_.substr(pos_, 2) != "\\u") return SyntaxError("unpaired surrogate");
    pos_ += 2;
    ASSIGN_OR_RETURN(const unsigned low, ReadHex4());
    if (low < 0xDC00 || low > 0xDFFF) return SyntaxError("unpaired surrogate");
    code_point = 0x10000 + ((code_point - 0xD800) << 10) + (low - 0xDC00);
  }
  AppendUtf8(code_point, out);
  return absl::OkStatus();
}

absl::StatusOr<unsigned> JsonScanner::ReadHex4() {
  unsigned value = 0;
  for (int i = 0; i < 4; ++i, ++pos_) {
    if (pos_ == text_.size()) return SyntaxError("unterminated string");
    const char c = text_[pos_];
    unsigned digit;
    if (IsDigit(c)) {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else {
      return SyntaxError("expected four hex digits after \\u");
    }
    value = (value << 4) | digit;
  }
  return value;
}

absl::Status JsonScanner::ReadLiteral(absl::string_view literal) {
  if (text_.substr(pos_, literal.size()) != literal) {
    return SyntaxError(absl::StrCat("expected ", literal));
  }
  pos_ += literal.size();
  return absl::OkStatus();
}

absl::Status JsonScanner::Nested(absl::FunctionRef<absl::Status()> read) {
  if (depth_ == kMaxDepth) return SyntaxError("values nested too deeply");
  ++depth_;
  absl::Status status = read();
  --depth_;
  return status;
}

}  // namespace wecom::archive
