// The JSON examples of seed 000, read from testdata/seed000_examples.txt.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace wecom::archive::testing {

// The example named `name` ("image", "chatdata_envelope", …), exactly as the
// seed gives it. Fails the current test and returns "" when there is none.
std::string SeedExample(std::string_view name);

// Every example's name, in the seed's order.
std::vector<std::string> SeedExampleNames();

}  // namespace wecom::archive::testing
