// OutboxDispatcher: the SendDispatcher over a SendOutbox. A loop thread picks
// each account's oldest QUEUED send once its pacing allows and hands it to a
// small pool of workers, which call the vendor (one call in flight per
// account, at most max_concurrent_sends in all). The loop sleeps on the Clock
// until the next send is due or something changes (a send accepted, a call
// answered, a callback applied).
//
// An account the vendor reports offline (a send refused with
// IsAccountOffline(), or a presence callback) is held: its sends stay QUEUED
// until it logs in again, or a probe (its next send, tried every
// offline_probe_interval) goes through. Only a vendor's own answer ends a
// hold (not a transport failure), and an offline answer to a call that began
// before a login does not hold the account again. A hold with nothing queued
// ends at its probe time. The holds live in memory only: after a restart the
// first send finds out again.
#pragma once

#include <cstdint>
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
#include "absl/strings/string_view.h"
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

  // Restores the accounts' stored pauses and the corps' dispatches of the last
  // hour, and starts dispatching. Call once: FAILED_PRECONDITION afterwards,
  // restoring nothing.
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
  void OnAccountPresence(const std::string& account_id, bool online) override;

  // Blocks until the dispatcher has nothing to do before the clock moves on:
  // its loop sleeps with nothing due, no vendor call is in flight and nothing
  // woke it since. False when `deadline` (real time) passed first. For tests
  // on a FakeClock, so they advance time only once the dispatcher caught up.
  bool WaitUntilIdle(absl::Time deadline);

 private:
  struct Task {
    SendOutbox::Due due;
    AccountRef account;
    // When the pacer counted it for its corp (SendPacer::RecordDispatch).
    absl::Time dispatched_at;
    // The account's logins reported when it was handed over (LoginsOf).
    uint64_t logins = 0;
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
  // Starts or continues the account's wait for `reason` (ending a wait for
  // another reason) and adds it to `still_waiting`.
  void KeepWaiting(const std::string& account_id, absl::string_view reason, absl::Time now,
                   std::set<std::string>& still_waiting) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
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
  // Holds the offline account until its next probe (or its login).
  void HoldOffline(const std::string& account_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ReleaseOffline(const std::string& account_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  uint64_t LoginsOf(const std::string& account_id) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
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
  // Accounts the vendor reports offline, and when their next send is tried.
  std::map<std::string, absl::Time> offline_ ABSL_GUARDED_BY(mu_);
  // Logins reported per account (one entry per account that ever logged in):
  // the presence generation a vendor call's offline answer is checked against.
  std::map<std::string, uint64_t> logins_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Wait> waiting_ ABSL_GUARDED_BY(mu_);
  std::thread loop_;
  std::vector<std::thread> workers_;
};

}  // namespace wecom::robot
