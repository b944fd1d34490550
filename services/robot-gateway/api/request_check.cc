#include "services/robot-gateway/api/request_check.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace wecom::robot {
namespace {

constexpr absl::string_view kConversationForm =
    "must be \"S:<id>_<id>\" containing the account's own id or \"R:<room>\"";

bool IsPrintableAscii(char c) { return c >= 0x20 && c <= 0x7e; }

// The field an INVALID_ARGUMENT message starts with, without indexes
// ("account_ids[2]" -> "account_ids"), so metric labels stay few; "" when the
// message does not start with a field path.
std::string FieldLabel(absl::string_view message) {
  const size_t colon = message.find(':');
  if (colon == absl::string_view::npos || colon == 0) return "";
  std::string field;
  bool in_index = false;
  for (char c : message.substr(0, colon)) {
    if (c == '[') {
      in_index = true;
    } else if (c == ']') {
      in_index = false;
    } else if (in_index) {
      if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return "";
    } else if (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.') {
      field.push_back(c);
    } else {
      return "";
    }
  }
  return field;
}

// "S:<a>_<b>" with both sides non-empty, or "R:<room>", printable and
// without spaces.
bool WellFormedConversation(absl::string_view id) {
  for (char c : id) {
    if (!IsPrintableAscii(c) || c == ' ') return false;
  }
  if (absl::StartsWith(id, "R:")) return id.size() > 2;
  if (!absl::StartsWith(id, "S:")) return false;
  const absl::string_view pair = id.substr(2);
  const size_t underscore = pair.find('_');
  return underscore != absl::string_view::npos && underscore > 0 && pair.back() != '_';
}

}  // namespace

bool IsGroupConversation(absl::string_view conversation_id) {
  return absl::StartsWith(conversation_id, "R:");
}

absl::Status RequestCheck::Invalid(absl::string_view field, absl::string_view problem) const {
  return Counted(absl::InvalidArgumentError(absl::StrCat(field, ": ", problem)));
}

absl::Status RequestCheck::Counted(absl::Status status) const {
  if (metrics_ != nullptr && absl::IsInvalidArgument(status)) {
    metrics_->RequestRejected(method_, FieldLabel(status.message()));
  }
  return status;
}

absl::StatusOr<AccountRef> RequestCheck::Account(absl::string_view field,
                                                 absl::string_view account_id) const {
  absl::StatusOr<AccountRef> account = ParseAccountId(account_id, field);
  if (!account.ok()) return Counted(account.status());
  return account;
}

absl::StatusOr<std::vector<AccountRef>> RequestCheck::AccountsOfOneVendor(
    absl::string_view field, const RepeatedStrings& account_ids, int max) const {
  if (account_ids.empty() || account_ids.size() > max) {
    return Invalid(field, absl::StrCat("1-", max, " account ids"));
  }
  std::vector<AccountRef> accounts;
  for (int i = 0; i < account_ids.size(); ++i) {
    absl::StatusOr<AccountRef> account =
        Account(absl::StrCat(field, "[", i, "]"), account_ids.Get(i));
    if (!account.ok()) return account.status();
    if (!accounts.empty() && account->vendor != accounts.front().vendor) {
      return Invalid(field, "all accounts must be of one vendor");
    }
    accounts.push_back(*std::move(account));
  }
  return accounts;
}

absl::Status RequestCheck::Vendor(absl::string_view field, v1::Vendor vendor) const {
  if (vendor == v1::VENDOR_UNSPECIFIED || !v1::Vendor_IsValid(vendor)) {
    return Invalid(field, "must be VENDOR_QUNTOOL or VENDOR_YJIYUN");
  }
  return absl::OkStatus();
}

absl::Status RequestCheck::NotBlank(absl::string_view field, absl::string_view value) const {
  if (absl::StripAsciiWhitespace(value).empty()) return Invalid(field, "must not be blank");
  return absl::OkStatus();
}

absl::Status RequestCheck::Ids(absl::string_view field, const RepeatedStrings& ids, int min,
                               int max) const {
  if (ids.size() < min || ids.size() > max) {
    return Invalid(field, absl::StrCat(min, "-", max, " ids"));
  }
  for (int i = 0; i < ids.size(); ++i) {
    if (absl::Status id = NotBlank(absl::StrCat(field, "[", i, "]"), ids.Get(i)); !id.ok()) {
      return id;
    }
  }
  return absl::OkStatus();
}

absl::Status RequestCheck::PageSize(absl::string_view field, int32_t page_size) const {
  if (page_size < 0 || page_size > 1000) return Invalid(field, "0-1000");
  return absl::OkStatus();
}

absl::Status RequestCheck::ConversationId(absl::string_view field,
                                          absl::string_view conversation_id) const {
  if (!WellFormedConversation(conversation_id)) return Invalid(field, kConversationForm);
  return absl::OkStatus();
}

absl::Status RequestCheck::ConversationOfAccount(absl::string_view field,
                                                 absl::string_view conversation_id,
                                                 absl::string_view own_user_id) const {
  if (!WellFormedConversation(conversation_id)) return Invalid(field, kConversationForm);
  if (IsGroupConversation(conversation_id)) return absl::OkStatus();
  const absl::string_view pair = conversation_id.substr(2);
  // Either side may be the account: the vendors order the ids, not the roles.
  const bool own_first = pair.size() > own_user_id.size() + 1 &&
                         absl::StartsWith(pair, absl::StrCat(own_user_id, "_"));
  const bool own_second =
      pair.size() > own_user_id.size() + 1 && absl::EndsWith(pair, absl::StrCat("_", own_user_id));
  if (own_user_id.empty() || !(own_first || own_second)) {
    return Invalid(field, kConversationForm);
  }
  return absl::OkStatus();
}

absl::Status RequestCheck::GroupConversationId(absl::string_view field,
                                               absl::string_view conversation_id) const {
  if (!WellFormedConversation(conversation_id) || !IsGroupConversation(conversation_id)) {
    return Invalid(field, "must be \"R:<room>\"");
  }
  return absl::OkStatus();
}

absl::Status RequestCheck::ConsumerName(absl::string_view field, absl::string_view consumer) const {
  bool valid = !consumer.empty() && consumer.size() <= 128;
  for (char c : consumer) {
    valid = valid && (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
                      c == '-');
  }
  if (!valid) return Invalid(field, "1-128 characters of [A-Za-z0-9._-]");
  return absl::OkStatus();
}

absl::Status RequestCheck::IdempotencyKey(absl::string_view field, absl::string_view key) const {
  bool valid = key.size() <= 128;
  for (char c : key) valid = valid && IsPrintableAscii(c);
  if (!valid) return Invalid(field, "1-128 printable ASCII characters");
  return absl::OkStatus();
}

}  // namespace wecom::robot
