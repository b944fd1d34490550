// 联系人 and 开放平台双向互通: contact lists and edits, phone search, and the
// 788 ↔ wm id conversions.
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status/status_macros.h"
#include "emulators/quntool/api_routes.h"
#include "emulators/quntool/request_params.h"

namespace wecom::quntool {
namespace {

Json NullIfEmpty(const std::string& text) { return text.empty() ? Json(nullptr) : Json(text); }

}  // namespace

Json ContactListItem(const Account& account, const Contact& contact) {
  return {{"avatar", contact.avatar},
          {"conversation_id", PrivateConversationId(account.wx_id, contact.user_id)},
          {"corp_id", contact.corp_id},
          {"nickname", contact.nickname},
          {"position", contact.position},
          {"realname", contact.realname},
          {"remark", contact.remark},
          {"sex", contact.sex},
          {"user_id", contact.user_id},
          {"username", contact.username}};
}

namespace {

Json Relation(const Account& account, const Contact& contact) {
  return {{"ContactUserId", contact.user_id},
          {"ExternalUserId", contact.external_user_id},
          {"CorpId", absl::StrCat("ww", account.corp_id)},
          {"CorpIdOrigin", account.corp_id},
          {"UnionId", contact.unionid},
          {"AddWay", 0},
          {"State", nullptr},
          {"CreateTime", "2022-06-20 18:35:24"},
          {"AddWayDesc", "未知来源"}};
}

// Runs `edit` on the contact named by wxId + `contact_param` under the lock.
template <typename Edit>
absl::StatusOr<Json> EditContact(QuntoolEmulator& emulator, const Json& params,
                                 absl::string_view contact_param, Edit edit) {
  ASSIGN_OR_RETURN(const std::string contact_id, RequiredString(params, contact_param));
  absl::MutexLock lock(&emulator.mu);
  ASSIGN_OR_RETURN(Account * account, emulator.FindAccount(ParamString(params, "wxid")));
  Contact* contact = FindContact(*account, contact_id);
  if (contact == nullptr) return absl::NotFoundError(absl::StrCat("联系人不存在: ", contact_id));
  return edit(*account, *contact);
}

// A contact found through the account and a 788 id, or a wm id.
template <typename Answer>
ApiRoute LookupRoute(QuntoolEmulator& emulator, std::string method, std::string path,
                     Answer answer) {
  return {std::move(method), std::move(path),
          [&emulator, answer](const ApiRequest& request) -> absl::StatusOr<Json> {
            const std::string user_id = ParamString(request.params, "contactuserid");
            const std::string external_id = ParamString(request.params, "externaluserid");
            if (user_id.empty() && external_id.empty()) {
              return absl::InvalidArgumentError("ContactUserId、ExternalUserId不可同时为空");
            }
            absl::MutexLock lock(&emulator.mu);
            ASSIGN_OR_RETURN(Account * account,
                             emulator.FindAccount(ParamString(request.params, "wxid")));
            for (Contact& contact : account->contacts) {
              if (user_id.empty() ? contact.external_user_id == external_id
                                  : contact.user_id == user_id) {
                return answer(*account, contact);
              }
            }
            return absl::NotFoundError(absl::StrCat("联系人不存在: ", user_id, external_id));
          }};
}

Json SearchContactInfo(const Stranger& stranger) {
  return {{"acctid", ""}, {"corpid", "0"},         {"gender", 1},    {"iconurl", stranger.avatar},
          {"mobile", ""}, {"name", stranger.name}, {"realname", ""}, {"uin", stranger.user_id},
          {"unionid", ""}};
}

}  // namespace

namespace {

Json ExternalContactJson(const Account& account, const Contact& contact) {
  Json item = ContactListItem(account, contact);
  item["external_user_id"] = contact.external_user_id;
  item["is_delete"] = contact.is_delete;
  item["delete_time"] = NullIfEmpty(contact.delete_time);
  return item;
}

}  // namespace

std::vector<ApiRoute> ContactRoutes(QuntoolEmulator& emulator) {
  std::vector<ApiRoute> routes;
  for (const bool internal : {false, true}) {
    routes.push_back({"GET", internal ? "/contact/inner/list" : "/contact/external/list",
                      [&emulator, internal](const ApiRequest& request) -> absl::StatusOr<Json> {
                        absl::MutexLock lock(&emulator.mu);
                        ASSIGN_OR_RETURN(Account * account,
                                         emulator.FindAccount(ParamString(request.params, "wxid")));
                        Json list = Json::array();
                        for (const Contact& contact : account->contacts) {
                          if (contact.internal != internal) continue;
                          list.push_back(internal ? ContactListItem(*account, contact)
                                                  : ExternalContactJson(*account, contact));
                        }
                        return list;
                      }});
  }
  routes.push_back({"GET", "/contact/extendinfo", [&emulator](const ApiRequest& request) {
                      return EditContact(emulator, request.params, "contactid",
                                         [](Account&, Contact& contact) -> absl::StatusOr<Json> {
                                           return Json{{"corp_remark", contact.corp_remark},
                                                       {"desc", contact.desc},
                                                       {"phone_list", contact.phones},
                                                       {"remark", contact.remark},
                                                       {"status", contact.is_delete ? 0 : 1},
                                                       {"user_id", contact.user_id}};
                                         });
                    }});
  // The PUT edits: {wxId, contactId, <field>}.
  const std::pair<const char*, void (*)(Contact&, const Json&)> edits[] = {
      {"/contact/remark",
       [](Contact& contact, const Json& params) {
         contact.remark = ParamString(params, "remark");
       }},
      {"/contact/desc",
       [](Contact& contact, const Json& params) { contact.desc = ParamString(params, "desc"); }},
      {"/contact/phone",
       [](Contact& contact, const Json& params) { contact.phones = ParamList(params, "phones"); }},
  };
  for (const auto& [path, apply] : edits) {
    routes.push_back({"PUT", path, [&emulator, apply](const ApiRequest& request) {
                        return EditContact(emulator, request.params, "contactid",
                                           [&](Account&, Contact& contact) -> absl::StatusOr<Json> {
                                             apply(contact, request.params);
                                             return Json(nullptr);
                                           });
                      }});
  }
  // Deleting keeps the contact, listed with is_delete and delete_time, as the
  // document's external list shows deleted contacts.
  routes.push_back({"POST", "/contact/remove", [&emulator](const ApiRequest& request) {
                      return EditContact(emulator, request.params, "contactuserid",
                                         [](Account&, Contact& contact) -> absl::StatusOr<Json> {
                                           contact.is_delete = true;
                                           contact.delete_time = BeijingTime(absl::Now());
                                           return Json(nullptr);
                                         });
                    }});
  routes.push_back(
      {"POST", "/contact/external/query",
       [&emulator](const ApiRequest& request) -> absl::StatusOr<Json> {
         absl::MutexLock lock(&emulator.mu);
         Json list = Json::array();
         const Json infos = request.params.value("contactinfos", Json::array());
         for (const Json& info : infos) {
           ASSIGN_OR_RETURN(Account * account, emulator.FindAccount(ParamString(info, "wxid")));
           const Contact* contact = FindContact(*account, ParamString(info, "contactuserid"));
           if (contact != nullptr) {
             list.push_back(ExternalContactJson(*account, *contact));
           }
         }
         return list;
       }});
  // Phone search finds configured strangers. What the server answers when no
  // one has the phone is undocumented: an empty datalist here.
  routes.push_back(
      {"GET", "/contact/search", [&emulator](const ApiRequest& request) -> absl::StatusOr<Json> {
         ASSIGN_OR_RETURN(const std::string keyword, RequiredString(request.params, "keyword"));
         absl::MutexLock lock(&emulator.mu);
         RETURN_IF_ERROR(emulator.FindAccount(ParamString(request.params, "wxid")).status());
         Json found = Json::array();
         for (const Stranger& stranger : emulator.world.strangers) {
           if (stranger.phone != keyword) continue;
           const bool wechat = stranger.user_id.starts_with("788");
           Json info = SearchContactInfo(stranger);
           found.push_back({{"contact_info", wechat ? Json::object() : info},
                            {"contact_info_wx", wechat ? info : Json::object()},
                            {"corpinfo", Json::object()},
                            {"flag", 0},
                            {"item_type", 1},
                            {"name", ""},
                            {"openid", stranger.openid},
                            {"relation", 1},
                            {"search_status", 1},
                            {"wx_ticket", ""}});
         }
         Json first_info = found.empty() ? Json::object() : found[0]["contact_info"];
         return Json{{"contact_info", std::move(first_info)},
                     {"corpinfo", Json::object()},
                     {"datalist", std::move(found)},
                     {"error_code", 0},
                     {"error_message", ""},
                     {"flag", 0},
                     {"keyword", keyword},
                     {"name", ""},
                     {"relation", 1},
                     {"search_status", 1}};
       }});
  // A friend request; the contact appears when the emulator is told the
  // person accepted (/emulator/callback notify_type_contact_add).
  routes.push_back({"POST", "/contact/search/add",
                    [&emulator](const ApiRequest& request) -> absl::StatusOr<Json> {
                      ASSIGN_OR_RETURN(const std::string user_id,
                                       RequiredString(request.params, "contactuserid"));
                      absl::MutexLock lock(&emulator.mu);
                      RETURN_IF_ERROR(
                          emulator.FindAccount(ParamString(request.params, "wxid")).status());
                      for (const Stranger& stranger : emulator.world.strangers) {
                        if (stranger.user_id == user_id) return Json(nullptr);
                      }
                      return absl::NotFoundError(absl::StrCat("用户不存在: ", user_id));
                    }});
  // The live conversions fetch the mapping and store it in quntool's
  // database; the *FromDb ones read only the database ("" when absent).
  for (const bool from_db : {false, true}) {
    routes.push_back(LookupRoute(
        emulator, "POST", from_db ? "/contact/externalUserIdFromDb" : "/contact/externalUserId",
        [from_db](Account&, Contact& contact) -> absl::StatusOr<Json> {
          if (!from_db) contact.external_id_in_db = true;
          return Json{
              {"ExternalUserId", contact.external_id_in_db ? contact.external_user_id : ""}};
        }));
    routes.push_back(LookupRoute(
        emulator, "POST", from_db ? "/contact/contactUserIdFromDb" : "/contact/contactUserId",
        [from_db](Account&, Contact& contact) -> absl::StatusOr<Json> {
          if (!from_db) contact.external_id_in_db = true;
          return Json{{"ContactUserId", contact.external_id_in_db ? contact.user_id : ""}};
        }));
  }
  routes.push_back(LookupRoute(emulator, "GET", "/contact/relation",
                               [](Account& account, Contact& contact) -> absl::StatusOr<Json> {
                                 return Relation(account, contact);
                               }));
  routes.push_back(LookupRoute(emulator, "POST", "/contact/relation/sync",
                               [](Account& account, Contact& contact) -> absl::StatusOr<Json> {
                                 contact.external_id_in_db = true;
                                 Json relation = Relation(account, contact);
                                 relation["Name"] = contact.username;
                                 relation["Avatar"] = contact.avatar;
                                 return relation;
                               }));
  return routes;
}

}  // namespace wecom::quntool
