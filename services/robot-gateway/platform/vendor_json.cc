#include "services/robot-gateway/platform/vendor_json.h"

#include <cmath>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace wecom::robot {
namespace {

using nlohmann::json;

// The field, or nullptr when `object` is not an object or lacks it.
const json* Find(const json& object, absl::string_view key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(std::string(key));
  return it == object.end() ? nullptr : &*it;
}

std::string FieldName(absl::string_view where, absl::string_view key) {
  return where.empty() ? std::string(key) : absl::StrCat(where, ".", key);
}

}  // namespace

const json* JsonFind(const json& object, absl::string_view key) {
  const json* value = Find(object, key);
  return value == nullptr || value->is_null() ? nullptr : value;
}

absl::StatusOr<std::string> RequiredJsonString(const json& object, absl::string_view where,
                                               absl::string_view key) {
  const json* value = JsonFind(object, key);
  if (value == nullptr) return absl::InvalidArgumentError(FieldName(where, key) + ": missing");
  if (!value->is_string() && !value->is_number_integer()) {
    return absl::InvalidArgumentError(FieldName(where, key) + ": not a string");
  }
  std::string text = JsonString(object, key);
  if (text.empty()) return absl::InvalidArgumentError(FieldName(where, key) + ": empty");
  return text;
}

absl::StatusOr<int64_t> RequiredJsonInt(const json& object, absl::string_view where,
                                        absl::string_view key) {
  const json* value = JsonFind(object, key);
  if (value == nullptr) return absl::InvalidArgumentError(FieldName(where, key) + ": missing");
  int64_t parsed = 0;
  const bool number = value->is_number_integer() ||
                      (value->is_string() && absl::SimpleAtoi(value->get<std::string>(), &parsed));
  if (!number) return absl::InvalidArgumentError(FieldName(where, key) + ": not an integer");
  return JsonInt(object, key);
}

std::string JsonString(const json& object, absl::string_view key) {
  const json* value = Find(object, key);
  if (value == nullptr) return "";
  if (value->is_string()) return value->get<std::string>();
  if (value->is_number_unsigned()) return absl::StrCat(value->get<uint64_t>());
  if (value->is_number_integer()) return absl::StrCat(value->get<int64_t>());
  return "";
}

int64_t JsonInt(const json& object, absl::string_view key) {
  const json* value = Find(object, key);
  if (value == nullptr) return 0;
  if (value->is_number_unsigned()) {
    const uint64_t number = value->get<uint64_t>();
    return number > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
               ? 0
               : static_cast<int64_t>(number);
  }
  if (value->is_number_integer()) return value->get<int64_t>();
  if (value->is_number_float()) {
    const double number = value->get<double>();
    // Out of range (or NaN) would be undefined behaviour to convert.
    if (!(std::fabs(number) < 9.0e18)) return 0;
    return static_cast<int64_t>(number);
  }
  int64_t parsed = 0;
  if (value->is_string() && absl::SimpleAtoi(value->get<std::string>(), &parsed)) return parsed;
  return 0;
}

bool JsonBool(const json& object, absl::string_view key) {
  const json* value = Find(object, key);
  if (value == nullptr) return false;
  if (value->is_boolean()) return value->get<bool>();
  if (value->is_number()) return value->get<double>() != 0;
  // yjiyun writes some flags as strings ("isCreator": "1").
  int64_t number = 0;
  if (value->is_string() && absl::SimpleAtoi(value->get<std::string>(), &number)) {
    return number != 0;
  }
  return false;
}

const json& JsonArray(const json& object, absl::string_view key) {
  static const json* const kEmpty = new json(json::array());
  const json* value = Find(object, key);
  return value != nullptr && value->is_array() ? *value : *kEmpty;
}

const json& JsonObject(const json& object, absl::string_view key) {
  static const json* const kEmpty = new json(json::object());
  const json* value = Find(object, key);
  return value != nullptr && value->is_object() ? *value : *kEmpty;
}

const json& JsonField(const json& object, absl::string_view key) {
  static const json* const kNull = new json(nullptr);
  const json* value = Find(object, key);
  return value != nullptr ? *value : *kNull;
}

json JsonStrings(const google::protobuf::RepeatedPtrField<std::string>& items) {
  json array = json::array();
  for (const std::string& item : items) array.push_back(item);
  return array;
}

}  // namespace wecom::robot
