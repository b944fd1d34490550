#include <stdlib.h>

#include <fstream>
#include <sstream>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "common/config/config_io.h"
#include "common/config/config_reader.h"
#include "common/config/secret.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace wecom {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::wecom::testing::IsOk;
using ::wecom::testing::IsOkAndHolds;
using ::wecom::testing::StatusIs;
using ::wecom::testing::TempDir;

// Secret must not convert to a string, which would print its value.
static_assert(!std::is_convertible_v<Secret, std::string>);

constexpr char kConfig[] = R"yaml(
listen: 0.0.0.0:50051
pull_interval: 2s
batch_size: 500
verbose: true
ratio: 0.25
tags: [a, b]
corps:
  - id: ww1
    secret: {value: s3cr3t}
  - id: ww2
    secret: {env: WECOM_CONFIG_TEST_SECRET}
store:
  path: /data
)yaml";

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_THAT(dir_, IsOk()); }

  std::string Path(const std::string& name) const { return dir_->path() + "/" + name; }

  std::string WriteFile(const std::string& name, const std::string& content) {
    const std::string path = Path(name);
    std::ofstream(path) << content;
    return path;
  }

  absl::StatusOr<TempDir> dir_ = TempDir::Create("wecom_config_test_");
};

TEST_F(ConfigTest, ReadsTypedValues) {
  absl::StatusOr<ConfigReader> config = ConfigReader::FromYamlString(kConfig);
  ASSERT_THAT(config, IsOk());
  EXPECT_THAT(config->Required<std::string>("listen"), IsOkAndHolds("0.0.0.0:50051"));
  EXPECT_THAT(config->Required<absl::Duration>("pull_interval"), IsOkAndHolds(absl::Seconds(2)));
  EXPECT_THAT(config->Required<int>("batch_size"), IsOkAndHolds(500));
  EXPECT_THAT(config->Required<bool>("verbose"), IsOkAndHolds(true));
  EXPECT_THAT(config->Required<double>("ratio"), IsOkAndHolds(0.25));
  EXPECT_THAT(config->Required<std::vector<std::string>>("tags"),
              IsOkAndHolds(ElementsAre("a", "b")));
  EXPECT_THAT(config->Optional<int64_t>("missing", 42), IsOkAndHolds(42));
  absl::StatusOr<ConfigReader> store = config->Child("store");
  ASSERT_THAT(store, IsOk());
  EXPECT_EQ(store->path(), "store");
  EXPECT_THAT(store->Required<std::string>("path"), IsOkAndHolds("/data"));
}

TEST_F(ConfigTest, FullyReadConfigHasNoUnknownKeys) {
  absl::StatusOr<ConfigReader> config = ConfigReader::FromYamlString(kConfig);
  ASSERT_THAT(config, IsOk());
  for (const char* key : {"listen", "pull_interval", "batch_size", "verbose", "ratio"}) {
    ASSERT_TRUE(config->Has(key)) << key;
    ASSERT_THAT(config->Required<std::string>(key), IsOk());
  }
  ASSERT_THAT(config->Required<std::vector<std::string>>("tags"), IsOk());
  absl::StatusOr<std::vector<ConfigReader>> corps = config->List("corps");
  ASSERT_THAT(corps, IsOk());
  ASSERT_EQ(corps->size(), 2u);
  for (ConfigReader& corp : *corps) {
    ASSERT_THAT(corp.Required<std::string>("id"), IsOk());
    ASSERT_THAT(corp.Required<SecretSource>("secret"), IsOk());
  }
  absl::StatusOr<ConfigReader> store = config->Child("store");
  ASSERT_THAT(store, IsOk());
  ASSERT_THAT(store->Required<std::string>("path"), IsOk());
  EXPECT_THAT(config->CheckNoUnknownKeys(), IsOk());
}

TEST_F(ConfigTest, UnknownKeysAreNamedByFullPath) {
  absl::StatusOr<ConfigReader> config = ConfigReader::FromYamlString(R"yaml(
listen: x
lisen: y
corps:
  - id: ww1
    secrte: {value: v}
)yaml",
                                                                     "archive.yaml");
  ASSERT_THAT(config, IsOk());
  ASSERT_THAT(config->Required<std::string>("listen"), IsOk());
  absl::StatusOr<std::vector<ConfigReader>> corps = config->List("corps");
  ASSERT_THAT(corps, IsOk());
  ASSERT_THAT((*corps)[0].Required<std::string>("id"), IsOk());
  EXPECT_THAT(config->CheckNoUnknownKeys(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("archive.yaml"), HasSubstr("unknown key \"lisen\" (line 3)"),
                             HasSubstr("unknown key \"corps[0].secrte\" (line 6)"))));
}

TEST_F(ConfigTest, UnreadSectionIsUnknown) {
  absl::StatusOr<ConfigReader> config = ConfigReader::FromYamlString("a: 1\nextra:\n  b: 2\n");
  ASSERT_THAT(config, IsOk());
  ASSERT_THAT(config->Required<int>("a"), IsOk());
  EXPECT_THAT(config->CheckNoUnknownKeys(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown key \"extra\"")));
}

TEST_F(ConfigTest, TypeErrorsNameThePath) {
  absl::StatusOr<ConfigReader> config = ConfigReader::FromYamlString(R"yaml(
corps:
  - batch_size: lots
    interval: soon
    enabled: maybe
    limit: -3
)yaml");
  ASSERT_THAT(config, IsOk());
  absl::StatusOr<std::vector<ConfigReader>> corps = config->List("corps");
  ASSERT_THAT(corps, IsOk());
  ConfigReader& corp = (*corps)[0];
  EXPECT_THAT(corp.Required<int>("batch_size"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("\"corps[0].batch_size\" (line 3)"),
                             HasSubstr("expected an integer"), Not(HasSubstr("lots")))));
  EXPECT_THAT(corp.Required<absl::Duration>("interval"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("\"corps[0].interval\""), HasSubstr("duration"))));
  EXPECT_THAT(corp.Required<bool>("enabled"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"corps[0].enabled\"")));
  EXPECT_THAT(corp.Required<uint64_t>("limit"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("non-negative")));
  EXPECT_THAT(config->Child("corps"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("\"corps\""), HasSubstr("expected a mapping"))));
}

TEST_F(ConfigTest, MissingRequiredKeyIsNamed) {
  absl::StatusOr<ConfigReader> config = ConfigReader::FromYamlString("store: {}\n");
  ASSERT_THAT(config, IsOk());
  absl::StatusOr<ConfigReader> store = config->Child("store");
  ASSERT_THAT(store, IsOk());
  EXPECT_THAT(store->Required<std::string>("path"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("missing required key \"store.path\"")));
  EXPECT_THAT(config->List("corps"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"corps\"")));
}

TEST_F(ConfigTest, RejectsDuplicateKeysAndBadDocuments) {
  EXPECT_THAT(ConfigReader::FromYamlString("a: 1\nb:\n  c: 1\n  c: 2\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("duplicate key \"b.c\"")));
  EXPECT_THAT(ConfigReader::FromYamlString("- a\n- b\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("mapping")));
  EXPECT_THAT(ConfigReader::FromYamlString("a: [1, 2\n", "bad.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bad.yaml: line")));
}

TEST_F(ConfigTest, EmptyDocumentIsAnEmptyMapping) {
  absl::StatusOr<ConfigReader> config = ConfigReader::FromYamlString("");
  ASSERT_THAT(config, IsOk());
  EXPECT_FALSE(config->Has("anything"));
  EXPECT_THAT(config->CheckNoUnknownKeys(), IsOk());
}

TEST_F(ConfigTest, SecretFromValue) {
  absl::StatusOr<ConfigReader> config = ConfigReader::FromYamlString("token: {value: abc}\n");
  ASSERT_THAT(config, IsOk());
  absl::StatusOr<Secret> secret = ReadSecret(*config, "token");
  ASSERT_THAT(secret, IsOk());
  EXPECT_EQ(secret->reveal(), "abc");
}

TEST_F(ConfigTest, SecretFromFileDropsTrailingNewline) {
  const std::string path = WriteFile("corp_secret", "from-file\n");
  absl::StatusOr<ConfigReader> config =
      ConfigReader::FromYamlString(absl::StrCat("secret: {file: ", path, "}\n"));
  ASSERT_THAT(config, IsOk());
  absl::StatusOr<Secret> secret = ReadSecret(*config, "secret");
  ASSERT_THAT(secret, IsOk());
  EXPECT_EQ(secret->reveal(), "from-file");
  EXPECT_THAT(config->CheckNoUnknownKeys(), IsOk());
}

TEST_F(ConfigTest, SecretFromEnv) {
  ASSERT_EQ(setenv("WECOM_CONFIG_TEST_SECRET", "from-env", 1), 0);
  absl::StatusOr<ConfigReader> config =
      ConfigReader::FromYamlString("secret: {env: WECOM_CONFIG_TEST_SECRET}\n");
  ASSERT_THAT(config, IsOk());
  absl::StatusOr<Secret> secret = ReadSecret(*config, "secret");
  ASSERT_THAT(secret, IsOk());
  EXPECT_EQ(secret->reveal(), "from-env");
  unsetenv("WECOM_CONFIG_TEST_SECRET");
}

TEST_F(ConfigTest, SecretErrorsNameTheSourceNotTheValue) {
  unsetenv("WECOM_CONFIG_TEST_UNSET");
  absl::StatusOr<ConfigReader> config = ConfigReader::FromYamlString(
      absl::StrCat("a: {env: WECOM_CONFIG_TEST_UNSET}\n", "b: {file: ", Path("missing"), "}\n",
                   "c: plain-text-secret\n", "d: {value: x, file: y}\n", "e: {fiel: y}\n",
                   "f: {file: ", WriteFile("empty", "\n"), "}\n"));
  ASSERT_THAT(config, IsOk());
  EXPECT_THAT(ReadSecret(*config, "a"),
              StatusIs(absl::StatusCode::kNotFound,
                       AllOf(HasSubstr("\"a\""), HasSubstr("WECOM_CONFIG_TEST_UNSET"))));
  EXPECT_THAT(ReadSecret(*config, "b"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(Path("missing"))));
  EXPECT_THAT(ReadSecret(*config, "c"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("\"c\""), Not(HasSubstr("plain-text-secret")))));
  EXPECT_THAT(ReadSecret(*config, "d"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ReadSecret(*config, "e"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"e.fiel\"")));
  EXPECT_THAT(ReadSecret(*config, "f"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty")));
}

TEST_F(ConfigTest, LoadYamlFileNamesThePath) {
  const std::string path = WriteFile("service.yaml", "listen: x\nbogus: 1\n");
  absl::StatusOr<ConfigReader> config = LoadYamlFile(path);
  ASSERT_THAT(config, IsOk());
  ASSERT_THAT(config->Required<std::string>("listen"), IsOk());
  EXPECT_THAT(config->CheckNoUnknownKeys(), StatusIs(absl::StatusCode::kInvalidArgument,
                                                     AllOf(HasSubstr(path), HasSubstr("bogus"))));
  EXPECT_THAT(LoadYamlFile(Path("absent.yaml")),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("absent.yaml")));
}

TEST(SecretTest, NeverPrints) {
  const Secret secret("hunter2");
  std::ostringstream out;
  out << secret;
  EXPECT_EQ(out.str(), "[redacted]");
  EXPECT_EQ(secret.DebugString(), "[redacted]");
  EXPECT_EQ(::testing::PrintToString(secret), "[redacted]");
  EXPECT_EQ(secret.reveal(), "hunter2");
}

TEST(SecretTest, Matches) {
  const Secret secret("hunter2");
  EXPECT_TRUE(secret.Matches("hunter2"));
  EXPECT_FALSE(secret.Matches("hunter3"));
  EXPECT_FALSE(secret.Matches("hunter"));
  EXPECT_FALSE(secret.Matches(""));
}

}  // namespace
}  // namespace wecom
