// A request's parameters as the handlers read them. The document says
// parameters are case-insensitive, and its own examples mix "WxId", "wxId"
// and "Wxid", so query parameters and the JSON body are merged into one
// object whose keys are lower-cased (at every depth).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "emulators/quntool/quntool_world.h"

namespace wecom::quntool {

// `value` with every object key lower-cased.
Json LowercaseKeys(const Json& value);

// The parameter as text ("" when absent or null); numbers are spelled out.
std::string ParamString(const Json& params, absl::string_view lowercase_key);
// As ParamString, but INVALID_ARGUMENT "<key>不能为空" when it is absent or
// only white space (the document: link titles may not be blank).
absl::StatusOr<std::string> RequiredString(const Json& params, absl::string_view lowercase_key);
// A list parameter: a JSON array, or a string of comma-separated ids (the
// document's memberWxIds), or repeated query values joined by commas.
std::vector<std::string> ParamList(const Json& params, absl::string_view lowercase_key);
// A boolean parameter: true/false, or "true"/"false" in a query.
bool ParamBool(const Json& params, absl::string_view lowercase_key, bool default_value);

}  // namespace wecom::quntool
