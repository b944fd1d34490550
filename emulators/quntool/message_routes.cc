// 消息: the send endpoints, sends by saved mini program / video number id,
// /file/upload and /batchmsg/confirm.
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "emulators/quntool/api_routes.h"
#include "emulators/quntool/request_params.h"

namespace wecom::quntool {
namespace {

absl::StatusOr<Json> Sent(absl::StatusOr<std::string> msg_id) {
  if (!msg_id.ok()) return msg_id.status();
  return Json{{"msgId", *std::move(msg_id)}};
}

ApiRoute SendRoute(QuntoolEmulator& emulator, std::string path, std::string type) {
  return {"POST", std::move(path), [&emulator, type](const ApiRequest& request) {
            return Sent(emulator.SendMessage({type, request.params}));
          }};
}

// /miniProgram/send and /videonum/send: the saved item's fields, sent as
// /msg/miniProgram or /msg/videoNum would send them.
ApiRoute SendSavedRoute(QuntoolEmulator& emulator, std::string path, std::string type,
                        const std::vector<Json>& items, std::string id_param) {
  return {"POST", std::move(path),
          [&emulator, type, &items, id_param](const ApiRequest& request) -> absl::StatusOr<Json> {
            const std::string id = ParamString(request.params, id_param);
            for (const Json& item : items) {
              if (item["id"].dump() != id) continue;
              Json params = LowercaseKeys(item);
              params["wxid"] = ParamString(request.params, "wxid");
              params["conversationid"] = ParamString(request.params, "conversationid");
              return Sent(emulator.SendMessage({type, std::move(params)}));
            }
            return absl::NotFoundError(absl::StrCat(id_param, "不存在: ", id));
          }};
}

ApiRoute ListRoute(std::string path, const std::vector<Json>& items) {
  return {"GET", std::move(path), [&items](const ApiRequest&) -> absl::StatusOr<Json> {
            Json list = Json::array();
            for (const Json& item : items) list.push_back(item);
            return list;
          }};
}

}  // namespace

std::vector<ApiRoute> MessageRoutes(QuntoolEmulator& emulator) {
  const World& saved = emulator.config().world;
  std::vector<ApiRoute> routes = {
      SendRoute(emulator, "/msg/text", "text"),
      SendRoute(emulator, "/msg/roomAt", "roomAt"),
      SendRoute(emulator, "/msg/image", "image"),
      SendRoute(emulator, "/msg/file", "file"),
      SendRoute(emulator, "/msg/gif", "gif"),
      SendRoute(emulator, "/msg/video", "video"),
      SendRoute(emulator, "/msg/voice", "voice"),
      SendRoute(emulator, "/msg/personCard", "personCard"),
      SendRoute(emulator, "/msg/link", "link"),
      SendRoute(emulator, "/msg/miniProgram", "miniProgram"),
      SendRoute(emulator, "/msg/videoNum", "videoNum"),
      SendRoute(emulator, "/msg/quote", "quote"),
      ListRoute("/miniprogram/list", saved.mini_programs),
      ListRoute("/videonum/list", saved.video_nums),
      SendSavedRoute(emulator, "/miniProgram/send", "miniProgram", saved.mini_programs,
                     "miniprogramid"),
      SendSavedRoute(emulator, "/videonum/send", "videoNum", saved.video_nums, "videonumid"),
  };
  routes.push_back(
      {"POST", "/file/upload", [&emulator](const ApiRequest& request) -> absl::StatusOr<Json> {
         if (!request.http.has_file("file")) {
           return absl::InvalidArgumentError("需要form-data的file字段");
         }
         const httplib::MultipartFormData file = request.http.get_file_value("file");
         const std::string name = file.filename.empty() ? "file" : file.filename;
         return Json(emulator.StoreFile(name, file.content, file.content_type));
       }});
  routes.push_back(
      {"POST", "/batchmsg/confirm", [&emulator](const ApiRequest& request) -> absl::StatusOr<Json> {
         absl::MutexLock lock(&emulator.mu);
         ASSIGN_OR_RETURN(Account * account,
                          emulator.FindAccount(ParamString(request.params, "wxid")));
         (void)account;
         return Json(nullptr);
       }});
  return routes;
}

}  // namespace wecom::quntool
