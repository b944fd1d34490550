// The archive's config file: every documented key read, mistakes named.
#include "services/archive/server/archive_config.h"

#include <cstdlib>
#include <fstream>

#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace wecom::archive {
namespace {

using ::testing::HasSubstr;
using testing::IsOk;
using testing::StatusIs;

class ArchiveConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<testing::TempDir> dir = testing::TempDir::Create("archive_config_test_");
    ASSERT_THAT(dir, IsOk());
    dir_ = std::make_unique<testing::TempDir>(*std::move(dir));
    std::ofstream(dir_->path() + "/secret") << "corp-secret-value\n";
  }

  absl::StatusOr<ArchiveConfig> Load(const std::string& yaml) {
    const std::string path = dir_->path() + "/archive.yaml";
    std::ofstream(path) << yaml;
    return LoadArchiveConfig(path);
  }

  std::string Corp(const std::string& extra = "") {
    return "corps:\n"
           "  - corp_id: ww1\n"
           "    secret: {file: " +
           dir_->path() + "/secret}\n" + "    private_keys_dir: /keys/ww1\n" + extra;
  }

  std::unique_ptr<testing::TempDir> dir_;
};

TEST_F(ArchiveConfigTest, ReadsTheShardingSectionAndItsMap) {
  std::ofstream(dir_->path() + "/shards.yaml") << "corps:\n  - {corp_id: ww1, ordinal: 2}\n";
  absl::StatusOr<ArchiveConfig> config =
      Load("data_dir: /data\nsdk_library: /sdk.so\nsharding:\n  map_file: " + dir_->path() +
           "/shards.yaml\n  ordinal: 2\n" + Corp());
  ASSERT_THAT(config, IsOk());
  EXPECT_TRUE(config->sharding.enabled);
  EXPECT_EQ(config->sharding.ordinal, 2);
  EXPECT_EQ(config->sharding.owners.at("ww1"), 2);
  EXPECT_FALSE(Load("data_dir: /data\nsdk_library: /sdk.so\n" + Corp())->sharding.enabled);
  EXPECT_THAT(Load("data_dir: /data\nsdk_library: /sdk.so\nsharding: {ordinal: 1}\n" + Corp()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("sharding.map_file")));
}

TEST_F(ArchiveConfigTest, ReadsEveryDocumentedKey) {
  setenv("ARCHIVE_CONFIG_TEST_TOKEN", "bearer-token-value", 1);
  absl::StatusOr<ArchiveConfig> config = Load(
      "listen: 127.0.0.1:6000\n"
      "metrics_listen: 127.0.0.1:6001\n"
      "data_dir: /data\n"
      "sdk_library: /sdk/libWeWorkFinanceSdk_C.so\n"
      "decrypt_threads: 3\n"
      "log_level: debug\n"
      "auth_token: {env: ARCHIVE_CONFIG_TEST_TOKEN}\n"
      "tls: {cert_file: /tls/crt, key_file: /tls/key, client_ca_file: /tls/ca}\n"
      "wecom_api:\n"
      "  base_url: http://127.0.0.1:9\n"
      "  robot_info_calls_per_minute: 60\n"
      "  cache_ttl: 1m\n"
      "  request_timeout: 3s\n" +
      Corp("    pull: {limit: 500, calls_per_minute: 100, timeout: 7s, poll_interval: 250ms,\n"
           "           proxy: 'socks5://10.0.0.1:8081', proxy_credentials: {value: 'u:p'}}\n"
           "    media: {calls_per_minute: 200, sdk_sessions: 2}\n"));
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->server.grpc.listen_address, "127.0.0.1:6000");
  EXPECT_EQ(config->server.metrics_listen, "127.0.0.1:6001");
  EXPECT_EQ(config->data_dir, "/data");
  EXPECT_EQ(config->decrypt_threads, 3);
  ASSERT_EQ(config->server.grpc.auth_tokens.size(), 1u);
  EXPECT_EQ(config->server.grpc.auth_tokens[0].reveal(), "bearer-token-value");
  EXPECT_EQ(config->server.grpc.tls_client_ca_file, "/tls/ca");
  EXPECT_EQ(config->wecom_api.robot_info_calls_per_minute, 60);
  EXPECT_EQ(config->wecom_api.cache_ttl, absl::Minutes(1));
  ASSERT_EQ(config->corps.size(), 1u);
  const CorpConfig& corp = config->corps[0];
  EXPECT_EQ(corp.secret.reveal(), "corp-secret-value");
  EXPECT_EQ(corp.pull.limit, 500u);
  EXPECT_EQ(corp.pull_calls_per_minute, 100);
  EXPECT_EQ(corp.pull.call.timeout_seconds, 7);
  EXPECT_EQ(corp.pull.poll_interval, absl::Milliseconds(250));
  EXPECT_EQ(corp.pull.call.proxy, "socks5://10.0.0.1:8081");
  EXPECT_EQ(corp.pull.call.passwd, "u:p");
  EXPECT_EQ(corp.media_calls_per_minute, 200);
  EXPECT_EQ(corp.media_sdk_sessions, 2);
}

TEST_F(ArchiveConfigTest, DefaultsAreTheVendorLimits) {
  absl::StatusOr<ArchiveConfig> config = Load("data_dir: /d\nsdk_library: /s.so\n" + Corp());
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->corps[0].pull.limit, 1000u);
  EXPECT_EQ(config->corps[0].pull_calls_per_minute, 4000);
  EXPECT_EQ(config->corps[0].media_calls_per_minute, 25000);
  EXPECT_EQ(config->wecom_api.robot_info_calls_per_minute, 600);
  EXPECT_TRUE(config->server.grpc.auth_tokens.empty());
}

TEST_F(ArchiveConfigTest, AnUnknownKeyIsNamedWithItsPath) {
  EXPECT_THAT(Load("data_dir: /d\nsdk_library: /s.so\n" + Corp("    secrte: oops\n")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("corps[0].secrte")));
}

TEST_F(ArchiveConfigTest, AnUnknownLogLevelIsRefused) {
  EXPECT_THAT(Load("data_dir: /d\nsdk_library: /s.so\nlog_level: verbose\n" + Corp()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("log_level")));
}

TEST_F(ArchiveConfigTest, APullLimitAboveTheVendorsIsRefused) {
  EXPECT_THAT(Load("data_dir: /d\nsdk_library: /s.so\n" + Corp("    pull: {limit: 1001}\n")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("limit")));
}

TEST_F(ArchiveConfigTest, RobotInfoCallsAboveTheVendorsAreRefused) {
  EXPECT_THAT(
      Load("data_dir: /d\nsdk_library: /s.so\nwecom_api: {robot_info_calls_per_minute: 601}\n" +
           Corp()),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("wecom_api.robot_info_calls_per_minute")));
}

TEST_F(ArchiveConfigTest, APullTimeoutMustBeWholeSeconds) {
  EXPECT_THAT(Load("data_dir: /d\nsdk_library: /s.so\n" + Corp("    pull: {timeout: 1500ms}\n")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("timeout: must be whole")));
  EXPECT_THAT(Load("data_dir: /d\nsdk_library: /s.so\n" + Corp("    pull: {timeout: 2s}\n")),
              IsOk());
}

TEST_F(ArchiveConfigTest, ACorpConfiguredTwiceIsRefused) {
  const std::string corp = Corp();
  const std::string twice = corp + corp.substr(corp.find("  - corp_id"));
  EXPECT_THAT(Load("data_dir: /d\nsdk_library: /s.so\n" + twice),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("appears twice")));
}

TEST_F(ArchiveConfigTest, AMissingSecretFileIsNamedButNoSecretIsShown) {
  std::ofstream(dir_->path() + "/secret", std::ios::trunc) << "";
  absl::StatusOr<ArchiveConfig> config = Load("data_dir: /d\nsdk_library: /s.so\n" + Corp());
  EXPECT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr("secret"));
}

}  // namespace
}  // namespace wecom::archive
