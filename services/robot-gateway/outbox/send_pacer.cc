#include "services/robot-gateway/outbox/send_pacer.h"

#include <algorithm>
#include <cmath>

namespace wecom::robot {

SendPacer::SendPacer(PacingOptions options, Clock* clock)
    : options_(options), clock_(clock), started_(clock->Now()) {}

absl::Duration SendPacer::Cooldown(int consecutive) const {
  const double factor = std::pow(options_.cooldown_multiplier, std::max(0, consecutive - 1));
  const double seconds = absl::ToDoubleSeconds(options_.initial_cooldown) * factor;
  if (!std::isfinite(seconds) || seconds >= absl::ToDoubleSeconds(options_.max_cooldown)) {
    return options_.max_cooldown;
  }
  return absl::Seconds(seconds);
}

SendPacer::Slot SendPacer::NextSlot(const std::string& account_id, const std::string& corp_id,
                                    absl::Time now) {
  absl::MutexLock lock(&mu_);
  Slot slot{.at = now, .reason = ""};
  // The latest constraint holds the account; on a tie the longer-lived one
  // names the wait.
  const auto hold = [&slot](absl::Time until, absl::string_view reason) {
    if (until > slot.at || (until == slot.at && !slot.reason.empty())) {
      slot = Slot{.at = until, .reason = reason};
    }
  };
  const auto last = last_call_.find(account_id);
  hold((last != last_call_.end() ? last->second : started_) + options_.min_account_interval,
       kAccountInterval);
  if (options_.corp_hourly_limit > 0) {
    hold(CorpWindow(corp_id).FreeAt(now, options_.corp_hourly_limit), kCorpHourlyLimit);
  }
  const auto pause = pauses_.find(account_id);
  if (pause != pauses_.end()) hold(pause->second.paused_until, kCooldown);
  if (slot.at <= now) slot.reason = "";
  return slot;
}

absl::Time SendPacer::RecordDispatch(const std::string& corp_id) {
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  CorpWindow(corp_id).Add(now);
  return now;
}

void SendPacer::ForgetDispatch(const std::string& corp_id, absl::Time at) {
  absl::MutexLock lock(&mu_);
  const auto corp = corp_window_.find(corp_id);
  if (corp != corp_window_.end()) corp->second.Remove(at);
}

void SendPacer::RestoreDispatches(const std::string& corp_id, absl::Time at, int64_t count) {
  absl::MutexLock lock(&mu_);
  CorpWindow(corp_id).Add(at, count);
}

SlidingWindow& SendPacer::CorpWindow(const std::string& corp_id) {
  return corp_window_.try_emplace(corp_id, kCorpLimitWindow).first->second;
}

void SendPacer::RecordCall(const std::string& account_id) {
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  last_call_[account_id] = now;
}

AccountPause SendPacer::RecordThrottle(const std::string& account_id) {
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  AccountPause& pause = pauses_[account_id];
  ++pause.consecutive_throttles;
  ++pause.throttles;
  pause.paused_until = now + Cooldown(pause.consecutive_throttles);
  return pause;
}

std::optional<AccountPause> SendPacer::RecordConfirmed(const std::string& account_id) {
  absl::MutexLock lock(&mu_);
  const auto it = pauses_.find(account_id);
  if (it == pauses_.end() || it->second.consecutive_throttles == 0) return std::nullopt;
  it->second.consecutive_throttles = 0;
  return it->second;
}

void SendPacer::Restore(const std::string& account_id, const AccountPause& pause) {
  absl::MutexLock lock(&mu_);
  pauses_[account_id] = pause;
}

AccountPause SendPacer::Pause(const std::string& account_id) const {
  absl::MutexLock lock(&mu_);
  const auto it = pauses_.find(account_id);
  return it == pauses_.end() ? AccountPause() : it->second;
}

std::map<std::string, absl::Time> SendPacer::ActivePauses() const {
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  std::map<std::string, absl::Time> active;
  for (const auto& [account, pause] : pauses_) {
    if (pause.paused_until > now) active.emplace(account, pause.paused_until);
  }
  return active;
}

}  // namespace wecom::robot
