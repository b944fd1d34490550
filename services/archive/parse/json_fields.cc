#include "services/archive/parse/json_fields.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "services/archive/parse/json_scanner.h"

namespace wecom::archive {
namespace {

using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;
using ::google::protobuf::Reflection;
using ::nlohmann::json;

// A JSON number, or a string holding one, in the type that holds it exactly.
struct Number {
  enum class Kind { kSigned, kUnsigned, kFloat };
  Kind kind = Kind::kUnsigned;
  int64_t signed_value = 0;
  uint64_t unsigned_value = 0;
  double float_value = 0;
};

absl::Status WrongShape(absl::string_view path, absl::string_view expected, const json& value) {
  return absl::InvalidArgumentError(
      absl::StrCat(path, " must be ", expected, ", got ", value.type_name()));
}

absl::Status OutOfRange(absl::string_view path, absl::string_view type, const json& value) {
  return absl::InvalidArgumentError(
      absl::StrCat(path, " is out of range for ", type, ": ", value.dump()));
}

// The vendor sends some numbers as strings ("" for "none") and large ids as
// floats, so both count as numbers here.
absl::StatusOr<Number> ToNumber(const json& value, absl::string_view path) {
  switch (value.type()) {
    case json::value_t::number_unsigned:
      return Number{.kind = Number::Kind::kUnsigned, .unsigned_value = value.get<uint64_t>()};
    case json::value_t::number_integer:
      return Number{.kind = Number::Kind::kSigned, .signed_value = value.get<int64_t>()};
    case json::value_t::number_float:
      return Number{.kind = Number::Kind::kFloat, .float_value = value.get<double>()};
    case json::value_t::string: {
      const absl::string_view text =
          absl::StripAsciiWhitespace(value.get_ref<const std::string&>());
      Number number;
      if (text.empty()) return number;
      if (absl::SimpleAtoi(text, &number.unsigned_value)) return number;
      if (absl::SimpleAtoi(text, &number.signed_value)) {
        number.kind = Number::Kind::kSigned;
        return number;
      }
      if (absl::SimpleAtod(text, &number.float_value) && std::isfinite(number.float_value)) {
        number.kind = Number::Kind::kFloat;
        return number;
      }
      return absl::InvalidArgumentError(
          absl::StrCat(path, " must be a number, got the string ", value.dump()));
    }
    default:
      return WrongShape(path, "a number", value);
  }
}

// Rounds a float to the nearest Int; nullopt when it does not fit.
template <typename Int>
std::optional<Int> RoundToInt(double value) {
  // 2^63 and 2^64 are exact doubles; the largest doubles below them fit.
  constexpr double kLimit = static_cast<double>(std::numeric_limits<Int>::max()) + 1.0;
  const double rounded = std::round(value);
  if (!std::isfinite(rounded) || rounded >= kLimit ||
      rounded < static_cast<double>(std::numeric_limits<Int>::min())) {
    return std::nullopt;
  }
  return static_cast<Int>(rounded);
}

// An integer field's value from a JSON number: Int is int64_t or uint64_t, and
// `type` names the field's type (whose largest value is `max`) for errors.
template <typename Int>
absl::StatusOr<Int> ToInteger(const json& value, absl::string_view path, absl::string_view type,
                              Int max) {
  ASSIGN_OR_RETURN(const Number number, ToNumber(value, path));
  std::optional<Int> result;
  switch (number.kind) {
    case Number::Kind::kUnsigned:
      if (number.unsigned_value <= static_cast<uint64_t>(std::numeric_limits<Int>::max())) {
        result = static_cast<Int>(number.unsigned_value);
      }
      break;
    case Number::Kind::kSigned:
      if (number.signed_value >= 0 || std::numeric_limits<Int>::is_signed) {
        result = static_cast<Int>(number.signed_value);
      }
      break;
    case Number::Kind::kFloat:
      result = RoundToInt<Int>(number.float_value);
      break;
  }
  if (!result.has_value() || *result > max) return OutOfRange(path, type, value);
  return *result;
}

absl::StatusOr<double> ToDouble(const json& value, absl::string_view path) {
  ASSIGN_OR_RETURN(const Number number, ToNumber(value, path));
  switch (number.kind) {
    case Number::Kind::kUnsigned:
      return static_cast<double>(number.unsigned_value);
    case Number::Kind::kSigned:
      return static_cast<double>(number.signed_value);
    case Number::Kind::kFloat:
      break;
  }
  return number.float_value;
}

absl::StatusOr<bool> ToBool(const json& value, absl::string_view path) {
  if (value.is_boolean()) return value.get<bool>();
  if (value.is_number_integer()) return value.get<int64_t>() != 0;
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    if (text == "true" || text == "1") return true;
    if (text == "false" || text == "0" || text.empty()) return false;
  }
  return WrongShape(path, "a boolean", value);
}

// Numbers are accepted as strings too: ids such as userids are sometimes bare
// numbers in the vendor's JSON.
absl::StatusOr<std::string> ToString(const json& value, absl::string_view path) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number()) return value.dump();
  return WrongShape(path, "a string", value);
}

// Sets a singular field, or appends to a repeated one, from one JSON value.
absl::Status StoreValue(const json& value, const std::string& path, const FieldDescriptor& field,
                        const FillHooks& hooks, Message& message) {
  const Reflection& reflection = *message.GetReflection();
  const bool repeated = field.is_repeated();
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: {
      ASSIGN_OR_RETURN(std::string text, ToString(value, path));
      repeated ? reflection.AddString(&message, &field, std::move(text))
               : reflection.SetString(&message, &field, std::move(text));
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      ASSIGN_OR_RETURN(const uint64_t number,
                       ToInteger<uint64_t>(value, path, "uint64", UINT64_MAX));
      repeated ? reflection.AddUInt64(&message, &field, number)
               : reflection.SetUInt64(&message, &field, number);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      ASSIGN_OR_RETURN(const uint64_t number,
                       ToInteger<uint64_t>(value, path, "uint32", UINT32_MAX));
      repeated ? reflection.AddUInt32(&message, &field, static_cast<uint32_t>(number))
               : reflection.SetUInt32(&message, &field, static_cast<uint32_t>(number));
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      ASSIGN_OR_RETURN(const int64_t number, ToInteger<int64_t>(value, path, "int64", INT64_MAX));
      repeated ? reflection.AddInt64(&message, &field, number)
               : reflection.SetInt64(&message, &field, number);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      ASSIGN_OR_RETURN(const double number, ToDouble(value, path));
      repeated ? reflection.AddDouble(&message, &field, number)
               : reflection.SetDouble(&message, &field, number);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      ASSIGN_OR_RETURN(const bool flag, ToBool(value, path));
      repeated ? reflection.AddBool(&message, &field, flag)
               : reflection.SetBool(&message, &field, flag);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      Message& child = repeated ? *reflection.AddMessage(&message, &field)
                                : *reflection.MutableMessage(&message, &field);
      return FillMessage(value, path, hooks, child);
    }
    default:
      // message.proto uses no other field types for vendor keys.
      return absl::InternalError(
          absl::StrCat("field ", field.full_name(), " has a type the JSON reader does not handle"));
  }
}

absl::Status FillFieldFrom(const json& object, absl::string_view key, absl::string_view path,
                           const FieldDescriptor& field, const FillHooks& hooks, Message& message) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return absl::OkStatus();
  const std::string field_path = JoinPath(path, key);
  if (!field.is_repeated()) return StoreValue(*it, field_path, field, hooks, message);
  if (!it->is_array()) return WrongShape(field_path, "an array", *it);
  for (size_t i = 0; i < it->size(); ++i) {
    RETURN_IF_ERROR(
        StoreValue((*it)[i], absl::StrCat(field_path, "[", i, "]"), field, hooks, message));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<json> ParseJsonObject(absl::string_view text, absl::string_view what) {
  json value = json::parse(text.begin(), text.end(), /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    // The non-throwing parse does not say what is wrong; the scanner does.
    JsonScanner scanner(text, what);
    absl::Status syntax = scanner.SkipValue();
    if (syntax.ok()) syntax = scanner.ExpectEnd();
    return syntax.ok() ? absl::InvalidArgumentError(absl::StrCat(what, " is not valid JSON"))
                       : syntax;
  }
  if (!value.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " must be a JSON object, got ", value.type_name()));
  }
  return value;
}

std::string JoinPath(absl::string_view path, absl::string_view key) {
  return path.empty() ? std::string(key) : absl::StrCat(path, ".", key);
}

absl::Status FillMessage(const json& object, absl::string_view path, const FillHooks& hooks,
                         Message& message) {
  if (!object.is_object()) return WrongShape(path, "an object", object);
  const google::protobuf::Descriptor& descriptor = *message.GetDescriptor();
  for (int i = 0; i < descriptor.field_count(); ++i) {
    const FieldDescriptor& field = *descriptor.field(i);
    if (hooks.is_derived(field)) continue;
    RETURN_IF_ERROR(FillFieldFrom(object, field.name(), path, field, hooks, message));
  }
  return hooks.finish(path, message);
}

absl::Status FillField(const json& object, absl::string_view key, absl::string_view path,
                       absl::string_view field_name, const FillHooks& hooks, Message& message) {
  const FieldDescriptor* field = message.GetDescriptor()->FindFieldByName(std::string(field_name));
  if (field == nullptr) {
    return absl::InternalError(
        absl::StrCat(message.GetDescriptor()->full_name(), " has no field named ", field_name));
  }
  if (!object.is_object()) return WrongShape(path, "an object", object);
  return FillFieldFrom(object, key, path, *field, hooks, message);
}

}  // namespace wecom::archive
