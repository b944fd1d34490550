#include "services/robot-gateway/api/contacts_api.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/status/status_macros.h"
#include "services/robot-gateway/api/request_check.h"

namespace wecom::robot {
namespace {

constexpr int kMaxContactIds = 100;
constexpr int kMaxPhones = 20;
constexpr size_t kMaxPhoneDigits = 32;

absl::Status CheckPhone(const RequestCheck& check, absl::string_view phone) {
  bool valid = !phone.empty() && phone.size() <= kMaxPhoneDigits;
  for (char c : phone) valid = valid && absl::ascii_isdigit(static_cast<unsigned char>(c));
  if (!valid) return check.Invalid("phone", "1-32 digits");
  return absl::OkStatus();
}

// A oneof `id` of user_id or external_user_id: exactly one, not blank.
template <typename Request>
absl::Status CheckContactIdChoice(const RequestCheck& check, const Request& request) {
  switch (request.id_case()) {
    case Request::kUserId:
      return check.NotBlank("user_id", request.user_id());
    case Request::kExternalUserId:
      return check.NotBlank("external_user_id", request.external_user_id());
    case Request::ID_NOT_SET:
      break;
  }
  return check.Invalid("id", "set user_id or external_user_id");
}

}  // namespace

absl::StatusOr<v1::ListContactsResponse> ContactsApi::ListContacts(
    const v1::ListContactsRequest& request) {
  const RequestCheck check("ListContacts", metrics_);
  ASSIGN_OR_RETURN(AccountRef ref, check.Account("account_id", request.account_id()));
  if (!v1::ContactKind_IsValid(request.kind())) return check.Invalid("kind", "not a ContactKind");
  RETURN_IF_ERROR(check.PageSize("page_size", request.page_size()));
  ASSIGN_OR_RETURN(RobotPlatform * platform, accounts_->OnlinePlatform(ref));
  return platform->ListContacts(ref, request);
}

absl::StatusOr<v1::GetContactsResponse> ContactsApi::GetContacts(
    const v1::GetContactsRequest& request) {
  const RequestCheck check("GetContacts", metrics_);
  ASSIGN_OR_RETURN(AccountRef ref, check.Account("account_id", request.account_id()));
  RETURN_IF_ERROR(check.Ids("user_ids", request.user_ids(), 1, kMaxContactIds));
  ASSIGN_OR_RETURN(RobotPlatform * platform, accounts_->OnlinePlatform(ref));
  return platform->GetContacts(ref, request);
}

absl::StatusOr<v1::GetContactDetailsResponse> ContactsApi::GetContactDetails(
    const v1::GetContactDetailsRequest& request) {
  const RequestCheck check("GetContactDetails", metrics_);
  ASSIGN_OR_RETURN(AccountRef ref, check.Account("account_id", request.account_id()));
  RETURN_IF_ERROR(check.NotBlank("user_id", request.user_id()));
  ASSIGN_OR_RETURN(RobotPlatform * platform, accounts_->OnlinePlatform(ref));
  return platform->GetContactDetails(ref, request);
}

absl::StatusOr<v1::UpdateContactResponse> ContactsApi::UpdateContact(
    const v1::UpdateContactRequest& request) {
  const RequestCheck check("UpdateContact", metrics_);
  ASSIGN_OR_RETURN(AccountRef ref, check.Account("account_id", request.account_id()));
  RETURN_IF_ERROR(check.NotBlank("user_id", request.user_id()));
  if (!request.has_remark() && !request.has_description() && !request.has_phones()) {
    return check.Invalid("remark", "set at least one of remark, description and phones");
  }
  const auto& phones = request.phones().phones();
  if (phones.size() > kMaxPhones) return check.Invalid("phones.phones", "at most 20 phones");
  for (int i = 0; i < phones.size(); ++i) {
    RETURN_IF_ERROR(check.NotBlank(absl::StrCat("phones.phones[", i, "]"), phones.Get(i)));
  }
  ASSIGN_OR_RETURN(RobotPlatform * platform, accounts_->OnlinePlatform(ref));
  RETURN_IF_ERROR(platform->UpdateContact(ref, request));
  return v1::UpdateContactResponse();
}

absl::StatusOr<v1::RemoveContactResponse> ContactsApi::RemoveContact(
    const v1::RemoveContactRequest& request) {
  const RequestCheck check("RemoveContact", metrics_);
  ASSIGN_OR_RETURN(AccountRef ref, check.Account("account_id", request.account_id()));
  RETURN_IF_ERROR(check.NotBlank("user_id", request.user_id()));
  ASSIGN_OR_RETURN(RobotPlatform * platform, accounts_->OnlinePlatform(ref));
  RETURN_IF_ERROR(platform->RemoveContact(ref, request));
  return v1::RemoveContactResponse();
}

absl::StatusOr<v1::SearchContactResponse> ContactsApi::SearchContact(
    const v1::SearchContactRequest& request) {
  const RequestCheck check("SearchContact", metrics_);
  ASSIGN_OR_RETURN(AccountRef ref, check.Account("account_id", request.account_id()));
  RETURN_IF_ERROR(CheckPhone(check, request.phone()));
  ASSIGN_OR_RETURN(RobotPlatform * platform, accounts_->OnlinePlatform(ref));
  return platform->SearchContact(ref, request);
}

absl::StatusOr<v1::AddContactResponse> ContactsApi::AddContact(
    const v1::AddContactRequest& request) {
  const RequestCheck check("AddContact", metrics_);
  ASSIGN_OR_RETURN(AccountRef ref, check.Account("account_id", request.account_id()));
  if (request.phone().empty()) {
    RETURN_IF_ERROR(check.NotBlank("user_id", request.user_id()));
  } else {
    if (!request.user_id().empty())
      return check.Invalid("phone", "give user_id or phone, not both");
    RETURN_IF_ERROR(CheckPhone(check, absl::StripPrefix(request.phone(), "+")));
  }
  ASSIGN_OR_RETURN(RobotPlatform * platform, accounts_->OnlinePlatform(ref));
  return platform->AddContact(ref, request);
}

absl::StatusOr<v1::AcceptFriendRequestResponse> ContactsApi::AcceptFriendRequest(
    const v1::AcceptFriendRequestRequest& request) {
  const RequestCheck check("AcceptFriendRequest", metrics_);
  ASSIGN_OR_RETURN(AccountRef ref, check.Account("account_id", request.account_id()));
  RETURN_IF_ERROR(check.NotBlank("user_id", request.user_id()));
  ASSIGN_OR_RETURN(RobotPlatform * platform, accounts_->OnlinePlatform(ref));
  RETURN_IF_ERROR(platform->AcceptFriendRequest(ref, request));
  return v1::AcceptFriendRequestResponse();
}

absl::StatusOr<v1::SyncContactsResponse> ContactsApi::SyncContacts(
    const v1::SyncContactsRequest& request) {
  const RequestCheck check("SyncContacts", metrics_);
  ASSIGN_OR_RETURN(AccountRef ref, check.Account("account_id", request.account_id()));
  if (!v1::ContactSyncScope_IsValid(request.scope())) {
    return check.Invalid("scope", "not a ContactSyncScope");
  }
  ASSIGN_OR_RETURN(RobotPlatform * platform, accounts_->OnlinePlatform(ref));
  RETURN_IF_ERROR(platform->SyncContacts(ref, request));
  return v1::SyncContactsResponse();
}

absl::StatusOr<v1::ConvertContactIdResponse> ContactsApi::ConvertContactId(
    const v1::ConvertContactIdRequest& request) {
  const RequestCheck check("ConvertContactId", metrics_);
  ASSIGN_OR_RETURN(AccountRef ref, check.Account("account_id", request.account_id()));
  RETURN_IF_ERROR(CheckContactIdChoice(check, request));
  ASSIGN_OR_RETURN(RobotPlatform * platform, accounts_->OnlinePlatform(ref));
  return platform->ConvertContactId(ref, request);
}

absl::StatusOr<v1::GetContactRelationResponse> ContactsApi::GetContactRelation(
    const v1::GetContactRelationRequest& request) {
  const RequestCheck check("GetContactRelation", metrics_);
  ASSIGN_OR_RETURN(AccountRef ref, check.Account("account_id", request.account_id()));
  RETURN_IF_ERROR(CheckContactIdChoice(check, request));
  if (request.sync() && request.id_case() != v1::GetContactRelationRequest::kUserId) {
    return check.Invalid("sync", "needs user_id");
  }
  ASSIGN_OR_RETURN(RobotPlatform * platform, accounts_->OnlinePlatform(ref));
  return platform->GetContactRelation(ref, request);
}

}  // namespace wecom::robot
