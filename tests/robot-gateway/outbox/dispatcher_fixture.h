// What the OutboxDispatcher tests share: an OutboxEnv, the gateway metrics,
// and the steps that drive a dispatcher on the env's fake clock. Each test
// suite builds dispatcher_ over the platform it tests with.
#pragma once

#include <algorithm>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/testing/status_matchers.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "services/robot-gateway/metrics/gateway_metrics.h"
#include "services/robot-gateway/outbox/outbox_dispatcher.h"
#include "tests/robot-gateway/outbox/outbox_test_env.h"

namespace wecom::robot::testing {

class DispatcherFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<OutboxEnv>> env = OutboxEnv::Create();
    ASSERT_THAT(env, ::wecom::testing::IsOk());
    env_ = *std::move(env);
  }

  // Before the suites' own members go: the dispatcher's worker may be using
  // their platform.
  void TearDown() override { dispatcher_.reset(); }

  FakeClock& clock() { return env_->clock(); }

  // Waits until the dispatcher has caught up with the fake time.
  void Settle() {
    ASSERT_TRUE(dispatcher_->WaitUntilIdle(absl::Now() + absl::Seconds(20)))
        << "the dispatcher did not settle";
  }

  // Moves the fake time on by `total` in steps, letting the dispatcher act
  // at each.
  void Run(absl::Duration total, absl::Duration step = absl::Milliseconds(100)) {
    for (absl::Duration run; run < total; run += step) {
      clock().Advance(std::min(step, total - run));
      Settle();
    }
  }

  v1::Send Accept(const v1::Send& send, const std::string& corp = kCorp) {
    absl::StatusOr<SendOutbox::Accepted> accepted = dispatcher_->Accept(send, corp);
    EXPECT_THAT(accepted, ::wecom::testing::IsOk());
    return accepted.ok() ? accepted->send : v1::Send();
  }

  v1::Send Stored(const std::string& send_id) {
    absl::StatusOr<v1::Send> send = dispatcher_->Get(send_id);
    EXPECT_THAT(send, ::wecom::testing::IsOk());
    return send.ok() ? *send : v1::Send();
  }

  std::unique_ptr<OutboxEnv> env_;
  prometheus::Registry registry_;
  GatewayMetrics metrics_{registry_};
  std::unique_ptr<OutboxDispatcher> dispatcher_;
};

}  // namespace wecom::robot::testing
