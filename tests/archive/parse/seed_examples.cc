#include "tests/archive/parse/seed_examples.h"

#include <fstream>
#include <map>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"

namespace wecom::archive::testing {
namespace {

struct Examples {
  std::vector<std::string> names;
  std::map<std::string, std::string, std::less<>> json_by_name;
};

// The file: "#" lines are comments; "=== name" starts an example, whose lines
// run to the next "===" line.
Examples Load() {
  Examples examples;
  std::ifstream file(WECOM_SEED000_EXAMPLES);
  EXPECT_TRUE(file.is_open()) << "cannot open " << WECOM_SEED000_EXAMPLES;
  std::vector<std::string> lines;
  std::string line;
  const auto flush = [&] {
    if (!examples.names.empty()) {
      examples.json_by_name[examples.names.back()] = absl::StrJoin(lines, "\n");
    }
    lines.clear();
  };
  while (std::getline(file, line)) {
    if (absl::StartsWith(line, "#")) continue;
    absl::string_view name = line;
    if (absl::ConsumePrefix(&name, "=== ")) {
      flush();
      examples.names.emplace_back(name);
      continue;
    }
    lines.push_back(std::move(line));
  }
  flush();
  return examples;
}

const Examples& AllExamples() {
  static const Examples* const examples = new Examples(Load());
  return *examples;
}

}  // namespace

std::string SeedExample(std::string_view name) {
  const auto& json_by_name = AllExamples().json_by_name;
  const auto it = json_by_name.find(name);
  if (it == json_by_name.end()) {
    ADD_FAILURE() << "seed000_examples.txt has no example named " << name;
    return "";
  }
  return it->second;
}

std::vector<std::string> SeedExampleNames() { return AllExamples().names; }

}  // namespace wecom::archive::testing
