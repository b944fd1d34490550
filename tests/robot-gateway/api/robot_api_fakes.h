// Small fakes for the API tests: a RobotPlatform that records the calls it
// gets and answers from settable accounts and statuses, and a SendDispatcher
// that keeps accepted sends in memory.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "services/robot-gateway/outbox/send_dispatcher.h"
#include "services/robot-gateway/platform/robot_platform.h"

namespace wecom::robot::testing {

// An account of `vendor` whose vendor id and WeCom user id are `id`.
v1::Account MakeAccount(v1::Vendor vendor, const std::string& id, v1::AccountStatus status,
                        const std::string& corp_id = "corp-1",
                        const std::string& operator_id = "operator-1");

// Implements ListAccounts, TransportFor (MQTT) and a few operations of each
// service; the rest keep RobotPlatform's UNIMPLEMENTED.
class FakePlatform final : public RobotPlatform {
 public:
  explicit FakePlatform(v1::Vendor vendor) : vendor_(vendor) {}

  v1::Vendor vendor() const override { return vendor_; }

  void SetAccounts(std::vector<v1::Account> accounts);
  // ListAccounts fails with `status` (OK: answers again).
  void SetListAccountsStatus(absl::Status status);
  // The recorded operations answer `status` (default OK).
  void SetOperationStatus(absl::Status status);

  int list_accounts_calls() const;
  // "<operation> <account id>…" per recorded call, in order.
  std::vector<std::string> calls() const;

  absl::StatusOr<std::vector<v1::Account>> ListAccounts(
      const v1::ListAccountsRequest& request) override;
  absl::StatusOr<v1::ListOperatorsResponse> ListOperators(
      const v1::ListOperatorsRequest& request) override;
  absl::Status ControlAccounts(AccountControl control,
                               const std::vector<AccountRef>& accounts) override;
  v1::SendTransport TransportFor(const AccountRef& account) const override;
  absl::StatusOr<v1::UploadFileResponse> UploadFile(const AccountRef& account,
                                                    const std::string& file_name,
                                                    const std::string& bytes) override;
  absl::StatusOr<v1::GetContactsResponse> GetContacts(
      const AccountRef& account, const v1::GetContactsRequest& request) override;
  absl::Status RenameGroup(const AccountRef& account,
                           const v1::RenameGroupRequest& request) override;
  absl::StatusOr<v1::SearchContactsByLabelsResponse> SearchContactsByLabels(
      const std::vector<AccountRef>& accounts,
      const v1::SearchContactsByLabelsRequest& request) override;

 private:
  absl::Status Record(std::string call);

  const v1::Vendor vendor_;
  mutable absl::Mutex mu_;
  std::vector<v1::Account> accounts_ ABSL_GUARDED_BY(mu_);
  absl::Status list_accounts_status_ ABSL_GUARDED_BY(mu_);
  absl::Status operation_status_ ABSL_GUARDED_BY(mu_);
  int list_accounts_calls_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::string> calls_ ABSL_GUARDED_BY(mu_);
};

// Accept stores sends in memory with ids "send-<n>"; a repeated idempotency
// key of an account returns the earlier send as a duplicate.
class FakeDispatcher final : public SendDispatcher {
 public:
  struct AcceptCall {
    v1::Send send;
    std::string corp_id;
  };

  std::vector<AcceptCall> accept_calls() const;
  void SetPacing(const std::string& account_id, v1::AccountPacing pacing);

  absl::StatusOr<SendOutbox::Accepted> Accept(v1::Send send, const std::string& corp_id) override;
  absl::StatusOr<v1::Send> Get(const std::string& send_id) const override;
  absl::StatusOr<v1::Send> GetByIdempotencyKey(const std::string& account_id,
                                               const std::string& key) const override;
  v1::AccountPacing Pacing(const std::string& account_id) const override;
  absl::StatusOr<std::optional<v1::Send>> OnVendorOutcome(
      const VendorSendOutcome& outcome) override;

 private:
  mutable absl::Mutex mu_;
  std::vector<AcceptCall> accept_calls_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, v1::Send> sends_ ABSL_GUARDED_BY(mu_);
  // (account id, key) -> send id.
  std::map<std::pair<std::string, std::string>, std::string> keys_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, v1::AccountPacing> pacing_ ABSL_GUARDED_BY(mu_);
};

}  // namespace wecom::robot::testing
