#include "emulators/finance-sdk/emulator_config.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace wecom::emulator {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;
using ::wecom::testing::IsOk;
using ::wecom::testing::StatusIs;

const absl::Time kNow = absl::FromUnixMillis(1800000000000);

constexpr char kMinimal[] =
    R"({"corps":[{"corpid":"ww1","secret":"s","public_keys":{"1":"k1.pem"}}]})";

TEST(EmulatorConfigTest, MinimalConfigGetsTheDocumentedDefaults) {
  const absl::StatusOr<EmulatorConfig> config = ParseEmulatorConfig(kMinimal, "/etc/emu", kNow);
  ASSERT_THAT(config, IsOk());
  ASSERT_EQ(config->corps.size(), 1u);
  const CorpConfig& corp = config->corps[0];
  EXPECT_EQ(corp.corpid, "ww1");
  EXPECT_EQ(corp.secret, "s");
  EXPECT_THAT(corp.public_key_files, ElementsAre(Pair(1u, "/etc/emu/k1.pem")));
  EXPECT_EQ(corp.retention_days, 5.0);
  EXPECT_EQ(corp.traffic.message_count, 1000u);
  EXPECT_EQ(corp.traffic.start_time_ms, 1800000000000 - corp.traffic.time_span_ms);
  EXPECT_EQ(corp.traffic.media_size_scale, 1.0);
  EXPECT_TRUE(corp.traffic.media_size_ranges.empty());
  EXPECT_EQ(corp.traffic.live_messages_per_second, 0.0);
  EXPECT_EQ(corp.faults.chat_calls_per_minute, 4000);
  EXPECT_EQ(corp.faults.media_calls_per_minute, 25000);
  EXPECT_EQ(corp.faults.transient_error_rate, 0.0);
  EXPECT_EQ(corp.api.access_token_ttl_seconds, 7200);
  EXPECT_EQ(corp.api.robot_info_calls_per_minute, 600);
  EXPECT_EQ(corp.network.required_proxy, "");
  EXPECT_EQ(corp.network.required_proxy_passwd, "");
}

TEST(EmulatorConfigTest, JsonRoundTripsEveryKey) {
  CorpConfig corp;
  corp.corpid = "wwround";
  corp.secret = "secret";
  corp.public_key_files = {{1, "/keys/v1.pem"}, {3, "/keys/v3.pem"}};
  corp.retention_days = 2.5;
  corp.traffic.message_count = 1234;
  corp.traffic.seed = 18446744073709551615ULL;
  corp.traffic.start_time_ms = 1700000000000;
  corp.traffic.time_span_ms = 86400000;
  corp.traffic.key_versions = {{1, 1}, {600, 3}};
  corp.traffic.media_size_scale = 0.25;
  corp.traffic.media_size_ranges = {{"video", {200000000, 200000000}}, {"image", {1, 1 << 20}}};
  corp.traffic.empty_md5sum_rate = 0.1;
  corp.traffic.live_messages_per_second = 7.5;
  corp.faults.transient_error_rate = 0.05;
  corp.faults.latency_ms = 30;
  corp.faults.chat_calls_per_minute = 10;
  corp.faults.media_calls_per_minute = 20;
  corp.faults.media_corrupt_rate = 0.5;
  corp.faults.failing_sdkfileids = {"CtYBxyz", "CtYBabc"};
  corp.api.access_token_ttl_seconds = 60;
  corp.api.robot_info_calls_per_minute = 5;
  corp.network.required_proxy = "socks5://10.0.0.1:8081";
  corp.network.required_proxy_passwd = "user_name:passwd_123";
  EmulatorConfig config;
  config.corps = {corp};

  const std::string json = EmulatorConfigJson(config);
  const absl::StatusOr<EmulatorConfig> parsed = ParseEmulatorConfig(json, "/elsewhere", kNow);
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(EmulatorConfigJson(*parsed), json);
  EXPECT_EQ(parsed->corps[0].traffic.seed, corp.traffic.seed);
  EXPECT_EQ(parsed->corps[0].traffic.empty_md5sum_rate, 0.1);
  EXPECT_EQ(parsed->corps[0].traffic.media_size_ranges, corp.traffic.media_size_ranges);
  EXPECT_EQ(parsed->corps[0].faults.failing_sdkfileids, corp.faults.failing_sdkfileids);
  EXPECT_EQ(parsed->corps[0].network.required_proxy, "socks5://10.0.0.1:8081");
  EXPECT_EQ(parsed->corps[0].network.required_proxy_passwd, "user_name:passwd_123");
}

// Parses kMinimal with `from` replaced by `to`.
absl::Status ParseEdited(const std::string& from, const std::string& to) {
  return ParseEmulatorConfig(absl::StrReplaceAll(kMinimal, {{from, to}}), "", kNow).status();
}

TEST(EmulatorConfigTest, ErrorsNameTheOffendingKey) {
  EXPECT_THAT(ParseEmulatorConfig("{not json", "", kNow),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not valid JSON")));
  EXPECT_THAT(ParseEmulatorConfig(R"({"corps":[]})", "", kNow),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("config.corps")));
  EXPECT_THAT(
      ParseEdited(R"("secret":"s",)", ""),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("corps[0].secret: is required")));
  EXPECT_THAT(
      ParseEdited(R"("secret":"s")", R"("secret":"s","traffic":{"sed":1})"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("corps[0].traffic.sed: unknown key")));
  EXPECT_THAT(
      ParseEdited(R"("secret":"s")", R"("secret":"s","faults":{"transient_error_rate":1.5})"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("corps[0].faults.transient_error_rate")));
  EXPECT_THAT(
      ParseEdited(R"("secret":"s")", R"("secret":"s","live":{"messages_per_second":5000})"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("corps[0].live.messages_per_second")));
  EXPECT_THAT(
      ParseEdited(R"("secret":"s")",
                  R"("secret":"s","traffic":{"key_versions":[{"from_seq":1,"publickey_ver":2}]})"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no key file for publickey_ver 2")));
  EXPECT_THAT(ParseEdited(R"("secret":"s")",
                          R"("secret":"s","traffic":{"key_versions":[)"
                          R"({"from_seq":5,"publickey_ver":1},{"from_seq":5,"publickey_ver":1}]})"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("corps[0].traffic.key_versions[1].from_seq")));
  EXPECT_THAT(
      ParseEdited(R"("secret":"s")",
                  R"("secret":"s","traffic":{"message_count":100,"time_span_ms":50})"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("corps[0].traffic.time_span_ms")));
  EXPECT_THAT(ParseEdited(R"({"1":"k1.pem"})", R"({"one":"k1.pem"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("corps[0].public_keys")));
  const std::string twice = absl::StrReplaceAll(
      kMinimal, {{"}]}", R"(},{"corpid":"ww1","secret":"t","public_keys":{"1":"k"}}]})"}});
  EXPECT_THAT(ParseEmulatorConfig(twice, "", kNow),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("corps[1].corpid")));
}

// Parses kMinimal with traffic.media_size_ranges set to `ranges`.
absl::Status ParseSizeRanges(const std::string& ranges) {
  return ParseEdited(R"("secret":"s")",
                     absl::StrCat(R"("secret":"s","traffic":{"media_size_ranges":)", ranges, "}"));
}

TEST(EmulatorConfigTest, MediaSizeRangesTakeMediaKindsWithOrderedByteBounds) {
  const absl::StatusOr<EmulatorConfig> config = ParseEmulatorConfig(
      absl::StrReplaceAll(
          kMinimal, {{R"("secret":"s")", R"("secret":"s","traffic":{"media_size_ranges":)"
                                         R"({"video":{"min_bytes":5,"max_bytes":200000000}}})"}}),
      "", kNow);
  ASSERT_THAT(config, IsOk());
  EXPECT_THAT(config->corps[0].traffic.media_size_ranges,
              ElementsAre(Pair("video", MediaSizeRange{5, 200000000})));
  EXPECT_THAT(ParseSizeRanges("{}"), IsOk());

  EXPECT_THAT(ParseSizeRanges(R"([1, 2])"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("corps[0].traffic.media_size_ranges: expected an object")));
  EXPECT_THAT(ParseSizeRanges(R"({"movie":{"min_bytes":1,"max_bytes":2}})"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("corps[0].traffic.media_size_ranges.movie: not a media kind")));
  EXPECT_THAT(ParseSizeRanges(R"({"video":{"min_bytes":1}})"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("media_size_ranges.video.max_bytes: is required")));
  EXPECT_THAT(ParseSizeRanges(R"({"video":{"min_bytes":0,"max_bytes":2}})"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("media_size_ranges.video.min_bytes: expected an integer")));
  EXPECT_THAT(ParseSizeRanges(R"({"video":{"min_bytes":1,"max_bytes":2000000000000}})"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("media_size_ranges.video.max_bytes: expected an integer")));
  EXPECT_THAT(ParseSizeRanges(R"({"image":{"min_bytes":3,"max_bytes":2}})"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("media_size_ranges.image.max_bytes: must be at least min_bytes")));
  EXPECT_THAT(ParseSizeRanges(R"({"image":{"min_bytes":1,"max_bytes":2,"mean":1}})"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("media_size_ranges.image.mean: unknown key")));
}

// Parses kMinimal with `network` added.
absl::Status ParseNetwork(const std::string& network) {
  return ParseEdited(R"("secret":"s")", absl::StrCat(R"("secret":"s","network":)", network));
}

TEST(EmulatorConfigTest, NetworkAcceptsTheVendorsProxyFormsAndEmptyForNone) {
  for (const char* network :
       {R"({})", R"({"required_proxy":"","required_proxy_passwd":""})",
        R"({"required_proxy":"socks5://10.0.0.1:8081"})",
        R"({"required_proxy":"http://proxy.corp:3128","required_proxy_passwd":"u:p"})"}) {
    EXPECT_THAT(ParseNetwork(network), IsOk()) << network;
  }
}

TEST(EmulatorConfigTest, NetworkErrorsNameTheKeyButNeverThePasswd) {
  EXPECT_THAT(ParseNetwork(R"({"proxy":"socks5://10.0.0.1:8081"})"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("corps[0].network.proxy: unknown key")));
  EXPECT_THAT(ParseNetwork(R"("socks5://10.0.0.1:8081")"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("corps[0].network")));
  for (const char* proxy :
       {R"(1080)", R"("10.0.0.1:8081")", R"("ftp://10.0.0.1:21")", R"("socks5://10.0.0.1")",
        R"("http://:8080")", R"("socks5://10.0.0.1:99999")"}) {
    EXPECT_THAT(
        ParseNetwork(absl::StrCat(R"({"required_proxy":)", proxy, "}")),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("corps[0].network.required_proxy:")))
        << proxy;
  }
  // The passwd is a secret: wrong or misplaced, it is named but not quoted.
  const std::string passwd = "hunter2-no-colon";
  const absl::Status without_user = ParseNetwork(absl::StrCat(
      R"({"required_proxy":"socks5://10.0.0.1:8081","required_proxy_passwd":")", passwd, R"("})"));
  EXPECT_THAT(without_user, StatusIs(absl::StatusCode::kInvalidArgument,
                                     HasSubstr("corps[0].network.required_proxy_passwd:")));
  EXPECT_THAT(without_user.message(), Not(HasSubstr(passwd)));
  const absl::Status without_proxy = ParseNetwork(R"({"required_proxy_passwd":"user:hunter2"})");
  EXPECT_THAT(without_proxy,
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("corps[0].network.required_proxy_passwd: needs required_proxy")));
  EXPECT_THAT(without_proxy.message(), Not(HasSubstr("hunter2")));
  EXPECT_THAT(ParseNetwork(R"({"required_proxy":"socks5://10.0.0.1:8081",)"
                           R"("required_proxy_passwd":7})"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("corps[0].network.required_proxy_passwd: expected a string")));
}

TEST(EmulatorConfigTest, ReadingAMissingFileNamesIt) {
  EXPECT_THAT(ReadEmulatorConfig("/nonexistent/emulator.json", kNow),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("/nonexistent/emulator.json")));
}

}  // namespace
}  // namespace wecom::emulator
