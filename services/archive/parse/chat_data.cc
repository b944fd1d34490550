// GetChatData answers carry up to 1000 messages of several KiB each, on the
// ingest hot path, so they are read with JsonScanner straight into the result
// structs: no JSON tree, and each string is copied once, from the input.
// nlohmann's parser, even through its SAX interface, measured 7x slower here
// at -O2 and over 10x in the sanitizer build: its lexer handles every
// character several times.
#include <cstdint>
#include <iterator>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/status/status_macros.h"
#include "services/archive/parse/json_scanner.h"
#include "services/archive/parse/message_parser.h"

namespace wecom::archive {
namespace {

using Kind = JsonScanner::Kind;
// Builds a field's path for an error message, only when there is an error.
using PathFn = absl::FunctionRef<std::string()>;

absl::Status WrongType(PathFn path, absl::string_view expected, absl::string_view got) {
  return absl::InvalidArgumentError(absl::StrCat(path(), " must be ", expected, ", got ", got));
}

// A value of the wrong shape is an error, or, when `problems` is given, is
// skipped and described there (for chatdata entries, which are kept).
absl::Status Problem(absl::Status problem, std::string* problems) {
  if (problems == nullptr) return problem;
  if (!problems->empty()) problems->append("; ");
  problems->append(problem.message().data(), problem.message().size());
  return absl::OkStatus();
}

absl::Status ReadText(JsonScanner& scanner, PathFn path, std::string& out,
                      std::string* problems = nullptr) {
  ASSIGN_OR_RETURN(const Kind kind, scanner.Peek());
  if (kind != Kind::kString) {
    RETURN_IF_ERROR(Problem(WrongType(path, "a string", JsonScanner::KindName(kind)), problems));
    return scanner.SkipValue();
  }
  return scanner.ReadString(out);
}

// An integer that fits Int; `type` names Int in errors.
template <typename Int>
absl::Status ReadInteger(JsonScanner& scanner, PathFn path, absl::string_view type, Int& out,
                         std::string* problems = nullptr) {
  constexpr bool kUnsigned = std::is_unsigned_v<Int>;
  const absl::string_view expected = kUnsigned ? "an unsigned integer" : "an integer";
  ASSIGN_OR_RETURN(const Kind kind, scanner.Peek());
  if (kind != Kind::kNumber) {
    RETURN_IF_ERROR(Problem(WrongType(path, expected, JsonScanner::KindName(kind)), problems));
    return scanner.SkipValue();
  }
  ASSIGN_OR_RETURN(const JsonScanner::Number number, scanner.ReadNumber());
  if (!number.integral || (kUnsigned && number.negative)) {
    return Problem(WrongType(path, expected, number.text), problems);
  }
  if (!absl::SimpleAtoi(number.text, &out)) {
    out = 0;
    return Problem(absl::InvalidArgumentError(
                       absl::StrCat(path(), " is out of range for ", type, ": ", number.text)),
                   problems);
  }
  return absl::OkStatus();
}

// The keys of a chatdata entry, all required, and how each is read.
struct EntryField {
  absl::string_view key;
  absl::Status (*read)(JsonScanner& scanner, PathFn path, EncryptedChatData& entry);
};
constexpr EntryField kEntryFields[] = {
    {"seq",
     [](JsonScanner& scanner, PathFn path, EncryptedChatData& entry) {
       return ReadInteger(scanner, path, "uint64", entry.seq, &entry.malformed);
     }},
    {"msgid",
     [](JsonScanner& scanner, PathFn path, EncryptedChatData& entry) {
       return ReadText(scanner, path, entry.msgid, &entry.malformed);
     }},
    {"publickey_ver",
     [](JsonScanner& scanner, PathFn path, EncryptedChatData& entry) {
       return ReadInteger(scanner, path, "uint32", entry.publickey_ver, &entry.malformed);
     }},
    {"encrypt_random_key",
     [](JsonScanner& scanner, PathFn path, EncryptedChatData& entry) {
       return ReadText(scanner, path, entry.encrypt_random_key, &entry.malformed);
     }},
    {"encrypt_chat_msg",
     [](JsonScanner& scanner, PathFn path, EncryptedChatData& entry) {
       return ReadText(scanner, path, entry.encrypt_chat_msg, &entry.malformed);
     }},
};

absl::Status ReadEntry(JsonScanner& scanner, size_t index, EncryptedChatData& entry) {
  ASSIGN_OR_RETURN(const Kind kind, scanner.Peek());
  if (kind != Kind::kObject) {
    RETURN_IF_ERROR(Problem(WrongType([&] { return absl::StrCat("chatdata[", index, "]"); },
                                      "an object", JsonScanner::KindName(kind)),
                            &entry.malformed));
    return scanner.SkipValue();
  }
  // Bit i: kEntryFields[i] was present.
  uint32_t seen = 0;
  RETURN_IF_ERROR(scanner.ReadObject([&](absl::string_view key) -> absl::Status {
    for (size_t i = 0; i < std::size(kEntryFields); ++i) {
      if (kEntryFields[i].key != key) continue;
      seen |= 1u << i;
      return kEntryFields[i].read(
          scanner, [&] { return absl::StrCat("chatdata[", index, "].", key); }, entry);
    }
    return scanner.SkipValue();
  }));
  for (size_t i = 0; i < std::size(kEntryFields); ++i) {
    if ((seen & (1u << i)) == 0) {
      RETURN_IF_ERROR(Problem(absl::InvalidArgumentError(absl::StrCat(
                                  "chatdata[", index, "].", kEntryFields[i].key, " is missing")),
                              &entry.malformed));
    }
  }
  return absl::OkStatus();
}

absl::Status ReadChatdata(JsonScanner& scanner, std::vector<EncryptedChatData>& chatdata) {
  ASSIGN_OR_RETURN(const Kind kind, scanner.Peek());
  if (kind != Kind::kArray) {
    return WrongType([] { return "chatdata"; }, "an array", JsonScanner::KindName(kind));
  }
  return scanner.ReadArray(
      [&](size_t index) { return ReadEntry(scanner, index, chatdata.emplace_back()); });
}

}  // namespace

absl::StatusOr<EncryptedChatBatch> ParseChatDataResponse(std::string_view json) {
  JsonScanner scanner({json.data(), json.size()}, "GetChatData answer");
  ASSIGN_OR_RETURN(const Kind kind, scanner.Peek());
  if (kind != Kind::kObject) {
    return absl::InvalidArgumentError(absl::StrCat("GetChatData answer must be a JSON object, got ",
                                                   JsonScanner::KindName(kind)));
  }
  EncryptedChatBatch batch;
  bool has_errcode = false;
  bool has_chatdata = false;
  RETURN_IF_ERROR(scanner.ReadObject([&](absl::string_view key) -> absl::Status {
    const auto path = [&] { return std::string(key); };
    if (key == "errcode") {
      has_errcode = true;
      return ReadInteger(scanner, path, "int64", batch.errcode);
    }
    if (key == "errmsg") return ReadText(scanner, path, batch.errmsg);
    if (key == "chatdata") {
      has_chatdata = true;
      return ReadChatdata(scanner, batch.chatdata);
    }
    return scanner.SkipValue();
  }));
  RETURN_IF_ERROR(scanner.ExpectEnd());
  if (!has_errcode) return absl::InvalidArgumentError("errcode is missing");
  if (batch.errcode == 0 && !has_chatdata) {
    return absl::InvalidArgumentError("chatdata is missing although errcode is 0");
  }
  return batch;
}

}  // namespace wecom::archive
