// A strict JSON reader for hot paths: the caller walks the document it
// expects value by value, with no tree built and keys and plain strings read
// in place. Syntax errors are INVALID_ARGUMENT "<what> is not valid JSON: …
// at byte N".
#pragma once

#include <cstddef>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace wecom::archive {

class JsonScanner {
 public:
  enum class Kind { kObject, kArray, kString, kNumber, kBoolean, kNull };

  // A number token as written, e.g. "-12", "3.5e2".
  struct Number {
    absl::string_view text;
    bool negative = false;
    // No fraction and no exponent.
    bool integral = true;
  };

  // `what` names the document in error messages ("GetChatData answer").
  JsonScanner(absl::string_view text, absl::string_view what) : text_(text), what_(what) {}

  // "object", "array", "string", "number", "boolean", "null".
  static absl::string_view KindName(Kind kind);

  // The kind of the next value, without consuming it.
  absl::StatusOr<Kind> Peek();

  // Reads an object: `on_member` runs for each member with its key and must
  // consume the member's value.
  absl::Status ReadObject(absl::FunctionRef<absl::Status(absl::string_view key)> on_member);

  // Reads an array: `on_element` runs for each element with its index and
  // must consume the element.
  absl::Status ReadArray(absl::FunctionRef<absl::Status(size_t index)> on_element);

  // Reads a string into `out`, escapes decoded.
  absl::Status ReadString(std::string& out);

  // Reads a number token.
  absl::StatusOr<Number> ReadNumber();

  // Reads and discards any value.
  absl::Status SkipValue();

  // OK when nothing but whitespace is left.
  absl::Status ExpectEnd();

 private:
  // Values nest at most this deep, so hostile input cannot exhaust the stack.
  static constexpr int kMaxDepth = 64;

  void SkipWhitespace();
  // Consumes `c` after whitespace; false (consuming nothing) if it is not next.
  bool Consume(char c);
  absl::Status SyntaxError(absl::string_view problem) const;
  // The string at the cursor: a view into the input when it has no escapes,
  // otherwise decoded into `scratch`.
  absl::StatusOr<absl::string_view> ReadStringView(std::string& scratch);
  // Decodes the escape after a backslash at the cursor, appending it to `out`.
  absl::Status ReadEscape(std::string& out);
  absl::StatusOr<unsigned> ReadHex4();
  absl::Status ReadLiteral(absl::string_view literal);
  // Runs `read` one nesting level deeper.
  absl::Status Nested(absl::FunctionRef<absl::Status()> read);

  absl::string_view text_;
  absl::string_view what_;
  size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace wecom::archive
