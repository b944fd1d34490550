#include "common/config/config_reader.h"

#include <cstdint>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/status/status_macros.h"
#include "yaml-cpp/yaml.h"

namespace wecom {
namespace {

std::string JoinPath(const std::string& parent, absl::string_view key) {
  return parent.empty() ? std::string(key) : absl::StrCat(parent, ".", key);
}

std::string IndexPath(const std::string& parent, size_t index) {
  return absl::StrCat(parent, "[", index, "]");
}

std::string LineSuffix(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  return mark.is_null() ? "" : absl::StrCat(" (line ", mark.line + 1, ")");
}

// Rejects what yaml-cpp accepts silently: duplicate keys (the first would win)
// and keys that are not plain scalars.
absl::Status CheckKeys(const YAML::Node& node, const std::string& path,
                       const std::string& source_name) {
  if (node.IsMap()) {
    std::set<std::string> seen;
    for (const auto& entry : node) {
      if (!entry.first.IsScalar()) {
        return absl::InvalidArgumentError(absl::StrCat(source_name, ": a key under \"", path, "\"",
                                                       LineSuffix(entry.first),
                                                       " is not a plain string"));
      }
      const std::string key_path = JoinPath(path, entry.first.Scalar());
      if (!seen.insert(entry.first.Scalar()).second) {
        return absl::InvalidArgumentError(absl::StrCat(source_name, ": duplicate key \"", key_path,
                                                       "\"", LineSuffix(entry.first)));
      }
      RETURN_IF_ERROR(CheckKeys(entry.second, key_path, source_name));
    }
  } else if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i) {
      RETURN_IF_ERROR(CheckKeys(node[i], IndexPath(path, i), source_name));
    }
  }
  return absl::OkStatus();
}

// Integers and floats through yaml-cpp's strict decoders, which reject
// trailing text ("12abc") and out-of-range values.
template <typename T>
bool DecodeScalar(const YAML::Node& node, T& out) {
  return node.IsScalar() && YAML::convert<T>::decode(node, out);
}

}  // namespace

ConfigReader::ConfigReader(YAML::Node node, std::string path, std::shared_ptr<ReadLog> log)
    : node_(std::move(node)), path_(std::move(path)), log_(std::move(log)) {}

absl::StatusOr<ConfigReader> ConfigReader::FromYamlString(absl::string_view yaml,
                                                          std::string source_name) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    // e.what() repeats the position; e.msg is the bare reason.
    const std::string position =
        e.mark.is_null()
            ? ""
            : absl::StrCat("line ", e.mark.line + 1, ", column ", e.mark.column + 1, ": ");
    return absl::InvalidArgumentError(absl::StrCat(source_name, ": ", position, e.msg));
  }
  if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  if (!root.IsMap()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source_name, ": the document must be a mapping of keys to values"));
  }
  RETURN_IF_ERROR(CheckKeys(root, "", source_name));
  auto log = std::make_shared<ReadLog>();
  log->source_name = std::move(source_name);
  return ConfigReader(root, "", std::move(log));
}

std::string ConfigReader::PathOf(absl::string_view key) const { return JoinPath(path_, key); }

YAML::Node ConfigReader::Lookup(absl::string_view key) const {
  // The const operator[] looks up without inserting the key.
  const YAML::Node& mapping = node_;
  YAML::Node value = mapping[std::string(key)];
  if (!value.IsDefined() || value.IsNull()) return YAML::Node(YAML::NodeType::Undefined);
  return value;
}

bool ConfigReader::Has(absl::string_view key) const { return Lookup(key).IsDefined(); }

absl::Status ConfigReader::Error(const std::string& path, const YAML::Node& node,
                                 absl::string_view problem) const {
  return absl::InvalidArgumentError(
      absl::StrCat(log_->source_name, ": key \"", path, "\"", LineSuffix(node), ": ", problem));
}

template <>
absl::StatusOr<std::string> ConfigReader::Convert<std::string>(const YAML::Node& node,
                                                               const std::string& path) {
  if (!node.IsScalar()) return Error(path, node, "expected a string");
  return node.Scalar();
}

template <>
absl::StatusOr<bool> ConfigReader::Convert<bool>(const YAML::Node& node, const std::string& path) {
  bool value = false;
  if (!DecodeScalar(node, value)) return Error(path, node, "expected true or false");
  return value;
}

template <>
absl::StatusOr<int> ConfigReader::Convert<int>(const YAML::Node& node, const std::string& path) {
  int value = 0;
  if (!DecodeScalar(node, value)) return Error(path, node, "expected an integer (32-bit)");
  return value;
}

template <>
absl::StatusOr<int64_t> ConfigReader::Convert<int64_t>(const YAML::Node& node,
                                                       const std::string& path) {
  int64_t value = 0;
  if (!DecodeScalar(node, value)) return Error(path, node, "expected an integer");
  return value;
}

template <>
absl::StatusOr<uint64_t> ConfigReader::Convert<uint64_t>(const YAML::Node& node,
                                                         const std::string& path) {
  uint64_t value = 0;
  if (!DecodeScalar(node, value) || node.Scalar().starts_with('-')) {
    return Error(path, node, "expected a non-negative integer");
  }
  return value;
}

template <>
absl::StatusOr<double> ConfigReader::Convert<double>(const YAML::Node& node,
                                                     const std::string& path) {
  double value = 0;
  if (!DecodeScalar(node, value)) return Error(path, node, "expected a number");
  return value;
}

template <>
absl::StatusOr<absl::Duration> ConfigReader::Convert<absl::Duration>(const YAML::Node& node,
                                                                     const std::string& path) {
  absl::Duration value;
  if (!node.IsScalar() || !absl::ParseDuration(node.Scalar(), &value) ||
      value < absl::ZeroDuration()) {
    return Error(path, node, "expected a duration such as 500ms, 30s or 5m");
  }
  return value;
}

template <>
absl::StatusOr<std::vector<std::string>> ConfigReader::Convert<std::vector<std::string>>(
    const YAML::Node& node, const std::string& path) {
  if (!node.IsSequence()) return Error(path, node, "expected a list of strings");
  std::vector<std::string> values;
  for (size_t i = 0; i < node.size(); ++i) {
    ASSIGN_OR_RETURN(std::string value, Convert<std::string>(node[i], IndexPath(path, i)));
    values.push_back(std::move(value));
  }
  return values;
}

template <>
absl::StatusOr<SecretSource> ConfigReader::Convert<SecretSource>(const YAML::Node& node,
                                                                 const std::string& path) {
  static constexpr absl::string_view kExpected =
      "expected a secret reference: {file: PATH}, {env: NAME} or {value: TEXT}";
  if (!node.IsMap() || node.size() != 1) return Error(path, node, kExpected);
  const auto entry = *node.begin();
  const std::string kind = entry.first.Scalar();
  const std::string kind_path = JoinPath(path, kind);
  SecretSource source;
  if (kind == "file") {
    source.kind = SecretSource::Kind::kFile;
  } else if (kind == "env") {
    source.kind = SecretSource::Kind::kEnv;
  } else if (kind == "value") {
    source.kind = SecretSource::Kind::kValue;
  } else {
    return Error(kind_path, entry.first, absl::StrCat("unknown key; ", kExpected));
  }
  ASSIGN_OR_RETURN(std::string text, Convert<std::string>(entry.second, kind_path));
  if (text.empty()) return Error(kind_path, entry.second, "must not be empty");
  if (source.kind == SecretSource::Kind::kValue) {
    source.value = Secret(std::move(text));
  } else {
    source.reference = std::move(text);
  }
  return source;
}

template <typename T>
absl::StatusOr<T> ConfigReader::Required(absl::string_view key) {
  const std::string path = PathOf(key);
  YAML::Node value = Lookup(key);
  if (!value.IsDefined()) {
    return absl::InvalidArgumentError(
        absl::StrCat(log_->source_name, ": missing required key \"", path, "\""));
  }
  log_->consumed.insert(path);
  return Convert<T>(value, path);
}

template <typename T>
absl::StatusOr<T> ConfigReader::Optional(absl::string_view key, T default_value) {
  if (!Has(key)) return default_value;
  return Required<T>(key);
}

absl::StatusOr<ConfigReader> ConfigReader::Child(absl::string_view key) {
  const std::string path = PathOf(key);
  YAML::Node value = Lookup(key);
  if (!value.IsDefined()) {
    return absl::InvalidArgumentError(
        absl::StrCat(log_->source_name, ": missing required section \"", path, "\""));
  }
  if (!value.IsMap()) return Error(path, value, "expected a mapping of keys to values");
  log_->opened.insert(path);
  return ConfigReader(value, path, log_);
}

absl::StatusOr<std::vector<ConfigReader>> ConfigReader::List(absl::string_view key) {
  const std::string path = PathOf(key);
  YAML::Node value = Lookup(key);
  if (!value.IsDefined()) {
    return absl::InvalidArgumentError(
        absl::StrCat(log_->source_name, ": missing required list \"", path, "\""));
  }
  if (!value.IsSequence()) return Error(path, value, "expected a list of mappings");
  log_->opened.insert(path);
  std::vector<ConfigReader> items;
  for (size_t i = 0; i < value.size(); ++i) {
    const std::string item_path = IndexPath(path, i);
    if (!value[i].IsMap())
      return Error(item_path, value[i], "expected a mapping of keys to values");
    log_->opened.insert(item_path);
    items.push_back(ConfigReader(value[i], item_path, log_));
  }
  return items;
}

void ConfigReader::CollectUnknownKeys(const YAML::Node& node, const std::string& path,
                                      std::vector<std::string>& unknown) const {
  for (const auto& entry : node) {
    const std::string key_path = JoinPath(path, entry.first.Scalar());
    if (log_->consumed.contains(key_path)) continue;
    if (!log_->opened.contains(key_path)) {
      unknown.push_back(absl::StrCat("unknown key \"", key_path, "\"", LineSuffix(entry.first)));
      continue;
    }
    if (entry.second.IsMap()) {
      CollectUnknownKeys(entry.second, key_path, unknown);
    } else if (entry.second.IsSequence()) {
      for (size_t i = 0; i < entry.second.size(); ++i) {
        if (entry.second[i].IsMap()) {
          CollectUnknownKeys(entry.second[i], IndexPath(key_path, i), unknown);
        }
      }
    }
  }
}

absl::Status ConfigReader::CheckNoUnknownKeys() const {
  std::vector<std::string> unknown;
  CollectUnknownKeys(node_, path_, unknown);
  if (unknown.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(log_->source_name, ": ", absl::StrJoin(unknown, "; ")));
}

// The supported value types; others fail to link.
#define WECOM_CONFIG_READER_TYPE(T)                                            \
  template absl::StatusOr<T> ConfigReader::Required<T>(absl::string_view key); \
  template absl::StatusOr<T> ConfigReader::Optional<T>(absl::string_view key, T default_value);
WECOM_CONFIG_READER_TYPE(std::string)
WECOM_CONFIG_READER_TYPE(bool)
WECOM_CONFIG_READER_TYPE(int)
WECOM_CONFIG_READER_TYPE(int64_t)
WECOM_CONFIG_READER_TYPE(uint64_t)
WECOM_CONFIG_READER_TYPE(double)
WECOM_CONFIG_READER_TYPE(absl::Duration)
WECOM_CONFIG_READER_TYPE(std::vector<std::string>)
WECOM_CONFIG_READER_TYPE(SecretSource)
#undef WECOM_CONFIG_READER_TYPE

}  // namespace wecom
