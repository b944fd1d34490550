#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/config/config_reader.h"
#include "common/sharding/shard_placement.h"
#include "common/sharding/sharding_config.h"
#include "common/status/status_macros.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace wecom {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;
using ::wecom::testing::IsOk;
using ::wecom::testing::IsOkAndHolds;
using ::wecom::testing::StatusIs;
using ::wecom::testing::TempDir;

constexpr char kMap[] = R"yaml(
corps:
  - corp_id: wwcorpa
    ordinal: 0
  - corp_id: wwcorpb
    ordinal: 1
  - corp_id: wwcorpc
    ordinal: 1
)yaml";

TEST(OrdinalFromHostname, ReadsTheStatefulSetSuffix) {
  EXPECT_THAT(OrdinalFromHostname("wecom-archive-0"), IsOkAndHolds(0));
  EXPECT_THAT(OrdinalFromHostname("wecom-archive-12"), IsOkAndHolds(12));
  for (const char* bad : {"wecom-archive", "archive-", "archive-1a", "archive-+1", "laptop", ""}) {
    EXPECT_THAT(OrdinalFromHostname(bad),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("sharding.ordinal")))
        << bad;
  }
}

TEST(ShardPlacement, UnshardedServesEveryCorp) {
  const ShardPlacement placement;
  EXPECT_FALSE(placement.sharded());
  EXPECT_TRUE(placement.ServesHere("wwanything"));
  EXPECT_THAT(placement.CheckAssigns({"wwanything"}), IsOk());
  EXPECT_THAT(placement.NotServedHere("wwother"), StatusIs(absl::StatusCode::kNotFound));
}

TEST(ShardPlacement, APodServesExactlyTheCorpsOfItsOrdinal) {
  const ShardPlacement pod0({{"wwcorpa", 0}, {"wwcorpb", 1}}, 0);
  const ShardPlacement pod1({{"wwcorpa", 0}, {"wwcorpb", 1}}, 1);
  EXPECT_TRUE(pod0.ServesHere("wwcorpa"));
  EXPECT_FALSE(pod0.ServesHere("wwcorpb"));
  EXPECT_FALSE(pod1.ServesHere("wwcorpa"));
  EXPECT_TRUE(pod1.ServesHere("wwcorpb"));
  // A corp missing from the map is served by no pod.
  EXPECT_FALSE(pod0.ServesHere("wwcorpz"));
  EXPECT_FALSE(pod1.ServesHere("wwcorpz"));
}

TEST(ShardPlacement, MisroutedCallsNameTheOwner) {
  const ShardPlacement pod0({{"wwcorpa", 0}, {"wwcorpb", 1}}, 0);
  EXPECT_THAT(pod0.NotServedHere("wwcorpb"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("\"wwcorpb\""), HasSubstr("ordinal 1"),
                             HasSubstr("not this one (0)"))));
  EXPECT_THAT(pod0.NotServedHere("wwcorpz"), StatusIs(absl::StatusCode::kNotFound));
  // Placed here, but not configured in this service (e.g. media follows
  // fewer corps than the archive): nobody else has it either.
  EXPECT_THAT(pod0.NotServedHere("wwcorpa"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("\"wwcorpa\"")));
}

TEST(ShardPlacement, EveryConfiguredCorpNeedsAnOwner) {
  const ShardPlacement pod0({{"wwcorpa", 0}}, 0);
  EXPECT_THAT(pod0.CheckAssigns({"wwcorpa"}), IsOk());
  EXPECT_THAT(pod0.CheckAssigns({"wwcorpa", "wwcorpz"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"wwcorpz\"")));
}

TEST(ParseShardMap, ReadsEveryAssignment) {
  EXPECT_THAT(ParseShardMap(kMap, "shards.yaml"),
              IsOkAndHolds(UnorderedElementsAre(Pair("wwcorpa", 0), Pair("wwcorpb", 1),
                                                Pair("wwcorpc", 1))));
  EXPECT_THAT(ParseShardMap("corps: []", "shards.yaml"), IsOkAndHolds(::testing::IsEmpty()));
}

TEST(ParseShardMap, RejectsMistakesNamingFileAndKey) {
  struct Case {
    const char* yaml;
    const char* named;
  };
  for (const Case& c : {
           Case{"corps:\n  - corp_id: wwa\n    ordinal: 0\n  - corp_id: wwa\n    ordinal: 1\n",
                "corps[1].corp_id"},
           Case{"corps:\n  - corp_id: wwa\n    ordinal: -1\n", "corps[0].ordinal"},
           Case{"corps:\n  - corp_id: wwa\n    ordinal: one\n", "corps[0].ordinal"},
           Case{"corps:\n  - corp_id: wwa\n", "corps[0].ordinal"},
           Case{"corps:\n  - corp_id: wwa\n    ordinal: 0\n    shard: 0\n", "corps[0].shard"},
           Case{"corp:\n  - corp_id: wwa\n", "corps"},
       }) {
    EXPECT_THAT(ParseShardMap(c.yaml, "shards.yaml"),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(HasSubstr("shards.yaml"), HasSubstr(c.named))))
        << c.yaml;
  }
}

class ShardingConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TempDir> dir = TempDir::Create("sharding_config_test");
    ASSERT_THAT(dir, IsOk());
    dir_ = std::make_unique<TempDir>(*std::move(dir));
    map_path_ = absl::StrCat(dir_->path(), "/shards.yaml");
    std::ofstream(map_path_) << kMap;
  }

  absl::StatusOr<ShardingConfig> Read(const std::string& yaml) {
    ASSIGN_OR_RETURN(ConfigReader root, ConfigReader::FromYamlString(yaml, "service.yaml"));
    ShardingConfig config;
    RETURN_IF_ERROR(ReadShardingConfig(root, &config));
    RETURN_IF_ERROR(root.CheckNoUnknownKeys());
    return config;
  }

  std::unique_ptr<TempDir> dir_;
  std::string map_path_;
};

TEST_F(ShardingConfigTest, AbsentMeansUnsharded) {
  absl::StatusOr<ShardingConfig> config = Read("");
  ASSERT_THAT(config, IsOk());
  absl::StatusOr<ShardPlacement> placement = ResolvePlacement(*config, {}, "anything");
  ASSERT_THAT(placement, IsOk());
  EXPECT_FALSE(placement->sharded());
}

TEST_F(ShardingConfigTest, AutoTakesTheOrdinalFromTheHostname) {
  absl::StatusOr<ShardingConfig> config =
      Read(absl::StrCat("sharding:\n  map_file: ", map_path_, "\n"));
  ASSERT_THAT(config, IsOk());
  absl::StatusOr<ShardPlacement> placement = ResolvePlacement(*config, {}, "wecom-archive-1");
  ASSERT_THAT(placement, IsOk());
  EXPECT_TRUE(placement->sharded());
  EXPECT_EQ(placement->ordinal(), 1);
  EXPECT_TRUE(placement->ServesHere("wwcorpc"));
  EXPECT_FALSE(placement->ServesHere("wwcorpa"));
  EXPECT_THAT(ResolvePlacement(*config, {}, "my-laptop"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("hostname")));
}

TEST_F(ShardingConfigTest, AnExplicitOrdinalWinsOverTheHostname) {
  absl::StatusOr<ShardingConfig> config =
      Read(absl::StrCat("sharding:\n  map_file: ", map_path_, "\n  ordinal: 0\n"));
  ASSERT_THAT(config, IsOk());
  absl::StatusOr<ShardPlacement> placement = ResolvePlacement(*config, {}, "wecom-archive-1");
  ASSERT_THAT(placement, IsOk());
  EXPECT_EQ(placement->ordinal(), 0);
  EXPECT_TRUE(placement->ServesHere("wwcorpa"));
}

TEST_F(ShardingConfigTest, EveryConfiguredCorpMustBeInTheMap) {
  absl::StatusOr<ShardingConfig> config =
      Read(absl::StrCat("sharding:\n  map_file: ", map_path_, "\n"));
  ASSERT_THAT(config, IsOk());
  EXPECT_THAT(ResolvePlacement(*config, {"wwcorpa", "wwcorpb"}, "wecom-archive-0"), IsOk());
  EXPECT_THAT(ResolvePlacement(*config, {"wwcorpa", "wwnew"}, "wecom-archive-0"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("\"wwnew\""), HasSubstr(map_path_))));
}

TEST(ExpandOrdinal, NamesTheSameOrdinalOfAnotherStatefulSet) {
  const ShardPlacement pod2({{"wwcorpa", 2}}, 2);
  EXPECT_THAT(
      ExpandOrdinal("archive.target", "wecom-archive-{ordinal}.wecom-archive-headless:50051", pod2),
      IsOkAndHolds("wecom-archive-2.wecom-archive-headless:50051"));
  EXPECT_THAT(ExpandOrdinal("archive.target", "wecom-archive:50051", pod2),
              IsOkAndHolds("wecom-archive:50051"));
  EXPECT_THAT(ExpandOrdinal("archive.target", "wecom-archive:50051", ShardPlacement()),
              IsOkAndHolds("wecom-archive:50051"));
  EXPECT_THAT(ExpandOrdinal("archive.target", "wecom-archive-{ordinal}:50051", ShardPlacement()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("archive.target")));
}

TEST_F(ShardingConfigTest, BadSectionsAreNamed) {
  EXPECT_THAT(Read("sharding:\n  ordinal: 0\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("sharding.map_file")));
  EXPECT_THAT(Read(absl::StrCat("sharding:\n  map_file: ", map_path_, "\n  ordinal: first\n")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("sharding.ordinal"), HasSubstr("\"first\""))));
  EXPECT_THAT(Read(absl::StrCat("sharding:\n  map_file: ", map_path_, "\n  ordinal: -2\n")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("sharding.ordinal")));
  EXPECT_THAT(Read(absl::StrCat("sharding:\n  map_file: ", dir_->path(), "/missing.yaml\n")),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("missing.yaml")));
  EXPECT_THAT(Read(absl::StrCat("sharding:\n  map_file: ", map_path_, "\n  replicas: 2\n")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("sharding.replicas")));
}

}  // namespace
}  // namespace wecom
