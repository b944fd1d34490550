#include "services/archive/api/archive_api.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "common/status/vendor_error.h"

namespace wecom::archive {
namespace {

constexpr size_t kMaxIdLength = 256;
constexpr size_t kMaxSdkFileIdLength = 8192;
constexpr int kDefaultPageSize = 100;
constexpr int kMaxPageSize = 1000;
constexpr absl::Duration kMaxMediaQueueing = absl::Seconds(10);

bool IsConsumerName(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

}  // namespace

absl::Status ArchiveApi::Reject(const std::string& method, const std::string& field,
                                absl::string_view problem) {
  metrics_->RejectedRequests(method, field).Increment();
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

absl::StatusOr<const CorpHandles*> ArchiveApi::FindCorp(const std::string& method,
                                                        const std::string& corp_id) {
  if (corp_id.empty()) return Reject(method, "corp_id", "required");
  auto it = corps_.find(corp_id);
  if (it == corps_.end()) return placement_.NotServedHere(corp_id);
  return &it->second;
}

absl::Status ArchiveApi::StreamMessages(const v1::StreamMessagesRequest& request,
                                        const MessageStreamer::Sink& sink,
                                        const MessageStreamer::Cancelled& cancelled) {
  static const std::string kMethod = "StreamMessages";
  RETURN_IF_ERROR(FindCorp(kMethod, request.corp_id()).status());
  if (request.start_case() == v1::StreamMessagesRequest::kConsumer &&
      !IsConsumerName(request.consumer())) {
    return Reject(kMethod, "consumer", "must be 1-128 characters of [A-Za-z0-9._-]");
  }
  if (request.msgtypes_size() > 64) return Reject(kMethod, "msgtypes", "at most 64 entries");
  for (const std::string& msgtype : request.msgtypes()) {
    if (msgtype.empty() || msgtype.size() > 64) {
      return Reject(kMethod, "msgtypes", "each must be 1-64 characters");
    }
  }
  if (request.conversation_id().size() > kMaxIdLength * 2 + 1) {
    return Reject(kMethod, "conversation_id", "too long");
  }
  if (request.sender().size() > kMaxIdLength) return Reject(kMethod, "sender", "too long");
  return streamer_->Stream(request, sink, cancelled);
}

absl::StatusOr<v1::AckMessagesResponse> ArchiveApi::AckMessages(
    const v1::AckMessagesRequest& request) {
  static const std::string kMethod = "AckMessages";
  RETURN_IF_ERROR(FindCorp(kMethod, request.corp_id()).status());
  if (!IsConsumerName(request.consumer())) {
    return Reject(kMethod, "consumer", "must be 1-128 characters of [A-Za-z0-9._-]");
  }
  if (request.position() == 0) return Reject(kMethod, "position", "must be at least 1");
  ASSIGN_OR_RETURN(uint64_t head, store_->HeadPosition(request.corp_id()));
  if (request.position() > head) {
    return Reject(kMethod, "position", absl::StrCat("is beyond the newest stream position ", head));
  }
  ASSIGN_OR_RETURN(uint64_t stored,
                   store_->AckConsumer(request.corp_id(), request.consumer(), request.position()));
  v1::AckMessagesResponse response;
  response.set_position(stored);
  return response;
}

absl::StatusOr<v1::GetMessageResponse> ArchiveApi::GetMessage(
    const v1::GetMessageRequest& request) {
  static const std::string kMethod = "GetMessage";
  RETURN_IF_ERROR(FindCorp(kMethod, request.corp_id()).status());
  if (request.msgid().empty()) return Reject(kMethod, "msgid", "required");
  if (request.msgid().size() > kMaxIdLength) return Reject(kMethod, "msgid", "too long");
  ASSIGN_OR_RETURN(v1::ArchivedMessage message,
                   store_->GetByMsgid(request.corp_id(), request.msgid()));
  v1::GetMessageResponse response;
  *response.mutable_message() = std::move(message);
  return response;
}

absl::StatusOr<v1::ListMessagesResponse> ArchiveApi::ListMessages(
    const v1::ListMessagesRequest& request) {
  static const std::string kMethod = "ListMessages";
  RETURN_IF_ERROR(FindCorp(kMethod, request.corp_id()).status());
  if (request.conversation_id().empty()) return Reject(kMethod, "conversation_id", "required");
  if (request.conversation_id().size() > kMaxIdLength * 2 + 1) {
    return Reject(kMethod, "conversation_id", "too long");
  }
  if (request.page_token().size() > kMaxIdLength * 4) {
    return Reject(kMethod, "page_token", "too long");
  }
  if (request.start_time_ms() < 0) return Reject(kMethod, "start_time_ms", "must be >= 0");
  if (request.end_time_ms() < 0) return Reject(kMethod, "end_time_ms", "must be >= 0");
  if (request.end_time_ms() != 0 && request.end_time_ms() <= request.start_time_ms()) {
    return Reject(kMethod, "end_time_ms", "must be after start_time_ms");
  }
  if (request.page_size() < 0 || request.page_size() > kMaxPageSize) {
    return Reject(kMethod, "page_size", absl::StrCat("must be 0-", kMaxPageSize));
  }
  const int page_size = request.page_size() == 0 ? kDefaultPageSize : request.page_size();
  absl::StatusOr<ConversationPage> page = store_->ListConversation(
      request.corp_id(), request.conversation_id(), request.start_time_ms(), request.end_time_ms(),
      page_size, request.page_token());
  if (absl::IsInvalidArgument(page.status())) {
    return Reject(kMethod, "page_token", page.status().message());
  }
  RETURN_IF_ERROR(page.status());
  v1::ListMessagesResponse response;
  for (v1::ArchivedMessage& message : page->messages) {
    *response.add_messages() = std::move(message);
  }
  response.set_next_page_token(page->next_page_token);
  return response;
}

absl::StatusOr<v1::GetRobotInfoResponse> ArchiveApi::GetRobotInfo(
    const v1::GetRobotInfoRequest& request) {
  static const std::string kMethod = "GetRobotInfo";
  ASSIGN_OR_RETURN(const CorpHandles* corp, FindCorp(kMethod, request.corp_id()));
  if (request.robot_id().empty()) return Reject(kMethod, "robot_id", "required");
  if (!absl::StartsWith(request.robot_id(), "wb") || request.robot_id().size() > kMaxIdLength) {
    return Reject(kMethod, "robot_id", "must be a robot's external_userid, starting with \"wb\"");
  }
  return corp->wecom_api->GetRobotInfo(request.robot_id());
}

absl::StatusOr<v1::GetGroupChatResponse> ArchiveApi::GetGroupChat(
    const v1::GetGroupChatRequest& request) {
  static const std::string kMethod = "GetGroupChat";
  ASSIGN_OR_RETURN(const CorpHandles* corp, FindCorp(kMethod, request.corp_id()));
  if (request.roomid().empty()) return Reject(kMethod, "roomid", "required");
  if (request.roomid().size() > kMaxIdLength) return Reject(kMethod, "roomid", "too long");
  return corp->wecom_api->GetGroupChat(request.roomid());
}

absl::StatusOr<v1::GetCorpStatusResponse> ArchiveApi::GetCorpStatus(
    const v1::GetCorpStatusRequest& request) {
  static const std::string kMethod = "GetCorpStatus";
  ASSIGN_OR_RETURN(const CorpHandles* corp, FindCorp(kMethod, request.corp_id()));
  const CorpPullStatus pull = corp->puller->status();
  ASSIGN_OR_RETURN(CorpCounters counters, store_->Counters(request.corp_id()));
  ASSIGN_OR_RETURN(uint64_t cursor, store_->PullCursor(request.corp_id()));
  ASSIGN_OR_RETURN(uint64_t head, store_->HeadPosition(request.corp_id()));
  v1::GetCorpStatusResponse response;
  response.set_corp_id(request.corp_id());
  response.set_cursor_seq(cursor);
  response.set_head_position(head);
  response.set_newest_msgtime_ms(pull.newest_msgtime_ms);
  response.set_lag_seconds(pull.lag_seconds);
  response.set_last_error(pull.last_error);
  for (uint32_t version : corp->keys->versions()) response.add_key_versions(version);
  response.set_archived_count(counters.archived);
  response.set_undecryptable_count(counters.undecryptable);
  return response;
}

absl::StatusOr<v1::GetMediaChunkResponse> ArchiveApi::GetMediaChunk(
    const v1::GetMediaChunkRequest& request) {
  static const std::string kMethod = "GetMediaChunk";
  ASSIGN_OR_RETURN(const CorpHandles* corp, FindCorp(kMethod, request.corp_id()));
  if (request.sdkfileid().empty()) return Reject(kMethod, "sdkfileid", "required");
  if (request.sdkfileid().size() > kMaxSdkFileIdLength) {
    return Reject(kMethod, "sdkfileid", "too long");
  }
  if (request.indexbuf().size() > kMaxIdLength) return Reject(kMethod, "indexbuf", "too long");
  // Pace to the vendor's GetMediaData limit by queueing the caller, but refuse
  // rather than hold a handler for long.
  if (absl::Duration wait = corp->media_rate_limit->Reserve(); wait > absl::ZeroDuration()) {
    if (wait > kMaxMediaQueueing) {
      return absl::ResourceExhaustedError(
          absl::StrCat("GetMediaData is at its rate limit for corp ", request.corp_id(),
                       "; retry in ", absl::FormatDuration(wait)));
    }
    absl::Mutex mu;
    absl::MutexLock lock(&mu);
    clock_->SleepFor(wait, &mu, /*cancel=*/nullptr);
  }
  ASSIGN_OR_RETURN(SdkSessionPool::Lease session, corp->media_sessions->Acquire());
  absl::StatusOr<MediaPiece> piece =
      session->GetMediaData(request.indexbuf(), request.sdkfileid(), corp->media_call);
  if (!piece.ok()) {
    const auto vendor = GetVendorError(piece.status());
    metrics_->MediaChunks(request.corp_id(), vendor ? absl::StrCat(vendor->code()) : "error")
        .Increment();
    return piece.status();
  }
  metrics_->MediaChunks(request.corp_id(), "ok").Increment();
  metrics_->MediaBytes(request.corp_id()).Increment(static_cast<double>(piece->data.size()));
  v1::GetMediaChunkResponse response;
  response.set_data(std::move(piece->data));
  response.set_outindexbuf(std::move(piece->outindexbuf));
  response.set_is_finish(piece->is_finish);
  return response;
}

}  // namespace wecom::archive
