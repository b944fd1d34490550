#include "tests/robot-gateway/outbox/outbox_test_env.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status/status_macros.h"
#include "gtest/gtest.h"

namespace wecom::robot::testing {

v1::Send TextSend(const std::string& account_id, const std::string& text,
                  const std::string& idempotency_key, const std::string& conversation_id) {
  v1::Send send;
  send.set_account_id(account_id);
  send.set_conversation_id(conversation_id);
  send.set_idempotency_key(idempotency_key);
  send.mutable_content()->mutable_text()->set_content(text);
  return send;
}

VendorSendOutcome OutcomeFor(const v1::Send& send, const std::string& vendor_msg_id,
                             int64_t error_code, const std::string& error_message) {
  VendorSendOutcome outcome;
  outcome.vendor_msg_id = vendor_msg_id;
  outcome.account_id = send.account_id();
  outcome.conversation_id = send.conversation_id();
  outcome.error_code = error_code;
  outcome.error_message = error_message;
  outcome.server_id = error_code == 0 ? absl::StrCat("server-", vendor_msg_id) : "";
  outcome.echo_type = EchoType(send.content());
  return outcome;
}

absl::StatusOr<std::string> ScriptedPlatform::SendMessage(const OutgoingMessage& message) {
  Answer answer;
  int number = 0;
  {
    absl::MutexLock lock(&mu_);
    calls_.push_back(Call{
        .send_id = message.send_id, .account_id = message.account.account_id, .at = clock_->Now()});
    number = static_cast<int>(calls_.size());
    answer = answer_;
  }
  if (answer) return answer(message, number);
  return absl::StrCat("msg-", number);
}

void ScriptedPlatform::set_answer(Answer answer) {
  absl::MutexLock lock(&mu_);
  answer_ = std::move(answer);
}

std::vector<ScriptedPlatform::Call> ScriptedPlatform::calls() const {
  absl::MutexLock lock(&mu_);
  return calls_;
}

std::vector<ScriptedPlatform::Call> ScriptedPlatform::CallsOf(const std::string& account_id) const {
  std::vector<Call> of_account;
  for (const Call& call : calls()) {
    if (call.account_id == account_id) of_account.push_back(call);
  }
  return of_account;
}

int ScriptedPlatform::CallCount(const std::string& send_id) const {
  int count = 0;
  for (const Call& call : calls()) count += call.send_id == send_id ? 1 : 0;
  return count;
}

absl::StatusOr<std::unique_ptr<OutboxEnv>> OutboxEnv::Create() {
  std::unique_ptr<OutboxEnv> env(new OutboxEnv());
  ASSIGN_OR_RETURN(env->temp_, TempEventLog::Create());
  ASSIGN_OR_RETURN(env->outbox_, SendOutbox::Open(&env->temp_->db(), &env->log(), &env->clock_));
  return env;
}

absl::Status OutboxEnv::Reopen() {
  outbox_.reset();
  RETURN_IF_ERROR(temp_->Reopen());
  ASSIGN_OR_RETURN(outbox_, SendOutbox::Open(&temp_->db(), &log(), &clock_));
  return absl::OkStatus();
}

std::vector<v1::Event> OutboxEnv::Events() {
  std::vector<v1::Event> events;
  const absl::Status read = log().ReadAfter(0, 1 << 20, [&events](const v1::Event& event) {
    events.push_back(event);
    return true;
  });
  if (!read.ok()) ADD_FAILURE() << read;
  return events;
}

std::vector<v1::SendState> OutboxEnv::StatesOf(const std::string& send_id) {
  std::vector<v1::SendState> states;
  for (const v1::Event& event : Events()) {
    if (event.has_send_status() && event.send_status().send().send_id() == send_id) {
      states.push_back(event.send_status().send().state());
    }
  }
  return states;
}

absl::StatusOr<v1::Event> OutboxEnv::WaitForEvent(
    const std::function<bool(const v1::Event&)>& match, absl::Duration timeout) {
  return testing::WaitForEvent(log(), match, timeout);
}

}  // namespace wecom::robot::testing
