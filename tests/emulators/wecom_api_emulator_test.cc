// The wecom-api-emulator binary over a real socket, started as other tests
// start it: --listen 127.0.0.1:0, port read from its first stdout line.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/testing/status_matchers.h"
#include "emulators/finance-sdk/corpus.h"
#include "emulators/finance-sdk/emulator_config.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "tests/support/temp_dir.h"

extern char** environ;

namespace wecom::emulator {
namespace {

using ::testing::SizeIs;
using ::wecom::testing::IsOk;
using ::wecom::testing::TempDir;

CorpConfig ApiCorp(std::string corpid, uint64_t seed) {
  CorpConfig corp;
  corp.corpid = std::move(corpid);
  corp.secret = absl::StrCat("secret-of-", corp.corpid);
  // The API emulator never reads the keys.
  corp.public_key_files[1] = "/nonexistent/v1.pem";
  corp.traffic.message_count = 100;
  corp.traffic.seed = seed;
  corp.traffic.start_time_ms = absl::ToUnixMillis(absl::Now()) - corp.traffic.time_span_ms;
  return corp;
}

class WecomApiEmulatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_THAT(dir_, IsOk());
    config_.corps.push_back(ApiCorp("wwapi", 21));
    CorpConfig expiring = ApiCorp("wwexpiring", 22);
    expiring.api.access_token_ttl_seconds = 0;
    config_.corps.push_back(expiring);
    CorpConfig throttled = ApiCorp("wwthrottled", 23);
    throttled.api.robot_info_calls_per_minute = 3;
    config_.corps.push_back(throttled);
    const std::string config_path = dir_->path() + "/config.json";
    std::ofstream(config_path) << EmulatorConfigJson(config_);

    int out[2];
    ASSERT_EQ(pipe(out), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    std::vector<std::string> args = {WECOM_API_EMULATOR_PATH, "--config", config_path, "--listen",
                                     "127.0.0.1:0"};
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    ASSERT_EQ(posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    stdout_ = out[0];

    // Blocks until the emulator has written its first line (or exited).
    char c = 0;
    while (read(stdout_, &c, 1) == 1 && c != '\n') first_line_.push_back(c);
    absl::string_view port_text = first_line_;
    ASSERT_TRUE(absl::ConsumePrefix(&port_text, "listening on 127.0.0.1:")) << first_line_;
    ASSERT_TRUE(absl::SimpleAtoi(port_text, &port_));
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
  }

  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
    if (stdout_ >= 0) close(stdout_);
  }

  nlohmann::json Get(const std::string& path) {
    httplib::Result result = client_->Get(path);
    EXPECT_TRUE(result) << path;
    if (!result) return nlohmann::json();
    EXPECT_EQ(result->status, 200);
    return nlohmann::json::parse(result->body);
  }

  nlohmann::json Post(const std::string& path, const std::string& body) {
    httplib::Result result = client_->Post(path, body, "application/json");
    EXPECT_TRUE(result) << path;
    if (!result) return nlohmann::json();
    EXPECT_EQ(result->status, 200);
    return nlohmann::json::parse(result->body);
  }

  std::string Token(const std::string& corpid) {
    const nlohmann::json answer =
        Get(absl::StrCat("/cgi-bin/gettoken?corpid=", corpid, "&corpsecret=secret-of-", corpid));
    EXPECT_EQ(answer["errcode"], 0);
    return answer.value("access_token", "");
  }

  const Corpus& CorpusOf(size_t corp) {
    if (corpora_.size() != config_.corps.size()) {
      for (const CorpConfig& config : config_.corps) {
        corpora_.push_back(std::make_unique<Corpus>(config.traffic));
      }
    }
    return *corpora_[corp];
  }

  absl::StatusOr<TempDir> dir_ = TempDir::Create("wecom_api_emulator_test.");
  EmulatorConfig config_;
  std::vector<std::unique_ptr<Corpus>> corpora_;
  pid_t pid_ = -1;
  int stdout_ = -1;
  std::string first_line_;
  int port_ = 0;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(WecomApiEmulatorTest, FirstLineNamesTheBoundPort) {
  EXPECT_GT(port_, 0);
  EXPECT_EQ(first_line_, absl::StrCat("listening on 127.0.0.1:", port_));
}

TEST_F(WecomApiEmulatorTest, GetTokenChecksCorpAndSecret) {
  const nlohmann::json ok = Get("/cgi-bin/gettoken?corpid=wwapi&corpsecret=secret-of-wwapi");
  EXPECT_EQ(ok["errcode"], 0);
  EXPECT_EQ(ok["errmsg"], "ok");
  EXPECT_FALSE(ok["access_token"].get<std::string>().empty());
  EXPECT_EQ(ok["expires_in"], 7200);
  EXPECT_EQ(Get("/cgi-bin/gettoken?corpid=wwapi&corpsecret=wrong")["errcode"], 40001);
  EXPECT_EQ(Get("/cgi-bin/gettoken?corpid=wwnobody&corpsecret=x")["errcode"], 40013);
  EXPECT_EQ(Get("/cgi-bin/gettoken?corpsecret=x")["errcode"], 41002);
  EXPECT_EQ(Get("/cgi-bin/gettoken?corpid=wwapi")["errcode"], 41004);
}

TEST_F(WecomApiEmulatorTest, RobotInfoAnswersForTheCorpusRobots) {
  const std::string token = Token("wwapi");
  ASSERT_FALSE(CorpusOf(0).robots().empty());
  for (const Robot& robot : CorpusOf(0).robots()) {
    const nlohmann::json answer = Get(absl::StrCat(
        "/cgi-bin/msgaudit/get_robot_info?access_token=", token, "&robot_id=", robot.robot_id));
    ASSERT_EQ(answer["errcode"], 0) << answer.dump();
    EXPECT_EQ(answer["data"]["robot_id"], robot.robot_id);
    EXPECT_EQ(answer["data"]["name"], robot.name);
    EXPECT_EQ(answer["data"]["creator_userid"], robot.creator_userid);
  }
  EXPECT_EQ(Get(absl::StrCat("/cgi-bin/msgaudit/get_robot_info?access_token=", token,
                             "&robot_id=wbnotarobot"))["errcode"],
            40096);
  // Another corp's robot is unknown here.
  EXPECT_EQ(Get(absl::StrCat("/cgi-bin/msgaudit/get_robot_info?access_token=", token,
                             "&robot_id=", CorpusOf(2).robots()[0].robot_id))["errcode"],
            40096);
}

TEST_F(WecomApiEmulatorTest, BadMissingAndExpiredTokensAreRejected) {
  const std::string robot = CorpusOf(0).robots()[0].robot_id;
  EXPECT_EQ(Get("/cgi-bin/msgaudit/get_robot_info?robot_id=" + robot)["errcode"], 41001);
  EXPECT_EQ(
      Get("/cgi-bin/msgaudit/get_robot_info?access_token=forged&robot_id=" + robot)["errcode"],
      40014);
  const std::string expiring = Token("wwexpiring");
  EXPECT_EQ(Get(absl::StrCat("/cgi-bin/msgaudit/get_robot_info?access_token=", expiring,
                             "&robot_id=", CorpusOf(1).robots()[0].robot_id))["errcode"],
            42001);
  EXPECT_EQ(Post("/cgi-bin/msgaudit/groupchat/get?access_token=" + expiring,
                 R"({"roomid":"wr"})")["errcode"],
            42001);
}

TEST_F(WecomApiEmulatorTest, RobotInfoBeyondTheLimitAnswers45009) {
  const std::string token = Token("wwthrottled");
  const std::string path = absl::StrCat("/cgi-bin/msgaudit/get_robot_info?access_token=", token,
                                        "&robot_id=", CorpusOf(2).robots()[0].robot_id);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Get(path)["errcode"], 0) << "call " << i;
  EXPECT_EQ(Get(path)["errcode"], 45009);
}

TEST_F(WecomApiEmulatorTest, GroupChatAnswersForTheCorpusRooms) {
  const std::string path = "/cgi-bin/msgaudit/groupchat/get?access_token=" + Token("wwapi");
  ASSERT_FALSE(CorpusOf(0).rooms().empty());
  for (const Room& room : CorpusOf(0).rooms()) {
    const nlohmann::json answer = Post(path, nlohmann::json{{"roomid", room.roomid}}.dump());
    ASSERT_EQ(answer["errcode"], 0) << answer.dump();
    EXPECT_EQ(answer["roomname"], room.roomname);
    EXPECT_EQ(answer["creator"], room.creator);
    EXPECT_EQ(answer["room_create_time"], room.room_create_time);
    EXPECT_EQ(answer["notice"], room.notice);
    ASSERT_THAT(answer["members"], SizeIs(room.members.size()));
    for (size_t i = 0; i < room.members.size(); ++i) {
      EXPECT_EQ(answer["members"][i]["memberid"], room.members[i].memberid);
      EXPECT_EQ(answer["members"][i]["jointime"], room.members[i].jointime);
    }
  }
  EXPECT_EQ(Post(path, R"({"roomid":"wrnosuchroom"})")["errcode"], 40050);
  EXPECT_EQ(Post(path, "roomid=wr")["errcode"], 47001);
  EXPECT_EQ(Post(path, R"({"room":"wr"})")["errcode"], 47001);
}

TEST_F(WecomApiEmulatorTest, ExitsCleanlyOnSigterm) {
  ASSERT_EQ(kill(pid_, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid_, &status, 0), pid_);
  pid_ = -1;
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace wecom::emulator
