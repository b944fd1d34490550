#include "tests/robot-gateway/api/robot_api_fakes.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace wecom::robot::testing {

v1::Account MakeAccount(v1::Vendor vendor, const std::string& id, v1::AccountStatus status,
                        const std::string& corp_id, const std::string& operator_id) {
  v1::Account account;
  account.set_account_id(FormatAccountId(vendor, id));
  account.set_vendor(vendor);
  account.set_vendor_account_id(id);
  account.set_wecom_user_id(id);
  account.set_status(status);
  account.set_corp_id(corp_id);
  account.set_operator_id(operator_id);
  return account;
}

void FakePlatform::SetAccounts(std::vector<v1::Account> accounts) {
  absl::MutexLock lock(&mu_);
  accounts_ = std::move(accounts);
}

void FakePlatform::SetListAccountsStatus(absl::Status status) {
  absl::MutexLock lock(&mu_);
  list_accounts_status_ = std::move(status);
}

void FakePlatform::SetOperationStatus(absl::Status status) {
  absl::MutexLock lock(&mu_);
  operation_status_ = std::move(status);
}

int FakePlatform::list_accounts_calls() const {
  absl::MutexLock lock(&mu_);
  return list_accounts_calls_;
}

std::vector<std::string> FakePlatform::calls() const {
  absl::MutexLock lock(&mu_);
  return calls_;
}

absl::Status FakePlatform::Record(std::string call) {
  absl::MutexLock lock(&mu_);
  calls_.push_back(std::move(call));
  return operation_status_;
}

absl::StatusOr<std::vector<v1::Account>> FakePlatform::ListAccounts(
    const v1::ListAccountsRequest& request) {
  absl::MutexLock lock(&mu_);
  ++list_accounts_calls_;
  if (!list_accounts_status_.ok()) return list_accounts_status_;
  std::vector<v1::Account> accounts;
  for (const v1::Account& account : accounts_) {
    if (request.include_offline() || account.status() == v1::ACCOUNT_STATUS_ONLINE) {
      accounts.push_back(account);
    }
  }
  return accounts;
}

absl::StatusOr<v1::ListOperatorsResponse> FakePlatform::ListOperators(
    const v1::ListOperatorsRequest&) {
  if (absl::Status status = Record("ListOperators"); !status.ok()) return status;
  v1::ListOperatorsResponse response;
  response.add_operators()->set_operator_id("operator-1");
  return response;
}

absl::Status FakePlatform::ControlAccounts(AccountControl control,
                                           const std::vector<AccountRef>& accounts) {
  std::vector<std::string> ids;
  for (const AccountRef& account : accounts) ids.push_back(account.account_id);
  return Record(
      absl::StrCat("ControlAccounts ", static_cast<int>(control), " ", absl::StrJoin(ids, " ")));
}

v1::SendTransport FakePlatform::TransportFor(const AccountRef&) const {
  return v1::SEND_TRANSPORT_MQTT;
}

absl::StatusOr<v1::UploadFileResponse> FakePlatform::UploadFile(const AccountRef& account,
                                                                const std::string& file_name,
                                                                const std::string& bytes) {
  if (absl::Status status = Record(absl::StrCat("UploadFile ", account.account_id, " ", file_name));
      !status.ok()) {
    return status;
  }
  v1::UploadFileResponse response;
  response.set_file_url(absl::StrCat("files/", file_name));
  response.set_size_bytes(bytes.size());
  return response;
}

absl::StatusOr<v1::GetContactsResponse> FakePlatform::GetContacts(
    const AccountRef& account, const v1::GetContactsRequest& request) {
  if (absl::Status status = Record(absl::StrCat("GetContacts ", account.account_id));
      !status.ok()) {
    return status;
  }
  v1::GetContactsResponse response;
  for (const std::string& user_id : request.user_ids()) {
    response.add_contacts()->set_user_id(user_id);
  }
  return response;
}

absl::Status FakePlatform::RenameGroup(const AccountRef& account, const v1::RenameGroupRequest&) {
  return Record(absl::StrCat("RenameGroup ", account.account_id));
}

absl::StatusOr<v1::SearchContactsByLabelsResponse> FakePlatform::SearchContactsByLabels(
    const std::vector<AccountRef>& accounts, const v1::SearchContactsByLabelsRequest&) {
  std::vector<std::string> ids;
  for (const AccountRef& account : accounts) ids.push_back(account.account_id);
  if (absl::Status status =
          Record(absl::StrCat("SearchContactsByLabels ", absl::StrJoin(ids, " ")));
      !status.ok()) {
    return status;
  }
  return v1::SearchContactsByLabelsResponse();
}

std::vector<FakeDispatcher::AcceptCall> FakeDispatcher::accept_calls() const {
  absl::MutexLock lock(&mu_);
  return accept_calls_;
}

void FakeDispatcher::SetPacing(const std::string& account_id, v1::AccountPacing pacing) {
  absl::MutexLock lock(&mu_);
  pacing_[account_id] = std::move(pacing);
}

absl::StatusOr<SendOutbox::Accepted> FakeDispatcher::Accept(v1::Send send,
                                                            const std::string& corp_id) {
  absl::MutexLock lock(&mu_);
  accept_calls_.push_back({send, corp_id});
  const std::pair<std::string, std::string> key(send.account_id(), send.idempotency_key());
  if (!send.idempotency_key().empty()) {
    if (const auto earlier = keys_.find(key); earlier != keys_.end()) {
      return SendOutbox::Accepted{sends_.at(earlier->second), true};
    }
  }
  send.set_send_id(absl::StrCat("send-", sends_.size() + 1));
  send.set_state(v1::SEND_STATE_QUEUED);
  if (!send.idempotency_key().empty()) keys_[key] = send.send_id();
  sends_[send.send_id()] = send;
  return SendOutbox::Accepted{send, false};
}

absl::StatusOr<v1::Send> FakeDispatcher::Get(const std::string& send_id) const {
  absl::MutexLock lock(&mu_);
  const auto found = sends_.find(send_id);
  if (found == sends_.end()) return absl::NotFoundError(absl::StrCat("no send ", send_id));
  return found->second;
}

absl::StatusOr<v1::Send> FakeDispatcher::GetByIdempotencyKey(const std::string& account_id,
                                                             const std::string& key) const {
  absl::MutexLock lock(&mu_);
  const auto found = keys_.find({account_id, key});
  if (found == keys_.end()) return absl::NotFoundError("no send with that idempotency key");
  return sends_.at(found->second);
}

v1::AccountPacing FakeDispatcher::Pacing(const std::string& account_id) const {
  absl::MutexLock lock(&mu_);
  const auto found = pacing_.find(account_id);
  return found == pacing_.end() ? v1::AccountPacing() : found->second;
}

absl::StatusOr<std::optional<v1::Send>> FakeDispatcher::OnVendorOutcome(const VendorSendOutcome&) {
  return absl::UnimplementedError("the API never reports vendor outcomes");
}

}  // namespace wecom::robot::testing
