// AccountDirectory on a FakeClock: caching, expiry, refetching on a miss at
// most once per interval, stale answers while the platform fails.
#include "services/robot-gateway/api/account_directory.h"

#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/robot-gateway/api/robot_api_fakes.h"

namespace wecom::robot {
namespace {

using ::testing::HasSubstr;
using testing::MakeAccount;
using ::wecom::testing::IsOk;
using ::wecom::testing::StatusIs;

AccountRef Ref(const std::string& account_id) { return ParseAccountId(account_id).value(); }

class AccountDirectoryTest : public ::testing::Test {
 protected:
  AccountDirectoryTest() {
    quntool_.SetAccounts(
        {MakeAccount(v1::VENDOR_QUNTOOL, "1688000001", v1::ACCOUNT_STATUS_ONLINE),
         MakeAccount(v1::VENDOR_QUNTOOL, "1688000002", v1::ACCOUNT_STATUS_OFFLINE)});
  }

  FakeClock clock_;
  testing::FakePlatform quntool_{v1::VENDOR_QUNTOOL};
  PlatformRegistry platforms_ = PlatformRegistry::Create({&quntool_}).value();
  AccountDirectory directory_{&platforms_, &clock_};
};

TEST_F(AccountDirectoryTest, CachesAccountsForTheirMaxAge) {
  ASSERT_THAT(directory_.Find(Ref("quntool:1688000001")), IsOk());
  ASSERT_THAT(directory_.Find(Ref("quntool:1688000002")), IsOk());
  EXPECT_EQ(quntool_.list_accounts_calls(), 1);
  clock_.Advance(absl::Seconds(29));
  ASSERT_THAT(directory_.Find(Ref("quntool:1688000001")), IsOk());
  EXPECT_EQ(quntool_.list_accounts_calls(), 1);
  clock_.Advance(absl::Seconds(1));
  ASSERT_THAT(directory_.Find(Ref("quntool:1688000001")), IsOk());
  EXPECT_EQ(quntool_.list_accounts_calls(), 2);
}

TEST_F(AccountDirectoryTest, TheMaxAgeIsConfigurable) {
  AccountDirectory directory(&platforms_, &clock_, {.max_age = absl::Seconds(5)});
  ASSERT_THAT(directory.Find(Ref("quntool:1688000001")), IsOk());
  clock_.Advance(absl::Seconds(5));
  ASSERT_THAT(directory.Find(Ref("quntool:1688000001")), IsOk());
  EXPECT_EQ(quntool_.list_accounts_calls(), 2);
}

TEST_F(AccountDirectoryTest, AMissRefetchesAtMostOncePerInterval) {
  ASSERT_THAT(directory_.Find(Ref("quntool:1688000001")), IsOk());
  // Just fetched: an unknown id is answered from the cache.
  EXPECT_THAT(directory_.Find(Ref("quntool:1688000009")),
              StatusIs(absl::StatusCode::kNotFound,
                       "account_id: no account quntool:1688000009 on quntool"));
  EXPECT_EQ(quntool_.list_accounts_calls(), 1);

  // A new account appears: the next miss after the interval finds it.
  quntool_.SetAccounts({MakeAccount(v1::VENDOR_QUNTOOL, "1688000009", v1::ACCOUNT_STATUS_ONLINE)});
  clock_.Advance(absl::Milliseconds(999));
  EXPECT_THAT(directory_.Find(Ref("quntool:1688000009")), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(quntool_.list_accounts_calls(), 1);
  clock_.Advance(absl::Milliseconds(1));
  EXPECT_THAT(directory_.Find(Ref("quntool:1688000009")), IsOk());
  EXPECT_EQ(quntool_.list_accounts_calls(), 2);
  // The fetch replaced the cache: the accounts that are gone are unknown now.
  EXPECT_THAT(directory_.Find(Ref("quntool:1688000001"), "account_ids[3]"),
              StatusIs(absl::StatusCode::kNotFound,
                       "account_ids[3]: no account "
                       "quntool:1688000001 on quntool"));
}

TEST_F(AccountDirectoryTest, FindOnlineRefusesOfflineAccountsAfterRefetching) {
  EXPECT_THAT(directory_.FindOnline(Ref("quntool:1688000002")),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "account_id: quntool:1688000002 is not online (ACCOUNT_STATUS_OFFLINE)"));
  quntool_.SetAccounts({MakeAccount(v1::VENDOR_QUNTOOL, "1688000002", v1::ACCOUNT_STATUS_ONLINE)});
  clock_.Advance(absl::Seconds(1));
  EXPECT_THAT(directory_.FindOnline(Ref("quntool:1688000002")), IsOk());
  EXPECT_EQ(quntool_.list_accounts_calls(), 2);
  // Find does not need it online, so an offline account costs no fetch.
  ASSERT_THAT(directory_.Find(Ref("quntool:1688000002")), IsOk());
  EXPECT_EQ(quntool_.list_accounts_calls(), 2);
}

TEST_F(AccountDirectoryTest, ServesCachedAccountsWhileThePlatformFails) {
  ASSERT_THAT(directory_.Find(Ref("quntool:1688000001")), IsOk());
  quntool_.SetListAccountsStatus(absl::UnavailableError("quntool is down"));
  clock_.Advance(absl::Seconds(30));
  EXPECT_THAT(directory_.Find(Ref("quntool:1688000001")), IsOk());
  EXPECT_EQ(quntool_.list_accounts_calls(), 2);
  // An account it cannot know gets the platform's error, not NOT_FOUND.
  EXPECT_THAT(directory_.Find(Ref("quntool:1688000009")),
              StatusIs(absl::StatusCode::kUnavailable, "quntool is down"));
  // ... without another call within the interval.
  EXPECT_EQ(quntool_.list_accounts_calls(), 2);
  // Once the platform answers again, the cache is current.
  quntool_.SetListAccountsStatus(absl::OkStatus());
  clock_.Advance(absl::Seconds(1));
  EXPECT_THAT(directory_.Find(Ref("quntool:1688000009")), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(quntool_.list_accounts_calls(), 3);
}

TEST_F(AccountDirectoryTest, InvalidateMakesTheNextLookupFetch) {
  ASSERT_THAT(directory_.Find(Ref("quntool:1688000001")), IsOk());
  directory_.Invalidate(v1::VENDOR_QUNTOOL);
  ASSERT_THAT(directory_.Find(Ref("quntool:1688000001")), IsOk());
  EXPECT_EQ(quntool_.list_accounts_calls(), 2);
}

TEST_F(AccountDirectoryTest, FetchAlwaysAsksThePlatform) {
  ASSERT_THAT(directory_.Fetch(v1::VENDOR_QUNTOOL), IsOk());
  absl::StatusOr<std::vector<v1::Account>> accounts = directory_.Fetch(v1::VENDOR_QUNTOOL);
  ASSERT_THAT(accounts, IsOk());
  EXPECT_EQ(accounts->size(), 2u) << "offline accounts included";
  EXPECT_EQ(quntool_.list_accounts_calls(), 2);
  ASSERT_THAT(directory_.Find(Ref("quntool:1688000002")), IsOk());
  EXPECT_EQ(quntool_.list_accounts_calls(), 2);
}

TEST_F(AccountDirectoryTest, AVendorWithoutAPlatformIsFailedPrecondition) {
  EXPECT_THAT(directory_.Find(Ref("yjiyun:robot1")),
              StatusIs(absl::StatusCode::kFailedPrecondition, "no yjiyun platform is configured"));
  EXPECT_THAT(directory_.Fetch(v1::VENDOR_YJIYUN), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(PlatformRegistryTest, RefusesTwoPlatformsOfOneVendor) {
  testing::FakePlatform first(v1::VENDOR_QUNTOOL);
  testing::FakePlatform second(v1::VENDOR_QUNTOOL);
  EXPECT_THAT(PlatformRegistry::Create({&first, &second}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("two quntool platforms")));
  EXPECT_THAT(PlatformRegistry::Create({&first, nullptr}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace wecom::robot
