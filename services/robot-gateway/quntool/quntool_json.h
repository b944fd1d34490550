// Readers for fields of quntool's JSON answers that never throw: the vendor's
// shapes are documented by example only, so a field that is missing, null or
// of another type reads as empty (0, "", false) instead of failing the call.
#pragma once

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace wecom::robot {

// A string as is; an integer spelled out (ids such as "vid": 0 come as
// numbers); anything else "".
std::string JsonString(const nlohmann::json& object, absl::string_view key);
// An integer, a float cut to its integer part, or a string of digits; else 0.
int64_t JsonInt(const nlohmann::json& object, absl::string_view key);
// A boolean, or a number other than 0 (the vendor writes flags as 0/1); else
// false.
bool JsonBool(const nlohmann::json& object, absl::string_view key);
// The array at `key`, or an empty array.
const nlohmann::json& JsonArray(const nlohmann::json& object, absl::string_view key);
// The object at `key`, or an empty object.
const nlohmann::json& JsonObject(const nlohmann::json& object, absl::string_view key);

}  // namespace wecom::robot
