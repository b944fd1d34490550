// The emulator-only control API (README.md, "Control API"): what WeCom users
// and the vendor's servers do on their own, injected by tests and demos. Each
// changes the world as the event would and POSTs the document's callback.
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status/status_macros.h"
#include "emulators/quntool/api_routes.h"
#include "emulators/quntool/received_messages.h"
#include "emulators/quntool/request_params.h"

namespace wecom::quntool {
namespace {

// The injection's parameters: {"type", "wxId" or "hostname", "conversationId",
// "sender", "members", "data": {fields overriding the generated data}}.
struct Injection {
  std::string type;
  Json params;     // lower-cased keys
  Json overrides;  // "data" as given (original keys)
};

absl::StatusOr<Account*> InjectionAccount(QuntoolEmulator& emulator, const Injection& in)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(emulator.mu) {
  const std::string hostname = ParamString(in.params, "hostname");
  if (!hostname.empty()) {
    Account* account = emulator.FindAccountByHostname(hostname);
    if (account == nullptr) return absl::NotFoundError(absl::StrCat("容器不存在: ", hostname));
    return account;
  }
  return emulator.FindAccount(ParamString(in.params, "wxid"), /*require_online=*/false);
}

std::string ContactName(Account& account, const std::string& user_id) {
  const Contact* contact = FindContact(account, user_id);
  return contact == nullptr ? "" : contact->username;
}

absl::StatusOr<Json> MessageData(QuntoolEmulator& emulator, Account& account, const Injection& in,
                                 const std::string& file_path)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(emulator.mu) {
  ASSIGN_OR_RETURN(const std::string conversation_id, RequiredString(in.params, "conversationid"));
  std::string sender = ParamString(in.params, "sender");
  if (sender.empty() && conversation_id.starts_with("S:")) {
    const std::string pair = conversation_id.substr(2);
    const size_t underscore = pair.find('_');
    sender = pair.substr(0, underscore) == account.wx_id ? pair.substr(underscore + 1)
                                                         : pair.substr(0, underscore);
  }
  if (sender.empty()) return absl::InvalidArgumentError("sender不能为空");
  return ReceivedMessageData({.type = in.type,
                              .conversation_id = conversation_id,
                              .sender = sender,
                              .sender_name = ContactName(account, sender),
                              .receiver = account.wx_id,
                              .server_id = emulator.NextServerId(),
                              .send_time = absl::ToUnixSeconds(absl::Now()),
                              .file_path = file_path});
}

// Room events name their group by conversationId and their people by
// "members" (ids); the operator is "sender" or the account.
absl::StatusOr<Json> RoomEventData(QuntoolEmulator& emulator, Account& account,
                                   const Injection& in) {
  ASSIGN_OR_RETURN(const std::string conversation_id, RequiredString(in.params, "conversationid"));
  const std::vector<std::string> members = ParamList(in.params, "members");
  Group* group = FindGroup(account, conversation_id);
  if (in.type == "notify_type_room_create") {
    if (group != nullptr) return absl::AlreadyExistsError("群聊已存在");
    group = &account.groups.emplace_back();
    group->conversation_id = conversation_id;
    group->external_room_id = DerivedExternalRoomId(conversation_id);
    group->create_user_id = account.wx_id;
    group->create_time = absl::ToUnixSeconds(absl::Now());
    group->members.push_back(GroupMember(account.wx_id, "", group->create_time));
  }
  if (group == nullptr) return absl::NotFoundError(absl::StrCat("群聊不存在: ", conversation_id));
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  if (in.type == "notify_type_room_add_member" || in.type == "notify_type_room_create") {
    for (const std::string& id : members) {
      group->members.push_back(GroupMember(id, account.wx_id, now));
    }
  } else if (in.type == "notify_type_room_del_member") {
    for (const std::string& id : members) {
      std::erase_if(group->members, [&](const GroupMember& m) { return m.user_id == id; });
    }
  } else if (in.type == "notify_type_room_member_quit") {
    ASSIGN_OR_RETURN(const std::string quitter, RequiredString(in.params, "sender"));
    std::erase_if(group->members, [&](const GroupMember& m) { return m.user_id == quitter; });
  } else if (in.type == "room_name_changed") {
    ASSIGN_OR_RETURN(group->name, RequiredString(in.params, "name"));
  }
  const bool with_members =
      in.type != "notify_type_room_member_quit" && in.type != "room_name_changed";
  Json data = RoomMembersData(account, *group, members, with_members);
  if (const std::string op = ParamString(in.params, "sender"); !op.empty()) {
    data["op_user_id"] = op;
    data["op_user_name"] = ContactName(account, op);
  }
  if (in.type == "room_name_changed") data.erase("op_user_name");
  return data;
}

absl::StatusOr<Json> ContactAddData(QuntoolEmulator& emulator, Account& account,
                                    const Injection& in)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(emulator.mu) {
  ASSIGN_OR_RETURN(const std::string user_id, RequiredString(in.params, "sender"));
  Contact* contact = FindContact(account, user_id);
  if (contact == nullptr) {
    contact = &account.contacts.emplace_back();
    contact->user_id = user_id;
    contact->corp_id = "1970325134026788";
    contact->external_user_id = DerivedExternalUserId(user_id);
    for (const Stranger& stranger : emulator.world.strangers) {
      if (stranger.user_id != user_id) continue;
      contact->username = stranger.name;
      contact->avatar = stranger.avatar;
      contact->phones = {stranger.phone};
    }
  }
  contact->is_delete = false;
  contact->delete_time.clear();
  if (const std::string name = ParamString(in.params, "name"); !name.empty()) {
    contact->username = name;
  }
  return Json{{"acctid", ""},
              {"avatar", contact->avatar},
              {"conversation_id", PrivateConversationId(account.wx_id, user_id)},
              {"corp_id", contact->corp_id},
              {"mobile", ""},
              {"nickname", contact->nickname},
              {"position", contact->position},
              {"realname", contact->realname},
              {"remark", contact->remark},
              {"sex", contact->sex},
              {"unionid", contact->unionid},
              {"user_id", user_id},
              {"username", contact->username}};
}

absl::StatusOr<Json> Inject(QuntoolEmulator& emulator, const Injection& in) {
  // Media of received messages is cached on this server, so the gateway can
  // fetch base_url + file_path.
  std::string file_path;
  if (HasMediaFile(in.type)) {
    file_path = emulator.StoreFile(absl::StrCat(emulator.NewUuid(), ".bin"),
                                   absl::StrCat("emulated ", in.type, " content"),
                                   "application/octet-stream");
  }
  absl::MutexLock lock(&emulator.mu);
  ASSIGN_OR_RETURN(Account * account, InjectionAccount(emulator, in));
  Json data;
  if (IsReceivedMessageType(in.type)) {
    ASSIGN_OR_RETURN(data, MessageData(emulator, *account, in, file_path));
  } else if (in.type == "notify_type_contact_add") {
    ASSIGN_OR_RETURN(data, ContactAddData(emulator, *account, in));
  } else if (in.type.starts_with("notify_type_room_") || in.type == "room_name_changed") {
    ASSIGN_OR_RETURN(data, RoomEventData(emulator, *account, in));
  } else if (in.type == "user_login") {
    // A container from /container/create learns its wxId at login.
    if (account->wx_id.empty()) {
      ASSIGN_OR_RETURN(account->wx_id, RequiredString(in.params, "wxid"));
    }
    account->status = AccountStatus::kOnline;
    data = UserLoginData(*account);
  } else if (in.type == "user_offline") {
    account->status = AccountStatus::kOffline;
  } else if (in.type == "qrcode_status_msg") {
    data = {{"auth_deviceid", "baab90ef80ca9f2f"},
            {"corpid", account->corp_id},
            {"gid", "2251802343725191"},
            {"icon_url", ""},
            {"is_bind_wx", true},
            {"keep_sec", 600},
            {"lang_type", 1},
            {"logo", account->avatar},
            {"nick_name", account->username},
            {"qrcode_key", "6E16C7042D0A4E832114E839EB1694CE"},
            {"status", 2},
            {"vid", account->wx_id}};
  } else if (in.type == "safe_validate") {
    data = {{"Qrcode", absl::StrCat("/gnapi/files/cache/", account->hostname, ".jpg")},
            {"UserName", account->username}};
  } else if (in.type == "batch_msg_confirm") {
    data = {{"appinfo", absl::StrCat("KHGSC_", account->wx_id, "_110739833202391153_n")},
            {"content", R"({"main_title":{"title":"通知你群发消息给客户"}})"},
            {"sendtime", absl::ToUnixSeconds(absl::Now())},
            {"title", "通知你群发消息给客户"}};
  } else {
    return absl::InvalidArgumentError(absl::StrCat("unknown callback type: ", in.type));
  }
  if (in.overrides.is_object()) {
    if (!data.is_object()) data = Json::object();
    data.update(in.overrides);
  }
  emulator.PostCallback(*account, in.type, data);
  return data;
}

}  // namespace

std::vector<ApiRoute> ControlRoutes(QuntoolEmulator& emulator) {
  return {{"POST", "/callback",
           [&emulator](const ApiRequest& request) -> absl::StatusOr<Json> {
             Injection in;
             ASSIGN_OR_RETURN(in.type, RequiredString(request.params, "type"));
             in.params = request.params;
             const Json body = Json::parse(request.http.body, nullptr, false);
             if (body.is_object() && body.contains("data")) in.overrides = body["data"];
             return Inject(emulator, in);
           }},
          // Where callbacks go from now on, for webhooks that start after the emulator.
          {"POST", "/webhook", [&emulator](const ApiRequest& request) -> absl::StatusOr<Json> {
             ASSIGN_OR_RETURN(std::string url, RequiredString(request.params, "url"));
             if (!absl::StartsWith(url, "http://")) {
               return absl::InvalidArgumentError("url: must start with http://");
             }
             emulator.set_webhook_url(url);
             return nullptr;
           }}};
}

}  // namespace wecom::quntool
