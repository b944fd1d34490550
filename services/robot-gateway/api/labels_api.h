// The Labels RPCs as a plain class: each validates its request
// (INVALID_ARGUMENT naming the field, counted) and calls the platform of the
// accounts' vendor. One account's labels act through its WeCom client (online
// needed); SearchContactsByLabels reads the platform's store across known
// accounts of one vendor.
#pragma once

#include "absl/status/statusor.h"
#include "services/robot-gateway/api/account_directory.h"
#include "services/robot-gateway/metrics/gateway_metrics.h"
#include "wecom/robot/v1/labels_service.pb.h"

namespace wecom::robot {

class LabelsApi {
 public:
  // `metrics` may be null; `accounts` must outlive the API.
  LabelsApi(AccountDirectory* accounts, GatewayMetrics* metrics)
      : accounts_(accounts), metrics_(metrics) {}

  absl::StatusOr<v1::ListLabelsResponse> ListLabels(const v1::ListLabelsRequest& request);
  absl::StatusOr<v1::SetContactLabelsResponse> SetContactLabels(
      const v1::SetContactLabelsRequest& request);
  absl::StatusOr<v1::ListContactLabelsResponse> ListContactLabels(
      const v1::ListContactLabelsRequest& request);
  absl::StatusOr<v1::SearchContactsByLabelsResponse> SearchContactsByLabels(
      const v1::SearchContactsByLabelsRequest& request);
  absl::StatusOr<v1::ListLabelContactsResponse> ListLabelContacts(
      const v1::ListLabelContactsRequest& request);

 private:
  AccountDirectory* accounts_;
  GatewayMetrics* metrics_;
};

}  // namespace wecom::robot
