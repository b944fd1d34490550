// WeComApiClient against the real wecom-api-emulator binary, started as a
// child process on an ephemeral port for each test. The client's clock is
// fake, so token expiry, caching and pacing are driven by the test.
#include "services/archive/qyapi/wecom_api_client.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "common/http/http_client.h"
#include "common/status/vendor_error.h"
#include "common/testing/status_matchers.h"
#include "common/time/clock.h"
#include "emulators/finance-sdk/corpus.h"
#include "emulators/finance-sdk/emulator_config.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/child_process.h"

namespace wecom::archive {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::wecom::testing::IsOk;
using ::wecom::testing::StatusIs;

constexpr char kCorpId[] = "wwqyapitest0001";
constexpr char kSecret[] = "archive-secret-Zq7Xv2";
constexpr char kGetToken[] = "/cgi-bin/gettoken";
constexpr char kGetRobotInfo[] = "/cgi-bin/msgaudit/get_robot_info";
constexpr char kGroupChatGet[] = "/cgi-bin/msgaudit/groupchat/get";

// The path of a URL, without its query.
std::string PathOf(absl::string_view url) {
  const size_t scheme_end = url.find("://");
  const size_t path_start =
      url.find('/', scheme_end == absl::string_view::npos ? 0 : scheme_end + 3);
  if (path_start == absl::string_view::npos) return "/";
  return std::string(url.substr(path_start, url.find('?', path_start) - path_start));
}

// Passes requests on and counts them by path, to show which calls reach the
// server.
class CountingHttpClient final : public HttpClient {
 public:
  explicit CountingHttpClient(HttpClient* next) : next_(next) {}

  absl::StatusOr<HttpResponse> Send(const HttpRequest& request) override {
    {
      absl::MutexLock lock(&mu_);
      ++counts_[PathOf(request.url)];
    }
    return next_->Send(request);
  }

  int count(absl::string_view path) {
    absl::MutexLock lock(&mu_);
    const auto it = counts_.find(path);
    return it == counts_.end() ? 0 : it->second;
  }

 private:
  HttpClient* const next_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, int> counts_ ABSL_GUARDED_BY(mu_);
};

// Swaps the access_token of the next request that carries one for a token
// the emulator never issued, as if the vendor had revoked the client's token.
class RevokingHttpClient final : public HttpClient {
 public:
  explicit RevokingHttpClient(HttpClient* next) : next_(next) {}

  absl::StatusOr<HttpResponse> Send(const HttpRequest& request) override {
    const std::string kParam = "access_token=";
    const size_t start = request.url.find(kParam);
    {
      absl::MutexLock lock(&mu_);
      if (revoked_ || start == std::string::npos) return next_->Send(request);
      revoked_ = true;
    }
    HttpRequest revoked = request;
    const size_t value_start = start + kParam.size();
    revoked.url.replace(value_start, revoked.url.find('&', value_start) - value_start,
                        "revoked-token");
    return next_->Send(revoked);
  }

 private:
  HttpClient* const next_;
  absl::Mutex mu_;
  bool revoked_ ABSL_GUARDED_BY(mu_) = false;
};

class WeComApiClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<CurlHttpClient>> curl = CurlHttpClient::Create({});
    ASSERT_THAT(curl, IsOk());
    curl_ = *std::move(curl);
    counting_ = std::make_unique<CountingHttpClient>(curl_.get());
  }

  void TearDown() override {
    emulator_.reset();
    if (!config_path_.empty()) std::remove(config_path_.c_str());
  }

  static emulator::TrafficSettings Traffic() {
    emulator::TrafficSettings traffic;
    traffic.message_count = 20;
    traffic.seed = 42;
    traffic.start_time_ms = 1'700'000'000'000;
    return traffic;
  }

  // Writes a config for one corp with `api` settings and starts the emulator.
  void StartEmulator(emulator::ApiSettings api = {}) {
    emulator::CorpConfig corp;
    corp.corpid = kCorpId;
    corp.secret = kSecret;
    // Required by the config format; only the SDK emulator reads key files.
    corp.public_key_files[1] = "unused-by-wecom-api-emulator.pem";
    corp.traffic = Traffic();
    corp.api = api;
    emulator::EmulatorConfig config;
    config.corps.push_back(corp);
    config_path_ = absl::StrCat(::testing::TempDir(), "qyapi_",
                                ::testing::UnitTest::GetInstance()->current_test_info()->name(),
                                "_", getpid(), ".json");
    std::ofstream(config_path_) << emulator::EmulatorConfigJson(config);
    absl::StatusOr<std::unique_ptr<wecom::testing::ChildProcess>> process =
        wecom::testing::ChildProcess::Start(
            {WECOM_API_EMULATOR_PATH, "--config", config_path_, "--listen", "127.0.0.1:0"});
    ASSERT_THAT(process, IsOk());
    emulator_ = *std::move(process);
    absl::StatusOr<std::string> line = emulator_->ReadLine();
    ASSERT_THAT(line, IsOk());
    absl::string_view port = *line;
    ASSERT_TRUE(absl::ConsumePrefix(&port, "listening on 127.0.0.1:") &&
                absl::SimpleAtoi(port, &port_))
        << "the emulator's first line: " << *line;
  }

  // Terminates the emulator and waits for it to exit.
  void StopEmulator() {
    emulator_->Signal(SIGTERM);
    emulator_->Wait();
  }

  WeComApiOptions Options() {
    WeComApiOptions options;
    options.base_url = absl::StrCat("http://127.0.0.1:", port_);
    options.corp_id = kCorpId;
    options.corp_secret = kSecret;
    return options;
  }

  std::unique_ptr<WeComApiClient> NewClient(const WeComApiOptions& options,
                                            HttpClient* http = nullptr) {
    absl::StatusOr<std::unique_ptr<WeComApiClient>> client =
        WeComApiClient::Create(options, http != nullptr ? http : counting_.get(), &clock_);
    EXPECT_THAT(client, IsOk());
    return client.ok() ? *std::move(client) : nullptr;
  }

  // get_robot_info after letting well over the default pacing interval
  // (600/min) pass, so that the call need not wait on the fake clock.
  absl::StatusOr<v1::GetRobotInfoResponse> PacedGetRobotInfo(WeComApiClient& client,
                                                             absl::string_view robot_id) {
    clock_.Advance(absl::Seconds(1));
    return client.GetRobotInfo(robot_id);
  }

  const emulator::Corpus corpus_{Traffic()};
  FakeClock clock_;
  std::unique_ptr<CurlHttpClient> curl_;
  std::unique_ptr<CountingHttpClient> counting_;
  std::string config_path_;
  std::unique_ptr<wecom::testing::ChildProcess> emulator_;
  int port_ = 0;
};

TEST_F(WeComApiClientTest, GetRobotInfoReturnsTheCorpusRobots) {
  StartEmulator();
  std::unique_ptr<WeComApiClient> client = NewClient(Options());
  ASSERT_NE(client, nullptr);
  ASSERT_FALSE(corpus_.robots().empty());

  for (const emulator::Robot& robot : corpus_.robots()) {
    absl::StatusOr<v1::GetRobotInfoResponse> info = PacedGetRobotInfo(*client, robot.robot_id);
    ASSERT_THAT(info, IsOk());
    EXPECT_EQ(info->robot_id(), robot.robot_id);
    EXPECT_EQ(info->name(), robot.name);
    EXPECT_EQ(info->creator_userid(), robot.creator_userid);
  }
}

TEST_F(WeComApiClientTest, GetGroupChatReturnsTheCorpusRooms) {
  StartEmulator();
  std::unique_ptr<WeComApiClient> client = NewClient(Options());
  ASSERT_NE(client, nullptr);
  ASSERT_FALSE(corpus_.rooms().empty());

  for (const emulator::Room& room : corpus_.rooms()) {
    absl::StatusOr<v1::GetGroupChatResponse> group = client->GetGroupChat(room.roomid);
    ASSERT_THAT(group, IsOk());
    EXPECT_EQ(group->roomname(), room.roomname);
    EXPECT_EQ(group->creator(), room.creator);
    EXPECT_EQ(group->room_create_time(), room.room_create_time);
    EXPECT_EQ(group->notice(), room.notice);
    ASSERT_EQ(group->members_size(), static_cast<int>(room.members.size()));
    for (int i = 0; i < group->members_size(); ++i) {
      EXPECT_EQ(group->members(i).memberid(), room.members[i].memberid);
      EXPECT_EQ(group->members(i).jointime(), room.members[i].jointime);
    }
  }
}

TEST_F(WeComApiClientTest, TokenIsFetchedOnceAndReused) {
  StartEmulator();
  std::unique_ptr<WeComApiClient> client = NewClient(Options());
  ASSERT_NE(client, nullptr);

  EXPECT_THAT(PacedGetRobotInfo(*client, corpus_.robots()[0].robot_id), IsOk());
  EXPECT_THAT(client->GetGroupChat(corpus_.rooms()[0].roomid), IsOk());
  EXPECT_THAT(PacedGetRobotInfo(*client, corpus_.robots()[1].robot_id), IsOk());

  EXPECT_EQ(counting_->count(kGetToken), 1);
  EXPECT_EQ(counting_->count(kGetRobotInfo), 2);
  EXPECT_EQ(counting_->count(kGroupChatGet), 1);
}

TEST_F(WeComApiClientTest, ConcurrentFirstCallsShareOneTokenFetch) {
  StartEmulator();
  std::unique_ptr<WeComApiClient> client = NewClient(Options());
  ASSERT_NE(client, nullptr);
  ASSERT_GE(corpus_.rooms().size(), 4u);

  std::vector<std::thread> threads;
  std::vector<absl::Status> results(4);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back(
        [&, i] { results[i] = client->GetGroupChat(corpus_.rooms()[i].roomid).status(); });
  }
  for (std::thread& thread : threads) thread.join();

  for (const absl::Status& result : results) EXPECT_THAT(result, IsOk());
  EXPECT_EQ(counting_->count(kGetToken), 1);
  EXPECT_EQ(counting_->count(kGroupChatGet), 4);
}

TEST_F(WeComApiClientTest, WrongSecretIsAFailedPreconditionWithTheVendorCodeAndNoSecret) {
  StartEmulator();
  WeComApiOptions options = Options();
  options.corp_secret = "wrong-secret-Kp9Wd3";
  std::unique_ptr<WeComApiClient> client = NewClient(options);
  ASSERT_NE(client, nullptr);

  absl::StatusOr<v1::GetGroupChatResponse> group = client->GetGroupChat(corpus_.rooms()[0].roomid);

  EXPECT_THAT(group, StatusIs(absl::StatusCode::kFailedPrecondition,
                              AllOf(HasSubstr("gettoken"), HasSubstr("40001"),
                                    Not(HasSubstr(options.corp_secret)), Not(HasSubstr(kSecret)))));
  const std::optional<common::v1::VendorError> error = GetVendorError(group.status());
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->vendor(), "qyapi");
  EXPECT_EQ(error->code(), 40001);
  EXPECT_THAT(error->message(), Not(HasSubstr(options.corp_secret)));
  EXPECT_FALSE(error->retryable());
  EXPECT_EQ(counting_->count(kGroupChatGet), 0);
}

TEST_F(WeComApiClientTest, UnknownIdsFailWithTheVendorCode) {
  StartEmulator();
  std::unique_ptr<WeComApiClient> client = NewClient(Options());
  ASSERT_NE(client, nullptr);

  absl::StatusOr<v1::GetRobotInfoResponse> robot = PacedGetRobotInfo(*client, "wbNoSuchRobot");
  EXPECT_THAT(robot, StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("get_robot_info")));
  const std::optional<common::v1::VendorError> robot_error = GetVendorError(robot.status());
  ASSERT_TRUE(robot_error.has_value());
  EXPECT_NE(robot_error->code(), 0);

  absl::StatusOr<v1::GetGroupChatResponse> group = client->GetGroupChat("wrNoSuchRoom");
  EXPECT_THAT(group, StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("groupchat/get")));
  const std::optional<common::v1::VendorError> group_error = GetVendorError(group.status());
  ASSERT_TRUE(group_error.has_value());
  EXPECT_EQ(group_error->code(), 40050);
}

TEST_F(WeComApiClientTest, RepeatedCallsAreServedFromTheCacheUntilItsTtl) {
  StartEmulator();
  WeComApiOptions options = Options();
  options.cache_ttl = absl::Minutes(10);
  std::unique_ptr<WeComApiClient> client = NewClient(options);
  ASSERT_NE(client, nullptr);
  const emulator::Robot& robot = corpus_.robots()[0];
  const emulator::Room& room = corpus_.rooms()[0];

  ASSERT_THAT(PacedGetRobotInfo(*client, robot.robot_id), IsOk());
  ASSERT_THAT(client->GetGroupChat(room.roomid), IsOk());
  clock_.Advance(absl::Minutes(10) - absl::Seconds(1));
  absl::StatusOr<v1::GetRobotInfoResponse> cached_robot = client->GetRobotInfo(robot.robot_id);
  absl::StatusOr<v1::GetGroupChatResponse> cached_room = client->GetGroupChat(room.roomid);

  ASSERT_THAT(cached_robot, IsOk());
  EXPECT_EQ(cached_robot->name(), robot.name);
  ASSERT_THAT(cached_room, IsOk());
  EXPECT_EQ(cached_room->roomname(), room.roomname);
  EXPECT_EQ(counting_->count(kGetRobotInfo), 1);
  EXPECT_EQ(counting_->count(kGroupChatGet), 1);

  clock_.Advance(absl::Seconds(1));
  EXPECT_THAT(client->GetRobotInfo(robot.robot_id), IsOk());
  EXPECT_THAT(client->GetGroupChat(room.roomid), IsOk());
  EXPECT_EQ(counting_->count(kGetRobotInfo), 2);
  EXPECT_EQ(counting_->count(kGroupChatGet), 2);
}

TEST_F(WeComApiClientTest, TokenIsRefreshedOnceBeforeItExpires) {
  StartEmulator();  // expires_in 7200
  WeComApiOptions options = Options();
  options.token_refresh_margin = absl::Minutes(5);
  options.cache_ttl = absl::ZeroDuration();
  std::unique_ptr<WeComApiClient> client = NewClient(options);
  ASSERT_NE(client, nullptr);
  const std::string roomid = corpus_.rooms()[0].roomid;

  ASSERT_THAT(client->GetGroupChat(roomid), IsOk());
  clock_.Advance(absl::Seconds(7200) - absl::Minutes(5) - absl::Seconds(1));
  ASSERT_THAT(client->GetGroupChat(roomid), IsOk());
  EXPECT_EQ(counting_->count(kGetToken), 1);

  clock_.Advance(absl::Seconds(1));
  ASSERT_THAT(client->GetGroupChat(roomid), IsOk());
  ASSERT_THAT(client->GetGroupChat(roomid), IsOk());
  EXPECT_EQ(counting_->count(kGetToken), 2);
  EXPECT_EQ(counting_->count(kGroupChatGet), 4);
}

TEST_F(WeComApiClientTest, RejectedTokenIsReplacedAndTheCallRetriedOnce) {
  StartEmulator();
  RevokingHttpClient revoking(counting_.get());
  std::unique_ptr<WeComApiClient> client = NewClient(Options(), &revoking);
  ASSERT_NE(client, nullptr);

  absl::StatusOr<v1::GetGroupChatResponse> group = client->GetGroupChat(corpus_.rooms()[0].roomid);

  ASSERT_THAT(group, IsOk());
  EXPECT_EQ(group->roomname(), corpus_.rooms()[0].roomname);
  EXPECT_EQ(counting_->count(kGetToken), 2);
  EXPECT_EQ(counting_->count(kGroupChatGet), 2);
}

TEST_F(WeComApiClientTest, TokenRejectedAgainAfterTheRefreshIsAFailedPrecondition) {
  emulator::ApiSettings api;
  api.access_token_ttl_seconds = 0;  // Every token has expired by its first use.
  StartEmulator(api);
  std::unique_ptr<WeComApiClient> client = NewClient(Options());
  ASSERT_NE(client, nullptr);

  absl::StatusOr<v1::GetRobotInfoResponse> info =
      PacedGetRobotInfo(*client, corpus_.robots()[0].robot_id);

  EXPECT_THAT(info, StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("42001")));
  const std::optional<common::v1::VendorError> error = GetVendorError(info.status());
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code(), 42001);
  EXPECT_EQ(counting_->count(kGetToken), 2);
  EXPECT_EQ(counting_->count(kGetRobotInfo), 2);
}

TEST_F(WeComApiClientTest, FrequencyLimitIsResourceExhausted) {
  emulator::ApiSettings api;
  api.robot_info_calls_per_minute = 2;
  StartEmulator(api);
  WeComApiOptions options = Options();
  options.cache_ttl = absl::ZeroDuration();
  std::unique_ptr<WeComApiClient> client = NewClient(options);
  ASSERT_NE(client, nullptr);
  const std::string robot_id = corpus_.robots()[0].robot_id;

  ASSERT_THAT(PacedGetRobotInfo(*client, robot_id), IsOk());
  ASSERT_THAT(PacedGetRobotInfo(*client, robot_id), IsOk());
  absl::StatusOr<v1::GetRobotInfoResponse> limited = PacedGetRobotInfo(*client, robot_id);

  EXPECT_THAT(limited, StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("45009")));
  const std::optional<common::v1::VendorError> error = GetVendorError(limited.status());
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->vendor(), "qyapi");
  EXPECT_EQ(error->code(), 45009);
  EXPECT_TRUE(error->retryable());
}

TEST_F(WeComApiClientTest, GetRobotInfoWaitsForItsTurnAtTheConfiguredRate) {
  StartEmulator();
  WeComApiOptions options = Options();
  options.robot_info_calls_per_minute = 60;  // One a second.
  options.cache_ttl = absl::ZeroDuration();
  std::unique_ptr<WeComApiClient> client = NewClient(options);
  ASSERT_NE(client, nullptr);
  const std::string robot_id = corpus_.robots()[0].robot_id;
  ASSERT_THAT(client->GetRobotInfo(robot_id), IsOk());

  absl::Status second;
  absl::Notification second_returned;
  std::thread caller([&] {
    second = client->GetRobotInfo(robot_id).status();
    second_returned.Notify();
  });
  // Wait until the caller blocks on the fake clock (or, wrongly, returns).
  while (clock_.sleepers() == 0 && !second_returned.HasBeenNotified()) std::this_thread::yield();
  EXPECT_FALSE(second_returned.HasBeenNotified());
  EXPECT_EQ(counting_->count(kGetRobotInfo), 1);
  clock_.Advance(absl::Seconds(1));
  caller.join();

  EXPECT_THAT(second, IsOk());
  EXPECT_EQ(counting_->count(kGetRobotInfo), 2);
}

TEST_F(WeComApiClientTest, UnreachableServerIsUnavailable) {
  StartEmulator();
  std::unique_ptr<WeComApiClient> client = NewClient(Options());
  ASSERT_NE(client, nullptr);
  StopEmulator();

  EXPECT_THAT(client->GetGroupChat(corpus_.rooms()[0].roomid),
              StatusIs(absl::StatusCode::kUnavailable,
                       AllOf(HasSubstr("gettoken"), Not(HasSubstr(kSecret)))));
}

TEST(WeComApiClientCreateTest, RejectsIncompleteOptions) {
  FakeClock clock;
  absl::StatusOr<std::unique_ptr<CurlHttpClient>> http = CurlHttpClient::Create({});
  ASSERT_THAT(http, IsOk());
  WeComApiOptions options;
  options.corp_id = kCorpId;
  EXPECT_THAT(WeComApiClient::Create(options, http->get(), &clock),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("corp_secret")));
  options.corp_secret = kSecret;
  options.base_url = "/";
  EXPECT_THAT(WeComApiClient::Create(options, http->get(), &clock),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("base_url")));
  options.base_url = "https://qyapi.weixin.qq.com/";
  options.robot_info_calls_per_minute = 0;
  EXPECT_THAT(
      WeComApiClient::Create(options, http->get(), &clock),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("robot_info_calls_per_minute")));
}

}  // namespace
}  // namespace wecom::archive
