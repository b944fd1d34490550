#include "services/robot-gateway/yjiyun/yjiyun_platform.h"

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <optional>
#include <utility>

#include "absl/algorithm/container.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/log/log.h"
#include "common/status/status_macros.h"
#include "services/robot-gateway/platform/page_number.h"
#include "services/robot-gateway/platform/vendor_http.h"
#include "services/robot-gateway/platform/vendor_json.h"
#include "services/robot-gateway/yjiyun/yjiyun_event.h"
#include "services/robot-gateway/yjiyun/yjiyun_mapping.h"

namespace wecom::robot {
namespace {

using nlohmann::json;

// The document's default page size, and the most asked for in one page (the
// document sets no limit; pages stay small enough for one answer).
constexpr int32_t kDefaultPageSize = 20;
constexpr int32_t kMaxPageSize = 100;
// messageIds are at most 32 characters (seed 001 3.0).
constexpr size_t kMaxMessageIdLength = 32;
// 2.7: "suitCount 固定值 12".
constexpr int32_t kDefaultTargetsPerBatch = 12;

constexpr absl::string_view kExportPath = "/wxworkapi/grouptag/list/download";
constexpr absl::string_view kCustomersPath = "/wxworkapi/external/user/list";
// SearchContactsByLabels' default page size (the proto's).
constexpr int32_t kDefaultSearchPageSize = 100;

int32_t PageSizeOf(int32_t page_size) {
  return page_size > 0 ? std::min(page_size, kMaxPageSize) : kDefaultPageSize;
}

absl::Status ForeignPageToken(absl::string_view rpc) {
  return absl::InvalidArgumentError(absl::StrCat("page_token: not a token ", rpc, " returned"));
}

// A user id as yjiyun answers it: a string, or a number spelled out.
std::string IdText(const json& id) {
  if (id.is_string()) return id.get<std::string>();
  if (id.is_number_unsigned()) return absl::StrCat(id.get<uint64_t>());
  if (id.is_number_integer()) return absl::StrCat(id.get<int64_t>());
  return "";
}

// Whether more items follow a page of `items` (`asked` for) that ends
// `served` items into what the total counts: the total says so when yjiyun
// answers one, else a full page may have more behind it.
bool MoreAfter(const YjiyunApi::Answer& answer, int64_t served, size_t items, int64_t asked) {
  if (JsonFind(answer.body, "total") != nullptr) return served < answer.total();
  return static_cast<int64_t>(items) >= asked;
}

// ListConversations' page token "<until_ms>/<id>,<id>…": the next page is the
// chats last active at or before until_ms (chat/list's timestamp is
// inclusive), less `listed`, the conversations active at until_ms that were
// served already. yjiyun's times are often whole seconds (the document's
// examples), so several chats may share one across a page boundary: they
// are told apart by id, not by their order, which nothing guarantees.
struct ChatCursor {
  int64_t until_ms = 0;
  std::vector<std::string> listed;
};

absl::StatusOr<std::optional<ChatCursor>> ChatCursorOf(absl::string_view token) {
  if (token.empty()) return std::nullopt;
  const std::pair<absl::string_view, absl::string_view> parts =
      absl::StrSplit(token, absl::MaxSplits('/', 1));
  ChatCursor cursor;
  if (!absl::SimpleAtoi(parts.first, &cursor.until_ms) || cursor.until_ms < 0) {
    return ForeignPageToken("ListConversations");
  }
  cursor.listed = absl::StrSplit(parts.second, ',', absl::SkipEmpty());
  return cursor;
}

std::string PageTokenOf(const ChatCursor& cursor) {
  return absl::StrCat(cursor.until_ms, "/", absl::StrJoin(cursor.listed, ","));
}

// ListConversationMessages' page token "<until_ms>/<offset>": chat/message's
// offset, and the end time the first page pinned (0: none, yjiyun's "now").
struct MessageCursor {
  int64_t until_ms = 0;
  int64_t offset = 0;
};

absl::StatusOr<MessageCursor> MessageCursorOf(absl::string_view token, int64_t until_ms) {
  if (token.empty()) return MessageCursor{.until_ms = until_ms};
  MessageCursor cursor;
  const std::pair<absl::string_view, absl::string_view> parts =
      absl::StrSplit(token, absl::MaxSplits('/', 1));
  if (!absl::SimpleAtoi(parts.first, &cursor.until_ms) ||
      !absl::SimpleAtoi(parts.second, &cursor.offset) || cursor.until_ms < 0 || cursor.offset < 0) {
    return ForeignPageToken("ListConversationMessages");
  }
  return cursor;
}

// SearchContactsByLabels' page token "<account>/<page>": the account's index
// in account_ids and its next pageNum.
struct SearchCursor {
  size_t account = 0;
  int64_t page = 1;
};

absl::StatusOr<SearchCursor> SearchCursorOf(absl::string_view token, size_t accounts) {
  if (token.empty()) return SearchCursor{};
  const std::pair<absl::string_view, absl::string_view> parts =
      absl::StrSplit(token, absl::MaxSplits('/', 1));
  SearchCursor cursor;
  absl::StatusOr<int64_t> page = PageNumberOf(parts.second, "SearchContactsByLabels");
  if (!absl::SimpleAtoi(parts.first, &cursor.account) || cursor.account >= accounts ||
      parts.second.empty() || !page.ok()) {
    return ForeignPageToken("SearchContactsByLabels");
  }
  cursor.page = *page;
  return cursor;
}

// Whether accounts[index] is one of the accounts before it.
bool IsRepeated(const std::vector<AccountRef>& accounts, size_t index) {
  return std::any_of(accounts.begin(), accounts.begin() + static_cast<std::ptrdiff_t>(index),
                     [&accounts, index](const AccountRef& earlier) {
                       return earlier.vendor_account_id == accounts[index].vendor_account_id;
                     });
}

// The index of the first account after accounts[index] that is no repeat
// (accounts.size() when none is).
size_t NextAccount(const std::vector<AccountRef>& accounts, size_t index) {
  do {
    ++index;
  } while (index < accounts.size() && IsRepeated(accounts, index));
  return index;
}

// The names of the labels with `ids` (each name once), for tagList.
json NamesOf(const std::vector<v1::Label>& labels, const std::vector<std::string>& ids) {
  json names = json::array();
  for (const v1::Label& label : labels) {
    if (absl::c_linear_search(ids, label.label_id()) &&
        !absl::c_linear_search(names, json(label.name()))) {
      names.push_back(label.name());
    }
  }
  return names;
}

// The messageId of a send: the gateway's prefix and the send id's digits
// ("snd_00000000000000a1" → "wg00000000000000a1"), the same on every attempt,
// so that an echo names its send even when the answer to the request was
// lost.
std::string MessageIdOf(absl::string_view send_id) {
  return absl::StrCat(kGatewayMessageIdPrefix, absl::StripPrefix(send_id, "snd_"))
      .substr(0, kMaxMessageIdLength);
}

}  // namespace

YjiyunPlatform::YjiyunPlatform(YjiyunApi* api, YjiyunChannel* channel, Clock* clock)
    : api_(api), channel_(channel), clock_(clock != nullptr ? clock : RealClock::Get()) {}

absl::StatusOr<std::string> YjiyunPlatform::RobotWxid(const AccountRef& account) {
  const auto unknown = [&account] {
    return absl::NotFoundError(absl::StrCat("yjiyun has no robot ", account.account_id));
  };
  {
    absl::MutexLock lock(&mu_);
    const auto it = wxids_.find(account.vendor_account_id);
    if (it != wxids_.end()) return it->second;
    if (clock_->Now() - robots_listed_at_ < kRobotListAge) return unknown();
  }
  const absl::Time asked = clock_->Now();
  ASSIGN_OR_RETURN(const YjiyunApi::Answer robots,
                   api_->Call("/wxworkapi/robot/list", json::object()));
  absl::MutexLock lock(&mu_);
  robots_listed_at_ = std::max(robots_listed_at_, asked);
  for (const json& robot : JsonArray(robots.body, "data")) {
    wxids_.insert_or_assign(JsonString(robot, "robotKey"), JsonString(robot, "wxid"));
  }
  const auto it = wxids_.find(account.vendor_account_id);
  if (it == wxids_.end()) return unknown();
  return it->second;
}

absl::StatusOr<YjiyunPlatform::Chat> YjiyunPlatform::ChatOf(const AccountRef& account,
                                                            const std::string& conversation_id) {
  ASSIGN_OR_RETURN(const std::string wxid, RobotWxid(account));
  if (absl::StartsWith(conversation_id, "R:")) {
    return Chat{.chat_id = absl::StrCat("S:", wxid, "_", conversation_id),
                .chat_user = conversation_id};
  }
  const std::pair<absl::string_view, absl::string_view> sides =
      absl::StrSplit(absl::StripPrefix(conversation_id, "S:"), absl::MaxSplits('_', 1));
  // yjiyun's chatId has the robot first, whichever order the caller used.
  if (sides.first == wxid || sides.second == wxid) {
    const std::string other(sides.first == wxid ? sides.second : sides.first);
    return Chat{.chat_id = absl::StrCat("S:", wxid, "_", other), .chat_user = other};
  }
  return absl::InvalidArgumentError(absl::StrCat("conversation_id: ", conversation_id,
                                                 " is not a conversation of ", account.account_id));
}

absl::StatusOr<std::string> YjiyunPlatform::SendMessage(const OutgoingMessage& message) {
  json content;
  const v1::MessageContent& given = message.content;
  switch (given.kind_case()) {
    case v1::MessageContent::kText: {
      if (given.text().mention_all()) return Unimplemented("@all");
      content = {{"contentType", 1}, {"content", given.text().content()}};
      if (!given.text().mention_user_ids().empty()) {
        content["atUserList"] = absl::StrJoin(given.text().mention_user_ids(), ",");
      }
      break;
    }
    case v1::MessageContent::kImage:
      content = {{"contentType", 7}, {"pic", given.image().file_url()}};
      break;
    case v1::MessageContent::kLink:
      content = {{"contentType", 13},
                 {"title", given.link().title()},
                 {"link", given.link().url()},
                 {"description", given.link().description()},
                 {"coverImgFile", given.link().image_url()}};
      break;
    case v1::MessageContent::kFile:
      content = {{"contentType", 8}, {"fileName", given.file().file_url()}};
      break;
    case v1::MessageContent::kVideo:
      content = {{"contentType", 5}, {"fileName", given.video().file_url()}};
      break;
    default:
      return Unimplemented(
          absl::StrCat("sending ", v1::MessageContent::descriptor()
                                       ->FindFieldByNumber(static_cast<int>(given.kind_case()))
                                       ->name()));
  }
  const std::string message_id = MessageIdOf(message.send_id);
  std::string chat_id = message.conversation_id;
  if (absl::StartsWith(chat_id, "R:")) {
    ASSIGN_OR_RETURN(const std::string wxid, RobotWxid(message.account));
    chat_id = absl::StrCat("S:", wxid, "_", chat_id);
  }
  ASSIGN_OR_RETURN(const json echo,
                   channel_->Request("message", {{"chatId", chat_id},
                                                 {"messageId", message_id},
                                                 {"robotKey", message.account.vendor_account_id},
                                                 {"message", std::move(content)}}));
  // Accepted, but WeCom may not have delivered it (sendStatus 2: blocked,
  // deleted). An echo the normalizer cannot read still confirms the send.
  const absl::StatusOr<VendorEvent> echoed = NormalizeYjiyunMessage(echo);
  if (echoed.ok() && echoed->send_outcome.has_value() && echoed->send_outcome->error_code != 0) {
    return VendorCallFailure("yjiyun", absl::StatusCode::kFailedPrecondition, "message",
                             echoed->send_outcome->error_code, echoed->send_outcome->error_message);
  }
  return message_id;
}

absl::Status YjiyunPlatform::ForwardMessage(const AccountRef& account,
                                            const v1::ForwardMessageRequest& request) {
  // msgSvrID is a Long (3.7).
  uint64_t msg_svr_id = 0;
  if (!absl::SimpleAtoi(request.server_id(), &msg_svr_id)) {
    return absl::InvalidArgumentError("server_id: not a yjiyun msgSvrID");
  }
  return Action(account, "robot.message.forward",
                {{"msgSvrID", msg_svr_id}, {"friends", JsonStrings(request.target_ids())}})
      .status();
}

absl::Status YjiyunPlatform::CreateMassSendTask(const AccountRef& account,
                                                const v1::CreateMassSendTaskRequest& request) {
  // isGroupChat: a task goes to friends (1) or to groups (2).
  const auto groups = absl::c_count_if(
      request.target_ids(), [](const std::string& id) { return absl::StartsWith(id, "R:"); });
  if (groups != 0 && groups != request.target_ids().size()) {
    return absl::InvalidArgumentError(
        "target_ids: a yjiyun mass send goes to customers or to groups, not both");
  }
  const int is_group_chat = groups == 0 ? 1 : 2;
  json contents = json::array();
  for (int i = 0; i < request.contents().size(); ++i) {
    ASSIGN_OR_RETURN(json content,
                     YjiyunTaskContent(request.contents(i), absl::StrCat("contents[", i, "]")));
    contents.push_back(std::move(content));
  }
  json accept_target = {{"robotKey", account.vendor_account_id},
                        {"chatUser", JsonStrings(request.target_ids())}};
  // The example's nested form (the table lists the same fields flat).
  json task = {{"name", request.name()},
               {"commandType", "wxwork.robot.batch.send"},
               {"suitCount", request.targets_per_batch() > 0 ? request.targets_per_batch()
                                                             : kDefaultTargetsPerBatch},
               {"taskData",
                {{"contents", std::move(contents)},
                 {"acceptTarget", json::array({std::move(accept_target)})},
                 {"isGroupChat", is_group_chat}}}};
  if (request.has_weekly()) {
    task["taskType"] = 2;
    task["execStartTime"] = request.weekly().time_of_day();
    task["weekday"] = JsonStrings(request.weekly().weekdays());
  } else {
    // Once; without startTime yjiyun starts at once.
    task["taskType"] = 1;
    if (request.once().start_time_ms() > 0) task["startTime"] = request.once().start_time_ms();
  }
  // taskRule 1: yjiyun's 30 s per target; 2: a pause drawn from the range.
  if (request.min_interval_seconds() > 0) {
    task["taskRule"] = 2;
    task["perSuitSecond"] = request.min_interval_seconds();
    task["perSuitSecondUpper"] = request.max_interval_seconds();
  } else {
    task["taskRule"] = 1;
  }
  return api_->Call("/wxworkapi/multiple/task/save", task, YjiyunApi::Body::kJson).status();
}

absl::StatusOr<v1::ListConversationsResponse> YjiyunPlatform::ListConversations(
    const AccountRef& account, const v1::ListConversationsRequest& request) {
  ASSIGN_OR_RETURN(const std::optional<ChatCursor> cursor, ChatCursorOf(request.page_token()));
  // The chats served at the cursor's time come again; asked for besides the
  // page.
  const size_t listed = cursor.has_value() ? cursor->listed.size() : 0;
  const int64_t count = std::min<int64_t>(PageSizeOf(request.page_size()) + listed, kMaxPageSize);
  json params = {{"robotKey", account.vendor_account_id}, {"count", count}};
  if (cursor.has_value()) params["timestamp"] = cursor->until_ms;
  ASSIGN_OR_RETURN(const YjiyunApi::Answer answer, api_->Call("/wxworkapi/chat/list", params));
  const json& chats = JsonArray(answer.body, "chats");
  v1::ListConversationsResponse response;
  ChatCursor next = cursor.value_or(ChatCursor{});
  for (const json& chat : chats) {
    v1::Conversation conversation = YjiyunConversation(chat);
    if (conversation.last_active_ms() != next.until_ms) {
      next.until_ms = conversation.last_active_ms();
      next.listed.clear();
    } else if (absl::c_linear_search(next.listed, conversation.conversation_id())) {
      continue;
    }
    next.listed.push_back(conversation.conversation_id());
    *response.add_conversations() = std::move(conversation);
  }
  // The total counts from the cursor's time.
  if (chats.empty() ||
      !MoreAfter(answer, static_cast<int64_t>(chats.size()), chats.size(), count)) {
    return response;
  }
  // chat/list has no offset: a page can only skip what it asks for besides.
  // When a whole largest page shares one time, the rest of that time is
  // left out rather than asked for again and again.
  // A page of nothing new (the server serves fewer than asked) would come
  // back the same way.
  if (next.listed.size() >= static_cast<size_t>(kMaxPageSize) || response.conversations().empty()) {
    next.until_ms -= 1;
    next.listed.clear();
  }
  response.set_next_page_token(PageTokenOf(next));
  return response;
}

absl::StatusOr<v1::ListConversationMessagesResponse> YjiyunPlatform::ListConversationMessages(
    const AccountRef& account, const v1::ListConversationMessagesRequest& request) {
  ASSIGN_OR_RETURN(MessageCursor cursor, MessageCursorOf(request.page_token(), request.until_ms()));
  ASSIGN_OR_RETURN(const Chat chat, ChatOf(account, request.conversation_id()));
  const int32_t count = PageSizeOf(request.page_size());
  json params = {{"robotKey", account.vendor_account_id},
                 {"chatUser", chat.chat_user},
                 {"offset", cursor.offset},
                 {"count", count}};
  if (request.since_ms() > 0) params["s_timestamp"] = request.since_ms();
  if (cursor.until_ms > 0) params["timestamp"] = cursor.until_ms;
  ASSIGN_OR_RETURN(const YjiyunApi::Answer answer, api_->Call("/wxworkapi/chat/message", params));
  const json& items = JsonArray(answer.body, "model");
  v1::ListConversationMessagesResponse response;
  for (const json& item : items) {
    absl::StatusOr<VendorEvent> message = NormalizeYjiyunMessage(item);
    // Skipped as the stream skips it.
    if (!message.ok()) {
      log::Warn("yjiyun_message_malformed", {{"error", message.status().ToString()}});
      continue;
    }
    *response.add_events() = std::move(message->event);
  }
  if (items.empty()) return response;
  // Newest first: the first page's newest message ends the later pages, so
  // that messages arriving meanwhile do not shift them.
  if (cursor.until_ms == 0) cursor.until_ms = std::max<int64_t>(0, JsonInt(items[0], "timestamp"));
  cursor.offset += static_cast<int64_t>(items.size());
  if (MoreAfter(answer, cursor.offset, items.size(), count)) {
    response.set_next_page_token(absl::StrCat(cursor.until_ms, "/", cursor.offset));
  }
  return response;
}

absl::Status YjiyunPlatform::MarkConversationRead(const AccountRef& account,
                                                  const v1::MarkConversationReadRequest& request) {
  ASSIGN_OR_RETURN(const Chat chat, ChatOf(account, request.conversation_id()));
  return api_->Call("/wxworkapi/unreadmsg/clean", {{"chatId", chat.chat_id}}).status();
}

absl::StatusOr<json> YjiyunPlatform::Action(const AccountRef& account, absl::string_view type,
                                            json fields) {
  // "wa", the time to the millisecond and a sequence (the document's
  // "timestamp + sequence"): unique, 2 + 17 + 6 characters, and never taken
  // for a send's (a forward's copies come back under it).
  const absl::Time now = clock_->Now();
  fields["type"] = std::string(type);
  fields["robotKey"] = account.vendor_account_id;
  fields["messageId"] = absl::StrCat(kGatewayActionIdPrefix,
                                     absl::FormatTime("%Y%m%d%H%M%S", now, absl::UTCTimeZone()),
                                     absl::StrFormat("%03d%06d", absl::ToUnixMillis(now) % 1000,
                                                     next_action_.fetch_add(1) % 1000000));
  return channel_->Request("action", fields);
}

absl::Mutex& YjiyunPlatform::TagQueueOf(const std::string& robot_key) {
  absl::MutexLock lock(&mu_);
  std::unique_ptr<absl::Mutex>& queue = tag_queues_[robot_key];
  if (queue == nullptr) queue = std::make_unique<absl::Mutex>();
  return *queue;
}

v1::SendTransport YjiyunPlatform::TransportFor(const AccountRef&) const {
  return v1::SEND_TRANSPORT_SOCKET_IO;
}

absl::StatusOr<json> YjiyunPlatform::ListPage(absl::string_view path, json params,
                                              absl::string_view rpc, int32_t page_size,
                                              const std::string& page_token,
                                              std::string* next_page_token) {
  ASSIGN_OR_RETURN(const int64_t page, PageNumberOf(page_token, rpc));
  const int32_t size = PageSizeOf(page_size);
  params["pageNum"] = page;
  params["pageSize"] = size;
  ASSIGN_OR_RETURN(YjiyunApi::Answer answer, api_->Call(path, params));
  json items = std::move(answer.body["data"]);
  if (items.is_null()) items = json::array();
  if (!items.is_array()) {
    return VendorCallFailure("yjiyun", absl::StatusCode::kInternal, path, 0,
                             "malformed response: data is not a list");
  }
  // The total tells whether more follow.
  const int64_t served_through = (page - 1) * size + static_cast<int64_t>(items.size());
  if (!items.empty() && served_through < answer.total()) {
    *next_page_token = PageTokenOf(page + 1);
  }
  return items;
}

absl::StatusOr<std::vector<v1::Account>> YjiyunPlatform::ListAccounts(
    const v1::ListAccountsRequest& request) {
  ASSIGN_OR_RETURN(const YjiyunApi::Answer answer,
                   api_->Call("/wxworkapi/robot/list", json::object()));
  std::vector<v1::Account> accounts;
  for (const json& item : JsonArray(answer.body, "data")) {
    v1::Account account = YjiyunAccount(item);
    if (!request.include_offline() && account.status() != v1::ACCOUNT_STATUS_ONLINE) continue;
    if (!request.operator_id().empty() && account.operator_id() != request.operator_id()) {
      continue;
    }
    account.set_send_transport(v1::SEND_TRANSPORT_SOCKET_IO);
    accounts.push_back(std::move(account));
  }
  return accounts;
}

absl::StatusOr<v1::AccountProfile> YjiyunPlatform::UpdateAccountProfile(
    const AccountRef& account, const v1::UpdateAccountProfileRequest& request) {
  // Only what is set: yjiyun keeps the fields not sent.
  json fields = json::object();
  if (request.has_name()) fields["name"] = request.name();
  if (request.has_alias()) fields["alias"] = request.alias();
  if (request.has_gender()) fields["gender"] = request.gender();
  if (request.has_phone()) fields["phone"] = request.phone();
  if (request.has_mobile()) fields["mobile"] = request.mobile();
  if (request.has_position()) fields["position"] = request.position();
  ASSIGN_OR_RETURN(const json answer, Action(account, "robot.info.modify", std::move(fields)));
  return YjiyunAccountProfile(answer);
}

absl::StatusOr<v1::ListContactsResponse> YjiyunPlatform::ListContacts(
    const AccountRef& account, const v1::ListContactsRequest& request) {
  if (request.kind() == v1::CONTACT_KIND_INTERNAL) return Unimplemented("list of colleagues");
  v1::ListContactsResponse response;
  ASSIGN_OR_RETURN(
      const json items,
      ListPage(kCustomersPath, {{"robotKey", account.vendor_account_id}}, "ListContacts",
               request.page_size(), request.page_token(), response.mutable_next_page_token()));
  for (const json& item : items) *response.add_contacts() = YjiyunContact(item);
  return response;
}

absl::StatusOr<v1::ListGroupsResponse> YjiyunPlatform::ListGroups(
    const AccountRef& account, const v1::ListGroupsRequest& request) {
  v1::ListGroupsResponse response;
  ASSIGN_OR_RETURN(
      const json items,
      ListPage("/wxworkapi/group/list", {{"robotKey", account.vendor_account_id}}, "ListGroups",
               request.page_size(), request.page_token(), response.mutable_next_page_token()));
  for (const json& item : items) *response.add_groups() = YjiyunGroup(item);
  return response;
}

absl::StatusOr<v1::ListGroupMembersResponse> YjiyunPlatform::ListGroupMembers(
    const AccountRef& account, const v1::ListGroupMembersRequest& request) {
  v1::ListGroupMembersResponse response;
  // status 1: members still in the group.
  ASSIGN_OR_RETURN(const json items,
                   ListPage("/wxworkapi/group/member/list",
                            {{"robotKey", account.vendor_account_id},
                             {"conversationId", request.conversation_id()},
                             {"status", 1}},
                            "ListGroupMembers", request.page_size(), request.page_token(),
                            response.mutable_next_page_token()));
  for (const json& item : items) *response.add_members() = YjiyunGroupMember(item);
  return response;
}

absl::StatusOr<v1::GetContactsResponse> YjiyunPlatform::GetContacts(
    const AccountRef& account, const v1::GetContactsRequest& request) {
  ASSIGN_OR_RETURN(const json answer, Action(account, "robot.contacts.inquiry",
                                             {{"contacts", JsonStrings(request.user_ids())}}));
  v1::GetContactsResponse response;
  for (const json& contact : JsonArray(answer, "contacts")) {
    // Groups are answered too when asked for; people only here.
    if (JsonFind(contact, "conversationId") != nullptr) continue;
    *response.add_contacts() = YjiyunContact(contact);
  }
  return response;
}

absl::Status YjiyunPlatform::UpdateContact(const AccountRef& account,
                                           const v1::UpdateContactRequest& request) {
  if (request.has_phones()) return Unimplemented("phone numbers of customers");
  // realRemarks is the remark (备注名), remarks the description (描述).
  json fields = {{"userId", request.user_id()}};
  if (request.has_remark()) fields["realRemarks"] = request.remark();
  if (request.has_description()) fields["remarks"] = request.description();
  return Action(account, "robot.cust.remarks.modify", std::move(fields)).status();
}

absl::StatusOr<v1::AddContactResponse> YjiyunPlatform::AddContact(
    const AccountRef& account, const v1::AddContactRequest& request) {
  if (request.phone().empty()) return Unimplemented("adding a contact by user_id");
  // robot.phone.contact.add takes the phone alone.
  if (!request.verify_message().empty()) return Unimplemented("verify_message");
  ASSIGN_OR_RETURN(const json answer,
                   Action(account, "robot.phone.contact.add",
                          {{"phone", std::string(absl::StripPrefix(request.phone(), "+"))}}));
  v1::AddContactResponse response;
  *response.mutable_user() = YjiyunFoundUser(JsonObject(answer, "userData"));
  return response;
}

absl::Status YjiyunPlatform::AcceptFriendRequest(const AccountRef& account,
                                                 const v1::AcceptFriendRequestRequest& request) {
  // friendWxid is the request's userId (3.8).
  return Action(account, "robot.accept.friend.request", {{"friendWxid", request.user_id()}})
      .status();
}

absl::Status YjiyunPlatform::SyncContacts(const AccountRef& account,
                                          const v1::SyncContactsRequest& request) {
  return api_
      ->Call("/wxworkapi/contact/sync", {{"robotKey", account.vendor_account_id},
                                         {"syncType", YjiyunSyncType(request.scope())}})
      .status();
}

absl::StatusOr<v1::CreateGroupResponse> YjiyunPlatform::CreateGroup(
    const AccountRef& account, const v1::CreateGroupRequest& request) {
  json fields = {{"friends", JsonStrings(request.member_user_ids())}};
  if (!request.name().empty()) fields["name"] = request.name();
  ASSIGN_OR_RETURN(const json answer, Action(account, "robot.create.group", std::move(fields)));
  v1::CreateGroupResponse response;
  response.set_conversation_id(JsonString(answer, "groupId"));
  response.set_group_name(JsonString(answer, "name"));
  for (const std::string& id : request.member_user_ids()) response.add_added_user_ids(id);
  return response;
}

absl::Status YjiyunPlatform::RenameGroup(const AccountRef& account,
                                         const v1::RenameGroupRequest& request) {
  return Action(account, "robot.modify.group.name",
                {{"groupId", request.conversation_id()}, {"newName", request.name()}})
      .status();
}

absl::Status YjiyunPlatform::AddGroupMembers(const AccountRef& account,
                                             const v1::AddGroupMembersRequest& request) {
  return Action(account, "robot.invite.friends.join.group",
                {{"groupId", request.conversation_id()},
                 {"friends", JsonStrings(request.member_user_ids())}})
      .status();
}

absl::Status YjiyunPlatform::RemoveGroupMembers(const AccountRef& account,
                                                const v1::RemoveGroupMembersRequest& request) {
  return Action(account, "robot.kick.group.member",
                {{"groupId", request.conversation_id()},
                 {"friends", JsonStrings(request.member_user_ids())}})
      .status();
}

absl::Status YjiyunPlatform::PublishGroupNotice(const AccountRef& account,
                                                const v1::PublishGroupNoticeRequest& request) {
  return Action(
             account, "robot.set.group.announcement",
             {{"groupId", request.conversation_id()}, {"notice", request.content()}, {"isAll", 1}})
      .status();
}

absl::StatusOr<v1::ListGroupAdminsResponse> YjiyunPlatform::ListGroupAdmins(
    const AccountRef& account, const v1::ListGroupAdminsRequest& request) {
  ASSIGN_OR_RETURN(const json answer, Action(account, "robot.conv.admins",
                                             {{"conversationId", request.conversation_id()}}));
  v1::ListGroupAdminsResponse response;
  for (const json& admin : JsonArray(answer, "admins")) response.add_admin_user_ids(IdText(admin));
  return response;
}

absl::Status YjiyunPlatform::ChangeGroupAdmins(const AccountRef& account, bool add,
                                               const v1::ChangeGroupAdminsRequest& request) {
  return Action(account, "robot.conv.modify.admins",
                {{"opcode", add ? 1 : 2},
                 {"conversationId", request.conversation_id()},
                 {"admins", JsonStrings(request.user_ids())}})
      .status();
}

absl::StatusOr<v1::ExportGroupsResponse> YjiyunPlatform::ExportGroups(
    const std::vector<AccountRef>& accounts, const v1::ExportGroupsRequest& request) {
  if (accounts.empty()) return absl::InvalidArgumentError("account_ids: at least one");
  json params;
  if (!request.conversation_ids().empty()) {
    // The API layer allows conversation_ids with one account only.
    params = {{"robotKey", accounts.front().vendor_account_id},
              {"conversationIds", JsonStrings(request.conversation_ids())}};
  } else {
    json robot_keys = json::array();
    for (const AccountRef& account : accounts) robot_keys.push_back(account.vendor_account_id);
    params = {{"robotKeys", std::move(robot_keys)},
              {"orderBy", YjiyunGroupOrderBy(request.order())}};
    // status: 1 the robot is in the group, 0 it left.
    if (request.has_account_in_group()) params["status"] = request.account_in_group() ? 1 : 0;
    if (!request.owner_name().empty()) params["creatorName"] = request.owner_name();
    if (!request.owner_user_id().empty()) {
      // creatorId is a Long.
      uint64_t owner = 0;
      if (!absl::SimpleAtoi(request.owner_user_id(), &owner)) {
        return absl::InvalidArgumentError("owner_user_id: yjiyun user ids are numbers");
      }
      params["creatorId"] = owner;
    }
    if (!request.name_contains().empty()) params["name"] = request.name_contains();
    if (request.min_members() > 0) params["memberCount"] = request.min_members();
    if (request.max_members() > 0) params["upmemberCount"] = request.max_members();
    if (request.has_external()) params["outerGroupChat"] = request.external() ? 1 : 0;
  }
  ASSIGN_OR_RETURN(const YjiyunApi::Answer answer, api_->Call(kExportPath, params));
  v1::ExportGroupsResponse response;
  response.set_download_url(JsonString(answer.body, "downloadUrl"));
  if (response.download_url().empty()) {
    return VendorCallFailure("yjiyun", absl::StatusCode::kInternal, kExportPath, 0,
                             "malformed response: no downloadUrl");
  }
  return response;
}

absl::Status YjiyunPlatform::CopyGroupSettings(const AccountRef& template_account,
                                               const std::vector<AccountRef>& targets,
                                               const v1::CopyGroupSettingsRequest& request) {
  if (targets.size() != static_cast<size_t>(request.targets().size())) {
    return absl::InvalidArgumentError("targets: one account per target");
  }
  json modules = json::array();
  for (int i = 0; i < request.modules().size(); ++i) {
    const std::string module = YjiyunSettingModule(request.modules(i));
    if (module.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("modules[", i, "]: not a setting"));
    }
    modules.push_back(module);
  }
  // chatroom[i] holds the groups of robotKey[i] (";"-joined): one entry per
  // robot, its targets' groups together, in the order robots first appear.
  std::vector<std::string> robot_keys;
  std::vector<std::vector<std::string>> groups;
  for (size_t i = 0; i < targets.size(); ++i) {
    const auto it = absl::c_find(robot_keys, targets[i].vendor_account_id);
    const size_t index = static_cast<size_t>(it - robot_keys.begin());
    if (it == robot_keys.end()) {
      robot_keys.push_back(targets[i].vendor_account_id);
      groups.emplace_back();
    }
    const auto& ids = request.targets(static_cast<int>(i)).conversation_ids();
    groups[index].insert(groups[index].end(), ids.begin(), ids.end());
  }
  json chatroom = json::array();
  for (const std::vector<std::string>& ids : groups) chatroom.push_back(absl::StrJoin(ids, ";"));
  // JSON: the document's example, with arrays.
  return api_
      ->Call("/wxworkapi/group/setting/duplicate",
             {{"chatroom", std::move(chatroom)},
              {"g", request.template_conversation_id()},
              {"module", std::move(modules)},
              {"r", template_account.vendor_account_id},
              {"robotKey", robot_keys}},
             YjiyunApi::Body::kJson)
      .status();
}

absl::StatusOr<v1::ListLabelsResponse> YjiyunPlatform::ListLabels(const AccountRef& account) {
  ASSIGN_OR_RETURN(const json answer, Action(account, "robot.tags.sync", json::object()));
  v1::ListLabelsResponse response;
  for (const json& group : JsonArray(answer, "labelList")) {
    for (const json& item : JsonArray(group, "subLabelList")) {
      v1::Label& label = *response.add_labels();
      label.set_label_id(JsonString(item, "labelId"));
      label.set_name(JsonString(item, "name"));
      label.set_group_id(JsonString(item, "labelGroupId"));
      label.set_create_time(YjiyunTimeSeconds(JsonString(item, "createTime")));
    }
  }
  return response;
}

absl::StatusOr<std::vector<v1::Label>> YjiyunPlatform::RobotLabels(
    const AccountRef& account, const std::vector<std::string>& wanted) {
  {
    absl::MutexLock lock(&mu_);
    const auto it = labels_.find(account.vendor_account_id);
    if (it != labels_.end() && clock_->Now() - it->second.synced_at < kLabelCacheAge &&
        absl::c_all_of(wanted, [&it](const std::string& id) {
          return absl::c_any_of(it->second.labels,
                                [&id](const v1::Label& label) { return label.label_id() == id; });
        })) {
      return it->second.labels;
    }
  }
  const absl::Time asked = clock_->Now();
  ASSIGN_OR_RETURN(v1::ListLabelsResponse synced, ListLabels(account));
  std::vector<v1::Label> labels(std::make_move_iterator(synced.mutable_labels()->begin()),
                                std::make_move_iterator(synced.mutable_labels()->end()));
  absl::MutexLock lock(&mu_);
  labels_[account.vendor_account_id] = {.labels = labels, .synced_at = asked};
  return labels;
}

absl::Status YjiyunPlatform::SetContactLabels(const AccountRef& account,
                                              const v1::SetContactLabelsRequest& request) {
  // One tag request of a robot at a time: yjiyun fails concurrent ones.
  absl::MutexLock queued(&TagQueueOf(account.vendor_account_id));
  const std::vector<std::string> wanted(request.label_ids().begin(), request.label_ids().end());
  ASSIGN_OR_RETURN(const std::vector<v1::Label> labels, RobotLabels(account, wanted));
  json erasing = json::array();
  for (const v1::Label& label : labels) {
    if (!absl::c_linear_search(wanted, label.label_id())) erasing.push_back(label.label_id());
  }
  absl::Status tagged = Action(account, "robot.cust.tags",
                               {{"userId", request.user_id()},
                                {"tags", JsonStrings(request.label_ids())},
                                {"erasingTags", std::move(erasing)}})
                            .status();
  // A refusal may name a label deleted since the sync: the next request syncs.
  if (!tagged.ok()) {
    absl::MutexLock lock(&mu_);
    labels_[account.vendor_account_id].synced_at = absl::InfinitePast();
  }
  return tagged;
}

absl::StatusOr<v1::ListLabelContactsResponse> YjiyunPlatform::ListLabelContacts(
    const AccountRef& account, const v1::ListLabelContactsRequest& request) {
  ASSIGN_OR_RETURN(const std::vector<v1::Label> labels, RobotLabels(account, {request.label_id()}));
  const json names = NamesOf(labels, {request.label_id()});
  if (names.empty()) {
    return absl::NotFoundError(
        absl::StrCat("label_id: ", request.label_id(), " is no label of ", account.account_id));
  }
  v1::ListLabelContactsResponse response;
  const json params = {{"robotKey", account.vendor_account_id}, {"tagList", names}};
  std::string page_token;
  do {
    std::string next_page_token;
    ASSIGN_OR_RETURN(const json items, ListPage(kCustomersPath, params, "ListLabelContacts",
                                                kMaxPageSize, page_token, &next_page_token));
    for (const json& item : items) *response.add_contacts() = YjiyunContact(item);
    page_token = std::move(next_page_token);
  } while (!page_token.empty());
  return response;
}

absl::StatusOr<v1::SearchContactsByLabelsResponse> YjiyunPlatform::SearchContactsByLabels(
    const std::vector<AccountRef>& accounts, const v1::SearchContactsByLabelsRequest& request) {
  ASSIGN_OR_RETURN(SearchCursor cursor, SearchCursorOf(request.page_token(), accounts.size()));
  const std::vector<std::string> wanted(request.label_ids().begin(), request.label_ids().end());
  if (request.page_token().empty()) {
    // On the first page only, so that later ones do not sync every account
    // again.
    absl::flat_hash_set<std::string> known;
    for (const AccountRef& account : accounts) {
      ASSIGN_OR_RETURN(const std::vector<v1::Label> labels, RobotLabels(account, wanted));
      for (const v1::Label& label : labels) known.insert(label.label_id());
    }
    for (const std::string& id : wanted) {
      if (!known.contains(id)) {
        return absl::NotFoundError(
            absl::StrCat("label_ids: ", id, " is no label of the accounts searched"));
      }
    }
  }
  const int32_t page_size = request.page_size() > 0 ? request.page_size() : kDefaultSearchPageSize;
  v1::SearchContactsByLabelsResponse response;
  for (; cursor.account < accounts.size();
       cursor = {.account = NextAccount(accounts, cursor.account), .page = 1}) {
    const AccountRef& account = accounts[cursor.account];
    ASSIGN_OR_RETURN(const std::vector<v1::Label> labels, RobotLabels(account, {}));
    const json names = NamesOf(labels, wanted);
    if (names.empty()) continue;
    std::string next_page;
    ASSIGN_OR_RETURN(
        const json items,
        ListPage(kCustomersPath, {{"robotKey", account.vendor_account_id}, {"tagList", names}},
                 "SearchContactsByLabels", page_size, PageTokenOf(cursor.page), &next_page));
    for (const json& item : items) {
      v1::LabeledContact& labeled = *response.add_contacts();
      labeled.set_account_id(account.account_id);
      *labeled.mutable_contact() = YjiyunContact(item);
    }
    if (!next_page.empty()) {
      response.set_next_page_token(absl::StrCat(cursor.account, "/", next_page));
      return response;
    }
    if (!items.empty()) {
      const size_t next = NextAccount(accounts, cursor.account);
      if (next < accounts.size()) {
        response.set_next_page_token(absl::StrCat(next, "/", PageTokenOf(1)));
      }
      return response;
    }
  }
  return response;
}

absl::StatusOr<v1::ListContactLabelsResponse> YjiyunPlatform::ListContactLabels(
    const AccountRef& account, const v1::ListContactLabelsRequest& request) {
  uint64_t user_id = 0;
  if (!absl::SimpleAtoi(request.user_id(), &user_id)) {
    return absl::InvalidArgumentError("user_id: yjiyun user ids are numbers");
  }
  ASSIGN_OR_RETURN(const std::vector<v1::Label> labels, RobotLabels(account, {}));
  // name → whether the contact carries a label of that name.
  absl::flat_hash_map<std::string, bool> carried;
  v1::ListContactLabelsResponse response;
  for (const v1::Label& label : labels) {
    auto [it, asked] = carried.try_emplace(label.name(), false);
    if (asked) {
      ASSIGN_OR_RETURN(const YjiyunApi::Answer answer,
                       api_->Call(kCustomersPath, {{"robotKey", account.vendor_account_id},
                                                   {"userId", request.user_id()},
                                                   {"tagList", json::array({label.name()})},
                                                   {"pageNum", 1},
                                                   {"pageSize", 1}}));
      it->second = answer.total() > 0 || !JsonArray(answer.body, "data").empty();
    }
    if (!it->second) continue;
    v1::Label& found = *response.add_labels();
    found.set_label_id(label.label_id());
    found.set_name(label.name());
  }
  return response;
}

}  // namespace wecom::robot
