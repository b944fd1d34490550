#include "services/robot-gateway/api/labels_api.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "services/robot-gateway/api/request_check.h"

namespace wecom::robot {
namespace {

constexpr int kMaxLabels = 100;
constexpr int kMaxSearchedAccounts = 100;

}  // namespace

absl::StatusOr<v1::ListLabelsResponse> LabelsApi::ListLabels(const v1::ListLabelsRequest& request) {
  const RequestCheck check("ListLabels", metrics_);
  ASSIGN_OR_RETURN(AccountRef ref, check.Account("account_id", request.account_id()));
  ASSIGN_OR_RETURN(RobotPlatform * platform, accounts_->OnlinePlatform(ref));
  return platform->ListLabels(ref);
}

absl::StatusOr<v1::SetContactLabelsResponse> LabelsApi::SetContactLabels(
    const v1::SetContactLabelsRequest& request) {
  const RequestCheck check("SetContactLabels", metrics_);
  ASSIGN_OR_RETURN(AccountRef ref, check.Account("account_id", request.account_id()));
  RETURN_IF_ERROR(check.NotBlank("user_id", request.user_id()));
  // An empty set clears the contact's labels.
  RETURN_IF_ERROR(check.Ids("label_ids", request.label_ids(), 0, kMaxLabels));
  ASSIGN_OR_RETURN(RobotPlatform * platform, accounts_->OnlinePlatform(ref));
  RETURN_IF_ERROR(platform->SetContactLabels(ref, request));
  return v1::SetContactLabelsResponse();
}

absl::StatusOr<v1::ListContactLabelsResponse> LabelsApi::ListContactLabels(
    const v1::ListContactLabelsRequest& request) {
  const RequestCheck check("ListContactLabels", metrics_);
  ASSIGN_OR_RETURN(AccountRef ref, check.Account("account_id", request.account_id()));
  RETURN_IF_ERROR(check.NotBlank("user_id", request.user_id()));
  ASSIGN_OR_RETURN(RobotPlatform * platform, accounts_->OnlinePlatform(ref));
  return platform->ListContactLabels(ref, request);
}

absl::StatusOr<v1::SearchContactsByLabelsResponse> LabelsApi::SearchContactsByLabels(
    const v1::SearchContactsByLabelsRequest& request) {
  const RequestCheck check("SearchContactsByLabels", metrics_);
  ASSIGN_OR_RETURN(
      std::vector<AccountRef> refs,
      check.AccountsOfOneVendor("account_ids", request.account_ids(), kMaxSearchedAccounts));
  RETURN_IF_ERROR(check.Ids("label_ids", request.label_ids(), 1, kMaxLabels));
  RETURN_IF_ERROR(check.PageSize("page_size", request.page_size()));
  RobotPlatform* platform = nullptr;
  for (size_t i = 0; i < refs.size(); ++i) {
    ASSIGN_OR_RETURN(platform,
                     accounts_->KnownPlatform(refs[i], absl::StrCat("account_ids[", i, "]")));
  }
  return platform->SearchContactsByLabels(refs, request);
}

absl::StatusOr<v1::ListLabelContactsResponse> LabelsApi::ListLabelContacts(
    const v1::ListLabelContactsRequest& request) {
  const RequestCheck check("ListLabelContacts", metrics_);
  ASSIGN_OR_RETURN(AccountRef ref, check.Account("account_id", request.account_id()));
  RETURN_IF_ERROR(check.NotBlank("label_id", request.label_id()));
  ASSIGN_OR_RETURN(RobotPlatform * platform, accounts_->OnlinePlatform(ref));
  return platform->ListLabelContacts(ref, request);
}

}  // namespace wecom::robot
