// YjiyunApi against the yjiyun emulator (Node, real HTTP): the token's life
// (one auth for many calls, renewal before expiry, renewal after a 1000
// answer with the call sent again), busy answers retried, refusals mapped,
// and no credential in any status.
#include "services/robot-gateway/yjiyun/yjiyun_api.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/status/vendor_error.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "services/robot-gateway/metrics/gateway_metrics.h"
#include "tests/robot-gateway/yjiyun/yjiyun_fixture.h"
#include "tests/support/metric_values.h"

namespace wecom::robot {
namespace {

using ::testing::HasSubstr;
using testing::kAccessKey;
using testing::kAccessSecret;
using testing::kRobotKey;
using ::testing::Not;
using ::wecom::testing::IsOk;
using ::wecom::testing::MetricValue;
using ::wecom::testing::StatusIs;

constexpr absl::string_view kRobotList = "/wxworkapi/robot/list";

class YjiyunApiTest : public testing::YjiyunFixture {
 protected:
  double Calls(absl::string_view api, absl::string_view result) {
    return MetricValue(
        registry_, "robot_gateway_vendor_requests_total",
        {{"vendor", "yjiyun"}, {"api", std::string(api)}, {"result", std::string(result)}});
  }
};

TEST_F(YjiyunApiTest, OneTokenServesManyCalls) {
  std::unique_ptr<YjiyunApi> api = MakeApi();
  ASSERT_NE(api, nullptr);
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<YjiyunApi::Answer> robots = api->Call(kRobotList, nlohmann::json::object());
    ASSERT_THAT(robots, IsOk());
    ASSERT_TRUE(robots->data().is_array());
    ASSERT_FALSE(robots->data().empty());
    EXPECT_EQ(robots->data()[0]["robotKey"], kRobotKey);
    EXPECT_EQ(robots->total(), static_cast<int64_t>(robots->data().size()));
  }
  EXPECT_EQ(Calls("/robotapi/client/auth", "ok"), 1);
  EXPECT_EQ(Calls(kRobotList, "ok"), 3);
}

TEST_F(YjiyunApiTest, RenewsTheTokenBeforeExpireMinutesRunsOut) {
  FakeClock clock;
  std::unique_ptr<YjiyunApi> api = MakeApi(&clock);
  ASSERT_NE(api, nullptr);
  absl::StatusOr<Secret> first = api->Token();
  ASSERT_THAT(first, IsOk());
  // The example config's tokens live 120 minutes; renewal is 5 before.
  clock.Advance(absl::Minutes(114));
  ASSERT_THAT(api->Call(kRobotList, nlohmann::json::object()), IsOk());
  EXPECT_EQ(Calls("/robotapi/client/auth", "ok"), 1);
  clock.Advance(absl::Minutes(1));
  ASSERT_THAT(api->Call(kRobotList, nlohmann::json::object()), IsOk());
  EXPECT_EQ(Calls("/robotapi/client/auth", "ok"), 2);
  // yjiyun extends a valid token instead of issuing another.
  absl::StatusOr<Secret> renewed = api->Token();
  ASSERT_THAT(renewed, IsOk());
  EXPECT_EQ(renewed->reveal(), first->reveal());
}

TEST_F(YjiyunApiTest, ATokenExpiredEarlyIsRenewedAndTheCallGoesAgain) {
  std::unique_ptr<YjiyunApi> api = MakeApi();
  ASSERT_NE(api, nullptr);
  ASSERT_THAT(api->Call(kRobotList, nlohmann::json::object()), IsOk());
  Control("tokens/expire", nlohmann::json::object());
  absl::StatusOr<YjiyunApi::Answer> robots = api->Call(kRobotList, nlohmann::json::object());
  ASSERT_THAT(robots, IsOk());
  EXPECT_FALSE(robots->data().empty());
  EXPECT_EQ(Calls(kRobotList, "1000"), 1);
  EXPECT_EQ(Calls(kRobotList, "ok"), 2);
  EXPECT_EQ(Calls("/robotapi/client/auth", "ok"), 2);
}

TEST_F(YjiyunApiTest, ConcurrentCallersShareOneRenewal) {
  std::unique_ptr<YjiyunApi> api = MakeApi();
  ASSERT_NE(api, nullptr);
  ASSERT_THAT(api->Call(kRobotList, nlohmann::json::object()), IsOk());
  Control("tokens/expire", nlohmann::json::object());
  std::vector<std::thread> callers;
  for (int i = 0; i < 4; ++i) {
    callers.emplace_back(
        [&api] { EXPECT_THAT(api->Call(kRobotList, nlohmann::json::object()), IsOk()); });
  }
  for (std::thread& caller : callers) caller.join();
  EXPECT_EQ(Calls(kRobotList, "ok"), 5);
  // Every refused caller renews only the token it used: one new auth.
  EXPECT_EQ(Calls("/robotapi/client/auth", "ok"), 2);
}

TEST_F(YjiyunApiTest, BusyAnswersAreRetriedUntilTheAttemptsRunOut) {
  std::unique_ptr<YjiyunApi> api = MakeApi();
  ASSERT_NE(api, nullptr);
  ASSERT_THAT(api->Token(), IsOk());
  Control("busy", {{"count", 2}});
  ASSERT_THAT(api->Call(kRobotList, nlohmann::json::object()), IsOk());
  EXPECT_EQ(Calls(kRobotList, "5000"), 2);

  Control("busy", {{"count", 3}});
  const absl::StatusOr<YjiyunApi::Answer> busy = api->Call(kRobotList, nlohmann::json::object());
  EXPECT_THAT(busy, StatusIs(absl::StatusCode::kUnavailable, HasSubstr("服务器繁忙")));
  ASSERT_TRUE(GetVendorError(busy.status()).has_value());
  EXPECT_EQ(GetVendorError(busy.status())->code(), kYjiyunBusy);
  EXPECT_TRUE(GetVendorError(busy.status())->retryable());
  EXPECT_EQ(Calls(kRobotList, "5000"), 5);
}

TEST_F(YjiyunApiTest, RefusalsNameTheFieldAndCarryTheVendorsCode) {
  std::unique_ptr<YjiyunApi> api = MakeApi();
  ASSERT_NE(api, nullptr);
  const absl::StatusOr<YjiyunApi::Answer> missing =
      api->Call("/wxworkapi/external/user/list", nlohmann::json::object());
  EXPECT_THAT(missing, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("robotKey")));
  ASSERT_TRUE(GetVendorError(missing.status()).has_value());
  EXPECT_EQ(GetVendorError(missing.status())->vendor(), "yjiyun");
  EXPECT_EQ(GetVendorError(missing.status())->code(), 1);

  absl::StatusOr<YjiyunApi::Answer> customers = api->Call(
      "/wxworkapi/external/user/list", {{"robotKey", kRobotKey}, {"pageNum", 1}, {"pageSize", 1}});
  ASSERT_THAT(customers, IsOk());
  EXPECT_EQ(customers->data().size(), 1u);
  EXPECT_GT(customers->total(), 1);
}

TEST_F(YjiyunApiTest, RefusedCredentialsAreAnInternalErrorThatNeverShowsTheSecret) {
  constexpr char kWrongSecret[] = "not-the-secret-42";
  std::unique_ptr<YjiyunApi> api = MakeApi(RealClock::Get(), kWrongSecret);
  ASSERT_NE(api, nullptr);
  const absl::StatusOr<YjiyunApi::Answer> refused = api->Call(kRobotList, nlohmann::json::object());
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kInternal, HasSubstr("/robotapi/client/auth")));
  EXPECT_THAT(refused.status().ToString(), Not(HasSubstr(kWrongSecret)));
  EXPECT_EQ(Calls(kRobotList, "ok"), 0);
}

TEST(YjiyunApiOptionsTest, CreateNamesTheMissingOption) {
  YjiyunApiOptions options;
  options.base_url = "ftp://example";
  EXPECT_THAT(YjiyunApi::Create(options),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("base_url")));
  options.base_url = "http://127.0.0.1:1";
  EXPECT_THAT(YjiyunApi::Create(options),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("access_key")));
  options.access_key = kAccessKey;
  EXPECT_THAT(YjiyunApi::Create(options),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("access_secret")));
  options.access_secret = Secret(kAccessSecret);
  EXPECT_THAT(YjiyunApi::Create(options),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("HttpClient")));
}

}  // namespace
}  // namespace wecom::robot
