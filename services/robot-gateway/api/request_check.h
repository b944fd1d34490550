// The request checks every robot-gateway RPC shares. Each failed check is
// INVALID_ARGUMENT whose message starts with the field path
// ("content.text.content: must not be blank") and is counted in
// GatewayMetrics::RequestRejected(method, field), the field without indexes.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "services/robot-gateway/core/account_id.h"
#include "services/robot-gateway/metrics/gateway_metrics.h"
#include "wecom/robot/v1/robot.pb.h"

namespace wecom::robot {

using RepeatedStrings = google::protobuf::RepeatedPtrField<std::string>;

// The checks of one call of `method`.
class RequestCheck {
 public:
  // `metrics` may be null.
  RequestCheck(absl::string_view method, GatewayMetrics* metrics)
      : method_(method), metrics_(metrics) {}

  // "<field>: <problem>", counted.
  absl::Status Invalid(absl::string_view field, absl::string_view problem) const;
  // `status` as is; counted when it is INVALID_ARGUMENT.
  absl::Status Counted(absl::Status status) const;

  // A parsed "<vendor>:<id>" account id.
  absl::StatusOr<AccountRef> Account(absl::string_view field, absl::string_view account_id) const;
  // 1-`max` account ids, all of one vendor.
  absl::StatusOr<std::vector<AccountRef>> AccountsOfOneVendor(absl::string_view field,
                                                              const RepeatedStrings& account_ids,
                                                              int max) const;
  // VENDOR_QUNTOOL or VENDOR_YJIYUN.
  absl::Status Vendor(absl::string_view field, v1::Vendor vendor) const;
  // Not empty and not only white space.
  absl::Status NotBlank(absl::string_view field, absl::string_view value) const;
  // `min`-`max` ids ("user_ids: 1-100 ids"), none blank.
  absl::Status Ids(absl::string_view field, const RepeatedStrings& ids, int min, int max) const;
  // 0 (the default) to 1000.
  absl::Status PageSize(absl::string_view field, int32_t page_size) const;
  // "S:<id>_<id>" or "R:<room>" in form; ConversationOfAccount also checks
  // that a one-to-one conversation is the account's own.
  absl::Status ConversationId(absl::string_view field, absl::string_view conversation_id) const;
  absl::Status ConversationOfAccount(absl::string_view field, absl::string_view conversation_id,
                                     absl::string_view own_user_id) const;
  // "R:<room>".
  absl::Status GroupConversationId(absl::string_view field,
                                   absl::string_view conversation_id) const;
  // A durable consumer's name: 1-128 characters of [A-Za-z0-9._-].
  absl::Status ConsumerName(absl::string_view field, absl::string_view consumer) const;
  // Empty (none), or 1-128 printable ASCII characters.
  absl::Status IdempotencyKey(absl::string_view field, absl::string_view key) const;

 private:
  std::string method_;
  GatewayMetrics* metrics_;
};

// True for "R:<room>" conversation ids.
bool IsGroupConversation(absl::string_view conversation_id);

}  // namespace wecom::robot
