// Strict reading of the services' YAML config files: every key must be known,
// and every error names the key's full path.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/config/secret.h"
#include "yaml-cpp/node/node.h"

namespace wecom {

// A view of one YAML mapping in a config document. Reads record the keys they
// used in state shared by every reader of the document, so that after reading
// what it knows, the service calls CheckNoUnknownKeys() on the root and a
// misspelt key fails loudly instead of being ignored. Not thread-safe.
//
// Supported T: std::string, bool, int, int64_t, uint64_t, double,
// absl::Duration ("250ms", "5s", "1h"), std::vector<std::string>, and
// SecretSource (a mapping {file: PATH} | {env: NAME} | {value: TEXT}).
// Error messages never echo values, since a value may be a secret.
class ConfigReader {
 public:
  // Parses a document whose root is a mapping (an empty document reads as an
  // empty mapping). `source_name` (e.g. the file path) prefixes every error.
  static absl::StatusOr<ConfigReader> FromYamlString(absl::string_view yaml,
                                                     std::string source_name = "config");

  // The value at `key`; INVALID_ARGUMENT when it is missing, null or of the
  // wrong type.
  template <typename T>
  absl::StatusOr<T> Required(absl::string_view key);
  // The value at `key`, or `default_value` when missing or null.
  template <typename T>
  absl::StatusOr<T> Optional(absl::string_view key, T default_value);
  // True when `key` is present and not null.
  bool Has(absl::string_view key) const;
  // The mapping at `key` (required).
  absl::StatusOr<ConfigReader> Child(absl::string_view key);
  // The sequence of mappings at `key` (required; may be empty).
  absl::StatusOr<std::vector<ConfigReader>> List(absl::string_view key);

  // INVALID_ARGUMENT naming every key under this mapping that no read used,
  // e.g. `unknown key "corps[0].secrte" (line 7)`.
  absl::Status CheckNoUnknownKeys() const;

  // This mapping's path in the document ("" for the root).
  const std::string& path() const { return path_; }
  // The full path of `key` in this mapping, as error messages name it.
  std::string PathOf(absl::string_view key) const;

 private:
  // Keys used so far, by full path, shared by all readers of one document.
  struct ReadLog {
    std::string source_name;
    std::set<std::string> consumed;  // Read as values: the whole subtree is known.
    std::set<std::string> opened;    // Read as mappings/lists: their keys are checked.
  };

  ConfigReader(YAML::Node node, std::string path, std::shared_ptr<ReadLog> log);

  // Present and non-null value at `key`, or an invalid (null) node.
  YAML::Node Lookup(absl::string_view key) const;
  absl::Status Error(const std::string& path, const YAML::Node& node,
                     absl::string_view problem) const;
  void CollectUnknownKeys(const YAML::Node& node, const std::string& path,
                          std::vector<std::string>& unknown) const;
  template <typename T>
  absl::StatusOr<T> Convert(const YAML::Node& node, const std::string& path);

  YAML::Node node_;
  std::string path_;
  std::shared_ptr<ReadLog> log_;
};

}  // namespace wecom
