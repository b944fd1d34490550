#include "tests/support/yjiyun_emulator.h"

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/http/http_client.h"
#include "common/status/status_macros.h"
#include "tests/support/node_script.h"

namespace wecom::testing {
namespace {

constexpr char kServer[] = "emulators/yjiyun/server.js";
constexpr char kListening[] = "yjiyun-emulator listening on ";

absl::StatusOr<nlohmann::json> ParseAnswer(const HttpResponse& response, absl::string_view path) {
  nlohmann::json answer = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (answer.is_discarded() || !answer.is_object()) {
    return absl::InternalError(
        absl::StrCat(path, ": HTTP ", response.status_code, " with a body that is not JSON"));
  }
  if (response.status_code != 200 || answer.value("code", "") != "0") {
    return absl::FailedPreconditionError(absl::StrCat(path, ": HTTP ", response.status_code,
                                                      " code ", answer.value("code", "?"), " ",
                                                      answer.value("msg", "")));
  }
  return answer;
}

}  // namespace

absl::StatusOr<nlohmann::json> YjiyunEmulator::ExampleConfig() {
  const std::string path = absl::StrCat(WECOM_SOURCE_DIR, "/emulators/yjiyun/example-config.json");
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json config = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (!in || config.is_discarded()) return absl::InternalError(absl::StrCat("cannot read ", path));
  return config;
}

YjiyunEmulator::YjiyunEmulator(TempDir directory, nlohmann::json config,
                               std::unique_ptr<HttpClient> http)
    : directory_(std::move(directory)), config_(std::move(config)), http_(std::move(http)) {}

YjiyunEmulator::~YjiyunEmulator() = default;

absl::StatusOr<std::unique_ptr<YjiyunEmulator>> YjiyunEmulator::Start(const nlohmann::json& config,
                                                                      absl::string_view engine_io) {
  ASSIGN_OR_RETURN(TempDir directory, TempDir::Create("yjiyun-emulator-"));
  const std::string config_path = absl::StrCat(directory.path(), "/config.json");
  {
    std::ofstream out(config_path);
    out << config.dump();
    if (!out.flush()) return absl::InternalError(absl::StrCat("cannot write ", config_path));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<CurlHttpClient> http, CurlHttpClient::Create({}));
  auto emulator = std::unique_ptr<YjiyunEmulator>(
      new YjiyunEmulator(std::move(directory), config, std::move(http)));
  std::vector<std::string> args = {"--config", config_path, "--listen", "127.0.0.1:0"};
  if (!engine_io.empty()) {
    args.push_back("--engine-io");
    args.push_back(std::string(engine_io));
  }
  ASSIGN_OR_RETURN(NodeScript script,
                   StartNodeScript(kServer, args, {"socket.io", "socket.io-v2"}, kListening));
  emulator->endpoint_ = script.endpoint();
  emulator->process_ = std::move(script.process);
  return emulator;
}

absl::StatusOr<nlohmann::json> YjiyunEmulator::Call(const std::string& method,
                                                    absl::string_view path,
                                                    const nlohmann::json& body) {
  HttpRequest request;
  request.method = method;
  request.url = absl::StrCat(endpoint_, path);
  if (method != "GET") {
    request.headers = {{"Content-Type", "application/json"}};
    request.body = body.dump();
  }
  ASSIGN_OR_RETURN(const HttpResponse response, http_->Send(request));
  return ParseAnswer(response, path);
}

absl::StatusOr<std::string> YjiyunEmulator::Token() {
  const nlohmann::json users = config_.value("users", nlohmann::json::array());
  if (!users.is_array() || users.empty() || !users[0].is_object()) {
    return absl::FailedPreconditionError("the emulator's config has no users");
  }
  ASSIGN_OR_RETURN(const nlohmann::json answer,
                   Call("POST", "/robotapi/client/auth",
                        {{"accessKey", users[0].value("accessKey", "")},
                         {"accessSecret", users[0].value("accessSecret", "")}}));
  const nlohmann::json token =
      answer.value(nlohmann::json::json_pointer("/data/accessToken"), nlohmann::json());
  if (!token.is_string()) return absl::InternalError("the auth answer has no accessToken");
  return token.get<std::string>();
}

absl::StatusOr<nlohmann::json> YjiyunEmulator::Control(absl::string_view path,
                                                       const nlohmann::json& body) {
  ASSIGN_OR_RETURN(
      nlohmann::json answer,
      Call("POST", absl::StrCat("/emulator/", absl::StripPrefix(path, "/emulator/")), body));
  return std::move(answer["data"]);
}

absl::StatusOr<nlohmann::json> YjiyunEmulator::State() {
  ASSIGN_OR_RETURN(nlohmann::json answer, Call("GET", "/emulator/state", nullptr));
  return std::move(answer["data"]);
}

}  // namespace wecom::testing
