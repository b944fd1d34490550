// Readers for fields of the vendors' JSON answers that never throw: their
// shapes are documented by example only, so a field that is missing, null or
// of another type reads as empty (0, "", false) instead of failing the call.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "nlohmann/json.hpp"

namespace wecom::robot {

// A string as is; an integer spelled out (ids such as "vid": 0 come as
// numbers); anything else "".
std::string JsonString(const nlohmann::json& object, absl::string_view key);
// An integer, a float cut to its integer part, or a string of digits; else 0.
int64_t JsonInt(const nlohmann::json& object, absl::string_view key);
// A boolean, or a number (or string of digits) other than 0 (the vendors
// write flags as 0/1, sometimes "1"); else false.
bool JsonBool(const nlohmann::json& object, absl::string_view key);
// The array at `key`, or an empty array.
const nlohmann::json& JsonArray(const nlohmann::json& object, absl::string_view key);
// The object at `key`, or an empty object.
const nlohmann::json& JsonObject(const nlohmann::json& object, absl::string_view key);
// The field, or nullptr when it is absent or null (or `object` is no object).
const nlohmann::json* JsonFind(const nlohmann::json& object, absl::string_view key);

// Fields an event cannot do without. `where` is the path of `object` in the
// body ("" at the top), so that errors name the field: INVALID_ARGUMENT
// "data.conversation_id: missing" (or "not a string", "empty", "not an
// integer").
// A non-empty string; ids that come as numbers are spelled out.
absl::StatusOr<std::string> RequiredJsonString(const nlohmann::json& object,
                                               absl::string_view where, absl::string_view key);
// An integer, or a string of digits (documents type timestamps as strings
// and their examples show numbers).
absl::StatusOr<int64_t> RequiredJsonInt(const nlohmann::json& object, absl::string_view where,
                                        absl::string_view key);

// A JSON array of the strings (a repeated proto field's ids).
nlohmann::json JsonStrings(const google::protobuf::RepeatedPtrField<std::string>& items);

// The value at `key` whatever its type, or null.
const nlohmann::json& JsonField(const nlohmann::json& object, absl::string_view key);

}  // namespace wecom::robot
