// OutboxDispatcher: the SendDispatcher over a SendOutbox. A loop thread picks
// each account's oldest QUEUED send once its pacing allows and hands it to a
// small pool of workers, which call the vendor (one call in flight per
// account, at most max_concurrent_sends in all). The loop sleeps on the Clock
// until the next send is due or something changes (a send accepted, a call
// answered, a callback applied).
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/time/clock.h"
#include "services/robot-gateway/metrics/gateway_metrics.h"
#include "services/robot-gateway/outbox/send_dispatcher.h"
#include "services/robot-gateway/outbox/send_outbox.h"
#include "services/robot-gateway/outbox/send_pacer.h"
#include "services/robot-gateway/platform/robot_platform.h"
#include "wecom/robot/v1/robot.pb.h"

namespace wecom::robot {

class OutboxDispatcher final : public SendDispatcher {
 public:
  // The platform serving a vendor, or nullptr for none.
  using PlatformLookup = std::function<RobotPlatform*(wecom::robot::v1::Vendor)>;

  // The pointers must outlive the dispatcher; `metrics` may be null. The
  // dispatcher listens to the outbox's transitions (one dispatcher per
  // outbox).
  OutboxDispatcher(SendOutbox* outbox, PlatformLookup platforms, GatewayMetrics* metrics,
                   Clock* clock, DispatchOptions options);
  ~OutboxDispatcher() override;  // Stop()s

  // Restores the accounts' stored pauses and starts dispatching. Call once.
  absl::Status Start();
  // Stops the loop and waits for the vendor calls in flight; sends not yet
  // handed over stay QUEUED for the next start.
  void Stop();

  // FAILED_PRECONDITION when no platform serves the account's vendor.
  absl::StatusOr<SendOutbox::Accepted> Accept(wecom::robot::v1::Send send,
                                              const std::string& corp_id) override;
  absl::StatusOr<wecom::robot::v1::Send> Get(const std::string& send_id) const override;
  absl::StatusOr<wecom::robot::v1::Send> GetByIdempotencyKey(const std::string& account_id,
                                                             const std::string& key) const override;
  wecom::robot::v1::AccountPacing Pacing(const std::string& account_id) const override;
  absl::StatusOr<std::optional<wecom::robot::v1::Send>> OnVendorOutcome(
      const VendorSendOutcome& outcome) override;

  // Blocks until the dispatcher has nothing to do before the clock moves on:
  // its loop sleeps with nothing due, no vendor call is in flight and nothing
  // woke it since. False when `deadline` (real time) passed first. For tests
  // on a FakeClock, so they advance time only once the dispatcher caught up.
  bool WaitUntilIdle(absl::Time deadline);

 private:
  struct Task {
    SendOutbox::Due due;
    AccountRef account;
  };
  // A due send held back by pacing, since when and why.
  struct Wait {
    absl::Time since;
    absl::string_view reason;
  };

  void Loop();
  // Reads what is due, expires unknown outcomes when it is time, refreshes
  // the gauges.
  absl::StatusOr<std::vector<SendOutbox::Due>> Survey();
  // Hands the due sends pacing allows to the workers; returns when the loop
  // must look again at the latest.
  absl::Time DispatchDue(const std::vector<SendOutbox::Due>& due)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void EndWait(const std::string& account_id, absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Work();
  void Attempt(const Task& task);
  // Stores what the vendor call answered.
  absl::Status Settle(const Task& task, const wecom::robot::v1::Send& attempt,
                      const absl::StatusOr<std::string>& answer);
  // Every stored transition: metrics, throttle pauses, escalation resets.
  void OnTransition(const wecom::robot::v1::Send& send);
  // Pauses the account for its next cool-down and records it.
  void Throttle(const std::string& account_id);
  void Wake();
  bool Idle() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void PublishGauges(const std::vector<SendOutbox::Due>& due);

  SendOutbox* const outbox_;
  const PlatformLookup platforms_;
  GatewayMetrics* const metrics_;
  Clock* const clock_;
  const DispatchOptions options_;
  SendPacer pacer_;
  // Serialises throttles, so an account's stored pause is its latest.
  absl::Mutex throttle_mu_;

  mutable absl::Mutex mu_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Set to wake the loop (the cancel flag of its Clock sleep).
  bool wake_ ABSL_GUARDED_BY(mu_) = false;
  bool sleeping_ ABSL_GUARDED_BY(mu_) = false;
  // When the sleeping loop looks again.
  absl::Time next_look_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Time next_expiry_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  std::deque<Task> tasks_ ABSL_GUARDED_BY(mu_);
  // Accounts with a send handed to the workers and not yet settled.
  std::set<std::string> busy_accounts_ ABSL_GUARDED_BY(mu_);
  // Accounts held back after a storage error, until when.
  std::map<std::string, absl::Time> held_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Wait> waiting_ ABSL_GUARDED_BY(mu_);
  std::thread loop_;
  std::vector<std::thread> workers_;
};

}  // namespace wecom::robot
