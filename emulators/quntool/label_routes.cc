// 标签: the corp's labels and the labels on each contact.
#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "emulators/quntool/api_routes.h"
#include "emulators/quntool/request_params.h"

namespace wecom::quntool {
namespace {

const Label* FindLabel(const World& world, absl::string_view label_id) {
  for (const Label& label : world.labels) {
    if (label.label_id == label_id) return &label;
  }
  return nullptr;
}

bool HasLabel(const Contact& contact, absl::string_view label_id) {
  return std::find(contact.label_ids.begin(), contact.label_ids.end(), label_id) !=
         contact.label_ids.end();
}

}  // namespace

std::vector<ApiRoute> LabelRoutes(QuntoolEmulator& emulator) {
  std::vector<ApiRoute> routes;
  routes.push_back(
      {"GET", "/label/all", [&emulator](const ApiRequest& request) -> absl::StatusOr<Json> {
         absl::MutexLock lock(&emulator.mu);
         ASSIGN_OR_RETURN(Account * account,
                          emulator.FindAccount(ParamString(request.params, "wxid")));
         Json list = Json::array();
         for (const Label& label : emulator.world.labels) {
           if (!label.corp_id.empty() && label.corp_id != account->corp_id) continue;
           list.push_back({{"corpId", account->corp_id},
                           {"name", label.name},
                           {"labelId", label.label_id},
                           {"labelGroupId", label.label_group_id},
                           {"dataType", 0},
                           {"labelType", label.label_type},
                           {"sortOrder", 0},
                           {"business", 0},
                           {"createTime", label.create_time}});
         }
         return list;
       }});
  // Replaces the contact's labels: the document's way to add, swap and clear.
  routes.push_back({"POST", "/label/contact/setlabel",
                    [&emulator](const ApiRequest& request) -> absl::StatusOr<Json> {
                      ASSIGN_OR_RETURN(const std::string contact_id,
                                       RequiredString(request.params, "contactuserid"));
                      const std::vector<std::string> label_ids =
                          ParamList(request.params, "labelids");
                      absl::MutexLock lock(&emulator.mu);
                      ASSIGN_OR_RETURN(Account * account,
                                       emulator.FindAccount(ParamString(request.params, "wxid")));
                      Contact* contact = FindContact(*account, contact_id);
                      if (contact == nullptr) {
                        return absl::NotFoundError(absl::StrCat("联系人不存在: ", contact_id));
                      }
                      for (const std::string& id : label_ids) {
                        if (FindLabel(emulator.world, id) == nullptr) {
                          return absl::NotFoundError(absl::StrCat("标签不存在: ", id));
                        }
                      }
                      contact->label_ids = label_ids;
                      return Json(nullptr);
                    }});
  routes.push_back(
      {"GET", "/label/contact/labels",
       [&emulator](const ApiRequest& request) -> absl::StatusOr<Json> {
         absl::MutexLock lock(&emulator.mu);
         ASSIGN_OR_RETURN(Account * account,
                          emulator.FindAccount(ParamString(request.params, "wxid")));
         const std::string contact_id = ParamString(request.params, "contactuserid");
         const Contact* contact = FindContact(*account, contact_id);
         if (contact == nullptr) {
           return absl::NotFoundError(absl::StrCat("联系人不存在: ", contact_id));
         }
         Json list = Json::array();
         for (const std::string& id : contact->label_ids) {
           const Label* label = FindLabel(emulator.world, id);
           list.push_back({{"name", label == nullptr ? "" : label->name}, {"label_id", id}});
         }
         return list;
       }});
  // Contacts of the given accounts carrying any of the labels, one page.
  routes.push_back(
      {"POST", "/label/contact/search",
       [&emulator](const ApiRequest& request) -> absl::StatusOr<Json> {
         const std::vector<std::string> wx_ids = ParamList(request.params, "wxids");
         const std::vector<std::string> label_ids = ParamList(request.params, "labelids");
         const int64_t page_index = std::max<int64_t>(1, request.params.value("pageindex", 1));
         const int64_t page_size = std::max<int64_t>(1, request.params.value("pagesize", 100));
         absl::MutexLock lock(&emulator.mu);
         Json matches = Json::array();
         for (const std::string& wx_id : wx_ids) {
           ASSIGN_OR_RETURN(Account * account, emulator.FindAccount(wx_id));
           for (const Contact& contact : account->contacts) {
             if (std::none_of(label_ids.begin(), label_ids.end(),
                              [&](const std::string& id) { return HasLabel(contact, id); })) {
               continue;
             }
             matches.push_back(
                 {{"wx_id", wx_id},
                  {"user_id", contact.user_id},
                  {"conversation_id", PrivateConversationId(wx_id, contact.user_id)},
                  {"avatar", contact.avatar},
                  {"corp_id", contact.corp_id},
                  {"desc", contact.desc},
                  {"external_job", nullptr},
                  {"nickname", contact.nickname},
                  {"position", contact.position},
                  {"username", contact.username},
                  {"realname", contact.realname},
                  {"remark", contact.remark},
                  {"sex", contact.sex},
                  {"is_delete", contact.is_delete},
                  {"delete_time",
                   contact.delete_time.empty() ? Json(nullptr) : Json(contact.delete_time)},
                  {"LastChatTimestamp", contact.last_chat_timestamp_ms},
                  {"LastChatMsg", ""},
                  {"NewMsgCount", 0},
                  {"WarnMsg", Json::object()}});
           }
         }
         Json page = Json::array();
         const size_t from = static_cast<size_t>((page_index - 1) * page_size);
         for (size_t i = from; i < matches.size() && i < from + page_size; ++i) {
           page.push_back(matches[i]);
         }
         return page;
       }});
  routes.push_back(
      {"GET", "/label/contacts", [&emulator](const ApiRequest& request) -> absl::StatusOr<Json> {
         ASSIGN_OR_RETURN(const std::string label_id, RequiredString(request.params, "labelid"));
         absl::MutexLock lock(&emulator.mu);
         ASSIGN_OR_RETURN(Account * account,
                          emulator.FindAccount(ParamString(request.params, "wxid")));
         Json list = Json::array();
         for (const Contact& contact : account->contacts) {
           if (!HasLabel(contact, label_id)) continue;
           Json item = ContactListItem(*account, contact);
           item["external_user_id"] = contact.external_user_id;
           list.push_back(std::move(item));
         }
         return list;
       }});
  return routes;
}

}  // namespace wecom::quntool
