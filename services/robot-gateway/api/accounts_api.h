// The Accounts RPCs as a plain class: each validates its request
// (INVALID_ARGUMENT naming the field, counted) and calls the platform of the
// request's vendor. Listed accounts carry the dispatcher's pacing state.
#pragma once

#include "absl/status/statusor.h"
#include "services/robot-gateway/api/account_directory.h"
#include "services/robot-gateway/api/platform_registry.h"
#include "services/robot-gateway/metrics/gateway_metrics.h"
#include "services/robot-gateway/outbox/send_dispatcher.h"
#include "wecom/robot/v1/accounts_service.pb.h"

namespace wecom::robot {

class AccountsApi {
 public:
  // `metrics` may be null; the others must outlive the API.
  AccountsApi(const PlatformRegistry* platforms, AccountDirectory* accounts,
              const SendDispatcher* dispatcher, GatewayMetrics* metrics)
      : platforms_(platforms), accounts_(accounts), dispatcher_(dispatcher), metrics_(metrics) {}

  // Both fetched from the platforms now, not from the directory's cache.
  absl::StatusOr<v1::ListAccountsResponse> ListAccounts(const v1::ListAccountsRequest& request);
  absl::StatusOr<v1::GetAccountResponse> GetAccount(const v1::GetAccountRequest& request);
  absl::StatusOr<v1::ListOperatorsResponse> ListOperators(const v1::ListOperatorsRequest& request);
  absl::StatusOr<v1::StartLoginResponse> StartLogin(const v1::StartLoginRequest& request);
  absl::StatusOr<v1::VerifyLoginResponse> VerifyLogin(const v1::VerifyLoginRequest& request);
  // The control RPCs take 1-100 known accounts of one vendor.
  absl::StatusOr<v1::AccountsControlResponse> StartAccounts(
      const v1::AccountsControlRequest& request);
  absl::StatusOr<v1::AccountsControlResponse> StopAccounts(
      const v1::AccountsControlRequest& request);
  absl::StatusOr<v1::AccountsControlResponse> RestartAccounts(
      const v1::AccountsControlRequest& request);
  absl::StatusOr<v1::AccountsControlResponse> LogOutAccounts(
      const v1::AccountsControlRequest& request);
  absl::StatusOr<v1::UpdateAccountProfileResponse> UpdateAccountProfile(
      const v1::UpdateAccountProfileRequest& request);
  absl::StatusOr<v1::ListAccountResourcesResponse> ListAccountResources(
      const v1::ListAccountResourcesRequest& request);

 private:
  absl::StatusOr<v1::AccountsControlResponse> Control(absl::string_view method,
                                                      AccountControl control,
                                                      const v1::AccountsControlRequest& request);
  // `account` with its pacing, and its transport when the platform left it out.
  v1::Account WithSendState(const RobotPlatform& platform, v1::Account account) const;

  const PlatformRegistry* platforms_;
  AccountDirectory* accounts_;
  const SendDispatcher* dispatcher_;
  GatewayMetrics* metrics_;
};

}  // namespace wecom::robot
