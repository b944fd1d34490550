// Tolerant filling of protobuf messages from the vendor's JSON, whose keys are
// the messages' field names (message.proto uses the vendor's names).
#pragma once

#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "nlohmann/json.hpp"

namespace wecom::archive {

// The caller's part in FillMessage: which fields are derived rather than read
// from the JSON, and what to set on each message once its fields are read
// (`path` is where the message sits in the JSON).
struct FillHooks {
  absl::FunctionRef<bool(const google::protobuf::FieldDescriptor& field)> is_derived;
  absl::FunctionRef<absl::Status(absl::string_view path, google::protobuf::Message& message)>
      finish;
};

// Parses `text` as JSON without throwing. INVALID_ARGUMENT naming `what` (and
// where the syntax breaks) when it is not valid JSON or not an object.
absl::StatusOr<nlohmann::json> ParseJsonObject(absl::string_view text, absl::string_view what);

// "image" + "md5sum" -> "image.md5sum"; "" + "msgid" -> "msgid".
std::string JoinPath(absl::string_view path, absl::string_view key);

// Sets every field of `message` that is not derived from the same-named key of
// `object`, nested messages alike, then calls hooks.finish on it. Absent or
// null keys leave fields at their defaults; numbers may arrive as strings or
// floats. A value of the wrong shape is INVALID_ARGUMENT naming its path.
absl::Status FillMessage(const nlohmann::json& object, absl::string_view path,
                         const FillHooks& hooks, google::protobuf::Message& message);

// Sets `message`'s field `field_name` from `object[key]`, as FillMessage does
// for one field; for keys that differ from the field name or live elsewhere.
absl::Status FillField(const nlohmann::json& object, absl::string_view key, absl::string_view path,
                       absl::string_view field_name, const FillHooks& hooks,
                       google::protobuf::Message& message);

}  // namespace wecom::archive
