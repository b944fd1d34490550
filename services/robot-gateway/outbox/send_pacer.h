// SendPacer: when may an account send next, and why must it wait. Plain logic
// on a Clock (PacingOptions): a minimum interval between one account's vendor
// calls, a sliding one-hour limit per corp, and an escalating cool-down per
// throttled account. Thread-safe. The dispatcher persists the pauses
// (SendOutbox::StorePause) and the corps' dispatches (counted by
// SendOutbox::BeginAttempt, given back by ReturnUnsent) and restores both on
// start.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/ratelimit/sliding_window.h"
#include "common/time/clock.h"
#include "services/robot-gateway/outbox/send_dispatcher.h"
#include "services/robot-gateway/outbox/send_outbox.h"

namespace wecom::robot {

class SendPacer {
 public:
  // Why a due send waits (GatewayMetrics::PacingWait reasons).
  static constexpr absl::string_view kAccountInterval = "account_interval";
  static constexpr absl::string_view kCorpHourlyLimit = "corp_hourly_limit";
  static constexpr absl::string_view kCooldown = "cooldown";

  // Every account's first call waits min_account_interval from now, since a
  // previous process may just have sent for it. The corp windows start empty
  // until RestoreDispatches fills them.
  SendPacer(PacingOptions options, Clock* clock);

  struct Slot {
    // The earliest time the account may send; at or before Now(): at once.
    absl::Time at;
    // What holds the account until `at`; empty when nothing does.
    absl::string_view reason;
  };
  // `now` is the caller's reading of the clock, so that "free at once" means
  // slot.at <= now for the caller too.
  Slot NextSlot(const std::string& account_id, const std::string& corp_id, absl::Time now);

  // A send of the corp was taken for dispatch now: it counts for the corp's
  // hour from here. Returns the time recorded (for ForgetDispatch).
  absl::Time RecordDispatch(const std::string& corp_id);
  // The corp's dispatch recorded at `at` never reached WeCom (the vendor
  // refused it unsent): it no longer counts.
  void ForgetDispatch(const std::string& corp_id, absl::Time at);
  // `count` dispatches of the corp at `at` (not after now) by an earlier
  // process: they count for the corp's hour from `at`.
  void RestoreDispatches(const std::string& corp_id, absl::Time at, int64_t count);
  // The vendor answered the account's call now: its next call waits the
  // interval from here (the request arrived at or before this moment).
  void RecordCall(const std::string& account_id);

  // The vendor throttled the account: pauses it for the next cool-down
  // (initial_cooldown, multiplied by cooldown_multiplier for each further
  // throttle in a row, up to max_cooldown). Returns the new pause.
  AccountPause RecordThrottle(const std::string& account_id);
  // A send of the account was confirmed: the next throttle starts from
  // initial_cooldown again. Returns the pause when this reset it (to store).
  std::optional<AccountPause> RecordConfirmed(const std::string& account_id);
  // A pause stored by an earlier process.
  void Restore(const std::string& account_id, const AccountPause& pause);

  AccountPause Pause(const std::string& account_id) const;
  // The accounts in a cool-down now, with its end.
  std::map<std::string, absl::Time> ActivePauses() const;

 private:
  // The cool-down after `consecutive` throttles in a row.
  absl::Duration Cooldown(int consecutive) const;
  SlidingWindow& CorpWindow(const std::string& corp_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const PacingOptions options_;
  Clock* const clock_;
  const absl::Time started_;

  mutable absl::Mutex mu_;
  std::map<std::string, absl::Time> last_call_ ABSL_GUARDED_BY(mu_);
  // Per corp, the dispatches of the last hour.
  std::map<std::string, SlidingWindow> corp_window_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, AccountPause> pauses_ ABSL_GUARDED_BY(mu_);
};

}  // namespace wecom::robot
