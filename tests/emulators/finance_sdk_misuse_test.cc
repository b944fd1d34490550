// The misuses that crash the real Finance SDK abort the emulator loudly, so
// tests of the archive service prove it never commits them. Each death test
// runs in a fresh process ("threadsafe" style), where no Init has happened.
#include <thread>

#include "gtest/gtest.h"
#include "tests/emulators/emulator_test_world.h"

namespace wecom::emulator {
namespace {

class FinanceSdkMisuseDeathTest : public ::testing::Test {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }

  const EmulatorTestWorld& world_ = EmulatorTestWorld::Get();
  const FinanceSdkAbi& abi_ = world_.abi();
};

TEST_F(FinanceSdkMisuseDeathTest, DecryptDataBeforeAnyInitAborts) {
  EXPECT_DEATH(
      {
        Slice_t* slice = abi_.NewSlice();
        abi_.DecryptData("0123456789abcdef0123456789abcdef", "AAAA", slice);
      },
      "DecryptData: called before any successful Init");
}

TEST_F(FinanceSdkMisuseDeathTest, UseAfterDestroySdkAborts) {
  const std::string secret = world_.secret(kMainCorp);
  EXPECT_DEATH(
      {
        WeWorkFinanceSdk_t* sdk = abi_.NewSdk();
        abi_.Init(sdk, kMainCorp, secret.c_str());
        abi_.DestroySdk(sdk);
        Slice_t* slice = abi_.NewSlice();
        abi_.GetChatData(sdk, 0, 10, nullptr, nullptr, 5, slice);
      },
      "GetChatData: called with an SDK after DestroySdk");
}

TEST_F(FinanceSdkMisuseDeathTest, PointerNotFromNewSdkAborts) {
  EXPECT_DEATH(
      {
        int not_an_sdk = 0;
        abi_.Init(reinterpret_cast<WeWorkFinanceSdk_t*>(&not_an_sdk), kMainCorp, "secret");
      },
      "Init: called with a pointer that NewSdk did not return");
}

TEST_F(FinanceSdkMisuseDeathTest, TwoThreadsInOneInstanceAbort) {
  const std::string secret = world_.secret(kSlowCorp);
  // Every call to the slow corp stays inside for ten minutes, so whichever
  // thread enters second finds the first still there.
  EXPECT_DEATH(
      {
        WeWorkFinanceSdk_t* sdk = abi_.NewSdk();
        abi_.Init(sdk, kSlowCorp, secret.c_str());
        auto pull = [&] {
          Slice_t* slice = abi_.NewSlice();
          abi_.GetChatData(sdk, 0, 10, nullptr, nullptr, 3600, slice);
        };
        std::thread other(pull);
        pull();
        other.join();
      },
      "GetChatData: two threads are inside one SDK instance at once");
}

}  // namespace
}  // namespace wecom::emulator
