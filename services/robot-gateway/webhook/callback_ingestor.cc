#include "services/robot-gateway/webhook/callback_ingestor.h"

#include <optional>
#include <string>
#include <utility>

#include "common/log/log.h"
#include "common/status/status_macros.h"
#include "services/robot-gateway/core/account_id.h"

namespace wecom::robot {

absl::Status CallbackIngestor::Deliver(VendorEvent callback) {
  v1::Event& event = callback.event;
  const absl::string_view vendor = VendorName(event.vendor());
  // A redelivery had its effects when it was first stored; applying its
  // outcome or confirming again could only repeat them. The claim keeps a
  // concurrent delivery of the same callback out until this one is stored.
  ASSIGN_OR_RETURN(EventLog::Claim claim, log_->ClaimEventId(event.event_id()));
  if (claim.stored().has_value()) {
    metrics_->EventDuplicate(vendor);
    return absl::OkStatus();
  }
  if (callback.send_outcome.has_value() && outcomes_ != nullptr) {
    ASSIGN_OR_RETURN(const std::optional<v1::Send> send,
                     outcomes_->OnVendorOutcome(*callback.send_outcome));
    if (send.has_value()) event.mutable_message()->set_send_id(send->send_id());
  }
  if (event.has_login() && outcomes_ != nullptr) {
    switch (event.login().kind()) {
      case v1::LoginEvent::KIND_LOGGED_IN:
        outcomes_->OnAccountPresence(event.account_id(), /*online=*/true);
        break;
      case v1::LoginEvent::KIND_OFFLINE:
        outcomes_->OnAccountPresence(event.account_id(), /*online=*/false);
        break;
      default:
        break;  // Login progress says nothing about sending.
    }
  }
  if (event.has_batch_message_confirm() && options_.auto_confirm_batch_messages) {
    event.mutable_batch_message_confirm()->set_auto_confirmed(ConfirmBatch(event));
  }
  RETURN_IF_ERROR(std::move(claim).Append(event).status());
  metrics_->EventStored(vendor, event.vendor_type());
  return absl::OkStatus();
}

bool CallbackIngestor::ConfirmBatch(const v1::Event& event) {
  absl::StatusOr<AccountRef> account = ParseAccountId(event.account_id());
  absl::Status confirmed = account.status();
  if (account.ok()) {
    RobotPlatform* platform = platforms_ ? platforms_(account->vendor) : nullptr;
    confirmed = platform == nullptr
                    ? absl::FailedPreconditionError("no platform serves the account's vendor")
                    : platform->ConfirmBatchMessages(*account);
  }
  if (!confirmed.ok()) {
    log::Warn("batch_confirm_failed",
              {{"account_id", event.account_id()}, {"error", confirmed.ToString()}});
  }
  return confirmed.ok();
}

}  // namespace wecom::robot
