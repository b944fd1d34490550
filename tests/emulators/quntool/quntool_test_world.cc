#include "tests/emulators/quntool/quntool_test_world.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"

namespace wecom::quntool::testing {

WebhookReceiver::WebhookReceiver() {
  server_.http().Post("/callback",
                      [this](const httplib::Request& request, httplib::Response& response) {
                        Json body = Json::parse(request.body, nullptr, false);
                        absl::MutexLock lock(&mu_);
                        received_.push_back(std::move(body));
                        response.set_content("ok", "text/plain");
                      });
  absl::StatusOr<int> port = server_.Bind("127.0.0.1", 0);
  if (!port.ok()) {
    ADD_FAILURE_AT(__FILE__, __LINE__) << port.status();
    return;
  }
  port_ = *port;
  // Bound sockets already listen: requests queue until the loop accepts them.
  thread_ = std::thread([this] { (void)server_.Serve(); });
}

WebhookReceiver::~WebhookReceiver() {
  server_.Stop();
  if (thread_.joinable()) thread_.join();
}

absl::StatusOr<Json> WebhookReceiver::WaitFor(const std::function<bool(const Json&)>& match,
                                              absl::Duration timeout) {
  const Json* found = nullptr;
  auto arrived = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (const Json& callback : received_) {
      if (match(callback)) {
        found = &callback;
        return true;
      }
    }
    return false;
  };
  absl::MutexLock lock(&mu_);
  if (!mu_.AwaitWithTimeout(absl::Condition(&arrived), timeout)) {
    return absl::DeadlineExceededError(
        absl::StrCat("no matching callback among ", received_.size(), " received"));
  }
  return *found;
}

absl::StatusOr<Json> WebhookReceiver::WaitForEcho(const std::string& type,
                                                  const std::string& send_msg_id) {
  return WaitFor([&](const Json& callback) {
    return callback.value("type", "") == type && callback["sendMsgId"] == send_msg_id;
  });
}

absl::StatusOr<Json> WebhookReceiver::WaitForType(const std::string& type) {
  return WaitFor([&](const Json& callback) { return callback.value("type", "") == type; });
}

std::string TestConfigJson(int webhook_port) {
  return absl::StrFormat(R"json({
  "apikey": "%s",
  "webhook_url": "http://127.0.0.1:%d/callback",
  "min_send_interval_ms": 500,
  "users": [{"id": "apps-1", "username": "眠羊", "IsAdmin": true}],
  "accounts": [
    {"wxId": "%s", "userId": "apps-1", "hostname": "28cca2a4c405", "username": "YG",
     "corp_id": "1970325057080574", "acctid": "yg", "status": "online",
     "contacts": [
       {"user_id": "%s", "username": "左脚", "phones": ["13900000001"], "label_ids": ["L1"]},
       {"user_id": "%s", "username": "依然", "external_id_in_db": false},
       {"user_id": "%s", "username": "峰哥"},
       {"user_id": "%s", "username": "同事", "internal": true, "corp_id": "1970325057080574"}
     ],
     "groups": [
       {"conversation_id": "%s", "name": "YG、左脚、依然", "create_user_id": "%s",
        "members": ["%s", "%s", "%s"]}
     ]},
    {"wxId": "%s", "userId": "apps-1", "hostname": "40c10a375784", "username": "XF",
     "corp_id": "1970325057080574",
     "contacts": [{"user_id": "%s", "username": "左脚"}]},
    {"wxId": "%s", "userId": "apps-1", "username": "离线", "status": "offline"}
  ],
  "labels": [
    {"labelId": "L1", "name": "房地产", "corpId": "1970325057080574"},
    {"labelId": "L2", "name": "私域回答", "corpId": "1970325057080574"}
  ],
  "strangers": [{"phone": "13400000080", "user_id": "7881299646990001", "name": "我不知道",
                 "openid": "orFrbsiCQTREoLU5e7KC8vU"}],
  "mini_programs": [{"id": 7, "username": "gh_f13a9ccf230b@app", "appid": "wxa07672d4ed4d166a",
                     "appname": "多好APP", "appicon": "", "title": "一起分享",
                     "page_path": "pages/home/home.html", "cover_path": "/gnapi/files/c.png",
                     "type": 1}],
  "video_nums": [{"id": 20, "cover_url": "", "desc": "反诈", "feed_type": 4, "nickname": "通仔99",
                  "thumb_url": "", "url": "https://channels.weixin.qq.com/web/pages/feed?eid=x",
                  "extras": "", "avatar": "", "type": 1}]
})json",
                         kApiKey, webhook_port, kAccountA, kCustomer1, kCustomer2, kCustomer3,
                         kColleague, kGroup, kAccountA, kAccountA, kCustomer1, kCustomer2,
                         kAccountB, kCustomer1, kOfflineAccount);
}

QuntoolTestWorld::QuntoolTestWorld(QuntoolTestWorldOptions options) {
  absl::StatusOr<QuntoolConfig> config = ParseQuntoolConfig(TestConfigJson(webhook_.port()));
  if (!config.ok()) {
    ADD_FAILURE_AT(__FILE__, __LINE__) << config.status();
    return;
  }
  config->mqtt_port = options.mqtt_port;
  if (!options.webhook_url.empty()) config->webhook_url = std::move(options.webhook_url);
  if (options.adjust_config) options.adjust_config(*config);
  emulator_ = std::make_unique<QuntoolEmulator>(*std::move(config));
  server_ = std::make_unique<QuntoolServer>(*emulator_);
  absl::StatusOr<int> port = server_->Bind("127.0.0.1", 0);
  if (!port.ok()) {
    ADD_FAILURE_AT(__FILE__, __LINE__) << port.status();
    return;
  }
  port_ = *port;
  thread_ = std::thread([this] { (void)server_->Serve(); });
  if (options.mqtt_port != 0) {
    mqtt_front_ = std::make_unique<QuntoolMqttFront>(*emulator_);
    const absl::Status started = mqtt_front_->Start(
        emulator_->config().mqtt_host, emulator_->config().mqtt_port, absl::Seconds(20));
    if (!started.ok()) ADD_FAILURE_AT(__FILE__, __LINE__) << started;
  }
}

QuntoolTestWorld::~QuntoolTestWorld() {
  mqtt_front_.reset();
  if (server_ != nullptr) server_->Stop();
  if (thread_.joinable()) thread_.join();
}

absl::StatusOr<Json> QuntoolTestWorld::Call(const std::string& method, const std::string& path,
                                            const Json& body, int* status,
                                            const std::string& apikey) {
  httplib::Client client("127.0.0.1", port_);
  httplib::Headers headers;
  if (!apikey.empty()) headers.emplace("apikey", apikey);
  const std::string full_path = "/gnapi/open" + path;
  const std::string text = body.is_null() ? "" : body.dump();
  httplib::Result result = [&] {
    if (method == "GET") return client.Get(full_path.c_str(), headers);
    if (method == "POST") return client.Post(full_path.c_str(), headers, text, "application/json");
    if (method == "PUT") return client.Put(full_path.c_str(), headers, text, "application/json");
    return client.Delete(full_path.c_str(), headers, text, "application/json");
  }();
  if (!result) return absl::UnavailableError(absl::StrCat(method, " ", path, " failed"));
  if (status != nullptr) *status = result->status;
  Json parsed = Json::parse(result->body, nullptr, false);
  if (parsed.is_discarded()) {
    return absl::InternalError(absl::StrCat(path, ": not JSON: ", result->body));
  }
  return parsed;
}

absl::StatusOr<Json> QuntoolTestWorld::Inject(const Json& body) {
  httplib::Client client("127.0.0.1", port_);
  httplib::Result result = client.Post("/emulator/callback", body.dump(), "application/json");
  if (!result) return absl::UnavailableError("inject failed");
  return Json::parse(result->body, nullptr, false);
}

}  // namespace wecom::quntool::testing
