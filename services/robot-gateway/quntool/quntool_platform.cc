#include "services/robot-gateway/quntool/quntool_platform.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/http/http_client.h"
#include "common/log/log.h"
#include "common/status/status_macros.h"
#include "common/status/vendor_error.h"
#include "services/robot-gateway/platform/page_number.h"
#include "services/robot-gateway/platform/vendor_json.h"
#include "services/robot-gateway/quntool/quntool_mapping.h"
#include "services/robot-gateway/quntool/quntool_outgoing.h"

namespace wecom::robot {
namespace {

using nlohmann::json;

// The MQTT topic sends are published to, named in malformed-answer errors.
constexpr absl::string_view kMqttTopic = "SendMessage";
constexpr int32_t kDefaultLabelSearchPageSize = 100;
constexpr int32_t kMaxLabelSearchPageSize = 1000;

// The string items of a JSON array (phone lists).
std::vector<std::string> StringItems(const json& array) {
  std::vector<std::string> items;
  for (const json& item : array) {
    if (item.is_string()) items.push_back(item.get<std::string>());
  }
  return items;
}

// memberWxIds: "多个用英文逗号隔开".
std::string CommaJoined(const google::protobuf::RepeatedPtrField<std::string>& ids) {
  return absl::StrJoin(ids, ",");
}

absl::string_view ControlPath(AccountControl control) {
  switch (control) {
    case AccountControl::kStart:
      return "/container/start";
    case AccountControl::kStop:
      return "/container/stop";
    case AccountControl::kRestart:
      return "/container/restart";
    case AccountControl::kLogOut:
      return "/container/remove";
  }
  return "/container/stop";
}

}  // namespace

QuntoolPlatform::QuntoolPlatform(QuntoolApi* api, QuntoolPlatformOptions options)
    : api_(api), options_(std::move(options)) {}

// Accounts.

absl::StatusOr<std::vector<v1::Account>> QuntoolPlatform::ListAccounts(
    const v1::ListAccountsRequest& request) {
  json params = {{"IsOnline", !request.include_offline()}};
  if (!request.operator_id().empty()) params["userId"] = request.operator_id();
  ASSIGN_OR_RETURN(const json data, CallForList("GET", "/inner/user/wx/list", params));
  std::vector<v1::Account> accounts;
  for (const json& item : data) {
    v1::Account account = QuntoolAccount(item, api_->base_url());
    if (account.vendor_account_id().empty()) continue;
    AccountRef ref;
    ref.vendor = v1::VENDOR_QUNTOOL;
    ref.vendor_account_id = account.vendor_account_id();
    ref.account_id = account.account_id();
    account.set_send_transport(TransportFor(ref));
    accounts.push_back(std::move(account));
  }
  return accounts;
}

absl::StatusOr<v1::ListOperatorsResponse> QuntoolPlatform::ListOperators(
    const v1::ListOperatorsRequest&) {
  ASSIGN_OR_RETURN(const json data, CallForList("GET", "/inner/user/list", nullptr));
  v1::ListOperatorsResponse response;
  for (const json& item : data) *response.add_operators() = QuntoolOperator(item);
  return response;
}

absl::StatusOr<v1::StartLoginResponse> QuntoolPlatform::StartLogin(
    const v1::StartLoginRequest& request) {
  ASSIGN_OR_RETURN(const json data,
                   CallForObject("POST", "/container/create", {{"userId", request.operator_id()}}));
  v1::StartLoginResponse response;
  response.set_qrcode_url(AbsoluteFileUrl(api_->base_url(), JsonString(data, "qrcode")));
  response.set_host(JsonString(data, "hostname"));
  response.set_client_version(JsonString(data, "version"));
  return response;
}

absl::StatusOr<v1::VerifyLoginResponse> QuntoolPlatform::VerifyLogin(
    const v1::VerifyLoginRequest& request) {
  ASSIGN_OR_RETURN(const json data, CallForObject("POST", "/container/verify",
                                                  {{"hostname", request.host()},
                                                   {"key", request.qrcode_key()},
                                                   {"code", request.code()}}));
  v1::VerifyLoginResponse response;
  // "若errcode小于0,就是用户输入有错": a wrong code is an answer, not a failure.
  response.set_accepted(JsonInt(data, "errcode") >= 0);
  response.set_message(JsonString(data, "errmsg"));
  return response;
}

absl::Status QuntoolPlatform::ControlAccounts(AccountControl control,
                                              const std::vector<AccountRef>& accounts) {
  if (accounts.empty()) return absl::OkStatus();
  // The container operations take hostnames; every account, online or not,
  // is listed with its own.
  ASSIGN_OR_RETURN(const json all,
                   CallForList("GET", "/inner/user/wx/list", {{"IsOnline", false}}));
  absl::flat_hash_map<std::string, std::string> hostnames;
  for (const json& item : all) hostnames[JsonString(item, "wxId")] = JsonString(item, "hostname");
  json hostname_list = json::array();
  for (const AccountRef& account : accounts) {
    const auto it = hostnames.find(account.vendor_account_id);
    if (it == hostnames.end() || it->second.empty()) {
      return absl::NotFoundError(absl::StrCat("quntool has no account ", account.account_id));
    }
    hostname_list.push_back(it->second);
  }
  return CallForNothing("POST", ControlPath(control), {{"hostname", hostname_list}});
}

absl::StatusOr<v1::ListAccountResourcesResponse> QuntoolPlatform::ListAccountResources(
    const v1::ListAccountResourcesRequest&) {
  ASSIGN_OR_RETURN(const json data, CallForList("GET", "/container/memory", nullptr));
  v1::ListAccountResourcesResponse response;
  for (const json& item : data) {
    v1::AccountResources& resources = *response.add_accounts();
    resources.set_account_id(FormatAccountId(v1::VENDOR_QUNTOOL, JsonString(item, "WxId")));
    resources.set_name(JsonString(item, "UserName"));
    resources.set_host(JsonString(item, "HostName"));
    resources.set_process_id(JsonInt(item, "WxPid"));
    resources.set_memory_kib(JsonInt(item, "Memory"));
  }
  return response;
}

// Messaging.

absl::StatusOr<std::string> QuntoolPlatform::SendMessage(const OutgoingMessage& message) {
  const bool gif_as_file = message.content.has_gif() && GifTooLarge(message.content.gif());
  ASSIGN_OR_RETURN(QuntoolSend send, QuntoolSendFor(message, gif_as_file));
  if (!send.mqtt_type.empty() && SendsOverMqtt(message.account)) {
    if (message.send_id.empty()) {
      return absl::InvalidArgumentError("an MQTT send needs the send_id as its id");
    }
    json mqtt_message = std::move(send.body);
    mqtt_message["type"] = send.mqtt_type;
    mqtt_message["id"] = message.send_id;
    return SendOverMqtt(std::move(mqtt_message));
  }
  absl::StatusOr<json> data = CallForObject("POST", send.path, send.body);
  if (!data.ok()) {
    // The outbox resends only what surely never arrived.
    if (data.status().code() == absl::StatusCode::kUnavailable &&
        RequestMayHaveBeenSent(data.status())) {
      absl::Status unknown = absl::DeadlineExceededError(
          absl::StrCat(data.status().message(), " (after the request may have arrived)"));
      if (auto error = GetVendorError(data.status())) SetVendorError(unknown, *error);
      return unknown;
    }
    return data.status();
  }
  std::string msg_id = JsonString(*data, "msgId");
  if (msg_id.empty()) return QuntoolMalformedResponse(send.path, "no msgId");
  return msg_id;
}

v1::SendTransport QuntoolPlatform::TransportFor(const AccountRef& account) const {
  return SendsOverMqtt(account) ? v1::SEND_TRANSPORT_MQTT : v1::SEND_TRANSPORT_HTTP;
}

absl::StatusOr<v1::UploadFileResponse> QuntoolPlatform::UploadFile(const AccountRef&,
                                                                   const std::string& file_name,
                                                                   const std::string& bytes) {
  ASSIGN_OR_RETURN(std::string path, api_->UploadFile(file_name, bytes));
  v1::UploadFileResponse response;
  response.set_download_url(AbsoluteFileUrl(api_->base_url(), path));
  response.set_file_url(std::move(path));
  response.set_size_bytes(bytes.size());
  return response;
}

absl::StatusOr<v1::ListSavedMiniProgramsResponse> QuntoolPlatform::ListSavedMiniPrograms(
    const AccountRef&) {
  ASSIGN_OR_RETURN(const json data, CallForList("GET", "/miniprogram/list", nullptr));
  v1::ListSavedMiniProgramsResponse response;
  for (const json& item : data) *response.add_mini_programs() = QuntoolSavedMiniProgram(item);
  return response;
}

absl::StatusOr<v1::ListSavedVideoNumsResponse> QuntoolPlatform::ListSavedVideoNums(
    const AccountRef&) {
  ASSIGN_OR_RETURN(const json data, CallForList("GET", "/videonum/list", nullptr));
  v1::ListSavedVideoNumsResponse response;
  for (const json& item : data) *response.add_video_nums() = QuntoolSavedVideoNum(item);
  return response;
}

absl::Status QuntoolPlatform::ConfirmBatchMessages(const AccountRef& account) {
  return CallForNothing("POST", "/batchmsg/confirm", {{"wxId", account.vendor_account_id}});
}

// Contacts.

absl::StatusOr<v1::ListContactsResponse> QuntoolPlatform::ListContacts(
    const AccountRef& account, const v1::ListContactsRequest& request) {
  const bool internal = request.kind() == v1::CONTACT_KIND_INTERNAL;
  ASSIGN_OR_RETURN(const json data,
                   CallForList("GET", internal ? "/contact/inner/list" : "/contact/external/list",
                               {{"wxId", account.vendor_account_id}}));
  v1::ListContactsResponse response;
  for (const json& item : data) {
    v1::Contact& contact = *response.add_contacts();
    contact = QuntoolContact(item);
    contact.set_internal(internal);
  }
  return response;
}

absl::StatusOr<v1::GetContactsResponse> QuntoolPlatform::GetContacts(
    const AccountRef& account, const v1::GetContactsRequest& request) {
  json infos = json::array();
  for (const std::string& user_id : request.user_ids()) {
    infos.push_back({{"WxId", account.vendor_account_id}, {"ContactUserId", user_id}});
  }
  ASSIGN_OR_RETURN(const json data,
                   CallForList("POST", "/contact/external/query", {{"ContactInfos", infos}}));
  v1::GetContactsResponse response;
  for (const json& item : data) *response.add_contacts() = QuntoolContact(item);
  return response;
}

absl::StatusOr<v1::GetContactDetailsResponse> QuntoolPlatform::GetContactDetails(
    const AccountRef& account, const v1::GetContactDetailsRequest& request) {
  ASSIGN_OR_RETURN(const json data, CallForObject("GET", "/contact/extendinfo",
                                                  {{"wxId", account.vendor_account_id},
                                                   {"ContactId", request.user_id()}}));
  v1::GetContactDetailsResponse response;
  v1::ContactDetails& details = *response.mutable_details();
  details.set_user_id(JsonString(data, "user_id"));
  details.set_remark(JsonString(data, "remark"));
  details.set_description(JsonString(data, "desc"));
  for (std::string& phone : StringItems(JsonArray(data, "phone_list"))) {
    details.add_phones(std::move(phone));
  }
  details.set_corp_remark(JsonString(data, "corp_remark"));
  details.set_status(static_cast<int32_t>(JsonInt(data, "status")));
  return response;
}

absl::Status QuntoolPlatform::UpdateContact(const AccountRef& account,
                                            const v1::UpdateContactRequest& request) {
  const json target = {{"wxId", account.vendor_account_id}, {"contactId", request.user_id()}};
  auto put = [&](absl::string_view path, absl::string_view field, json value) {
    json body = target;
    body[std::string(field)] = std::move(value);
    return CallForNothing("PUT", path, body);
  };
  if (request.has_remark()) RETURN_IF_ERROR(put("/contact/remark", "remark", request.remark()));
  if (request.has_description()) {
    RETURN_IF_ERROR(put("/contact/desc", "desc", request.description()));
  }
  if (request.has_phones()) {
    RETURN_IF_ERROR(put("/contact/phone", "phones", JsonStrings(request.phones().phones())));
  }
  return absl::OkStatus();
}

absl::Status QuntoolPlatform::RemoveContact(const AccountRef& account,
                                            const v1::RemoveContactRequest& request) {
  return CallForNothing(
      "POST", "/contact/remove",
      {{"wxId", account.vendor_account_id}, {"ContactUserId", request.user_id()}});
}

absl::StatusOr<v1::SearchContactResponse> QuntoolPlatform::SearchContact(
    const AccountRef& account, const v1::SearchContactRequest& request) {
  ASSIGN_OR_RETURN(const json data, CallForObject("GET", "/contact/search",
                                                  {{"wxId", account.vendor_account_id},
                                                   {"keyword", request.phone()}}));
  v1::SearchContactResponse response;
  for (const json& item : JsonArray(data, "datalist")) {
    // "contact_info_wx.uin" for a WeChat user, "若加企业微信用户,用contact_info.uin"; an
    // unused one is empty or carries uin 0.
    auto uin_of = [](const json& info) {
      std::string uin = JsonString(info, "uin");
      return uin == "0" ? std::string() : uin;
    };
    const json& wechat_info = JsonObject(item, "contact_info_wx");
    const bool wechat = !uin_of(wechat_info).empty();
    const json& info = wechat ? wechat_info : JsonObject(item, "contact_info");
    const std::string user_id = uin_of(info);
    if (user_id.empty()) continue;
    v1::FoundUser& user = *response.add_users();
    user.set_user_id(user_id);
    user.set_wechat_user(wechat);
    const std::string name = JsonString(info, "name");
    user.set_name(name.empty() ? JsonString(info, "realname") : name);
    user.set_avatar_url(JsonString(info, "iconurl"));
    user.set_openid(JsonString(item, "openid"));
    user.set_wx_ticket(JsonString(item, "wx_ticket"));
  }
  return response;
}

absl::StatusOr<v1::AddContactResponse> QuntoolPlatform::AddContact(
    const AccountRef& account, const v1::AddContactRequest& request) {
  // quntool adds users found by /contact/search only.
  if (request.user_id().empty()) return Unimplemented("adding by phone without SearchContact");
  RETURN_IF_ERROR(CallForNothing("POST", "/contact/search/add",
                                 {{"wxId", account.vendor_account_id},
                                  {"contactUserId", request.user_id()},
                                  {"openid", request.openid()},
                                  {"wxticket", request.wx_ticket()},
                                  {"verify", request.verify_message()}}));
  return v1::AddContactResponse();
}

absl::StatusOr<v1::ConvertContactIdResponse> QuntoolPlatform::ConvertContactId(
    const AccountRef& account, const v1::ConvertContactIdRequest& request) {
  v1::ConvertContactIdResponse response;
  if (request.id_case() == v1::ConvertContactIdRequest::kUserId) {
    ASSIGN_OR_RETURN(
        const json data,
        CallForObject(
            "POST",
            request.stored_only() ? "/contact/externalUserIdFromDb" : "/contact/externalUserId",
            {{"WxId", account.vendor_account_id}, {"ContactUserId", request.user_id()}}));
    response.set_user_id(request.user_id());
    response.set_external_user_id(JsonString(data, "ExternalUserId"));
    return response;
  }
  if (request.id_case() == v1::ConvertContactIdRequest::kExternalUserId) {
    ASSIGN_OR_RETURN(
        const json data,
        CallForObject(
            "POST",
            request.stored_only() ? "/contact/contactUserIdFromDb" : "/contact/contactUserId",
            {{"WxId", account.vendor_account_id}, {"ExternalUserId", request.external_user_id()}}));
    response.set_user_id(JsonString(data, "ContactUserId"));
    response.set_external_user_id(request.external_user_id());
    return response;
  }
  return absl::InvalidArgumentError("id: user_id or external_user_id is required");
}

absl::StatusOr<v1::GetContactRelationResponse> QuntoolPlatform::GetContactRelation(
    const AccountRef& account, const v1::GetContactRelationRequest& request) {
  json params = {{"wxId", account.vendor_account_id}};
  switch (request.id_case()) {
    case v1::GetContactRelationRequest::kUserId:
      params["ContactUserId"] = request.user_id();
      break;
    case v1::GetContactRelationRequest::kExternalUserId:
      if (request.sync()) return absl::InvalidArgumentError("sync: needs user_id");
      params["ExternalUserId"] = request.external_user_id();
      break;
    case v1::GetContactRelationRequest::ID_NOT_SET:
      return absl::InvalidArgumentError("id: user_id or external_user_id is required");
  }
  ASSIGN_OR_RETURN(const json data, request.sync()
                                        ? CallForObject("POST", "/contact/relation/sync", params)
                                        : CallForObject("GET", "/contact/relation", params));
  v1::GetContactRelationResponse response;
  *response.mutable_relation() = QuntoolContactRelation(data);
  return response;
}

// Groups.

absl::StatusOr<v1::CreateGroupResponse> QuntoolPlatform::CreateGroup(
    const AccountRef& account, const v1::CreateGroupRequest& request) {
  ASSIGN_OR_RETURN(const json data,
                   CallForObject("POST", "/group",
                                 {{"wxId", account.vendor_account_id},
                                  {"memberWxIds", CommaJoined(request.member_user_ids())}}));
  v1::CreateGroupResponse response;
  response.set_group_name(JsonString(data, "roomname"));
  for (const json& item : JsonArray(data, "success_add_vidlist")) {
    if (std::string id = JsonString(item, "success_add_vidlist"); !id.empty()) {
      response.add_added_user_ids(std::move(id));
    }
  }
  // The document's example lists {"type": 0, "vid": 0} when nobody failed.
  for (const json& item : JsonArray(data, "failmem")) {
    if (std::string id = JsonString(item, "vid"); !id.empty() && id != "0") {
      response.add_failed_user_ids(std::move(id));
    }
  }
  return response;
}

absl::StatusOr<v1::ListGroupsResponse> QuntoolPlatform::ListGroups(const AccountRef& account,
                                                                   const v1::ListGroupsRequest&) {
  ASSIGN_OR_RETURN(const json data,
                   CallForList("GET", "/group/list", {{"wxId", account.vendor_account_id}}));
  v1::ListGroupsResponse response;
  for (const json& item : data) {
    v1::Group& group = *response.add_groups();
    group.set_conversation_id(JsonString(item, "conversation_id"));
    group.set_name(JsonString(item, "nickname"));
    group.set_owner_id(JsonString(item, "create_user_id"));
    group.set_member_count(static_cast<int32_t>(JsonInt(item, "total")));
    group.set_external(JsonBool(item, "is_external"));
    group.set_create_time(JsonInt(item, "create_time"));
    // The list holds the groups the account is in.
    group.set_active(true);
  }
  return response;
}

absl::Status QuntoolPlatform::RenameGroup(const AccountRef& account,
                                          const v1::RenameGroupRequest& request) {
  return CallForNothing("PUT", "/group/name",
                        {{"wxId", account.vendor_account_id},
                         {"conversationId", request.conversation_id()},
                         {"name", request.name()}});
}

absl::StatusOr<v1::ListGroupMembersResponse> QuntoolPlatform::ListGroupMembers(
    const AccountRef& account, const v1::ListGroupMembersRequest& request) {
  ASSIGN_OR_RETURN(const json data, CallForObject("GET", "/group/member/list",
                                                  {{"wxId", account.vendor_account_id},
                                                   {"conversationId", request.conversation_id()}}));
  // Members carry no owner flag; the group list names the creator.
  ASSIGN_OR_RETURN(const json groups,
                   CallForList("GET", "/group/list", {{"wxId", account.vendor_account_id}}));
  std::string owner_id;
  for (const json& group : groups) {
    if (JsonString(group, "conversation_id") == request.conversation_id()) {
      owner_id = JsonString(group, "create_user_id");
    }
  }
  v1::ListGroupMembersResponse response;
  for (const json& item : JsonArray(data, "member_list")) {
    v1::GroupMember& member = *response.add_members();
    member = QuntoolGroupMember(item);
    member.set_owner(!owner_id.empty() && member.user_id() == owner_id);
  }
  return response;
}

absl::Status QuntoolPlatform::AddGroupMembers(const AccountRef& account,
                                              const v1::AddGroupMembersRequest& request) {
  return CallForNothing("POST", "/group/member",
                        {{"wxId", account.vendor_account_id},
                         {"conversationId", request.conversation_id()},
                         {"memberWxIds", CommaJoined(request.member_user_ids())}});
}

absl::Status QuntoolPlatform::RemoveGroupMembers(const AccountRef& account,
                                                 const v1::RemoveGroupMembersRequest& request) {
  return CallForNothing("DELETE", "/group/member",
                        {{"wxId", account.vendor_account_id},
                         {"conversationId", request.conversation_id()},
                         {"memberWxIds", CommaJoined(request.member_user_ids())}});
}

absl::Status QuntoolPlatform::AddGroupMemberAsContact(
    const AccountRef& account, const v1::AddGroupMemberAsContactRequest& request) {
  return CallForNothing("POST", "/group/member/contact",
                        {{"wxId", account.vendor_account_id},
                         {"conversationId", request.conversation_id()},
                         {"memberWxId", request.member_user_id()},
                         {"verify", request.verify_message()}});
}

absl::Status QuntoolPlatform::PublishGroupNotice(const AccountRef& account,
                                                 const v1::PublishGroupNoticeRequest& request) {
  return CallForNothing("POST", "/group/notice",
                        {{"WxId", account.vendor_account_id},
                         {"ConversationId", request.conversation_id()},
                         {"Content", request.content()}});
}

absl::StatusOr<v1::ConvertGroupIdResponse> QuntoolPlatform::ConvertGroupId(
    const AccountRef& account, const v1::ConvertGroupIdRequest& request) {
  v1::ConvertGroupIdResponse response;
  if (request.id_case() == v1::ConvertGroupIdRequest::kConversationId) {
    ASSIGN_OR_RETURN(const json data, CallForObject("POST", "/group/externalRoomId",
                                                    {{"WxId", account.vendor_account_id},
                                                     {"RoomId", request.conversation_id()}}));
    response.set_conversation_id(request.conversation_id());
    response.set_external_room_id(JsonString(data, "ExternalRoomId"));
    return response;
  }
  if (request.id_case() == v1::ConvertGroupIdRequest::kExternalRoomId) {
    ASSIGN_OR_RETURN(const json data,
                     CallForObject("POST", "/group/RoomId",
                                   {{"WxId", account.vendor_account_id},
                                    {"ExternalRoomId", request.external_room_id()}}));
    response.set_conversation_id(JsonString(data, "RoomId"));
    response.set_external_room_id(request.external_room_id());
    return response;
  }
  return absl::InvalidArgumentError("id: conversation_id or external_room_id is required");
}

// Labels.

absl::StatusOr<v1::ListLabelsResponse> QuntoolPlatform::ListLabels(const AccountRef& account) {
  ASSIGN_OR_RETURN(const json data,
                   CallForList("GET", "/label/all", {{"wxId", account.vendor_account_id}}));
  v1::ListLabelsResponse response;
  for (const json& item : data) *response.add_labels() = QuntoolLabel(item);
  return response;
}

absl::Status QuntoolPlatform::SetContactLabels(const AccountRef& account,
                                               const v1::SetContactLabelsRequest& request) {
  return CallForNothing("POST", "/label/contact/setlabel",
                        {{"wxId", account.vendor_account_id},
                         {"contactUserId", request.user_id()},
                         {"labelIds", JsonStrings(request.label_ids())}});
}

absl::StatusOr<v1::ListContactLabelsResponse> QuntoolPlatform::ListContactLabels(
    const AccountRef& account, const v1::ListContactLabelsRequest& request) {
  ASSIGN_OR_RETURN(const json data, CallForList("GET", "/label/contact/labels",
                                                {{"wxId", account.vendor_account_id},
                                                 {"contactUserId", request.user_id()}}));
  v1::ListContactLabelsResponse response;
  for (const json& item : data) *response.add_labels() = QuntoolLabel(item);
  return response;
}

absl::StatusOr<v1::SearchContactsByLabelsResponse> QuntoolPlatform::SearchContactsByLabels(
    const std::vector<AccountRef>& accounts, const v1::SearchContactsByLabelsRequest& request) {
  const int32_t page_size = request.page_size() > 0
                                ? std::min(request.page_size(), kMaxLabelSearchPageSize)
                                : kDefaultLabelSearchPageSize;
  ASSIGN_OR_RETURN(const int64_t page_index,
                   PageNumberOf(request.page_token(), "SearchContactsByLabels"));
  json wx_ids = json::array();
  for (const AccountRef& account : accounts) wx_ids.push_back(account.vendor_account_id);
  ASSIGN_OR_RETURN(const json data, CallForList("POST", "/label/contact/search",
                                                {{"wxids", wx_ids},
                                                 {"labelIds", JsonStrings(request.label_ids())},
                                                 {"PageIndex", page_index},
                                                 {"PageSize", page_size}}));
  v1::SearchContactsByLabelsResponse response;
  for (const json& item : data) {
    v1::LabeledContact& labeled = *response.add_contacts();
    labeled.set_account_id(FormatAccountId(v1::VENDOR_QUNTOOL, JsonString(item, "wx_id")));
    *labeled.mutable_contact() = QuntoolContact(item);
    labeled.set_last_chat_ms(JsonInt(item, "LastChatTimestamp"));
    labeled.set_last_chat_message(JsonString(item, "LastChatMsg"));
    labeled.set_unread_count(static_cast<int32_t>(JsonInt(item, "NewMsgCount")));
  }
  // quntool tells no total: a full page may have a next one.
  if (data.size() >= static_cast<size_t>(page_size)) {
    response.set_next_page_token(PageTokenOf(page_index + 1));
  }
  return response;
}

absl::StatusOr<v1::ListLabelContactsResponse> QuntoolPlatform::ListLabelContacts(
    const AccountRef& account, const v1::ListLabelContactsRequest& request) {
  ASSIGN_OR_RETURN(const json data, CallForList("GET", "/label/contacts",
                                                {{"labelId", request.label_id()},
                                                 {"wxId", account.vendor_account_id}}));
  v1::ListLabelContactsResponse response;
  for (const json& item : data) *response.add_contacts() = QuntoolContact(item);
  return response;
}

// Helpers.

bool QuntoolPlatform::SendsOverMqtt(const AccountRef& account) const {
  return options_.mqtt != nullptr && options_.mqtt_wx_ids.contains(account.vendor_account_id);
}

bool QuntoolPlatform::GifTooLarge(const v1::MediaContent& gif) {
  if (gif.size_bytes() > 0) return gif.size_bytes() > kQuntoolMaxGifBytes;
  absl::StatusOr<uint64_t> size = api_->FileSize(gif.file_url());
  if (!size.ok()) {
    // Sending it as a gif is the better guess: most gifs are small.
    log::Warn("quntool_gif_size_unknown", {{"error", std::string(size.status().message())}});
    return false;
  }
  return *size > kQuntoolMaxGifBytes;
}

absl::StatusOr<std::string> QuntoolPlatform::SendOverMqtt(json message) {
  absl::StatusOr<std::string> msg_id = options_.mqtt->Send(message, options_.mqtt_timeout);
  if (msg_id.ok() && msg_id->empty()) return QuntoolMalformedResponse(kMqttTopic, "no msgId");
  return msg_id;
}

absl::StatusOr<json> QuntoolPlatform::CallForList(absl::string_view method, absl::string_view path,
                                                  const json& params) {
  ASSIGN_OR_RETURN(json data, api_->Call(method, path, params));
  if (data.is_null()) return json::array();
  if (!data.is_array()) return QuntoolMalformedResponse(path, "data is not a list");
  return data;
}

absl::StatusOr<json> QuntoolPlatform::CallForObject(absl::string_view method,
                                                    absl::string_view path, const json& params) {
  ASSIGN_OR_RETURN(json data, api_->Call(method, path, params));
  if (!data.is_object()) return QuntoolMalformedResponse(path, "data is not an object");
  return data;
}

absl::Status QuntoolPlatform::CallForNothing(absl::string_view method, absl::string_view path,
                                             const json& params) {
  return api_->Call(method, path, params).status();
}

}  // namespace wecom::robot
