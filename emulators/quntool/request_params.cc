#include "emulators/quntool/request_params.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace wecom::quntool {

Json LowercaseKeys(const Json& value) {
  if (value.is_object()) {
    Json lowered = Json::object();
    for (const auto& [key, item] : value.items()) {
      lowered[absl::AsciiStrToLower(key)] = LowercaseKeys(item);
    }
    return lowered;
  }
  if (value.is_array()) {
    Json lowered = Json::array();
    for (const Json& item : value) lowered.push_back(LowercaseKeys(item));
    return lowered;
  }
  return value;
}

std::string ParamString(const Json& params, absl::string_view lowercase_key) {
  const auto it = params.find(std::string(lowercase_key));
  if (it == params.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

absl::StatusOr<std::string> RequiredString(const Json& params, absl::string_view lowercase_key) {
  std::string value = ParamString(params, lowercase_key);
  if (absl::StripAsciiWhitespace(value).empty()) {
    return absl::InvalidArgumentError(absl::StrCat(lowercase_key, "不能为空"));
  }
  return value;
}

std::vector<std::string> ParamList(const Json& params, absl::string_view lowercase_key) {
  const auto it = params.find(std::string(lowercase_key));
  std::vector<std::string> list;
  if (it == params.end() || it->is_null()) return list;
  if (it->is_array()) {
    for (const Json& item : *it)
      list.push_back(item.is_string() ? item.get<std::string>() : item.dump());
    return list;
  }
  for (absl::string_view part : absl::StrSplit(ParamString(params, lowercase_key), ',')) {
    part = absl::StripAsciiWhitespace(part);
    if (!part.empty()) list.emplace_back(part);
  }
  return list;
}

bool ParamBool(const Json& params, absl::string_view lowercase_key, bool default_value) {
  const auto it = params.find(std::string(lowercase_key));
  if (it == params.end() || it->is_null()) return default_value;
  if (it->is_boolean()) return it->get<bool>();
  const std::string text = absl::AsciiStrToLower(ParamString(params, lowercase_key));
  if (text == "true" || text == "1") return true;
  if (text == "false" || text == "0") return false;
  return default_value;
}

}  // namespace wecom::quntool
