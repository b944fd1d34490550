#include "services/robot-gateway/api/accounts_api.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "services/robot-gateway/api/request_check.h"

namespace wecom::robot {
namespace {

constexpr int kMaxControlledAccounts = 100;

}  // namespace

absl::StatusOr<v1::ListAccountsResponse> AccountsApi::ListAccounts(
    const v1::ListAccountsRequest& request) {
  const RequestCheck check("ListAccounts", metrics_);
  std::vector<RobotPlatform*> platforms = platforms_->all();
  if (request.vendor() != v1::VENDOR_UNSPECIFIED) {
    RETURN_IF_ERROR(check.Vendor("vendor", request.vendor()));
    ASSIGN_OR_RETURN(RobotPlatform * platform, platforms_->For(request.vendor()));
    platforms = {platform};
  }
  v1::ListAccountsResponse response;
  for (RobotPlatform* platform : platforms) {
    ASSIGN_OR_RETURN(std::vector<v1::Account> accounts, accounts_->Fetch(platform->vendor()));
    for (v1::Account& account : accounts) {
      if (!request.include_offline() && account.status() != v1::ACCOUNT_STATUS_ONLINE) continue;
      if (!request.operator_id().empty() && account.operator_id() != request.operator_id()) {
        continue;
      }
      *response.add_accounts() = WithSendState(*platform, std::move(account));
    }
  }
  return response;
}

absl::StatusOr<v1::GetAccountResponse> AccountsApi::GetAccount(
    const v1::GetAccountRequest& request) {
  const RequestCheck check("GetAccount", metrics_);
  ASSIGN_OR_RETURN(AccountRef ref, check.Account("account_id", request.account_id()));
  // Fetched now, so a client watching a login sees its state change at once.
  RETURN_IF_ERROR(accounts_->Fetch(ref.vendor).status());
  ASSIGN_OR_RETURN(v1::Account account, accounts_->Find(ref));
  ASSIGN_OR_RETURN(RobotPlatform * platform, platforms_->For(ref.vendor));
  v1::GetAccountResponse response;
  *response.mutable_account() = WithSendState(*platform, std::move(account));
  return response;
}

absl::StatusOr<v1::ListOperatorsResponse> AccountsApi::ListOperators(
    const v1::ListOperatorsRequest& request) {
  const RequestCheck check("ListOperators", metrics_);
  RETURN_IF_ERROR(check.Vendor("vendor", request.vendor()));
  ASSIGN_OR_RETURN(RobotPlatform * platform, platforms_->For(request.vendor()));
  return platform->ListOperators(request);
}

absl::StatusOr<v1::StartLoginResponse> AccountsApi::StartLogin(
    const v1::StartLoginRequest& request) {
  const RequestCheck check("StartLogin", metrics_);
  RETURN_IF_ERROR(check.Vendor("vendor", request.vendor()));
  RETURN_IF_ERROR(check.NotBlank("operator_id", request.operator_id()));
  ASSIGN_OR_RETURN(RobotPlatform * platform, platforms_->For(request.vendor()));
  return platform->StartLogin(request);
}

absl::StatusOr<v1::VerifyLoginResponse> AccountsApi::VerifyLogin(
    const v1::VerifyLoginRequest& request) {
  const RequestCheck check("VerifyLogin", metrics_);
  RETURN_IF_ERROR(check.Vendor("vendor", request.vendor()));
  RETURN_IF_ERROR(check.NotBlank("host", request.host()));
  RETURN_IF_ERROR(check.NotBlank("qrcode_key", request.qrcode_key()));
  RETURN_IF_ERROR(check.NotBlank("code", request.code()));
  ASSIGN_OR_RETURN(RobotPlatform * platform, platforms_->For(request.vendor()));
  return platform->VerifyLogin(request);
}

absl::StatusOr<v1::AccountsControlResponse> AccountsApi::StartAccounts(
    const v1::AccountsControlRequest& request) {
  return Control("StartAccounts", AccountControl::kStart, request);
}

absl::StatusOr<v1::AccountsControlResponse> AccountsApi::StopAccounts(
    const v1::AccountsControlRequest& request) {
  return Control("StopAccounts", AccountControl::kStop, request);
}

absl::StatusOr<v1::AccountsControlResponse> AccountsApi::RestartAccounts(
    const v1::AccountsControlRequest& request) {
  return Control("RestartAccounts", AccountControl::kRestart, request);
}

absl::StatusOr<v1::AccountsControlResponse> AccountsApi::LogOutAccounts(
    const v1::AccountsControlRequest& request) {
  return Control("LogOutAccounts", AccountControl::kLogOut, request);
}

absl::StatusOr<v1::ListAccountResourcesResponse> AccountsApi::ListAccountResources(
    const v1::ListAccountResourcesRequest& request) {
  const RequestCheck check("ListAccountResources", metrics_);
  RETURN_IF_ERROR(check.Vendor("vendor", request.vendor()));
  ASSIGN_OR_RETURN(RobotPlatform * platform, platforms_->For(request.vendor()));
  return platform->ListAccountResources(request);
}

absl::StatusOr<v1::AccountsControlResponse> AccountsApi::Control(
    absl::string_view method, AccountControl control, const v1::AccountsControlRequest& request) {
  const RequestCheck check(method, metrics_);
  ASSIGN_OR_RETURN(
      std::vector<AccountRef> accounts,
      check.AccountsOfOneVendor("account_ids", request.account_ids(), kMaxControlledAccounts));
  const v1::Vendor vendor = accounts.front().vendor;
  ASSIGN_OR_RETURN(RobotPlatform * platform, platforms_->For(vendor));
  for (size_t i = 0; i < accounts.size(); ++i) {
    RETURN_IF_ERROR(accounts_->Find(accounts[i], absl::StrCat("account_ids[", i, "]")).status());
  }
  // Whatever the outcome, the accounts' states may have changed.
  absl::Status controlled = platform->ControlAccounts(control, accounts);
  accounts_->Invalidate(vendor);
  RETURN_IF_ERROR(controlled);
  return v1::AccountsControlResponse();
}

v1::Account AccountsApi::WithSendState(const RobotPlatform& platform, v1::Account account) const {
  *account.mutable_pacing() = dispatcher_->Pacing(account.account_id());
  if (account.send_transport() == v1::SEND_TRANSPORT_UNSPECIFIED) {
    AccountRef ref;
    ref.vendor = platform.vendor();
    ref.vendor_account_id = account.vendor_account_id();
    ref.account_id = account.account_id();
    account.set_send_transport(platform.TransportFor(ref));
  }
  return account;
}

absl::StatusOr<v1::UpdateAccountProfileResponse> AccountsApi::UpdateAccountProfile(
    const v1::UpdateAccountProfileRequest& request) {
  const RequestCheck check("UpdateAccountProfile", metrics_);
  ASSIGN_OR_RETURN(AccountRef ref, check.Account("account_id", request.account_id()));
  if (!request.has_name() && !request.has_alias() && !request.has_gender() &&
      !request.has_phone() && !request.has_mobile() && !request.has_position()) {
    return check.Invalid("name",
                         "set at least one of name, alias, gender, phone, mobile, position");
  }
  if (request.has_name()) RETURN_IF_ERROR(check.NotBlank("name", request.name()));
  if (request.has_gender() && request.gender() != 1 && request.gender() != 2) {
    return check.Invalid("gender", "1 (male) or 2 (female)");
  }
  ASSIGN_OR_RETURN(RobotPlatform * platform, accounts_->OnlinePlatform(ref));
  v1::UpdateAccountProfileResponse response;
  ASSIGN_OR_RETURN(*response.mutable_profile(), platform->UpdateAccountProfile(ref, request));
  return response;
}

}  // namespace wecom::robot
