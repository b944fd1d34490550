#include "services/robot-gateway/outbox/outbox_dispatcher.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/status/status_macros.h"
#include "common/status/vendor_error.h"

namespace wecom::robot {
namespace {

using wecom::common::v1::VendorError;

// robot_gateway_paused_accounts reasons; "offline" is also the reason of a
// pacing wait (robot_gateway_pacing_wait_seconds_total) for an offline account.
constexpr absl::string_view kPausedThrottled = "throttled";
constexpr absl::string_view kOffline = "offline";

std::string VendorOf(const std::string& account_id) {
  absl::StatusOr<AccountRef> ref = ParseAccountId(account_id);
  return ref.ok() ? std::string(VendorName(ref->vendor)) : std::string();
}

// The vendor's error in `status`, or one made from the status message.
VendorError ErrorOf(const absl::Status& status, v1::Vendor vendor) {
  if (std::optional<VendorError> error = GetVendorError(status)) return *error;
  VendorError error;
  error.set_vendor(std::string(VendorName(vendor)));
  error.set_message(std::string(status.message()));
  error.set_retryable(status.code() == absl::StatusCode::kUnavailable);
  return error;
}

// Whether the vendor itself answered the send call: a success, or a refusal
// with its own error code. A transport failure says nothing about the
// account's login.
bool VendorAnswered(const absl::Status& status) {
  if (status.ok()) return true;
  if (status.code() == absl::StatusCode::kUnavailable ||
      status.code() == absl::StatusCode::kDeadlineExceeded) {
    return false;
  }
  const std::optional<VendorError> error = GetVendorError(status);
  return error.has_value() && error->code() != 0;
}

// How often the outbox expires what waited too long (SendOutbox::Expire):
// at most a tenth of a timeout late.
absl::Duration ExpiryInterval(const DispatchOptions& options) {
  return std::max(
      absl::Seconds(1),
      std::min(options.unknown_outcome_timeout, options.sent_confirmation_timeout) / 10);
}

v1::Event ThrottledEvent(const std::string& account_id, const AccountPause& pause, absl::Time now) {
  v1::Event event;
  event.set_event_id(absl::StrCat("gateway:throttle:", account_id, ":", pause.throttles));
  event.set_account_id(account_id);
  absl::StatusOr<AccountRef> ref = ParseAccountId(account_id);
  if (ref.ok()) event.set_vendor(ref->vendor);
  event.set_occurred_at_ms(absl::ToUnixMillis(now));
  event.mutable_account_throttled()->set_paused_until_ms(absl::ToUnixMillis(pause.paused_until));
  event.mutable_account_throttled()->set_consecutive_throttles(pause.consecutive_throttles);
  event.set_vendor_type("gateway.account_throttled");
  return event;
}

}  // namespace

OutboxDispatcher::OutboxDispatcher(SendOutbox* outbox, PlatformLookup platforms,
                                   GatewayMetrics* metrics, Clock* clock, DispatchOptions options)
    : outbox_(outbox),
      platforms_(std::move(platforms)),
      metrics_(metrics),
      clock_(clock),
      options_(options),
      pacer_(options.pacing, clock) {
  outbox_->SetTransitionListener([this](const v1::Send& send) { OnTransition(send); });
}

OutboxDispatcher::~OutboxDispatcher() {
  Stop();
  outbox_->SetTransitionListener(nullptr);
}

absl::Status OutboxDispatcher::Start() {
  absl::MutexLock lock(&mu_);
  // Before restoring anything: a second start must not count it twice.
  if (started_ || stopping_) return absl::FailedPreconditionError("dispatcher already started");
  ASSIGN_OR_RETURN(const auto pauses, outbox_->LoadPauses());
  for (const auto& [account, pause] : pauses) pacer_.Restore(account, pause);
  const absl::Time now = clock_->Now();
  for (const auto& [corp, minutes] : outbox_->CorpDispatches()) {
    for (const SendOutbox::MinuteCount& count : minutes) {
      // As late in its minute as can be: the limit then holds longer, never
      // shorter, than for the real times.
      pacer_.RestoreDispatches(corp, std::min(count.minute + absl::Minutes(1), now),
                               count.dispatches);
    }
  }
  started_ = true;
  for (int i = 0; i < std::max(1, options_.max_concurrent_sends); ++i) {
    workers_.emplace_back([this] { Work(); });
  }
  loop_ = std::thread([this] { Loop(); });
  return absl::OkStatus();
}

void OutboxDispatcher::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
    wake_ = true;
  }
  if (loop_.joinable()) loop_.join();
  for (std::thread& worker : workers_) worker.join();
  workers_.clear();
}

void OutboxDispatcher::Loop() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      wake_ = false;
    }
    absl::StatusOr<std::vector<SendOutbox::Due>> due = Survey();
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    if (due.ok()) {
      next_look_ = DispatchDue(*due);
    } else {
      log::Error("outbox_read_failed", {{"error", due.status().ToString()}});
      next_look_ = clock_->Now() + options_.unavailable_retry_delay;
    }
    sleeping_ = true;
    clock_->SleepUntil(next_look_, &mu_, &wake_);
    sleeping_ = false;
  }
}

absl::StatusOr<std::vector<SendOutbox::Due>> OutboxDispatcher::Survey() {
  const absl::Time now = clock_->Now();
  bool expire = false;
  {
    absl::MutexLock lock(&mu_);
    if (now >= next_expiry_) {
      expire = true;
      next_expiry_ = now + ExpiryInterval(options_);
    }
  }
  if (expire) {
    absl::StatusOr<SendOutbox::Expired> expired =
        outbox_->Expire(options_.unknown_outcome_timeout, options_.sent_confirmation_timeout);
    if (!expired.ok()) {
      log::Error("outbox_expire_failed", {{"error", expired.status().ToString()}});
    } else {
      if (!expired->failed.empty()) {
        log::Warn("sends_outcome_unknown_expired", {{"sends", expired->failed.size()}});
      }
      for (const auto& [vendor, sends] : expired->unconfirmed) {
        log::Warn("sends_echo_overdue", {{"vendor", vendor}, {"sends", sends}});
        if (metrics_ != nullptr) metrics_->SendsEchoOverdue(vendor, sends);
      }
    }
  }
  ASSIGN_OR_RETURN(std::vector<SendOutbox::Due> due, outbox_->NextPerAccount());
  PublishGauges(due);
  return due;
}

void OutboxDispatcher::PublishGauges(const std::vector<SendOutbox::Due>& due) {
  if (metrics_ == nullptr) return;
  std::optional<absl::Time> oldest;
  for (const SendOutbox::Due& head : due) {
    const absl::Time accepted = absl::FromUnixMillis(head.send.accepted_at_ms());
    if (!oldest.has_value() || accepted < *oldest) oldest = accepted;
  }
  const std::optional<absl::Time> pending = outbox_->OldestPendingAcceptedAt();
  if (pending.has_value() && (!oldest.has_value() || *pending < *oldest)) oldest = *pending;
  const absl::Time now = clock_->Now();
  metrics_->SetOutbox(static_cast<double>(outbox_->QueuedCount()),
                      oldest.has_value() ? absl::ToDoubleSeconds(now - *oldest) : 0);
  std::map<std::string, int> throttled;
  for (const auto& [account, until] : pacer_.ActivePauses()) ++throttled[VendorOf(account)];
  // Only held accounts with queued sends: a hold with nothing to send holds
  // nothing.
  std::map<std::string, int> offline;
  {
    absl::MutexLock lock(&mu_);
    for (const SendOutbox::Due& head : due) {
      const std::string& account = head.send.account_id();
      if (offline_.contains(account)) ++offline[VendorOf(account)];
    }
  }
  for (int vendor = v1::Vendor_MIN; vendor <= v1::Vendor_MAX; ++vendor) {
    if (!v1::Vendor_IsValid(vendor) || vendor == v1::VENDOR_UNSPECIFIED) continue;
    const std::string name(VendorName(static_cast<v1::Vendor>(vendor)));
    metrics_->SetPausedAccounts(name, kPausedThrottled, throttled[name]);
    metrics_->SetPausedAccounts(name, kOffline, offline[name]);
  }
}

absl::Time OutboxDispatcher::DispatchDue(const std::vector<SendOutbox::Due>& due) {
  const absl::Time now = clock_->Now();
  absl::Time next = next_expiry_;
  // Wake when a cool-down ends, to refresh the paused-accounts gauge.
  for (const auto& [account, until] : pacer_.ActivePauses()) next = std::min(next, until);
  std::set<std::string> still_waiting;
  std::set<std::string> queued;
  const size_t capacity = static_cast<size_t>(std::max(1, options_.max_concurrent_sends));
  for (const SendOutbox::Due& head : due) {
    const std::string& account = head.send.account_id();
    queued.insert(account);
    // One call in flight per account; its answer wakes the loop.
    if (busy_accounts_.contains(account)) continue;
    if (const auto held = held_.find(account); held != held_.end()) {
      if (held->second > now) {
        next = std::min(next, held->second);
        continue;
      }
      held_.erase(held);
    }
    // Until its probe is due; the probe itself goes like any send.
    if (const auto offline = offline_.find(account);
        offline != offline_.end() && offline->second > now) {
      next = std::min(next, offline->second);
      KeepWaiting(account, kOffline, now, still_waiting);
      continue;
    }
    const SendPacer::Slot slot = pacer_.NextSlot(account, head.corp_id, now);
    const absl::Time at = std::max(slot.at, head.not_before);
    if (at > now) {
      next = std::min(next, at);
      if (!slot.reason.empty()) KeepWaiting(account, slot.reason, now, still_waiting);
      continue;
    }
    // A settled call wakes the loop to fill the freed place.
    if (busy_accounts_.size() >= capacity) {
      if (waiting_.contains(account)) still_waiting.insert(account);
      continue;
    }
    absl::StatusOr<AccountRef> ref = ParseAccountId(account);
    if (!ref.ok()) continue;  // Accept stores only valid account ids.
    EndWait(account, now);
    const absl::Time dispatched_at = pacer_.RecordDispatch(head.corp_id);
    busy_accounts_.insert(account);
    tasks_.push_back(Task{.due = head,
                          .account = *std::move(ref),
                          .dispatched_at = dispatched_at,
                          .logins = LoginsOf(account)});
  }
  // A hold with nothing queued ends at its probe time: a later send is tried
  // at once, and holds the account again if it is still offline.
  for (auto it = offline_.begin(); it != offline_.end();) {
    const auto& [account, probe_at] = *it;
    if (queued.contains(account) || busy_accounts_.contains(account)) {
      ++it;
    } else if (probe_at <= now) {
      it = offline_.erase(it);
    } else {
      next = std::min(next, probe_at);
      ++it;
    }
  }
  // Waits that ended otherwise: the send failed or was confirmed meanwhile.
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    const std::string account = (it++)->first;
    if (!still_waiting.contains(account)) EndWait(account, now);
  }
  return next;
}

void OutboxDispatcher::KeepWaiting(const std::string& account_id, absl::string_view reason,
                                   absl::Time now, std::set<std::string>& still_waiting) {
  still_waiting.insert(account_id);
  const auto [wait, inserted] = waiting_.try_emplace(account_id, Wait{now, reason});
  if (!inserted && wait->second.reason != reason) {
    EndWait(account_id, now);
    waiting_.emplace(account_id, Wait{now, reason});
  }
}

void OutboxDispatcher::EndWait(const std::string& account_id, absl::Time now) {
  const auto it = waiting_.find(account_id);
  if (it == waiting_.end()) return;
  if (metrics_ != nullptr) {
    metrics_->PacingWait(VendorOf(account_id), account_id, it->second.reason,
                         now - it->second.since);
  }
  waiting_.erase(it);
}

void OutboxDispatcher::Work() {
  while (true) {
    Task task;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](OutboxDispatcher* self)
               ABSL_NO_THREAD_SAFETY_ANALYSIS { return self->stopping_ || !self->tasks_.empty(); },
          this));
      // Tasks not started stay QUEUED in the outbox for the next start.
      if (stopping_) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    Attempt(task);
    absl::MutexLock lock(&mu_);
    busy_accounts_.erase(task.due.send.account_id());
    wake_ = true;
  }
}

void OutboxDispatcher::Attempt(const Task& task) {
  const v1::Send& send = task.due.send;
  RobotPlatform* platform = platforms_(task.account.vendor);
  if (platform == nullptr) {
    // Never handed to the vendor: its dispatch does not count.
    pacer_.ForgetDispatch(task.due.corp_id, task.dispatched_at);
    VendorError error;
    error.set_vendor(std::string(VendorName(task.account.vendor)));
    error.set_message("no platform serves this vendor");
    absl::Status failed = outbox_->MarkFailed(send.send_id(), error).status();
    if (!failed.ok()) log::Error("outbox_write_failed", {{"error", failed.ToString()}});
    return;
  }
  absl::StatusOr<v1::Send> attempt = outbox_->BeginAttempt(send.send_id());
  if (!attempt.ok()) {
    // Never handed to the vendor: its dispatch does not count.
    pacer_.ForgetDispatch(task.due.corp_id, task.dispatched_at);
    // FAILED_PRECONDITION: the send moved on since the loop read it.
    if (attempt.status().code() == absl::StatusCode::kFailedPrecondition) {
      log::Debug("send_moved_on",
                 {{"send_id", send.send_id()}, {"why", attempt.status().message()}});
    } else {
      log::Error("outbox_write_failed",
                 {{"send_id", send.send_id()}, {"error", attempt.status().ToString()}});
      absl::MutexLock lock(&mu_);
      held_[send.account_id()] = clock_->Now() + options_.unavailable_retry_delay;
    }
    return;
  }
  const OutgoingMessage message{.account = task.account,
                                .conversation_id = send.conversation_id(),
                                .content = send.content(),
                                .send_id = send.send_id()};
  const absl::StatusOr<std::string> answer = platform->SendMessage(message);
  // The interval counts from the answer: the vendor measures arrivals, and a
  // request delayed on its way would otherwise let the next one arrive early.
  pacer_.RecordCall(send.account_id());
  if (absl::Status settled = Settle(task, *attempt, answer); !settled.ok()) {
    // The send stays marked in flight: the next start makes it OUTCOME_UNKNOWN.
    log::Error("outbox_write_failed", {{"send_id", send.send_id()}, {"error", settled.ToString()}});
  }
}

absl::Status OutboxDispatcher::Settle(const Task& task, const v1::Send& attempt,
                                      const absl::StatusOr<std::string>& answer) {
  const std::string& send_id = attempt.send_id();
  const std::string& account = attempt.account_id();
  const absl::Status& status = answer.status();
  const bool offline = IsAccountOffline(status);
  {
    absl::MutexLock lock(&mu_);
    if (offline) {
      // A login reported since the send was handed over is newer than this answer.
      if (LoginsOf(account) == task.logins) HoldOffline(account);
    } else if (VendorAnswered(status)) {
      // The vendor served the account: it is logged in.
      ReleaseOffline(account);
    }
  }
  if (offline) {
    // It never reached WeCom: neither the attempt nor the dispatch counts.
    pacer_.ForgetDispatch(task.due.corp_id, task.dispatched_at);
    return outbox_->ReturnUnsent(send_id, ErrorOf(status, task.account.vendor)).status();
  }
  if (answer.ok()) return outbox_->MarkSent(send_id, *answer).status();
  // The request may have reached the vendor: only a callback can tell.
  if (status.code() == absl::StatusCode::kDeadlineExceeded) {
    return outbox_->MarkOutcomeUnknown(send_id).status();
  }
  const VendorError error = ErrorOf(status, task.account.vendor);
  const bool unreachable = status.code() == absl::StatusCode::kUnavailable;
  // A throttle answered at once is retried like one from a callback; the
  // transition pauses the account (OnTransition).
  const bool throttled = error.code() == kVendorThrottledCode;
  if ((unreachable || throttled) && attempt.attempts() < options_.max_attempts) {
    return outbox_
        ->Requeue(send_id, error,
                  unreachable ? options_.unavailable_retry_delay : absl::ZeroDuration())
        .status();
  }
  return outbox_->MarkFailed(send_id, error).status();
}

void OutboxDispatcher::OnTransition(const v1::Send& send) {
  const std::string& account = send.account_id();
  if (metrics_ != nullptr) metrics_->SendState(VendorOf(account), account, send.state());
  // Only a throttle moves a send to QUEUED or FAILED with this error: every
  // other way there sets its own error.
  if ((send.state() == v1::SEND_STATE_QUEUED || send.state() == v1::SEND_STATE_FAILED) &&
      send.error().code() == kVendorThrottledCode) {
    Throttle(account);
  } else if (send.state() == v1::SEND_STATE_CONFIRMED) {
    absl::MutexLock lock(&throttle_mu_);
    if (std::optional<AccountPause> reset = pacer_.RecordConfirmed(account)) {
      absl::Status stored = outbox_->StorePause(account, *reset);
      if (!stored.ok()) log::Error("outbox_write_failed", {{"error", stored.ToString()}});
    }
  }
  Wake();
}

void OutboxDispatcher::Throttle(const std::string& account_id) {
  absl::MutexLock lock(&throttle_mu_);
  const AccountPause pause = pacer_.RecordThrottle(account_id);
  const absl::Time now = clock_->Now();
  absl::Status stored =
      outbox_->StorePause(account_id, pause, ThrottledEvent(account_id, pause, now));
  if (!stored.ok()) log::Error("outbox_write_failed", {{"error", stored.ToString()}});
  if (metrics_ != nullptr) metrics_->AccountThrottled(VendorOf(account_id), account_id);
  log::Warn("account_throttled",
            {{"account_id", account_id},
             {"consecutive_throttles", pause.consecutive_throttles},
             {"cooldown_seconds", absl::ToInt64Seconds(pause.paused_until - now)}});
}

void OutboxDispatcher::HoldOffline(const std::string& account_id) {
  const auto [hold, added] =
      offline_.insert_or_assign(account_id, clock_->Now() + options_.offline_probe_interval);
  if (added) log::Info("account_offline", {{"account_id", account_id}});
}

void OutboxDispatcher::ReleaseOffline(const std::string& account_id) {
  if (offline_.erase(account_id) > 0) log::Info("account_online", {{"account_id", account_id}});
}

uint64_t OutboxDispatcher::LoginsOf(const std::string& account_id) const {
  const auto it = logins_.find(account_id);
  return it != logins_.end() ? it->second : 0;
}

void OutboxDispatcher::OnAccountPresence(const std::string& account_id, bool online) {
  if (!ParseAccountId(account_id).ok()) return;
  absl::MutexLock lock(&mu_);
  if (online) {
    ++logins_[account_id];
    ReleaseOffline(account_id);
  } else if (!offline_.contains(account_id)) {
    HoldOffline(account_id);
  }
  wake_ = true;
}

void OutboxDispatcher::Wake() {
  absl::MutexLock lock(&mu_);
  wake_ = true;
}

bool OutboxDispatcher::Idle() const {
  return sleeping_ && !wake_ && tasks_.empty() && busy_accounts_.empty() &&
         clock_->Now() < next_look_;
}

bool OutboxDispatcher::WaitUntilIdle(absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithDeadline(absl::Condition(this, &OutboxDispatcher::Idle), deadline);
}

absl::StatusOr<SendOutbox::Accepted> OutboxDispatcher::Accept(v1::Send send,
                                                              const std::string& corp_id) {
  ASSIGN_OR_RETURN(const AccountRef account, ParseAccountId(send.account_id()));
  RobotPlatform* platform = platforms_(account.vendor);
  if (platform == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("no platform serves ", VendorName(account.vendor), " accounts"));
  }
  send.set_transport(platform->TransportFor(account));
  return outbox_->Accept(std::move(send), corp_id);
}

absl::StatusOr<v1::Send> OutboxDispatcher::Get(const std::string& send_id) const {
  return outbox_->Get(send_id);
}

absl::StatusOr<v1::Send> OutboxDispatcher::GetByIdempotencyKey(const std::string& account_id,
                                                               const std::string& key) const {
  return outbox_->GetByIdempotencyKey(account_id, key);
}

v1::AccountPacing OutboxDispatcher::Pacing(const std::string& account_id) const {
  const AccountPause pause = pacer_.Pause(account_id);
  v1::AccountPacing pacing;
  if (pause.paused_until > clock_->Now()) {
    pacing.set_paused(true);
    pacing.set_paused_until_ms(absl::ToUnixMillis(pause.paused_until));
  }
  pacing.set_consecutive_throttles(pause.consecutive_throttles);
  pacing.set_queued_sends(outbox_->QueuedCount(account_id));
  absl::MutexLock lock(&mu_);
  pacing.set_offline(offline_.contains(account_id));
  return pacing;
}

absl::StatusOr<std::optional<v1::Send>> OutboxDispatcher::OnVendorOutcome(
    const VendorSendOutcome& outcome) {
  ASSIGN_OR_RETURN(std::optional<v1::Send> send,
                   outbox_->ApplyVendorOutcome(outcome, options_.max_attempts));
  // Not one of ours (a send by hand or by another tool), yet the account is
  // throttled all the same.
  if (!send.has_value() && outcome.error_code == kVendorThrottledCode) {
    Throttle(outcome.account_id);
    Wake();
  }
  return send;
}

}  // namespace wecom::robot
