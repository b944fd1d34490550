#include "emulators/finance-sdk/wecom_api_server.h"

#include <openssl/rand.h>

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "emulators/finance-sdk/vendor_codes.h"
#include "nlohmann/json.hpp"

namespace wecom::emulator {
namespace {

using Json = nlohmann::ordered_json;

void Answer(httplib::Response& response, Json body) {
  response.set_content(body.dump(-1, ' ', false, Json::error_handler_t::replace),
                       "application/json; charset=UTF-8");
}

void AnswerError(httplib::Response& response, int errcode, absl::string_view errmsg) {
  Answer(response, Json{{"errcode", errcode}, {"errmsg", std::string(errmsg)}});
}

void AnswerError(httplib::Response& response, const absl::Status& status) {
  AnswerError(response, VendorCode(status), status.message());
}

absl::StatusOr<std::string> NewAccessToken() {
  unsigned char random[48];
  if (RAND_bytes(random, sizeof(random)) != 1) return absl::InternalError("RAND_bytes failed");
  return absl::WebSafeBase64Escape(
      absl::string_view(reinterpret_cast<const char*>(random), sizeof(random)));
}

}  // namespace

WecomApiServer::WecomApiServer(const EmulatorConfig& config) {
  for (const CorpConfig& corp : config.corps) {
    corps_.push_back(std::unique_ptr<CorpState>(new CorpState{
        corp, Corpus(corp.traffic), CallsPerMinuteLimit(corp.api.robot_info_calls_per_minute)}));
  }
  http_.http().Get("/cgi-bin/gettoken",
                   [this](const httplib::Request& request, httplib::Response& response) {
                     GetToken(request, response);
                   });
  http_.http().Get("/cgi-bin/msgaudit/get_robot_info",
                   [this](const httplib::Request& request, httplib::Response& response) {
                     GetRobotInfo(request, response);
                   });
  http_.http().Post("/cgi-bin/msgaudit/groupchat/get",
                    [this](const httplib::Request& request, httplib::Response& response) {
                      GetGroupChat(request, response);
                    });
}

void WecomApiServer::GetToken(const httplib::Request& request, httplib::Response& response) {
  const std::string corpid = request.get_param_value("corpid");
  const std::string secret = request.get_param_value("corpsecret");
  if (corpid.empty()) return AnswerError(response, kErrMissingCorpId, "corpid missing");
  if (secret.empty()) return AnswerError(response, kErrMissingSecret, "corpsecret missing");
  CorpState* corp = nullptr;
  for (const auto& candidate : corps_) {
    if (candidate->config.corpid == corpid) corp = candidate.get();
  }
  if (corp == nullptr) {
    return AnswerError(response, kErrInvalidCorpId, absl::StrCat("invalid corpid: ", corpid));
  }
  if (secret != corp->config.secret) {
    return AnswerError(response, kErrInvalidCredential,
                       "invalid credential, corpsecret is not this corp's secret");
  }
  absl::StatusOr<std::string> token = NewAccessToken();
  if (!token.ok()) return AnswerError(response, kSdkSystemError, token.status().message());
  const int64_t ttl = corp->config.api.access_token_ttl_seconds;
  {
    absl::MutexLock lock(&mu_);
    tokens_[*token] = AccessToken{corp, absl::Now() + absl::Seconds(ttl)};
  }
  Answer(response,
         Json{{"errcode", 0}, {"errmsg", "ok"}, {"access_token", *token}, {"expires_in", ttl}});
}

absl::StatusOr<WecomApiServer::CorpState*> WecomApiServer::Authenticate(
    const httplib::Request& request) {
  const std::string token = request.get_param_value("access_token");
  if (token.empty()) return VendorError(kErrMissingAccessToken, "access_token missing");
  absl::MutexLock lock(&mu_);
  const auto it = tokens_.find(token);
  if (it == tokens_.end()) return VendorError(kErrInvalidAccessToken, "invalid access_token");
  if (absl::Now() >= it->second.expires) {
    return VendorError(kErrAccessTokenExpired, "access_token expired");
  }
  return it->second.corp;
}

void WecomApiServer::GetRobotInfo(const httplib::Request& request, httplib::Response& response) {
  absl::StatusOr<CorpState*> corp = Authenticate(request);
  if (!corp.ok()) return AnswerError(response, corp.status());
  if (!(*corp)->robot_info_limit.TryAdmit(absl::Now())) {
    return AnswerError(response, kErrFrequencyLimit, "api freq out of limit");
  }
  const std::string robot_id = request.get_param_value("robot_id");
  for (const Robot& robot : (*corp)->corpus.robots()) {
    if (robot.robot_id == robot_id) {
      return Answer(response, Json{{"errcode", 0},
                                   {"errmsg", "ok"},
                                   {"data",
                                    {{"robot_id", robot.robot_id},
                                     {"name", robot.name},
                                     {"creator_userid", robot.creator_userid}}}});
    }
  }
  AnswerError(response, kErrInvalidRobotId, absl::StrCat("invalid robot_id: ", robot_id));
}

void WecomApiServer::GetGroupChat(const httplib::Request& request, httplib::Response& response) {
  absl::StatusOr<CorpState*> corp = Authenticate(request);
  if (!corp.ok()) return AnswerError(response, corp.status());
  const nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("roomid") ||
      !body["roomid"].is_string()) {
    return AnswerError(response, kErrDataFormat,
                       "data format error, the body must be {\"roomid\":\"...\"}");
  }
  const std::string roomid = body["roomid"].get<std::string>();
  for (const Room& room : (*corp)->corpus.rooms()) {
    if (room.roomid != roomid) continue;
    Json members = Json::array();
    for (const RoomMember& member : room.members) {
      members.push_back(Json{{"memberid", member.memberid}, {"jointime", member.jointime}});
    }
    return Answer(response, Json{{"errcode", 0},
                                 {"errmsg", "ok"},
                                 {"roomname", room.roomname},
                                 {"creator", room.creator},
                                 {"room_create_time", room.room_create_time},
                                 {"notice", room.notice},
                                 {"members", std::move(members)}});
  }
  AnswerError(response, kErrInvalidChatId, absl::StrCat("invalid chatid: ", roomid));
}

}  // namespace wecom::emulator
