#include "common/log/log.h"

#include <string>
#include <type_traits>
#include <vector>

#include "absl/strings/str_split.h"
#include "common/config/secret.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace wecom::log {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::wecom::testing::IsOkAndHolds;
using ::wecom::testing::StatusIs;

// A Secret cannot become a log field value.
static_assert(!std::is_constructible_v<nlohmann::json, wecom::Secret>);

// The JSON objects written to stderr while `write` runs.
template <typename F>
std::vector<nlohmann::json> CaptureLines(F write) {
  ::testing::internal::CaptureStderr();
  write();
  const std::string output = ::testing::internal::GetCapturedStderr();
  std::vector<nlohmann::json> lines;
  for (absl::string_view line : absl::StrSplit(output, '\n', absl::SkipEmpty())) {
    lines.push_back(nlohmann::json::parse(std::string(line)));
  }
  return lines;
}

class LogTest : public ::testing::Test {
 protected:
  void TearDown() override { SetLevel(Level::kInfo); }
};

TEST_F(LogTest, WritesOneJsonObjectPerLine) {
  const std::vector<nlohmann::json> lines = CaptureLines([] {
    Info("pull_ok", {{"corp", "ww1"}, {"seq", 42}});
    Warn("slow", {{"ms", 1500}});
  });
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["level"], "info");
  EXPECT_EQ(lines[0]["event"], "pull_ok");
  EXPECT_EQ(lines[0]["corp"], "ww1");
  EXPECT_EQ(lines[0]["seq"], 42);
  EXPECT_TRUE(lines[0]["ts"].is_string());
  EXPECT_EQ(lines[1]["level"], "warn");
  EXPECT_EQ(lines[1]["ms"], 1500);
}

TEST_F(LogTest, RedactsSensitiveKeysAtAnyDepth) {
  const std::vector<nlohmann::json> lines = CaptureLines([] {
    Error("call_failed", {{"corp_secret", "s1"},
                          {"access_token", "t1"},
                          {"Authorization", "Bearer t2"},
                          {"proxy_passwd", "p1"},
                          {"request", {{"private_key", "k1"}, {"password", "p2"}, {"id", 7}}}});
  });
  ASSERT_EQ(lines.size(), 1u);
  const std::string text = lines[0].dump();
  for (const char* value : {"s1", "t1", "t2", "p1", "k1", "p2"}) {
    EXPECT_THAT(text, Not(HasSubstr(value))) << value;
  }
  EXPECT_EQ(lines[0]["corp_secret"], "[redacted]");
  EXPECT_EQ(lines[0]["Authorization"], "[redacted]");
  EXPECT_EQ(lines[0]["request"]["private_key"], "[redacted]");
  EXPECT_EQ(lines[0]["request"]["id"], 7);
}

TEST_F(LogTest, LevelFiltersLines) {
  SetLevel(Level::kWarn);
  const std::vector<nlohmann::json> lines = CaptureLines([] {
    Debug("d");
    Info("i");
    Error("e");
  });
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["event"], "e");
}

TEST_F(LogTest, ReservedFieldNamesDoNotOverwrite) {
  const std::vector<nlohmann::json> lines = CaptureLines([] {
    Info("real_event", {{"event", "fake"}, {"level", "fake"}});
  });
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["event"], "real_event");
  EXPECT_EQ(lines[0]["level"], "info");
  EXPECT_EQ(lines[0]["field.event"], "fake");
}

TEST_F(LogTest, InvalidUtf8DoesNotThrow) {
  const std::vector<nlohmann::json> lines = CaptureLines([] {
    Info("vendor_text", {{"errmsg", std::string("\xC4\xE3\xBA\xC3")}});
  });
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(lines[0]["errmsg"].is_string());
}

TEST_F(LogTest, ParseLevel) {
  EXPECT_THAT(ParseLevel("debug"), IsOkAndHolds(Level::kDebug));
  EXPECT_THAT(ParseLevel("error"), IsOkAndHolds(Level::kError));
  EXPECT_THAT(ParseLevel("loud"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"loud\"")));
}

}  // namespace
}  // namespace wecom::log
