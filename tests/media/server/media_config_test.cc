// The media service's config file: every documented key read, the defaults,
// and each mistake named by its path without showing a secret.
#include "services/media/server/media_config.h"

#include <fstream>
#include <memory>
#include <string>
#include <tuple>
#include <utility>

#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace wecom::media {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::wecom::testing::IsOk;
using ::wecom::testing::StatusIs;
using ::wecom::testing::TempDir;

constexpr char kGrpcToken[] = "grpc-token-value";
constexpr char kPreviousToken[] = "previous-token-value";
constexpr char kArchiveToken[] = "archive-token-value";
constexpr char kAccessKeyId[] = "AKIDEXAMPLEVALUE";
constexpr char kSecretKey[] = "s3-secret-key-value";

class MediaConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TempDir> dir = TempDir::Create("media_config_test_");
    ASSERT_THAT(dir, IsOk());
    dir_ = std::make_unique<TempDir>(*std::move(dir));
    // As Kubernetes mounts them, with a trailing newline.
    for (const auto& [name, value] : {std::pair{"grpc-token", kGrpcToken},
                                      {"previous-token", kPreviousToken},
                                      {"archive-token", kArchiveToken},
                                      {"access-key-id", kAccessKeyId},
                                      {"secret-key", kSecretKey}}) {
      std::ofstream(SecretPath(name)) << value << "\n";
    }
  }

  std::string SecretPath(const std::string& name) const { return dir_->path() + "/" + name; }

  absl::StatusOr<MediaConfig> Load(const std::string& yaml) {
    const std::string path = dir_->path() + "/media.yaml";
    std::ofstream(path, std::ios::trunc) << yaml;
    return LoadMediaConfig(path);
  }

  // The smallest valid file, followed by `extra` top-level keys.
  absl::StatusOr<MediaConfig> LoadMinimal(const std::string& extra) {
    return Load(
        "data_dir: /var/lib/media\narchive: {target: 'archive:50051'}\n"
        "corps: [{corp_id: ww1}]\n" +
        extra);
  }

  // Every documented key, each secret from a file.
  std::string Full() const {
    return "listen: 127.0.0.1:7000\n"
           "metrics_listen: 127.0.0.1:7001\n"
           "auth_token: {file: " +
           SecretPath("grpc-token") +
           "}\n"
           "auth_token_previous: {file: " +
           SecretPath("previous-token") +
           "}\n"
           "tls: {cert_file: /tls/crt, key_file: /tls/key, client_ca_file: /tls/ca}\n"
           "data_dir: /data/media\n"
           "log_level: debug\n"
           "archive:\n"
           "  target: 'dns:///archive.wecom.svc:50051'\n"
           "  auth_token: {file: " +
           SecretPath("archive-token") +
           "}\n"
           "  tls_ca_file: /archive/ca\n"
           "  tls_cert_file: /archive/crt\n"
           "  tls_key_file: /archive/key\n"
           "  call_timeout: 90s\n"
           "blob_store:\n"
           "  s3:\n"
           "    endpoint: https://s3.example.com\n"
           "    bucket: wecom-media\n"
           "    region: ap-east-1\n"
           "    key_prefix: media/\n"
           "    access_key_id: {file: " +
           SecretPath("access-key-id") +
           "}\n"
           "    secret_access_key: {file: " +
           SecretPath("secret-key") +
           "}\n"
           "fetch:\n"
           "  concurrency: 16\n"
           "  per_corp_concurrency: 2\n"
           "  max_attempts: 5\n"
           "  piece_attempts: 12\n"
           "corps:\n"
           "  - corp_id: ww1\n"
           "    follow: false\n"
           "    consumer: media-eu\n"
           "  - corp_id: ww12\n";
  }

  std::unique_ptr<TempDir> dir_;
};

// The message of a config error, which must not show any secret.
MATCHER(ShowsNoSecret, "shows no secret") {
  for (const char* secret : {kGrpcToken, kPreviousToken, kArchiveToken, kAccessKeyId, kSecretKey}) {
    if (std::string(arg.message()).find(secret) != std::string::npos) {
      *result_listener << "shows " << secret;
      return false;
    }
  }
  return true;
}

TEST_F(MediaConfigTest, ReadsTheShardingSectionWithAnOrdinalTarget) {
  std::ofstream(SecretPath("shards.yaml")) << "corps:\n  - {corp_id: ww1, ordinal: 0}\n";
  absl::StatusOr<MediaConfig> config = Load(
      "data_dir: /var/lib/media\n"
      "archive: {target: 'wecom-archive-{ordinal}.wecom-archive-headless:50051'}\n"
      "sharding: {map_file: " +
      SecretPath("shards.yaml") + "}\ncorps: [{corp_id: ww1}]\n");
  ASSERT_THAT(config, IsOk());
  EXPECT_TRUE(config->sharding.enabled);
  EXPECT_FALSE(config->sharding.ordinal.has_value());  // auto
  EXPECT_EQ(config->sharding.owners.at("ww1"), 0);
  // Expanded with the pod's ordinal by the wiring, not by the config.
  EXPECT_EQ(config->archive.target, "wecom-archive-{ordinal}.wecom-archive-headless:50051");
}

TEST_F(MediaConfigTest, ReadsEveryDocumentedKey) {
  absl::StatusOr<MediaConfig> config = Load(Full());
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->server.grpc.listen_address, "127.0.0.1:7000");
  EXPECT_EQ(config->server.metrics_listen, "127.0.0.1:7001");
  ASSERT_EQ(config->server.grpc.auth_tokens.size(), 2u);
  EXPECT_EQ(config->server.grpc.auth_tokens[0].reveal(), kGrpcToken);
  EXPECT_EQ(config->server.grpc.auth_tokens[1].reveal(), kPreviousToken);
  EXPECT_EQ(config->server.grpc.tls_cert_file, "/tls/crt");
  EXPECT_EQ(config->server.grpc.tls_key_file, "/tls/key");
  EXPECT_EQ(config->server.grpc.tls_client_ca_file, "/tls/ca");
  EXPECT_EQ(config->data_dir, "/data/media");
  EXPECT_EQ(config->server.log_level, log::Level::kDebug);
  EXPECT_EQ(config->archive.target, "dns:///archive.wecom.svc:50051");
  EXPECT_EQ(config->archive.auth_token.reveal(), kArchiveToken);
  EXPECT_EQ(config->archive.tls_ca_file, "/archive/ca");
  EXPECT_EQ(config->archive.tls_cert_file, "/archive/crt");
  EXPECT_EQ(config->archive.tls_key_file, "/archive/key");
  EXPECT_EQ(config->archive_call_timeout, absl::Seconds(90));
  ASSERT_TRUE(config->s3.has_value());
  EXPECT_EQ(config->s3->endpoint, "https://s3.example.com");
  EXPECT_EQ(config->s3->bucket, "wecom-media");
  EXPECT_EQ(config->s3->region, "ap-east-1");
  EXPECT_EQ(config->s3->key_prefix, "media/");
  EXPECT_EQ(config->s3->access_key_id, kAccessKeyId);
  EXPECT_EQ(config->s3->secret_access_key.reveal(), kSecretKey);
  EXPECT_EQ(config->scheduler.concurrency, 16);
  EXPECT_EQ(config->scheduler.per_corp_concurrency, 2);
  EXPECT_EQ(config->max_attempts, 5);
  EXPECT_EQ(config->piece_attempts, 12);
  ASSERT_EQ(config->corps.size(), 2u);
  EXPECT_EQ(config->corps[0].corp_id, "ww1");
  EXPECT_FALSE(config->corps[0].follow);
  EXPECT_EQ(config->corps[0].consumer, "media-eu");
  EXPECT_EQ(config->corps[1].corp_id, "ww12");
  EXPECT_TRUE(config->corps[1].follow);
  EXPECT_EQ(config->corps[1].consumer, "media");
}

TEST_F(MediaConfigTest, DefaultsAreTheDocumentedOnes) {
  absl::StatusOr<MediaConfig> config = LoadMinimal("");
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->server.grpc.listen_address, "0.0.0.0:50052");
  EXPECT_EQ(config->server.metrics_listen, "0.0.0.0:9465");
  EXPECT_TRUE(config->server.grpc.auth_tokens.empty());
  EXPECT_EQ(config->server.log_level, log::Level::kInfo);
  EXPECT_TRUE(config->archive.auth_token.empty());
  EXPECT_EQ(config->archive.tls_ca_file, "");
  EXPECT_EQ(config->archive_call_timeout, absl::Seconds(60));
  EXPECT_FALSE(config->s3.has_value());
  EXPECT_EQ(config->local_blob_root, "/var/lib/media/blobs");
  EXPECT_EQ(config->scheduler.concurrency, 8);
  EXPECT_EQ(config->scheduler.per_corp_concurrency, 4);
  EXPECT_EQ(config->max_attempts, 3);
  EXPECT_EQ(config->piece_attempts, 8);
  ASSERT_EQ(config->corps.size(), 1u);
  EXPECT_TRUE(config->corps[0].follow);
  EXPECT_EQ(config->corps[0].consumer, "media");
}

TEST_F(MediaConfigTest, ALocalBlobStoreRootCanBeSet) {
  absl::StatusOr<MediaConfig> config = LoadMinimal("blob_store: {local: {root: /mnt/blobs}}\n");
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->local_blob_root, "/mnt/blobs");
  EXPECT_FALSE(config->s3.has_value());
  config = LoadMinimal("blob_store: {local: {}}\n");
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->local_blob_root, "/var/lib/media/blobs");
}

TEST_F(MediaConfigTest, AnUnknownKeyIsNamedWithItsPath) {
  std::string full = Full();
  for (const auto& [after, typo, path] :
       {std::tuple{"  - corp_id: ww12\n", "    folow: true\n", "corps[1].folow"},
        {"    bucket: wecom-media\n", "    buckett: x\n", "blob_store.s3.buckett"},
        {"  call_timeout: 90s\n", "  timeout: 5s\n", "archive.timeout"},
        {"  piece_attempts: 12\n", "  retries: 2\n", "fetch.retries"},
        {"log_level: debug\n", "loglevel: info\n", "loglevel"}}) {
    SCOPED_TRACE(path);
    std::string yaml = full;
    yaml.insert(yaml.find(after) + std::string(after).size(), typo);
    absl::StatusOr<MediaConfig> config = Load(yaml);
    EXPECT_THAT(config, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(path)));
    EXPECT_THAT(config.status(), ShowsNoSecret());
  }
}

TEST_F(MediaConfigTest, ABlobStoreMustBeExactlyOneOfLocalOrS3) {
  EXPECT_THAT(LoadMinimal("blob_store:\n"
                          "  local: {root: /b}\n"
                          "  s3: {endpoint: 'http://s3', bucket: b, access_key_id: {value: k},\n"
                          "       secret_access_key: {value: s3-inline-secret}}\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("blob_store"), HasSubstr("exactly one"),
                             Not(HasSubstr("s3-inline-secret")))));
  EXPECT_THAT(LoadMinimal("blob_store: {}\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("blob_store")));
}

TEST_F(MediaConfigTest, S3NeedsItsEndpointBucketAndKeys) {
  EXPECT_THAT(LoadMinimal("blob_store: {s3: {bucket: b, access_key_id: {value: k},"
                          " secret_access_key: {value: s}}}\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("blob_store.s3.endpoint")));
  EXPECT_THAT(
      LoadMinimal("blob_store: {s3: {endpoint: 'http://s3', bucket: b,"
                  " access_key_id: {value: k}}}\n"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("blob_store.s3.secret_access_key")));
}

TEST_F(MediaConfigTest, FetchLimitsOutOfRangeAreNamed) {
  for (const auto& [yaml, path] :
       {std::pair{"fetch: {concurrency: 0}\n", "fetch.concurrency"},
        {"fetch: {concurrency: 257}\n", "fetch.concurrency"},
        {"fetch: {per_corp_concurrency: 0}\n", "fetch.per_corp_concurrency"},
        {"fetch: {max_attempts: 101}\n", "fetch.max_attempts"},
        {"fetch: {piece_attempts: -1}\n", "fetch.piece_attempts"},
        {"fetch: {concurrency: many}\n", "fetch.concurrency"}}) {
    SCOPED_TRACE(yaml);
    EXPECT_THAT(LoadMinimal(yaml), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(path)));
  }
  absl::StatusOr<MediaConfig> edges = LoadMinimal(
      "fetch: {concurrency: 256, per_corp_concurrency: 1, max_attempts: 100,"
      " piece_attempts: 1}\n");
  ASSERT_THAT(edges, IsOk());
  EXPECT_EQ(edges->scheduler.concurrency, 256);
  EXPECT_EQ(edges->piece_attempts, 1);
}

TEST_F(MediaConfigTest, AnUnknownLogLevelAndAnOverlongCorpIdAreNamed) {
  EXPECT_THAT(Load("data_dir: /d\nlog_level: verbose\narchive: {target: a}\n"
                   "corps: [{corp_id: ww1}]\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("log_level")));
  EXPECT_THAT(Load("data_dir: /d\narchive: {target: a}\ncorps: [{corp_id: " + std::string(65, 'w') +
                   "}]\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("corps[0].corp_id")));
}

TEST_F(MediaConfigTest, AShortArchiveCallTimeoutIsNamed) {
  EXPECT_THAT(Load("data_dir: /d\narchive: {target: a, call_timeout: 500ms}\n"
                   "corps: [{corp_id: ww1}]\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("archive.call_timeout")));
}

TEST_F(MediaConfigTest, RequiredKeysAreNamed) {
  EXPECT_THAT(Load("archive: {target: a}\ncorps: [{corp_id: ww1}]\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("data_dir")));
  EXPECT_THAT(Load("data_dir: /d\ncorps: [{corp_id: ww1}]\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("archive")));
  EXPECT_THAT(Load("data_dir: /d\narchive: {}\ncorps: [{corp_id: ww1}]\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("archive.target")));
  EXPECT_THAT(Load("data_dir: /d\narchive: {target: a}\ncorps: []\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("corps")));
  EXPECT_THAT(Load("data_dir: /d\narchive: {target: a}\ncorps: [{follow: true}]\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("corps[0].corp_id")));
}

TEST_F(MediaConfigTest, ACorpConfiguredTwiceIsRefused) {
  std::string full = Full();
  full.replace(full.find("corp_id: ww12"), 13, "corp_id: ww1");
  absl::StatusOr<MediaConfig> config = Load(full);
  EXPECT_THAT(config, StatusIs(absl::StatusCode::kInvalidArgument,
                               AllOf(HasSubstr("corps[1].corp_id"), HasSubstr("appears twice"))));
  EXPECT_THAT(config.status(), ShowsNoSecret());
}

TEST_F(MediaConfigTest, AMissingOrEmptySecretFileIsNamedButNoSecretIsShown) {
  std::string full = Full();
  const std::string missing = SecretPath("no-such-file");
  full.replace(full.find(SecretPath("secret-key")), SecretPath("secret-key").size(), missing);
  absl::StatusOr<MediaConfig> config = Load(full);
  EXPECT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr(missing));
  EXPECT_THAT(config.status(), ShowsNoSecret());

  std::ofstream(SecretPath("archive-token"), std::ios::trunc) << "\n";
  config = Load(Full());
  EXPECT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr(SecretPath("archive-token")));
  EXPECT_THAT(config.status(), ShowsNoSecret());
}

TEST_F(MediaConfigTest, AnInlineSecretOfTheWrongShapeIsNotEchoed) {
  absl::StatusOr<MediaConfig> config = LoadMinimal(
      "auth_token: inline-token-value\n"
      "auth_token_previous: {value: other-token-value, file: /x}\n");
  EXPECT_THAT(config, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("auth_token")));
  EXPECT_THAT(config.status().message(), Not(HasSubstr("inline-token-value")));
  config = LoadMinimal("auth_token_previous: {value: other-token-value, file: /x}\n");
  EXPECT_THAT(config,
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("auth_token_previous")));
  EXPECT_THAT(config.status().message(), Not(HasSubstr("other-token-value")));
}

}  // namespace
}  // namespace wecom::media
