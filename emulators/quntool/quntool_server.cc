#include "emulators/quntool/quntool_server.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "emulators/quntool/api_routes.h"
#include "emulators/quntool/request_params.h"

namespace wecom::quntool {
namespace {

constexpr char kApiBase[] = "/gnapi/open";
constexpr char kControlBase[] = "/emulator";

void Answer(httplib::Response& response, int http_status, absl::string_view msg, int code,
            Json data) {
  response.status = http_status;
  const Json body = {{"msg", std::string(msg)}, {"code", code}, {"data", std::move(data)}};
  response.set_content(body.dump(-1, ' ', false, Json::error_handler_t::replace),
                       "application/json; charset=utf-8");
}

// Query parameters (repeated ones as an array, e.g. HostName) and the JSON
// body's fields, keys lower-cased; the body wins.
absl::StatusOr<Json> RequestParams(const httplib::Request& request) {
  Json params = Json::object();
  for (const auto& [key, value] : request.params) {
    Json& slot = params[absl::AsciiStrToLower(key)];
    if (slot.is_null()) {
      slot = value;
    } else {
      if (!slot.is_array()) slot = Json::array({slot});
      slot.push_back(value);
    }
  }
  // JSON bodies whatever their Content-Type; form bodies are in params.
  const size_t first = request.body.find_first_not_of(" \t\r\n");
  if (!request.is_multipart_form_data() && first != std::string::npos &&
      request.body[first] == '{') {
    const Json body = Json::parse(request.body, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded() || !body.is_object()) {
      return absl::InvalidArgumentError("请求体不是JSON对象");
    }
    const Json lowered = LowercaseKeys(body);
    for (const auto& [key, value] : lowered.items()) params[key] = value;
  }
  return params;
}

httplib::Server::Handler Wrap(ApiHandler handle, const QuntoolEmulator* needs_apikey) {
  return [handle = std::move(handle), needs_apikey](const httplib::Request& request,
                                                    httplib::Response& response) {
    if (needs_apikey != nullptr &&
        request.get_header_value("apikey") != needs_apikey->config().apikey) {
      return Answer(response, kCodeUnauthorized, "apikey无效", kCodeUnauthorized, nullptr);
    }
    absl::StatusOr<Json> params = RequestParams(request);
    if (!params.ok()) return Answer(response, 200, params.status().message(), kCodeFailed, nullptr);
    absl::StatusOr<Json> data = handle(ApiRequest{*std::move(params), request});
    if (!data.ok()) return Answer(response, 200, data.status().message(), kCodeFailed, nullptr);
    Answer(response, 200, "", 0, *std::move(data));
  };
}

void Register(httplib::Server& server, const std::string& base, std::vector<ApiRoute> routes,
              const QuntoolEmulator* needs_apikey) {
  for (ApiRoute& route : routes) {
    const std::string pattern = base + route.path;
    httplib::Server::Handler handler = Wrap(std::move(route.handle), needs_apikey);
    if (route.method == "GET") {
      server.Get(pattern, std::move(handler));
    } else if (route.method == "POST") {
      server.Post(pattern, std::move(handler));
    } else if (route.method == "PUT") {
      server.Put(pattern, std::move(handler));
    } else {
      server.Delete(pattern, std::move(handler));
    }
  }
}

}  // namespace

QuntoolServer::QuntoolServer(QuntoolEmulator& emulator) : emulator_(emulator) {
  for (auto routes : {AccountRoutes, MessageRoutes, ContactRoutes, GroupRoutes, LabelRoutes}) {
    Register(http_.http(), kApiBase, routes(emulator_), &emulator_);
  }
  Register(http_.http(), kControlBase, ControlRoutes(emulator_), nullptr);
  // Uploaded files and cached media, under the relative paths the API hands
  // out ("/gnapi/Files/…" from /file/upload, "/gnapi/files/…" in callbacks).
  http_.http().Get(
      "/gnapi/[Ff]iles/.*", [this](const httplib::Request& request, httplib::Response& response) {
        absl::StatusOr<StoredFile> file = emulator_.FindFile(request.path);
        if (!file.ok()) {
          response.status = 404;
          return;
        }
        response.set_content(file->content, file->content_type.empty() ? "application/octet-stream"
                                                                       : file->content_type);
      });
}

absl::StatusOr<int> QuntoolServer::Bind(const std::string& host, int port) {
  absl::StatusOr<int> bound = http_.Bind(host, port);
  if (bound.ok()) BoundTo(host, *bound);
  return bound;
}

void QuntoolServer::BoundTo(const std::string& host, int port) {
  emulator_.set_base_url(absl::StrCat("http://", host, ":", port));
}

}  // namespace wecom::quntool
