// The Messaging RPCs as a plain class: each validates its request
// (INVALID_ARGUMENT naming the field, counted); sends go to the
// SendDispatcher, everything else to the platform of the account's vendor.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/robot-gateway/api/account_directory.h"
#include "services/robot-gateway/api/platform_registry.h"
#include "services/robot-gateway/api/request_check.h"
#include "services/robot-gateway/metrics/gateway_metrics.h"
#include "services/robot-gateway/outbox/send_dispatcher.h"
#include "wecom/robot/v1/messaging_service.pb.h"

namespace wecom::robot {

// An UploadFile client stream being collected: a header first, then the
// file's bytes, at most `max_bytes` of them.
class FileUpload {
 public:
  FileUpload(size_t max_bytes, RequestCheck check) : max_bytes_(max_bytes), check_(check) {}

  // INVALID_ARGUMENT when the first part is not a header, a later one is, or
  // the header is invalid (checked at once, before the bytes arrive);
  // RESOURCE_EXHAUSTED once the bytes exceed max_bytes.
  absl::Status Add(const v1::UploadFileRequest& part);
  // After the stream's end: INVALID_ARGUMENT when it had no header.
  absl::Status Finish() const;

  const v1::UploadFileRequest::Header& header() const { return header_.value(); }
  const std::string& bytes() const { return bytes_; }

 private:
  const size_t max_bytes_;
  const RequestCheck check_;
  std::optional<v1::UploadFileRequest::Header> header_;
  std::string bytes_;
};

class MessagingApi {
 public:
  // `metrics` may be null; the others must outlive the API.
  MessagingApi(const PlatformRegistry* platforms, AccountDirectory* accounts,
               SendDispatcher* dispatcher, GatewayMetrics* metrics)
      : platforms_(platforms), accounts_(accounts), dispatcher_(dispatcher), metrics_(metrics) {}

  // Validates the request and stores the send in the outbox with the
  // account's corp (for corp-wide pacing) and its platform's transport.
  // Sends are accepted for accounts that are online, offline or logging in:
  // they wait in the outbox, in order, for the dispatcher. An account that
  // needs a new login (logged out, login failed, banned, kicked) is
  // FAILED_PRECONDITION, so nothing piles up for it; an unknown one NOT_FOUND.
  absl::StatusOr<v1::SendResponse> Send(const v1::SendRequest& request);
  // NOT_FOUND when no send matches.
  absl::StatusOr<v1::GetSendStatusResponse> GetSendStatus(const v1::GetSendStatusRequest& request);
  // A stream collector for UploadFile.
  FileUpload StartUpload(size_t max_bytes) const;
  // The header and the whole file, as FileUpload collected them.
  absl::StatusOr<v1::UploadFileResponse> UploadFile(const v1::UploadFileRequest::Header& header,
                                                    const std::string& bytes);
  absl::StatusOr<v1::ListSavedMiniProgramsResponse> ListSavedMiniPrograms(
      const v1::ListSavedMiniProgramsRequest& request);
  absl::StatusOr<v1::ListSavedVideoNumsResponse> ListSavedVideoNums(
      const v1::ListSavedVideoNumsRequest& request);
  // Needs the account online.
  absl::StatusOr<v1::ConfirmBatchMessagesResponse> ConfirmBatchMessages(
      const v1::ConfirmBatchMessagesRequest& request);
  absl::StatusOr<v1::ForwardMessageResponse> ForwardMessage(
      const v1::ForwardMessageRequest& request);
  absl::StatusOr<v1::CreateMassSendTaskResponse> CreateMassSendTask(
      const v1::CreateMassSendTaskRequest& request);
  absl::StatusOr<v1::ListConversationsResponse> ListConversations(
      const v1::ListConversationsRequest& request);
  absl::StatusOr<v1::ListConversationMessagesResponse> ListConversationMessages(
      const v1::ListConversationMessagesRequest& request);
  absl::StatusOr<v1::MarkConversationReadResponse> MarkConversationRead(
      const v1::MarkConversationReadRequest& request);

 private:
  const PlatformRegistry* platforms_;
  AccountDirectory* accounts_;
  SendDispatcher* dispatcher_;
  GatewayMetrics* metrics_;
};

}  // namespace wecom::robot
