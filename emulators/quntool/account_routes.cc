// 登录 and 其他: 光年 users, WeCom accounts and their containers.
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

Json AccountJson(const Account& account) {
  const bool rescan = account.status == AccountStatus::kLoginFailedRescan;
  return {{"hostname", account.hostname},
          {"wxId", account.wx_id},
          {"userId", account.user_id},
          {"username", account.username},
          {"nickname", account.nickname},
          {"avatar", account.avatar},
          {"corp_id", account.corp_id},
          {"corp_name", account.corp_name},
          {"mobile", account.mobile},
          {"position", account.position},
          {"corp_short_name", account.corp_short_name},
          {"job_name", ""},
          {"account", account.account},
          {"acctid", account.acctid},
          {"Status", static_cast<int>(account.status)},
          {"QrCode", rescan ? Json(absl::StrCat("/gnapi/files/qrcode/", account.hostname, ".jpg"))
                            : Json(nullptr)}};
}

// The user_login callback's data for an account coming online.
Json LoginData(const Account& account) {
  return {{"account", account.account},
          {"acctid", account.acctid},
          {"avatar", account.avatar},
          {"corp_id", account.corp_id},
          {"document_root",
           absl::StrCat("C:\\Users\\ContainerAdministrator\\Documents\\WXWork\\", account.wx_id)},
          {"email", ""},
          {"job_name", ""},
          {"mobile", account.mobile},
          {"nickname", account.nickname},
          {"pid", account.wx_pid},
          {"position", account.position},
          {"sex", 1},
          {"user_id", account.wx_id},
          {"username", account.username}};
}

// /container/stop|start|remove|restart: {"hostname": [...]} moves each named
// container's account to `status`. Coming online posts user_login.
ApiRoute ContainerRoute(QuntoolEmulator& emulator, std::string path, AccountStatus status) {
  return {"POST", std::move(path),
          [&emulator, status](const ApiRequest& request) -> absl::StatusOr<Json> {
            absl::MutexLock lock(&emulator.mu);
            std::vector<Account*> accounts;
            for (const std::string& hostname : ParamList(request.params, "hostname")) {
              Account* account = emulator.FindAccountByHostname(hostname);
              if (account == nullptr) {
                return absl::NotFoundError(absl::StrCat("容器不存在: ", hostname));
              }
              accounts.push_back(account);
            }
            for (Account* account : accounts) {
              account->status = status;
              if (status == AccountStatus::kOnline) {
                emulator.PostCallback(*account, "user_login", LoginData(*account));
              }
            }
            return Json(nullptr);
          }};
}

}  // namespace

Json UserLoginData(const Account& account) { return LoginData(account); }

std::vector<ApiRoute> AccountRoutes(QuntoolEmulator& emulator) {
  std::vector<ApiRoute> routes = {
      ContainerRoute(emulator, "/container/stop", AccountStatus::kOffline),
      ContainerRoute(emulator, "/container/start", AccountStatus::kOnline),
      ContainerRoute(emulator, "/container/restart", AccountStatus::kOnline),
      ContainerRoute(emulator, "/container/remove", AccountStatus::kLoggedOut),
  };
  routes.push_back({"GET", "/inner/user/wx/list",
                    [&emulator](const ApiRequest& request) -> absl::StatusOr<Json> {
                      const std::string user_id = ParamString(request.params, "userid");
                      const bool only_online = ParamBool(request.params, "isonline", true);
                      const std::vector<std::string> hostnames =
                          ParamList(request.params, "hostname");
                      absl::MutexLock lock(&emulator.mu);
                      Json list = Json::array();
                      for (const Account& account : emulator.world.accounts) {
                        if (!user_id.empty() && account.user_id != user_id) continue;
                        if (only_online && account.status != AccountStatus::kOnline) continue;
                        if (!hostnames.empty() && std::find(hostnames.begin(), hostnames.end(),
                                                            account.hostname) == hostnames.end()) {
                          continue;
                        }
                        list.push_back(AccountJson(account));
                      }
                      return list;
                    }});
  routes.push_back(
      {"GET", "/inner/user/list", [&emulator](const ApiRequest&) -> absl::StatusOr<Json> {
         absl::MutexLock lock(&emulator.mu);
         Json list = Json::array();
         for (const QuntoolUser& user : emulator.world.users) {
           auto or_null = [](const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); };
           list.push_back({{"id", user.id},
                           {"username", or_null(user.username)},
                           {"createdAt", user.created_at},
                           {"phone", or_null(user.phone)},
                           {"avatar", or_null(user.avatar)},
                           {"Permissions", Json::array()},
                           {"IsAdmin", user.is_admin},
                           {"Remark", ""}});
         }
         return list;
       }});
  // A new login environment: an account in "logging in" state, known by its
  // hostname until /emulator/callback user_login names its wxId.
  routes.push_back(
      {"POST", "/container/create", [&emulator](const ApiRequest& request) -> absl::StatusOr<Json> {
         ASSIGN_OR_RETURN(const std::string user_id, RequiredString(request.params, "userid"));
         absl::MutexLock lock(&emulator.mu);
         if (emulator.FindUser(user_id) == nullptr) {
           return absl::NotFoundError(absl::StrCat("用户不存在: ", user_id));
         }
         Account& account = emulator.world.accounts.emplace_back();
         account.user_id = user_id;
         account.hostname = emulator.NewUuid().substr(24);
         account.status = AccountStatus::kLoggingIn;
         account.wx_pid = 50000 + static_cast<int64_t>(emulator.world.accounts.size());
         const std::string hash = emulator.NewUuid();
         return Json{{"qrcode", absl::StrCat("/gnapi/files/",
                                             absl::FormatTime("%Y%m%d", absl::Now(),
                                                              absl::FixedTimeZone(8 * 3600)),
                                             "/", hash.substr(0, 8), hash.substr(9, 4), "/",
                                             emulator.NewUuid(), ".jpg")},
                     {"hostname", account.hostname},
                     {"version", "1.3.0.13"},
                     {"createtime", BeijingTime(absl::Now())},
                     {"wxPid", account.wx_pid}};
       }});
  // The emulator accepts any six-digit code; errcode < 0 asks for it again.
  routes.push_back(
      {"POST", "/container/verify", [&emulator](const ApiRequest& request) -> absl::StatusOr<Json> {
         ASSIGN_OR_RETURN(const std::string hostname, RequiredString(request.params, "hostname"));
         const std::string code = ParamString(request.params, "code");
         absl::MutexLock lock(&emulator.mu);
         if (emulator.FindAccountByHostname(hostname) == nullptr) {
           return absl::NotFoundError(absl::StrCat("容器不存在: ", hostname));
         }
         const bool valid =
             code.size() == 6 && code.find_first_not_of("0123456789") == std::string::npos;
         return Json{{"errcode", valid ? 0 : -1}, {"errmsg", valid ? "ok" : "验证码错误"}};
       }});
  routes.push_back(
      {"GET", "/container/memory", [&emulator](const ApiRequest&) -> absl::StatusOr<Json> {
         absl::MutexLock lock(&emulator.mu);
         Json list = Json::array();
         for (const Account& account : emulator.world.accounts) {
           if (account.status != AccountStatus::kOnline) continue;
           list.push_back({{"WxId", account.wx_id},
                           {"UserName", account.username},
                           {"HostName", account.hostname},
                           {"WxPid", account.wx_pid},
                           {"Memory", account.memory_kb}});
         }
         return list;
       }});
  return routes;
}

}  // namespace wecom::quntool
