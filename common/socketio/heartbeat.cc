#include "common/socketio/heartbeat.h"

namespace wecom::socketio {

Heartbeat::Heartbeat(EngineIoVersion version, absl::Duration ping_interval,
                     absl::Duration ping_timeout, Clock* clock)
    : version_(version),
      ping_interval_(ping_interval),
      ping_timeout_(ping_timeout),
      clock_(clock),
      last_ping_(clock->Now()) {}

void Heartbeat::OnPing() {
  if (version_ == EngineIoVersion::kV4 && !dead_) last_ping_ = clock_->Now();
}

void Heartbeat::OnPong() {
  if (version_ == EngineIoVersion::kV3) awaiting_pong_ = false;
}

Heartbeat::Action Heartbeat::Poll() {
  if (dead_) return Action::kDead;
  const absl::Time now = clock_->Now();
  if (version_ == EngineIoVersion::kV4) {
    dead_ = now >= NextDeadline();
    return dead_ ? Action::kDead : Action::kNone;
  }
  if (awaiting_pong_) {
    dead_ = now >= NextDeadline();
    return dead_ ? Action::kDead : Action::kNone;
  }
  if (now < NextDeadline()) return Action::kNone;
  // The pong timeout, and the next interval, run from when the ping is sent.
  last_ping_ = now;
  awaiting_pong_ = true;
  return Action::kSendPing;
}

absl::Time Heartbeat::NextDeadline() const {
  if (dead_) return absl::InfiniteFuture();
  if (version_ == EngineIoVersion::kV4) return last_ping_ + ping_interval_ + ping_timeout_;
  return last_ping_ + (awaiting_pong_ ? ping_timeout_ : ping_interval_);
}

}  // namespace wecom::socketio
