// SendDispatcher: takes sends into the outbox and hands them to their
// platforms, one at a time per account, in acceptance order, when pacing
// allows; applies the vendor's callbacks to them. The façade the API and the
// webhook use for everything about sends.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/robot-gateway/outbox/send_outbox.h"
#include "wecom/robot/v1/robot.pb.h"

namespace wecom::robot {

// Where vendor callbacks about sends go (the webhook's view of the dispatcher).
class SendOutcomeSink {
 public:
  virtual ~SendOutcomeSink() = default;
  // See SendOutbox::ApplyVendorOutcome; a -1000999 outcome also pauses the
  // account (escalating cool-down) and records an AccountThrottledEvent.
  virtual absl::StatusOr<std::optional<wecom::robot::v1::Send>> OnVendorOutcome(
      const VendorSendOutcome& outcome) = 0;
  // The vendor reports the account logged in (`online`) or offline (quntool
  // user_login / user_offline). Sends of an offline account wait until it is
  // back. A sink that holds no sends ignores it (the default).
  virtual void OnAccountPresence(const std::string& /*account_id*/, bool /*online*/) {}
};

// Pacing defaults are seed 003's: 500 ms between one account's sends, 50,000
// sends per corp per hour.
struct PacingOptions {
  absl::Duration min_account_interval = absl::Milliseconds(500);
  int corp_hourly_limit = 50000;
  // Cool-down after the first -1000999; each further throttle in a row
  // multiplies it by `cooldown_multiplier`, up to `max_cooldown`.
  absl::Duration initial_cooldown = absl::Minutes(5);
  double cooldown_multiplier = 2.0;
  absl::Duration max_cooldown = absl::Hours(6);
};

struct DispatchOptions {
  PacingOptions pacing;
  // Delivery attempts per send (throttled or unreachable vendor) before it fails.
  int max_attempts = 5;
  // Wait before retrying a send the vendor could not be reached for.
  absl::Duration unavailable_retry_delay = absl::Seconds(5);
  // An OUTCOME_UNKNOWN send no callback reconciles within this fails.
  absl::Duration unknown_outcome_timeout = absl::Minutes(10);
  // A SENT send whose echo has not come within this stops counting as pending
  // (the outbox age); it stays SENT, and a late echo still confirms it.
  absl::Duration sent_confirmation_timeout = absl::Minutes(10);
  // While the vendor reports an account offline its sends wait; its next send
  // is tried this often, in case its login callback was lost.
  absl::Duration offline_probe_interval = absl::Minutes(1);
  // Vendor calls in flight at once (never more than one per account).
  int max_concurrent_sends = 8;
};

class SendDispatcher : public SendOutcomeSink {
 public:
  virtual ~SendDispatcher() = default;
  // Stores a send (see SendOutbox::Accept) and wakes the dispatch loop.
  virtual absl::StatusOr<SendOutbox::Accepted> Accept(wecom::robot::v1::Send send,
                                                      const std::string& corp_id) = 0;
  virtual absl::StatusOr<wecom::robot::v1::Send> Get(const std::string& send_id) const = 0;
  virtual absl::StatusOr<wecom::robot::v1::Send> GetByIdempotencyKey(
      const std::string& account_id, const std::string& key) const = 0;
  // The account's pacing state (paused, cool-down end, queued sends, offline).
  virtual wecom::robot::v1::AccountPacing Pacing(const std::string& account_id) const = 0;
};

}  // namespace wecom::robot
