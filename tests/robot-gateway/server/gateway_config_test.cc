// The robot gateway's config file: every documented key read, the defaults,
// and each mistake named by its path without showing a secret.
#include "services/robot-gateway/server/gateway_config.h"

#include <fstream>
#include <memory>
#include <string>
#include <tuple>
#include <utility>

#include "absl/strings/match.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace wecom::robot {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::wecom::testing::IsOk;
using ::wecom::testing::StatusIs;
using ::wecom::testing::TempDir;

constexpr char kGrpcToken[] = "grpc-token-value";
constexpr char kWebhookSecret[] = "webhook-secret-0123456789";
constexpr char kApikey[] = "quntool-apikey-value";
constexpr char kYjiyunSecret[] = "yjiyun-access-secret";

class GatewayConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TempDir> dir = TempDir::Create("gateway_config_test_");
    ASSERT_THAT(dir, IsOk());
    dir_ = std::make_unique<TempDir>(*std::move(dir));
    // As Kubernetes mounts them, with a trailing newline.
    for (const auto& [name, value] : {std::pair{"grpc-token", kGrpcToken},
                                      {"webhook-secret", kWebhookSecret},
                                      {"apikey", kApikey},
                                      {"yjiyun-secret", kYjiyunSecret}}) {
      std::ofstream(SecretPath(name)) << value << "\n";
    }
  }

  std::string SecretPath(const std::string& name) const { return dir_->path() + "/" + name; }

  absl::StatusOr<GatewayConfig> Load(const std::string& yaml) {
    const std::string path = dir_->path() + "/gateway.yaml";
    std::ofstream(path, std::ios::trunc) << yaml;
    return LoadGatewayConfig(path);
  }

  // The smallest valid file, followed by `extra` top-level keys.
  absl::StatusOr<GatewayConfig> LoadMinimal(const std::string& extra) {
    return Load("data_dir: /var/lib/gw\nwebhook: {secret: {file: " + SecretPath("webhook-secret") +
                "}}\nquntool: {base_url: 'http://quntool', apikey: {file: " + SecretPath("apikey") +
                "}}\n" + extra);
  }

  // Every documented key, each secret from a file.
  std::string Full() const {
    return "listen: 127.0.0.1:7000\n"
           "metrics_listen: 127.0.0.1:7001\n"
           "log_level: debug\n"
           "auth_token: {file: " +
           SecretPath("grpc-token") +
           "}\n"
           "data_dir: /data/gw\n"
           "webhook:\n"
           "  listen: 127.0.0.1:7002\n"
           "  secret: {file: " +
           SecretPath("webhook-secret") +
           "}\n"
           "  max_body_bytes: 4096\n"
           "  workers: 32\n"
           "quntool:\n"
           "  base_url: 'http://quntool.internal/'\n"
           "  apikey: {file: " +
           SecretPath("apikey") +
           "}\n"
           "  request_timeout: 3s\n"
           "  auto_confirm_batch_messages: true\n"
           "  mqtt:\n"
           "    host: mqtt.internal\n"
           "    port: 1885\n"
           "    accounts: ['1688850000000001', '1688850000000002']\n"
           "    send_timeout: 4s\n"
           "yjiyun:\n"
           "  base_url: 'http://yjiyun.internal/'\n"
           "  access_key: user1\n"
           "  access_secret: {file: " +
           SecretPath("yjiyun-secret") +
           "}\n"
           "  request_timeout: 4s\n"
           "  msg_filter: true\n"
           "  min_reconnect_delay: 20s\n"
           "  answer_timeout: 5s\n"
           "sending:\n"
           "  min_account_interval: 700ms\n"
           "  corp_hourly_limit: 40000\n"
           "  initial_cooldown: 2m\n"
           "  cooldown_multiplier: 3\n"
           "  max_cooldown: 1h\n"
           "  max_attempts: 7\n"
           "  unavailable_retry_delay: 9s\n"
           "  unknown_outcome_timeout: 20m\n"
           "  sent_confirmation_timeout: 30m\n"
           "  offline_probe_interval: 2m\n"
           "  max_concurrent_sends: 4\n"
           "accounts_cache_max_age: 45s\n"
           "max_upload_bytes: 1048576\n";
  }

  std::unique_ptr<TempDir> dir_;
};

// The message of a config error, which must not show any secret.
MATCHER(ShowsNoSecret, "shows no secret") {
  for (const char* secret : {kGrpcToken, kWebhookSecret, kApikey, kYjiyunSecret}) {
    if (std::string(arg.message()).find(secret) != std::string::npos) {
      *result_listener << "shows " << secret;
      return false;
    }
  }
  return true;
}

TEST_F(GatewayConfigTest, ReadsEveryDocumentedKey) {
  absl::StatusOr<GatewayConfig> config = Load(Full());
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->server.grpc.listen_address, "127.0.0.1:7000");
  EXPECT_EQ(config->server.metrics_listen, "127.0.0.1:7001");
  EXPECT_EQ(config->server.log_level, log::Level::kDebug);
  ASSERT_EQ(config->server.grpc.auth_tokens.size(), 1u);
  EXPECT_EQ(config->server.grpc.auth_tokens[0].reveal(), kGrpcToken);
  EXPECT_EQ(config->data_dir, "/data/gw");
  ASSERT_TRUE(config->webhook.has_value());
  EXPECT_EQ(config->webhook->listen, "127.0.0.1:7002");
  EXPECT_EQ(config->webhook->secret.reveal(), kWebhookSecret);
  EXPECT_EQ(config->webhook->max_body_bytes, 4096u);
  EXPECT_EQ(config->webhook->workers, 32);
  ASSERT_TRUE(config->quntool.has_value());
  EXPECT_EQ(config->quntool->base_url, "http://quntool.internal");
  EXPECT_EQ(config->quntool->apikey.reveal(), kApikey);
  EXPECT_EQ(config->quntool->request_timeout, absl::Seconds(3));
  EXPECT_TRUE(config->quntool->auto_confirm_batch_messages);
  ASSERT_TRUE(config->quntool->mqtt.has_value());
  EXPECT_EQ(config->quntool->mqtt->host, "mqtt.internal");
  EXPECT_EQ(config->quntool->mqtt->port, 1885);
  EXPECT_THAT(config->quntool->mqtt->accounts, ElementsAre("1688850000000001", "1688850000000002"));
  EXPECT_EQ(config->quntool->mqtt->send_timeout, absl::Seconds(4));
  ASSERT_TRUE(config->yjiyun.has_value());
  EXPECT_EQ(config->yjiyun->base_url, "http://yjiyun.internal");
  EXPECT_EQ(config->yjiyun->access_key, "user1");
  EXPECT_EQ(config->yjiyun->access_secret.reveal(), kYjiyunSecret);
  EXPECT_EQ(config->yjiyun->request_timeout, absl::Seconds(4));
  EXPECT_TRUE(config->yjiyun->msg_filter);
  EXPECT_EQ(config->yjiyun->min_reconnect_delay, absl::Seconds(20));
  EXPECT_EQ(config->yjiyun->answer_timeout, absl::Seconds(5));
  const DispatchOptions& sending = config->sending;
  EXPECT_EQ(sending.pacing.min_account_interval, absl::Milliseconds(700));
  EXPECT_EQ(sending.pacing.corp_hourly_limit, 40000);
  EXPECT_EQ(sending.pacing.initial_cooldown, absl::Minutes(2));
  EXPECT_EQ(sending.pacing.cooldown_multiplier, 3.0);
  EXPECT_EQ(sending.pacing.max_cooldown, absl::Hours(1));
  EXPECT_EQ(sending.max_attempts, 7);
  EXPECT_EQ(sending.unavailable_retry_delay, absl::Seconds(9));
  EXPECT_EQ(sending.unknown_outcome_timeout, absl::Minutes(20));
  EXPECT_EQ(sending.sent_confirmation_timeout, absl::Minutes(30));
  EXPECT_EQ(sending.offline_probe_interval, absl::Minutes(2));
  EXPECT_EQ(sending.max_concurrent_sends, 4);
  EXPECT_EQ(config->accounts_cache_max_age, absl::Seconds(45));
  EXPECT_EQ(config->max_upload_bytes, 1048576u);
}

TEST_F(GatewayConfigTest, DefaultsAreTheDocumentedOnes) {
  absl::StatusOr<GatewayConfig> config = LoadMinimal("");
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->server.grpc.listen_address, "0.0.0.0:50053");
  EXPECT_EQ(config->server.metrics_listen, "0.0.0.0:9466");
  EXPECT_TRUE(config->server.grpc.auth_tokens.empty());
  ASSERT_TRUE(config->webhook.has_value());
  EXPECT_EQ(config->webhook->listen, "0.0.0.0:8080");
  EXPECT_EQ(config->webhook->max_body_bytes, 1u << 20);
  EXPECT_EQ(config->webhook->workers, 16);
  EXPECT_FALSE(config->yjiyun.has_value());
  EXPECT_EQ(config->quntool->request_timeout, absl::Seconds(10));
  EXPECT_FALSE(config->quntool->auto_confirm_batch_messages);
  EXPECT_FALSE(config->quntool->mqtt.has_value());
  // Seed 003's limits.
  EXPECT_EQ(config->sending.pacing.min_account_interval, absl::Milliseconds(500));
  EXPECT_EQ(config->sending.pacing.corp_hourly_limit, 50000);
  EXPECT_EQ(config->accounts_cache_max_age, absl::Seconds(30));
  EXPECT_EQ(config->max_upload_bytes, 100u << 20);
}

TEST_F(GatewayConfigTest, AnUnknownKeyIsNamedWithItsPath) {
  const std::string full = Full();
  for (const auto& [after, typo, path] :
       {std::tuple{"  workers: 32\n", "  worker: 3\n", "webhook.worker"},
        {"    send_timeout: 4s\n", "    qos: 1\n", "quntool.mqtt.qos"},
        {"  answer_timeout: 5s\n", "  secret: x\n", "yjiyun.secret"},
        {"  max_attempts: 7\n", "  retries: 2\n", "sending.retries"},
        {"log_level: debug\n", "loglevel: info\n", "loglevel"}}) {
    SCOPED_TRACE(path);
    std::string yaml = full;
    yaml.insert(yaml.find(after) + std::string(after).size(), typo);
    absl::StatusOr<GatewayConfig> config = Load(yaml);
    EXPECT_THAT(config, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(path)));
    EXPECT_THAT(config.status(), ShowsNoSecret());
  }
}

TEST_F(GatewayConfigTest, ValuesOutOfRangeAreNamed) {
  for (const auto& [yaml, path] :
       {std::pair{"sending: {min_account_interval: -1s}\n", "sending.min_account_interval"},
        {"sending: {corp_hourly_limit: 0}\n", "sending.corp_hourly_limit"},
        {"sending: {offline_probe_interval: -1m}\n", "sending.offline_probe_interval"},
        {"sending: {offline_probe_interval: 10ms}\n", "sending.offline_probe_interval"},
        {"sending: {cooldown_multiplier: 0.5}\n", "sending.cooldown_multiplier"},
        {"sending: {initial_cooldown: 2h, max_cooldown: 1h}\n", "sending.max_cooldown"},
        {"sending: {max_attempts: 101}\n", "sending.max_attempts"},
        {"sending: {max_concurrent_sends: 0}\n", "sending.max_concurrent_sends"},
        {"sending: {max_attempts: many}\n", "sending.max_attempts"},
        {"max_upload_bytes: 0\n", "max_upload_bytes"}}) {
    SCOPED_TRACE(yaml);
    EXPECT_THAT(LoadMinimal(yaml), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(path)));
  }
}

TEST_F(GatewayConfigTest, WebhookAndQuntoolMistakesAreNamed) {
  const std::string secret = "{file: " + SecretPath("webhook-secret") + "}";
  const std::string quntool =
      "quntool: {base_url: 'http://q', apikey: {file: " + SecretPath("apikey") + "}}\n";
  for (const auto& [yaml, path] :
       {std::pair{"data_dir: /d\nwebhook: {secret: {value: short}}\n" + quntool, "webhook.secret"},
        {"data_dir: /d\nwebhook: {secret: " + secret + ", max_body_bytes: 10}\n" + quntool,
         "webhook.max_body_bytes"},
        {"data_dir: /d\nwebhook: {secret: " + secret + ", workers: 0}\n" + quntool,
         "webhook.workers"},
        {"data_dir: /d\nwebhook: {secret: " + secret + "}\n", "quntool"},
        {"data_dir: /d\nwebhook: {secret: " + secret +
             "}\nquntool: {base_url: 'ftp://q', apikey: {file: " + SecretPath("apikey") + "}}\n",
         "quntool.base_url"},
        {"data_dir: /d\nwebhook: {secret: " + secret +
             "}\nquntool: {base_url: 'http://q', apikey: {file: " + SecretPath("apikey") +
             "}, mqtt: {host: m, port: 70000, accounts: []}}\n",
         "quntool.mqtt.port"},
        {"webhook: {secret: " + secret + "}\n" + quntool, "data_dir"}}) {
    SCOPED_TRACE(yaml);
    absl::StatusOr<GatewayConfig> config = Load(yaml);
    EXPECT_THAT(config, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(path)));
    EXPECT_THAT(config.status(), ShowsNoSecret());
  }
}

TEST_F(GatewayConfigTest, YjiyunAloneNeedsNoWebhookAndKeepsItsDefaults) {
  absl::StatusOr<GatewayConfig> config = Load(
      "data_dir: /d\nyjiyun: {base_url: 'https://chat.yjiyun.com', access_key: user1, "
      "access_secret: {file: " +
      SecretPath("yjiyun-secret") + "}}\n");
  ASSERT_THAT(config, IsOk());
  EXPECT_FALSE(config->webhook.has_value());
  EXPECT_FALSE(config->quntool.has_value());
  ASSERT_TRUE(config->yjiyun.has_value());
  EXPECT_EQ(config->yjiyun->request_timeout, absl::Seconds(10));
  EXPECT_FALSE(config->yjiyun->msg_filter);
  EXPECT_EQ(config->yjiyun->min_reconnect_delay, absl::Seconds(10));
  EXPECT_EQ(config->yjiyun->answer_timeout, absl::Seconds(15));
}

TEST_F(GatewayConfigTest, YjiyunMistakesAreNamed) {
  const std::string secret = "access_secret: {file: " + SecretPath("yjiyun-secret") + "}";
  for (const auto& [yaml, path] :
       {std::pair{"yjiyun: {base_url: 'ftp://y', access_key: k, " + secret + "}",
                  "yjiyun.base_url"},
        {"yjiyun: {base_url: 'http://y', " + secret + "}", "yjiyun.access_key"},
        {"yjiyun: {base_url: 'http://y', access_key: k}", "yjiyun.access_secret"},
        {"yjiyun: {base_url: 'http://y', access_key: k, " + secret + ", min_reconnect_delay: 5s}",
         "yjiyun.min_reconnect_delay"},
        {"yjiyun: {base_url: 'http://y', access_key: k, " + secret + ", answer_timeout: 10ms}",
         "yjiyun.answer_timeout"},
        {"data_dir: /d\n", "at least one robot platform"}}) {
    SCOPED_TRACE(yaml);
    absl::StatusOr<GatewayConfig> config =
        Load(absl::StartsWith(yaml, "data_dir") ? yaml : "data_dir: /d\n" + yaml + "\n");
    EXPECT_THAT(config, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(path)));
    EXPECT_THAT(config.status(), ShowsNoSecret());
  }
}

}  // namespace
}  // namespace wecom::robot
