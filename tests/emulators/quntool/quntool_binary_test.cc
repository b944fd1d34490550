// The quntool-emulator binary: started as other tests start emulators
// (--listen 127.0.0.1:0, port from its first stdout line), answering with
// the apikey checked, and refusing a bad config.
#include <signal.h>
#include <sys/wait.h>

#include <fstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "common/testing/status_matchers.h"
#include "gtest/gtest.h"
#include "tests/emulators/quntool/quntool_test_world.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace wecom::quntool::testing {
namespace {

using ::wecom::testing::ChildProcess;
using ::wecom::testing::IsOk;
using ::wecom::testing::TempDir;

TEST(QuntoolEmulatorBinaryTest, ListsOnAKernelPickedPortAndChecksTheApikey) {
  absl::StatusOr<TempDir> dir = TempDir::Create("quntool_binary_test");
  ASSERT_THAT(dir, IsOk());
  const std::string config = dir->path() + "/quntool.json";
  std::ofstream(config) << TestConfigJson(/*webhook_port=*/1);
  absl::StatusOr<std::unique_ptr<ChildProcess>> emulator =
      ChildProcess::Start({QUNTOOL_EMULATOR_PATH, "--config", config, "--listen", "127.0.0.1:0"});
  ASSERT_THAT(emulator, IsOk());
  absl::StatusOr<std::string> line = (*emulator)->ReadLineStartingWith("listening on ");
  ASSERT_THAT(line, IsOk());
  absl::string_view address = *line;
  ASSERT_TRUE(absl::ConsumePrefix(&address, "listening on 127.0.0.1:"));
  int port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(address, &port)) << *line;

  httplib::Client client("127.0.0.1", port);
  httplib::Result denied = client.Get("/gnapi/open/inner/user/wx/list");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, kCodeUnauthorized);
  httplib::Result listed = client.Get("/gnapi/open/inner/user/wx/list", {{"apikey", kApiKey}});
  ASSERT_TRUE(listed);
  EXPECT_EQ(Json::parse(listed->body)["data"].size(), 2u);

  (*emulator)->Signal(SIGTERM);
  const int status = (*emulator)->Wait();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

TEST(QuntoolEmulatorBinaryTest, RefusesAConfigWithAnUnknownKey) {
  absl::StatusOr<TempDir> dir = TempDir::Create("quntool_binary_test");
  ASSERT_THAT(dir, IsOk());
  const std::string config = dir->path() + "/quntool.json";
  std::ofstream(config)
      << R"({"apikey": "k", "accounts": [{"wxId": "1", "userId": "u", "typo": 1}]})";
  absl::StatusOr<std::unique_ptr<ChildProcess>> emulator =
      ChildProcess::Start({QUNTOOL_EMULATOR_PATH, "--config", config});
  ASSERT_THAT(emulator, IsOk());
  const int status = (*emulator)->Wait();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << status;
}

}  // namespace
}  // namespace wecom::quntool::testing
