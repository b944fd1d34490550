#include "services/robot-gateway/api/messaging_api.h"

#include <array>
#include <utility>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"

namespace wecom::robot {
namespace {

// WeCom blocks larger videos (robot.proto MessageContent.video).
constexpr uint64_t kMaxVideoBytes = 50 * 1024 * 1024;
constexpr int kMaxMentions = 100;
constexpr int kMaxForwardTargets = 100;
constexpr int kMaxMassSendTargets = 10000;
// The vendor advises no more than eight messages a task (seed 001 2.7).
constexpr int kMaxMassSendContents = 8;
constexpr std::array<absl::string_view, 7> kWeekdays = {"SUN", "MON", "TUE", "WED",
                                                        "THU", "FRI", "SAT"};

// "hh:mm", 00:00-23:59.
bool IsTimeOfDay(absl::string_view text) {
  if (text.size() != 5 || text[2] != ':') return false;
  for (const size_t i : {0, 1, 3, 4}) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  const int hours = (text[0] - '0') * 10 + (text[1] - '0');
  const int minutes = (text[3] - '0') * 10 + (text[4] - '0');
  return hours < 24 && minutes < 60;
}

absl::Status CheckDigits(const RequestCheck& check, absl::string_view field,
                         absl::string_view value) {
  if (value.empty() || value.size() > 20 || !absl::c_all_of(value, [](char c) {
        return absl::ascii_isdigit(static_cast<unsigned char>(c));
      })) {
    return check.Invalid(field, "1-20 digits");
  }
  return absl::OkStatus();
}

absl::Status CheckMedia(const RequestCheck& check, absl::string_view field,
                        const v1::MediaContent& media) {
  return check.NotBlank(absl::StrCat(field, ".file_url"), media.file_url());
}

absl::Status CheckText(const RequestCheck& check, absl::string_view field,
                       const v1::TextContent& text, bool group) {
  RETURN_IF_ERROR(check.NotBlank(absl::StrCat(field, ".content"), text.content()));
  if (!group && !text.mention_user_ids().empty()) {
    return check.Invalid(absl::StrCat(field, ".mention_user_ids"),
                         "only in group (R:) conversations");
  }
  if (!group && text.mention_all()) {
    return check.Invalid(absl::StrCat(field, ".mention_all"), "only in group (R:) conversations");
  }
  return check.Ids(absl::StrCat(field, ".mention_user_ids"), text.mention_user_ids(), 0,
                   kMaxMentions);
}

// `content` is the request's field `field` ("content", "contents[2]").
absl::Status CheckContent(const RequestCheck& check, absl::string_view field,
                          const v1::MessageContent& content, bool group) {
  switch (content.kind_case()) {
    case v1::MessageContent::kText:
      return CheckText(check, absl::StrCat(field, ".text"), content.text(), group);
    case v1::MessageContent::kImage:
      return CheckMedia(check, absl::StrCat(field, ".image"), content.image());
    case v1::MessageContent::kFile:
      return CheckMedia(check, absl::StrCat(field, ".file"), content.file());
    case v1::MessageContent::kGif:
      return CheckMedia(check, absl::StrCat(field, ".gif"), content.gif());
    case v1::MessageContent::kVideo:
      RETURN_IF_ERROR(CheckMedia(check, absl::StrCat(field, ".video"), content.video()));
      if (content.video().size_bytes() > kMaxVideoBytes) {
        return check.Invalid(absl::StrCat(field, ".video.size_bytes"),
                             "at most 50 MiB (WeCom blocks larger)");
      }
      return absl::OkStatus();
    case v1::MessageContent::kVoice:
      return CheckMedia(check, absl::StrCat(field, ".voice"), content.voice());
    case v1::MessageContent::kPersonCard:
      return check.NotBlank(absl::StrCat(field, ".person_card.user_id"),
                            content.person_card().user_id());
    case v1::MessageContent::kLink:
      RETURN_IF_ERROR(check.NotBlank(absl::StrCat(field, ".link.title"), content.link().title()));
      return check.NotBlank(absl::StrCat(field, ".link.url"), content.link().url());
    case v1::MessageContent::kMiniProgram:
      return check.NotBlank(absl::StrCat(field, ".mini_program.appid"),
                            content.mini_program().appid());
    case v1::MessageContent::kSavedMiniProgramId:
      if (content.saved_mini_program_id() <= 0) {
        return check.Invalid(absl::StrCat(field, ".saved_mini_program_id"), "must be positive");
      }
      return absl::OkStatus();
    case v1::MessageContent::kVideoNum:
      return check.NotBlank(absl::StrCat(field, ".video_num.url"), content.video_num().url());
    case v1::MessageContent::kSavedVideoNumId:
      if (content.saved_video_num_id() <= 0) {
        return check.Invalid(absl::StrCat(field, ".saved_video_num_id"), "must be positive");
      }
      return absl::OkStatus();
    case v1::MessageContent::kQuote:
      RETURN_IF_ERROR(
          check.NotBlank(absl::StrCat(field, ".quote.content"), content.quote().content()));
      return check.NotBlank(absl::StrCat(field, ".quote.quoted_server_id"),
                            content.quote().quoted_server_id());
    case v1::MessageContent::KIND_NOT_SET:
      break;
  }
  return check.Invalid(field, "exactly one kind must be set");
}

// States in which an account may log in again by itself, so its sends can
// wait for it.
bool CanQueueSends(const v1::Account& account) {
  switch (account.status()) {
    case v1::ACCOUNT_STATUS_LOGGED_OUT:
    case v1::ACCOUNT_STATUS_LOGIN_FAILED:
    case v1::ACCOUNT_STATUS_BANNED:
    case v1::ACCOUNT_STATUS_KICKED:
      return false;
    default:
      return true;
  }
}

// The account's user id in its one-to-one conversation ids.
absl::string_view OwnUserId(const v1::Account& account, const AccountRef& ref) {
  return account.wecom_user_id().empty() ? ref.vendor_account_id : account.wecom_user_id();
}

absl::StatusOr<AccountRef> CheckUploadHeader(const RequestCheck& check,
                                             const v1::UploadFileRequest::Header& header) {
  ASSIGN_OR_RETURN(AccountRef account, check.Account("header.account_id", header.account_id()));
  if (header.file_name().empty() || header.file_name().find('/') != std::string::npos) {
    return check.Invalid("header.file_name", "must be a non-empty name without '/'");
  }
  return account;
}

}  // namespace

absl::Status FileUpload::Add(const v1::UploadFileRequest& part) {
  if (!header_.has_value()) {
    if (!part.has_header()) return check_.Invalid("header", "the first message must be a header");
    RETURN_IF_ERROR(CheckUploadHeader(check_, part.header()).status());
    header_ = part.header();
    return absl::OkStatus();
  }
  if (part.has_header()) return check_.Invalid("header", "only the first message is a header");
  if (part.chunk().size() > max_bytes_ - bytes_.size()) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the file is larger than the ", max_bytes_, " bytes allowed"));
  }
  bytes_.append(part.chunk());
  return absl::OkStatus();
}

absl::Status FileUpload::Finish() const {
  if (!header_.has_value()) return check_.Invalid("header", "the first message must be a header");
  return absl::OkStatus();
}

absl::StatusOr<v1::SendResponse> MessagingApi::Send(const v1::SendRequest& request) {
  const RequestCheck check("Send", metrics_);
  ASSIGN_OR_RETURN(AccountRef ref, check.Account("account_id", request.account_id()));
  RETURN_IF_ERROR(check.ConversationId("conversation_id", request.conversation_id()));
  RETURN_IF_ERROR(CheckContent(check, "content", request.content(),
                               IsGroupConversation(request.conversation_id())));
  RETURN_IF_ERROR(check.IdempotencyKey("idempotency_key", request.idempotency_key()));
  ASSIGN_OR_RETURN(v1::Account account, accounts_->Find(ref, "account_id", CanQueueSends));
  if (!CanQueueSends(account)) {
    return absl::FailedPreconditionError(absl::StrCat("account_id: ", ref.account_id, " is ",
                                                      v1::AccountStatus_Name(account.status()),
                                                      " and needs a new login"));
  }
  RETURN_IF_ERROR(check.ConversationOfAccount("conversation_id", request.conversation_id(),
                                              OwnUserId(account, ref)));
  ASSIGN_OR_RETURN(RobotPlatform * platform, platforms_->For(ref.vendor));

  v1::Send send;
  send.set_account_id(ref.account_id);
  send.set_conversation_id(request.conversation_id());
  *send.mutable_content() = request.content();
  send.set_idempotency_key(request.idempotency_key());
  send.set_transport(platform->TransportFor(ref));
  ASSIGN_OR_RETURN(SendOutbox::Accepted accepted,
                   dispatcher_->Accept(std::move(send), account.corp_id()));
  v1::SendResponse response;
  *response.mutable_send() = std::move(accepted.send);
  response.set_duplicate(accepted.duplicate);
  return response;
}

absl::StatusOr<v1::GetSendStatusResponse> MessagingApi::GetSendStatus(
    const v1::GetSendStatusRequest& request) {
  const RequestCheck check("GetSendStatus", metrics_);
  v1::GetSendStatusResponse response;
  switch (request.key_case()) {
    case v1::GetSendStatusRequest::kSendId: {
      RETURN_IF_ERROR(check.NotBlank("send_id", request.send_id()));
      ASSIGN_OR_RETURN(*response.mutable_send(), dispatcher_->Get(request.send_id()));
      return response;
    }
    case v1::GetSendStatusRequest::kIdempotencyKey: {
      ASSIGN_OR_RETURN(AccountRef ref, check.Account("account_id", request.account_id()));
      if (request.idempotency_key().empty()) {
        return check.Invalid("idempotency_key", "1-128 printable ASCII characters");
      }
      RETURN_IF_ERROR(check.IdempotencyKey("idempotency_key", request.idempotency_key()));
      ASSIGN_OR_RETURN(*response.mutable_send(),
                       dispatcher_->GetByIdempotencyKey(ref.account_id, request.idempotency_key()));
      return response;
    }
    case v1::GetSendStatusRequest::KEY_NOT_SET:
      break;
  }
  return check.Invalid("key", "set send_id, or idempotency_key with account_id");
}

FileUpload MessagingApi::StartUpload(size_t max_bytes) const {
  return FileUpload(max_bytes, RequestCheck("UploadFile", metrics_));
}

absl::StatusOr<v1::UploadFileResponse> MessagingApi::UploadFile(
    const v1::UploadFileRequest::Header& header, const std::string& bytes) {
  const RequestCheck check("UploadFile", metrics_);
  ASSIGN_OR_RETURN(AccountRef ref, CheckUploadHeader(check, header));
  ASSIGN_OR_RETURN(RobotPlatform * platform, accounts_->KnownPlatform(ref, "header.account_id"));
  return platform->UploadFile(ref, header.file_name(), bytes);
}

absl::StatusOr<v1::ListSavedMiniProgramsResponse> MessagingApi::ListSavedMiniPrograms(
    const v1::ListSavedMiniProgramsRequest& request) {
  const RequestCheck check("ListSavedMiniPrograms", metrics_);
  ASSIGN_OR_RETURN(AccountRef ref, check.Account("account_id", request.account_id()));
  ASSIGN_OR_RETURN(RobotPlatform * platform, accounts_->KnownPlatform(ref));
  return platform->ListSavedMiniPrograms(ref);
}

absl::StatusOr<v1::ListSavedVideoNumsResponse> MessagingApi::ListSavedVideoNums(
    const v1::ListSavedVideoNumsRequest& request) {
  const RequestCheck check("ListSavedVideoNums", metrics_);
  ASSIGN_OR_RETURN(AccountRef ref, check.Account("account_id", request.account_id()));
  ASSIGN_OR_RETURN(RobotPlatform * platform, accounts_->KnownPlatform(ref));
  return platform->ListSavedVideoNums(ref);
}

absl::StatusOr<v1::ConfirmBatchMessagesResponse> MessagingApi::ConfirmBatchMessages(
    const v1::ConfirmBatchMessagesRequest& request) {
  const RequestCheck check("ConfirmBatchMessages", metrics_);
  ASSIGN_OR_RETURN(AccountRef ref, check.Account("account_id", request.account_id()));
  ASSIGN_OR_RETURN(RobotPlatform * platform, accounts_->OnlinePlatform(ref));
  RETURN_IF_ERROR(platform->ConfirmBatchMessages(ref));
  return v1::ConfirmBatchMessagesResponse();
}

absl::StatusOr<v1::ForwardMessageResponse> MessagingApi::ForwardMessage(
    const v1::ForwardMessageRequest& request) {
  const RequestCheck check("ForwardMessage", metrics_);
  ASSIGN_OR_RETURN(AccountRef ref, check.Account("account_id", request.account_id()));
  RETURN_IF_ERROR(CheckDigits(check, "server_id", request.server_id()));
  RETURN_IF_ERROR(check.Ids("target_ids", request.target_ids(), 1, kMaxForwardTargets));
  ASSIGN_OR_RETURN(RobotPlatform * platform, accounts_->OnlinePlatform(ref));
  RETURN_IF_ERROR(platform->ForwardMessage(ref, request));
  return v1::ForwardMessageResponse();
}

absl::StatusOr<v1::CreateMassSendTaskResponse> MessagingApi::CreateMassSendTask(
    const v1::CreateMassSendTaskRequest& request) {
  const RequestCheck check("CreateMassSendTask", metrics_);
  ASSIGN_OR_RETURN(AccountRef ref, check.Account("account_id", request.account_id()));
  RETURN_IF_ERROR(check.NotBlank("name", request.name()));
  if (request.has_once() && request.once().start_time_ms() < 0) {
    return check.Invalid("once.start_time_ms", "must not be negative");
  }
  if (request.has_weekly()) {
    const v1::WeeklySchedule& weekly = request.weekly();
    if (!IsTimeOfDay(weekly.time_of_day())) {
      return check.Invalid("weekly.time_of_day", "\"hh:mm\", 00:00-23:59");
    }
    if (weekly.weekdays().empty()) return check.Invalid("weekly.weekdays", "at least one day");
    for (int i = 0; i < weekly.weekdays().size(); ++i) {
      if (!absl::c_linear_search(kWeekdays, weekly.weekdays(i))) {
        return check.Invalid(absl::StrCat("weekly.weekdays[", i, "]"), "SUN, MON, … or SAT");
      }
    }
  }
  RETURN_IF_ERROR(check.Ids("target_ids", request.target_ids(), 1, kMaxMassSendTargets));
  bool groups = false;
  bool customers = false;
  for (int i = 0; i < request.target_ids().size(); ++i) {
    const std::string& target = request.target_ids(i);
    if (IsGroupConversation(target)) {
      groups = true;
    } else if (absl::StartsWith(target, "S:") || absl::StartsWith(target, "R:")) {
      return check.Invalid(absl::StrCat("target_ids[", i, "]"),
                           "a customer's user id or a group's \"R:…\" id");
    } else {
      customers = true;
    }
  }
  if (groups && customers) return check.Invalid("target_ids", "customers or groups, not both");
  if (request.contents().empty() || request.contents().size() > kMaxMassSendContents) {
    return check.Invalid("contents", "1-8 messages");
  }
  for (int i = 0; i < request.contents().size(); ++i) {
    const v1::MessageContent& content = request.contents(i);
    const std::string field = absl::StrCat("contents[", i, "]");
    // The vendor finds a mini program by its title, not its appid.
    if (content.has_mini_program()) {
      RETURN_IF_ERROR(check.NotBlank(absl::StrCat(field, ".mini_program.title"),
                                     content.mini_program().title()));
    } else {
      RETURN_IF_ERROR(CheckContent(check, field, content, groups));
    }
  }
  if (request.targets_per_batch() < 0) {
    return check.Invalid("targets_per_batch", "must not be negative");
  }
  const int32_t min_interval = request.min_interval_seconds();
  const int32_t max_interval = request.max_interval_seconds();
  if ((min_interval == 0) != (max_interval == 0)) {
    return check.Invalid("min_interval_seconds", "set both intervals or neither");
  }
  if (min_interval < 0 || max_interval < min_interval) {
    return check.Invalid("max_interval_seconds",
                         "0 < min_interval_seconds <= max_interval_seconds");
  }
  ASSIGN_OR_RETURN(RobotPlatform * platform, accounts_->OnlinePlatform(ref));
  RETURN_IF_ERROR(platform->CreateMassSendTask(ref, request));
  return v1::CreateMassSendTaskResponse();
}

absl::StatusOr<v1::ListConversationsResponse> MessagingApi::ListConversations(
    const v1::ListConversationsRequest& request) {
  const RequestCheck check("ListConversations", metrics_);
  ASSIGN_OR_RETURN(AccountRef ref, check.Account("account_id", request.account_id()));
  RETURN_IF_ERROR(check.PageSize("page_size", request.page_size()));
  ASSIGN_OR_RETURN(RobotPlatform * platform, accounts_->KnownPlatform(ref));
  return platform->ListConversations(ref, request);
}

absl::StatusOr<v1::ListConversationMessagesResponse> MessagingApi::ListConversationMessages(
    const v1::ListConversationMessagesRequest& request) {
  const RequestCheck check("ListConversationMessages", metrics_);
  ASSIGN_OR_RETURN(AccountRef ref, check.Account("account_id", request.account_id()));
  RETURN_IF_ERROR(check.ConversationId("conversation_id", request.conversation_id()));
  if (request.since_ms() < 0) return check.Invalid("since_ms", "must not be negative");
  if (request.until_ms() < 0) return check.Invalid("until_ms", "must not be negative");
  if (request.until_ms() != 0 && request.until_ms() < request.since_ms()) {
    return check.Invalid("until_ms", "before since_ms");
  }
  RETURN_IF_ERROR(check.PageSize("page_size", request.page_size()));
  ASSIGN_OR_RETURN(RobotPlatform * platform, accounts_->KnownPlatform(ref));
  return platform->ListConversationMessages(ref, request);
}

absl::StatusOr<v1::MarkConversationReadResponse> MessagingApi::MarkConversationRead(
    const v1::MarkConversationReadRequest& request) {
  const RequestCheck check("MarkConversationRead", metrics_);
  ASSIGN_OR_RETURN(AccountRef ref, check.Account("account_id", request.account_id()));
  RETURN_IF_ERROR(check.ConversationId("conversation_id", request.conversation_id()));
  ASSIGN_OR_RETURN(RobotPlatform * platform, accounts_->KnownPlatform(ref));
  RETURN_IF_ERROR(platform->MarkConversationRead(ref, request));
  return v1::MarkConversationReadResponse();
}

}  // namespace wecom::robot
