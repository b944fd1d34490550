#include "services/robot-gateway/yjiyun/yjiyun_platform.h"

#include <algorithm>
#include <utility>

#include "absl/algorithm/container.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
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

absl::StatusOr<json> YjiyunPlatform::Action(const AccountRef& account, absl::string_view type,
                                            json fields) {
  // "wg", the time to the millisecond and a sequence (the document's
  // "timestamp + sequence"): unique, 2 + 17 + 6 characters.
  const absl::Time now = clock_->Now();
  fields["type"] = std::string(type);
  fields["robotKey"] = account.vendor_account_id;
  fields["messageId"] = absl::StrCat(kGatewayMessageIdPrefix,
                                     absl::FormatTime("%Y%m%d%H%M%S", now, absl::UTCTimeZone()),
                                     absl::StrFormat("%03d%06d", absl::ToUnixMillis(now) % 1000,
                                                     next_action_.fetch_add(1) % 1000000));
  return channel_->Request("action", fields);
}

YjiyunPlatform::TagQueue& YjiyunPlatform::TagQueueOf(const std::string& robot_key) {
  absl::MutexLock lock(&mu_);
  std::unique_ptr<TagQueue>& queue = tag_queues_[robot_key];
  if (queue == nullptr) queue = std::make_unique<TagQueue>();
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
  const int32_t size = page_size > 0 ? std::min(page_size, kMaxPageSize) : kDefaultPageSize;
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

absl::StatusOr<v1::ListContactsResponse> YjiyunPlatform::ListContacts(
    const AccountRef& account, const v1::ListContactsRequest& request) {
  if (request.kind() == v1::CONTACT_KIND_INTERNAL) return Unimplemented("list of colleagues");
  v1::ListContactsResponse response;
  ASSIGN_OR_RETURN(
      const json items,
      ListPage("/wxworkapi/external/user/list", {{"robotKey", account.vendor_account_id}},
               "ListContacts", request.page_size(), request.page_token(),
               response.mutable_next_page_token()));
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

absl::StatusOr<std::vector<std::string>> YjiyunPlatform::LabelIds(
    const AccountRef& account, const v1::SetContactLabelsRequest& request, TagQueue& queue) {
  const bool fresh = clock_->Now() - queue.synced_at < kLabelCacheAge;
  const bool all_known = absl::c_all_of(request.label_ids(), [&queue](const std::string& id) {
    return absl::c_linear_search(queue.label_ids, id);
  });
  if (fresh && all_known) return queue.label_ids;
  const absl::Time asked = clock_->Now();
  ASSIGN_OR_RETURN(const v1::ListLabelsResponse labels, ListLabels(account));
  queue.label_ids.clear();
  for (const v1::Label& label : labels.labels()) queue.label_ids.push_back(label.label_id());
  queue.synced_at = asked;
  return queue.label_ids;
}

absl::Status YjiyunPlatform::SetContactLabels(const AccountRef& account,
                                              const v1::SetContactLabelsRequest& request) {
  // One tag request of a robot at a time: yjiyun fails concurrent ones.
  TagQueue& queue = TagQueueOf(account.vendor_account_id);
  absl::MutexLock queued(&queue.mu);
  ASSIGN_OR_RETURN(const std::vector<std::string> label_ids, LabelIds(account, request, queue));
  const absl::flat_hash_set<std::string> wanted(request.label_ids().begin(),
                                                request.label_ids().end());
  json erasing = json::array();
  for (const std::string& id : label_ids) {
    if (!wanted.contains(id)) erasing.push_back(id);
  }
  absl::Status tagged = Action(account, "robot.cust.tags",
                               {{"userId", request.user_id()},
                                {"tags", JsonStrings(request.label_ids())},
                                {"erasingTags", std::move(erasing)}})
                            .status();
  // A refusal may name a label deleted since the sync: the next request syncs.
  if (!tagged.ok()) queue.synced_at = absl::InfinitePast();
  return tagged;
}

}  // namespace wecom::robot
