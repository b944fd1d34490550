// 群聊: create, list, rename, members, notice, and the RoomId ↔ wr id
// conversions. Changes the account itself makes are notified to the webhook
// too: the document's room callbacks show op_user_id = the account's wxid.
#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/status/status_macros.h"
#include "emulators/quntool/api_routes.h"
#include "emulators/quntool/request_params.h"

namespace wecom::quntool {
namespace {

// The display name of a member as the account knows it.
std::string MemberName(const Account& account, const std::string& user_id) {
  if (user_id == account.wx_id) return account.username;
  for (const Contact& contact : account.contacts) {
    if (contact.user_id == user_id) return contact.username;
  }
  return "";
}

Json MemberJson(const Account& account, const GroupMember& member) {
  Json item = {{"acctid", ""},
               {"avatar", ""},
               {"corp_id", ""},
               {"invite_user_id", member.invite_user_id},
               {"is_admin", member.is_admin},
               {"join_scene", 1},
               {"join_time", member.join_time},
               {"mobile", ""},
               {"nickname", ""},
               {"position", ""},
               {"realname", ""},
               {"remark", ""},
               {"room_nickname", member.room_nickname},
               {"sex", 1},
               {"unionid", ""},
               {"user_id", member.user_id},
               {"username", MemberName(account, member.user_id)}};
  if (member.user_id == account.wx_id) {
    item["acctid"] = account.acctid;
    item["avatar"] = account.avatar;
    item["corp_id"] = account.corp_id;
    item["mobile"] = account.mobile;
  } else {
    for (const Contact& contact : account.contacts) {
      if (contact.user_id != member.user_id) continue;
      item["avatar"] = contact.avatar;
      item["corp_id"] = contact.corp_id;
      item["realname"] = contact.realname;
      item["remark"] = contact.remark;
      item["sex"] = contact.sex;
      item["unionid"] = contact.unionid;
    }
  }
  return item;
}

bool IsMember(const Group& group, absl::string_view user_id) {
  return std::any_of(group.members.begin(), group.members.end(),
                     [&](const GroupMember& member) { return member.user_id == user_id; });
}

// Runs `change` on the group named by wxId + conversationId under the lock.
template <typename Change>
absl::StatusOr<Json> WithGroup(QuntoolEmulator& emulator, const Json& params, Change change) {
  ASSIGN_OR_RETURN(const std::string conversation_id, RequiredString(params, "conversationid"));
  absl::MutexLock lock(&emulator.mu);
  ASSIGN_OR_RETURN(Account * account, emulator.FindAccount(ParamString(params, "wxid")));
  Group* group = FindGroup(*account, conversation_id);
  if (group == nullptr) return absl::NotFoundError(absl::StrCat("群聊不存在: ", conversation_id));
  return change(*account, *group);
}

}  // namespace

Json RoomMembersData(const Account& account, const Group& group,
                     const std::vector<std::string>& user_ids, bool with_member_list) {
  Json data = Json::object();
  if (with_member_list) {
    Json members = Json::array();
    for (const std::string& id : user_ids) {
      members.push_back({{"name", MemberName(account, id)}, {"user_id", id}});
    }
    data["member_list"] = std::move(members);
  }
  data["op_user_id"] = account.wx_id;
  data["op_user_name"] = account.username;
  data["room_conversation_id"] = group.conversation_id;
  data["room_name"] = group.name;
  return data;
}

std::vector<ApiRoute> GroupRoutes(QuntoolEmulator& emulator) {
  std::vector<ApiRoute> routes;
  routes.push_back(
      {"POST", "/group", [&emulator](const ApiRequest& request) -> absl::StatusOr<Json> {
         const std::vector<std::string> members = ParamList(request.params, "memberwxids");
         if (members.size() < 2) {
           return absl::InvalidArgumentError("memberWxIds至少需要两个其他用户");
         }
         absl::MutexLock lock(&emulator.mu);
         ASSIGN_OR_RETURN(Account * account,
                          emulator.FindAccount(ParamString(request.params, "wxid")));
         const int64_t now = absl::ToUnixSeconds(absl::Now());
         Group& group = account->groups.emplace_back();
         const std::string server_id = emulator.NextServerId();
         group.conversation_id = absl::StrCat("R:1089", now, server_id.substr(1));
         group.external_room_id = DerivedExternalRoomId(group.conversation_id);
         group.create_user_id = account->wx_id;
         group.create_time = now;
         group.members.push_back(GroupMember(account->wx_id, "", now));
         Json added = Json::array();
         for (const std::string& id : members) {
           group.members.push_back(GroupMember(id, account->wx_id, now));
           added.push_back({{"success_add_vidlist", id}});
         }
         emulator.PostCallback(*account, "notify_type_room_create",
                               RoomMembersData(*account, group, members, true));
         return Json{{"createruin", account->wx_id},
                     {"createtime", now},
                     {"error_code", 0},
                     {"error_message", ""},
                     {"failmem", Json::array({{{"type", 0}, {"vid", 0}}})},
                     {"msgid", std::stoll(server_id)},
                     {"msgseq", absl::StrCat(now % 10000000)},
                     {"roomid", group.conversation_id.substr(2)},
                     {"roomname", ""},
                     {"sessionid", "R1lmUUxlaDhSRHFiX3pIeA=="},
                     {"success_add_vidlist", std::move(added)}};
       }});
  routes.push_back(
      {"GET", "/group/list", [&emulator](const ApiRequest& request) -> absl::StatusOr<Json> {
         absl::MutexLock lock(&emulator.mu);
         ASSIGN_OR_RETURN(Account * account,
                          emulator.FindAccount(ParamString(request.params, "wxid")));
         Json list = Json::array();
         for (const Group& group : account->groups) {
           list.push_back({{"wx_id", nullptr},
                           {"conversation_id", group.conversation_id},
                           {"create_time", group.create_time},
                           {"create_user_id", group.create_user_id},
                           {"is_external", group.is_external ? 1 : 0},
                           {"nickname", group.name},
                           {"is_admin", 0},
                           {"is_creator", group.create_user_id == account->wx_id ? 1 : 0},
                           {"total", group.members.size()}});
         }
         return list;
       }});
  routes.push_back({"PUT", "/group/name", [&emulator](const ApiRequest& request) {
                      return WithGroup(emulator, request.params,
                                       [&](Account& account, Group& group) -> absl::StatusOr<Json> {
                                         group.name = ParamString(request.params, "name");
                                         emulator.PostCallback(
                                             account, "room_name_changed",
                                             Json{{"op_user_id", account.wx_id},
                                                  {"room_conversation_id", group.conversation_id},
                                                  {"room_name", group.name}});
                                         return Json(nullptr);
                                       });
                    }});
  routes.push_back({"GET", "/group/member/list", [&emulator](const ApiRequest& request) {
                      return WithGroup(emulator, request.params,
                                       [](Account& account, Group& group) -> absl::StatusOr<Json> {
                                         Json members = Json::array();
                                         for (const GroupMember& member : group.members) {
                                           members.push_back(MemberJson(account, member));
                                         }
                                         return Json{{"conversation_id", group.conversation_id},
                                                     {"member_list", std::move(members)},
                                                     {"page_num", 1},
                                                     {"page_size", 100000},
                                                     {"total", group.members.size()},
                                                     {"total_page", 1}};
                                       });
                    }});
  // "内部群只能邀请员工,否则即使接口返回成功,实际拉不进群的": outsiders are
  // silently left out of internal groups.
  routes.push_back({"POST", "/group/member", [&emulator](const ApiRequest& request) {
                      return WithGroup(
                          emulator, request.params,
                          [&](Account& account, Group& group) -> absl::StatusOr<Json> {
                            std::vector<std::string> added;
                            for (const std::string& id : ParamList(request.params, "memberwxids")) {
                              if (IsMember(group, id)) continue;
                              if (!group.is_external && !id.starts_with("1688")) continue;
                              group.members.push_back(
                                  GroupMember(id, account.wx_id, absl::ToUnixSeconds(absl::Now())));
                              added.push_back(id);
                            }
                            if (!added.empty()) {
                              emulator.PostCallback(account, "notify_type_room_add_member",
                                                    RoomMembersData(account, group, added, true));
                            }
                            return Json(nullptr);
                          });
                    }});
  // "只有群主或者管理员才可以,否则即使接口返回成功,实际不会移除的".
  routes.push_back(
      {"DELETE", "/group/member", [&emulator](const ApiRequest& request) {
         return WithGroup(
             emulator, request.params, [&](Account& account, Group& group) -> absl::StatusOr<Json> {
               const bool may_remove =
                   group.create_user_id == account.wx_id ||
                   std::any_of(group.members.begin(), group.members.end(),
                               [&](const GroupMember& m) {
                                 return m.user_id == account.wx_id && m.is_admin;
                               });
               if (!may_remove) return Json(nullptr);
               std::vector<std::string> removed;
               for (const std::string& id : ParamList(request.params, "memberwxids")) {
                 if (!IsMember(group, id)) continue;
                 std::erase_if(group.members,
                               [&](const GroupMember& member) { return member.user_id == id; });
                 removed.push_back(id);
               }
               if (!removed.empty()) {
                 emulator.PostCallback(account, "notify_type_room_del_member",
                                       RoomMembersData(account, group, removed, true));
               }
               return Json(nullptr);
             });
       }});
  routes.push_back({"POST", "/group/member/contact", [&emulator](const ApiRequest& request) {
                      return WithGroup(
                          emulator, request.params,
                          [&](Account&, Group& group) -> absl::StatusOr<Json> {
                            ASSIGN_OR_RETURN(const std::string member,
                                             RequiredString(request.params, "memberwxid"));
                            if (!IsMember(group, member)) {
                              return absl::NotFoundError(absl::StrCat("不是群成员: ", member));
                            }
                            return Json(nullptr);
                          });
                    }});
  // Ordinary members get the same answer and, per the document, the notice
  // is published all the same.
  routes.push_back({"POST", "/group/notice", [&emulator](const ApiRequest& request) {
                      return WithGroup(emulator, request.params,
                                       [&](Account&, Group& group) -> absl::StatusOr<Json> {
                                         group.notice = ParamString(request.params, "content");
                                         return Json(nullptr);
                                       });
                    }});
  for (const bool to_external : {true, false}) {
    routes.push_back({"POST", to_external ? "/group/externalRoomId" : "/group/RoomId",
                      [&emulator, to_external](const ApiRequest& request) -> absl::StatusOr<Json> {
                        const std::string key = to_external ? "roomid" : "externalroomid";
                        ASSIGN_OR_RETURN(const std::string id, RequiredString(request.params, key));
                        absl::MutexLock lock(&emulator.mu);
                        ASSIGN_OR_RETURN(Account * account,
                                         emulator.FindAccount(ParamString(request.params, "wxid")));
                        for (const Group& group : account->groups) {
                          if (to_external && group.conversation_id == id) {
                            return Json{{"ExternalRoomId", group.external_room_id}};
                          }
                          if (!to_external && group.external_room_id == id) {
                            return Json{{"RoomId", group.conversation_id}};
                          }
                        }
                        return absl::NotFoundError(absl::StrCat("群聊不存在: ", id));
                      }});
  }
  return routes;
}

}  // namespace wecom::quntool
