// The Contacts RPCs as a plain class: each validates its request
// (INVALID_ARGUMENT naming the field, counted) and calls the platform of the
// account's vendor. They act through the account's WeCom client, so the
// account must be online.
#pragma once

#include "absl/status/statusor.h"
#include "services/robot-gateway/api/account_directory.h"
#include "services/robot-gateway/metrics/gateway_metrics.h"
#include "wecom/robot/v1/contacts_service.pb.h"

namespace wecom::robot {

class ContactsApi {
 public:
  // `metrics` may be null; `accounts` must outlive the API.
  ContactsApi(AccountDirectory* accounts, GatewayMetrics* metrics)
      : accounts_(accounts), metrics_(metrics) {}

  absl::StatusOr<v1::ListContactsResponse> ListContacts(const v1::ListContactsRequest& request);
  absl::StatusOr<v1::GetContactsResponse> GetContacts(const v1::GetContactsRequest& request);
  absl::StatusOr<v1::GetContactDetailsResponse> GetContactDetails(
      const v1::GetContactDetailsRequest& request);
  absl::StatusOr<v1::UpdateContactResponse> UpdateContact(const v1::UpdateContactRequest& request);
  absl::StatusOr<v1::RemoveContactResponse> RemoveContact(const v1::RemoveContactRequest& request);
  absl::StatusOr<v1::SearchContactResponse> SearchContact(const v1::SearchContactRequest& request);
  absl::StatusOr<v1::AddContactResponse> AddContact(const v1::AddContactRequest& request);
  absl::StatusOr<v1::AcceptFriendRequestResponse> AcceptFriendRequest(
      const v1::AcceptFriendRequestRequest& request);
  absl::StatusOr<v1::SyncContactsResponse> SyncContacts(const v1::SyncContactsRequest& request);
  absl::StatusOr<v1::ConvertContactIdResponse> ConvertContactId(
      const v1::ConvertContactIdRequest& request);
  absl::StatusOr<v1::GetContactRelationResponse> GetContactRelation(
      const v1::GetContactRelationRequest& request);

 private:
  AccountDirectory* accounts_;
  GatewayMetrics* metrics_;
};

}  // namespace wecom::robot
