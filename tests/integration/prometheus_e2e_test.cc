// The Grafana dashboards and the alert rules of deploy/ against the real
// thing: the three services at work on the emulators (archive and media on the
// Finance SDK emulator, the robot gateway on quntool and yjiyun), scraped by a
// real Prometheus on loopback. Every panel query must parse and return data,
// every alert expression must parse and evaluate, and Prometheus must load
// and evaluate the rules file without error.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/grpc/client.h"
#include "common/http/http_client.h"
#include "common/status/status_macros.h"
#include "common/testing/status_matchers.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/emulators/quntool/quntool_test_world.h"
#include "tests/integration/gateway_harness.h"
#include "tests/integration/media_harness.h"
#include "tests/integration/prometheus_server.h"
#include "tests/support/refused_port.h"
#include "yaml-cpp/yaml.h"

namespace wecom::testing {
namespace {

namespace v1 = wecom::robot::v1;
namespace q = wecom::quntool::testing;
using nlohmann::json;
using wecom::archive::v1::GetCorpStatusRequest;
using wecom::archive::v1::GetCorpStatusResponse;

// The target label the dashboards' $namespace variable selects by.
constexpr char kNamespace[] = "wecom-e2e";
// Grafana's interval variables. With 1 s scrapes a 30 s window holds many
// samples of every series, and every series the test made.
std::map<std::string, std::string> IntervalVariables() {
  return {{"__rate_interval", "30s"}, {"__interval", "30s"}, {"__interval_ms", "30000"},
          {"__range", "5m"},          {"__range_s", "300"},  {"__range_ms", "300000"}};
}

constexpr absl::Duration kPoll = absl::Milliseconds(20);

// Polls `ready` until it says OK (a non-OK status is what is still missing);
// the timeout only turns a hang into an error.
absl::Status AwaitCondition(const std::function<absl::Status()>& ready, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    absl::Status status = ready();
    if (status.ok()) return status;
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("still not after ", absl::FormatDuration(timeout), ": ", status.ToString()));
    }
    absl::SleepFor(kPoll);  // polling real processes, not synchronising threads
  }
}

absl::Status ExpectCode(const absl::Status& status, absl::StatusCode code, absl::string_view what) {
  if (status.code() == code) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(what, ": expected ", absl::StatusCodeToString(code),
                                          ", got ", status.ToString()));
}

absl::Status ExpectInMetrics(const std::string& metrics, absl::string_view text) {
  if (absl::StrContains(metrics, text)) return absl::OkStatus();
  return absl::NotFoundError(absl::StrCat("no ", text, " in /metrics"));
}

// ---- Traffic on the archive and the media service ----

// A corp whose second half is encrypted with key version 2, which the archive
// lacks at first; every media piece's first fetch is corrupt.
MediaHarnessOptions ArchiveAndMediaOptions() {
  MediaHarnessOptions options;
  emulator::TrafficSettings& traffic = options.archive.traffic;
  traffic.message_count = 120;
  traffic.seed = 61;
  traffic.media_size_scale = 0.05;
  const emulator::Corpus probe(traffic);
  traffic.key_versions = {{1, 1}, {probe.SeqAt(probe.base_size() / 2), 2}};
  options.archive.key_versions = {1, 2};
  options.archive.loaded_key_versions = {1};
  options.archive.faults.media_corrupt_rate = 1;
  options.max_attempts = 2;
  return options;
}

absl::StatusOr<GetCorpStatusResponse> CorpStatus(ArchiveHarness& archive, const std::string& corp) {
  GetCorpStatusRequest request;
  request.set_corp_id(corp);
  return Call(archive.Stub().get(), &wecom::archive::v1::ArchiveService::Stub::GetCorpStatus,
              request);
}

// The first media object of a message the archive cannot decrypt yet: no
// automatic fetch knows it until its key arrives.
absl::StatusOr<emulator::MediaFile> MediaOfUndecryptableMessage(const emulator::Corpus& corpus) {
  for (size_t i = 0; i < corpus.base_size(); ++i) {
    absl::StatusOr<emulator::CorpusMessage> message = corpus.Message(i);
    if (!message.ok() || message->publickey_ver != 2) continue;
    std::vector<emulator::MediaFile> media = corpus.MediaOf(i);
    if (!media.empty()) return media.front();
  }
  return absl::NotFoundError("no media in a message of key version 2");
}

// Archives the corp (half undecryptable), fails one media job on a wrong
// size, recovers the rest with the new key, lets the media service fetch
// everything (each file after an md5 mismatch), downloads, and sends bad and
// unauthenticated requests to both services.
absl::Status DriveArchiveAndMedia(MediaHarness& media) {
  ArchiveHarness& archive = media.archive();
  const std::string corp = media.corp_id();
  const emulator::Corpus& corpus = media.corpus();
  const uint64_t last_seq = corpus.SeqAt(corpus.base_size() - 1);
  RETURN_IF_ERROR(AwaitCondition(
      [&]() -> absl::Status {
        ASSIGN_OR_RETURN(GetCorpStatusResponse status, CorpStatus(archive, corp));
        if (status.cursor_seq() == last_seq && status.undecryptable_count() > 0) {
          return absl::OkStatus();
        }
        return absl::UnavailableError(status.ShortDebugString());
      },
      absl::Seconds(60)));

  // A size the file does not have: every attempt mismatches, the job fails.
  ASSIGN_OR_RETURN(const emulator::MediaFile misdescribed, MediaOfUndecryptableMessage(corpus));
  wecom::media::v1::FetchMediaRequest fetch;
  fetch.set_corp_id(corp);
  fetch.mutable_media()->set_sdkfileid(misdescribed.sdkfileid);
  fetch.mutable_media()->set_size(misdescribed.size + 1);
  fetch.mutable_media()->set_kind(misdescribed.kind);
  RETURN_IF_ERROR(
      Call(media.Stub().get(), &wecom::media::v1::MediaService::Stub::FetchMedia, fetch).status());
  ASSIGN_OR_RETURN(const wecom::media::v1::MediaJob failed,
                   media.AwaitSettled(corp, misdescribed.sdkfileid, absl::Seconds(60)));
  if (failed.failure() != wecom::media::v1::FAILURE_REASON_SIZE_MISMATCH) {
    return absl::InternalError(absl::StrCat("expected a size mismatch: ", failed.DebugString()));
  }

  RETURN_IF_ERROR(archive.InstallPrivateKey(2));
  archive.ReloadKeys();
  RETURN_IF_ERROR(AwaitCondition(
      [&]() -> absl::Status {
        ASSIGN_OR_RETURN(GetCorpStatusResponse status, CorpStatus(archive, corp));
        if (status.undecryptable_count() == 0) return absl::OkStatus();
        return absl::UnavailableError(status.ShortDebugString());
      },
      absl::Seconds(60)));

  std::string downloadable;
  for (size_t i = 0; i < corpus.base_size(); ++i) {
    for (const emulator::MediaFile& file : corpus.MediaOf(i)) {
      ASSIGN_OR_RETURN(const wecom::media::v1::MediaJob job,
                       media.AwaitSettled(corp, file.sdkfileid, absl::Seconds(60)));
      if (job.state() == wecom::media::v1::MEDIA_STATE_DONE) downloadable = file.sdkfileid;
    }
  }
  if (downloadable.empty()) return absl::InternalError("no media job is DONE");
  RETURN_IF_ERROR(media.Download(corp, downloadable).status());

  GetCorpStatusRequest no_corp;
  RETURN_IF_ERROR(ExpectCode(
      Call(archive.Stub().get(), &wecom::archive::v1::ArchiveService::Stub::GetCorpStatus, no_corp)
          .status(),
      absl::StatusCode::kInvalidArgument, "GetCorpStatus without corp_id"));
  GetCorpStatusRequest status;
  status.set_corp_id(corp);
  RETURN_IF_ERROR(ExpectCode(Call(archive.Stub(/*with_token=*/false).get(),
                                  &wecom::archive::v1::ArchiveService::Stub::GetCorpStatus, status)
                                 .status(),
                             absl::StatusCode::kUnauthenticated, "GetCorpStatus without a token"));
  wecom::media::v1::FetchMediaRequest no_sdkfileid;
  no_sdkfileid.set_corp_id(corp);
  RETURN_IF_ERROR(ExpectCode(
      Call(media.Stub().get(), &wecom::media::v1::MediaService::Stub::FetchMedia, no_sdkfileid)
          .status(),
      absl::StatusCode::kInvalidArgument, "FetchMedia without sdkfileid"));
  wecom::media::v1::GetMediaRequest get;
  get.set_corp_id(corp);
  get.set_sdkfileid(downloadable);
  return ExpectCode(Call(media.Stub(/*with_token=*/false).get(),
                         &wecom::media::v1::MediaService::Stub::GetMedia, get)
                        .status(),
                    absl::StatusCode::kUnauthenticated, "GetMedia without a token");
}

// ---- Traffic on the robot gateway ----

constexpr char kYjiyunRobotKey[] = "f16096caffd246acb5bb69b657a0894e";
constexpr char kYjiyunCustomer[] = "7881299459945762";

GatewayHarnessOptions GatewayOptions() {
  GatewayHarnessOptions options;
  options.yjiyun = true;
  // Pacing far looser than the emulator's, so that of two sends back to back
  // the second is throttled (-1000999), and goes through after one cool-down;
  // a SENT send whose echo takes over a second counts as overdue.
  options.emulator_min_send_interval_ms = 2000;
  options.sending_yaml =
      "  min_account_interval: 50ms\n"
      "  initial_cooldown: 2s\n"
      "  max_cooldown: 4s\n"
      "  sent_confirmation_timeout: 1s\n";
  return options;
}

v1::SendRequest QuntoolText(const std::string& text) {
  v1::SendRequest request;
  request.set_account_id(absl::StrCat("quntool:", q::kAccountA));
  request.mutable_content()->mutable_text()->set_content(text);
  request.set_conversation_id(absl::StrCat("S:", q::kAccountA, "_", q::kCustomer1));
  return request;
}

bool InState(const v1::Event& event, const std::set<std::string>& send_ids, v1::SendState state) {
  return event.has_send_status() && send_ids.contains(event.send_status().send().send_id()) &&
         event.send_status().send().state() == state;
}

absl::StatusOr<int> PostWebhook(const std::string& url, const std::string& body) {
  ASSIGN_OR_RETURN(std::unique_ptr<CurlHttpClient> http, CurlHttpClient::Create({}));
  HttpRequest request;
  request.method = "POST";
  request.url = url;
  request.headers = {{"Content-Type", "application/json"}};
  request.body = body;
  ASSIGN_OR_RETURN(const HttpResponse response, http->Send(request));
  return response.status_code;
}

absl::Status InjectYjiyunMessage(GatewayHarness& gateway, const json& content) {
  return gateway.yjiyun()
      ->Control(
          "messages",
          {{"robotKey", kYjiyunRobotKey}, {"chatUser", kYjiyunCustomer}, {"content", content}})
      .status();
}

bool IsYjiyunInboundText(const v1::Event& event, const std::string& text) {
  return absl::StartsWith(event.account_id(), "yjiyun:") && event.has_message() &&
         event.message().direction() == v1::DIRECTION_INBOUND && event.message().text() == text;
}

// yjiyun: a message the gateway cannot read, then the socket drops while a
// message arrives; the reconnect (10 s at least) fills the gap. Returns once
// the drop is done; AwaitYjiyunGapFilled waits for the rest.
absl::Status DropYjiyunSocket(GatewayHarness& gateway) {
  RETURN_IF_ERROR(InjectYjiyunMessage(gateway, {{"contentType", "not a number"}}));
  RETURN_IF_ERROR(InjectYjiyunMessage(gateway, "before the drop"));
  RETURN_IF_ERROR(
      gateway
          .AwaitEvents(0, 1,
                       [](const v1::Event& e) { return IsYjiyunInboundText(e, "before the drop"); })
          .status());
  RETURN_IF_ERROR(gateway.yjiyun()->Control("drop", {{"mode", "transport"}}).status());
  return InjectYjiyunMessage(gateway, "while away");
}

absl::Status AwaitYjiyunGapFilled(GatewayHarness& gateway) {
  return gateway
      .AwaitEvents(
          0, 1, [](const v1::Event& e) { return IsYjiyunInboundText(e, "while away"); },
          absl::Seconds(60))
      .status();
}

// yjiyun answers one call "busy" (5000), a vendor error the gateway retries.
absl::Status MakeYjiyunBusyOnce(GatewayHarness& gateway) {
  RETURN_IF_ERROR(gateway.yjiyun()->Control("busy", {{"count", 1}}).status());
  v1::ListContactsRequest contacts;
  contacts.set_account_id(absl::StrCat("yjiyun:", kYjiyunRobotKey));
  contacts.set_page_size(10);
  RETURN_IF_ERROR(
      Call(gateway.Contacts().get(), &v1::Contacts::Stub::ListContacts, contacts).status());
  return AwaitCondition([&] { return ExpectInMetrics(gateway.MetricsText(), "result=\"5000\""); },
                        absl::Seconds(30));
}

// quntool: two sends back to back (the second is throttled, waits and is
// confirmed), one whose echo cannot reach the webhook (overdue), bad webhook
// input, a redelivered callback, a bad request and an unauthenticated one.
absl::Status DriveQuntool(GatewayHarness& gateway) {
  auto messaging = gateway.Messaging();
  std::set<std::string> paced;
  for (const char* text : {"paced 1", "paced 2"}) {
    ASSIGN_OR_RETURN(const v1::SendResponse sent,
                     Call(messaging.get(), &v1::Messaging::Stub::Send, QuntoolText(text)));
    paced.insert(sent.send().send_id());
  }
  RETURN_IF_ERROR(gateway
                      .AwaitEvents(0, paced.size(),
                                   [&](const v1::Event& e) {
                                     return InState(e, paced, v1::SEND_STATE_CONFIRMED);
                                   })
                      .status());
  RETURN_IF_ERROR(ExpectInMetrics(gateway.MetricsText(), "robot_gateway_account_throttles_total{"));

  // The webhook unreachable: the send is SENT and its echo does not come in time.
  ASSIGN_OR_RETURN(const RefusedPort refused, RefusedPort::Reserve());
  RETURN_IF_ERROR(gateway
                      .CallEmulator("POST", "/webhook",
                                    {{"url", absl::StrCat("http://127.0.0.1:", refused.port(),
                                                          "/quntool/callback/x")}},
                                    /*control=*/true)
                      .status());
  ASSIGN_OR_RETURN(const v1::SendResponse unechoed,
                   Call(messaging.get(), &v1::Messaging::Stub::Send, QuntoolText("unechoed")));
  const std::set<std::string> unechoed_id = {unechoed.send().send_id()};
  RETURN_IF_ERROR(gateway
                      .AwaitEvents(0, 1,
                                   [&](const v1::Event& e) {
                                     return InState(e, unechoed_id, v1::SEND_STATE_SENT);
                                   })
                      .status());
  RETURN_IF_ERROR(AwaitCondition(
      [&] {
        return ExpectInMetrics(gateway.MetricsText(), "robot_gateway_sends_echo_overdue_total{");
      },
      absl::Seconds(30)));
  RETURN_IF_ERROR(gateway
                      .CallEmulator("POST", "/webhook", {{"url", gateway.webhook_url()}},
                                    /*control=*/true)
                      .status());

  ASSIGN_OR_RETURN(const int malformed, PostWebhook(gateway.webhook_url(), "{\"msgId\": "));
  if (malformed != 400) return absl::InternalError(absl::StrCat("malformed callback: ", malformed));
  const std::string login = json{{"msgId", "prometheus-e2e-login-1"},
                                 {"type", "user_login"},
                                 {"wxid", q::kAccountA},
                                 {"timestamp", absl::ToUnixMillis(absl::Now())}}
                                .dump();
  for (int delivery = 0; delivery < 2; ++delivery) {
    ASSIGN_OR_RETURN(const int status, PostWebhook(gateway.webhook_url(), login));
    if (status != 200) return absl::InternalError(absl::StrCat("login callback: ", status));
  }

  v1::SendRequest no_account = QuntoolText("nowhere");
  no_account.clear_account_id();
  RETURN_IF_ERROR(ExpectCode(Call(messaging.get(), &v1::Messaging::Stub::Send, no_account).status(),
                             absl::StatusCode::kInvalidArgument, "Send without account_id"));
  GrpcClientOptions anonymous;
  anonymous.target = absl::StrCat("127.0.0.1:", gateway.grpc_port());
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel, MakeChannel(anonymous));
  return ExpectCode(Call(v1::Accounts::NewStub(channel).get(), &v1::Accounts::Stub::ListAccounts,
                         v1::ListAccountsRequest())
                        .status(),
                    absl::StatusCode::kUnauthenticated, "ListAccounts without a token");
}

// ---- Dashboards ----

absl::StatusOr<json> ReadJson(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  json parsed = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return absl::InvalidArgumentError(absl::StrCat(path, ": not JSON"));
  return parsed;
}

std::vector<std::string> DashboardFiles() {
  std::vector<std::string> files;
  for (const auto& entry :
       std::filesystem::directory_iterator(absl::StrCat(WECOM_DEPLOY_DIR, "/grafana/dashboards"))) {
    if (entry.path().extension() == ".json") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

struct PanelTarget {
  std::string dashboard;
  std::string panel;
  std::string where;  // dashboard, panel and refId, for failure messages
  std::string expr;
};

// Every target with an expr of `panels`, and of the panels that rows hold
// (collapsed rows keep theirs inside).
void CollectTargets(const std::string& dashboard, const json& panels,
                    std::vector<PanelTarget>& out) {
  for (const json& panel : panels) {
    const std::string title = panel.value("title", "(untitled)");
    for (const json& target : panel.value("targets", json::array())) {
      if (!target.contains("expr") || !target["expr"].is_string()) continue;
      out.push_back({dashboard, title,
                     absl::StrCat("dashboard \"", dashboard, "\" panel \"", title, "\" (id ",
                                  panel.value("id", 0), ") refId ", target.value("refId", "?")),
                     target["expr"].get<std::string>()});
    }
    CollectTargets(dashboard, panel.value("panels", json::array()), out);
  }
}

// Replaces $name, ${name} and ${name:format} by values[name], as Grafana
// does; an unknown variable is an error.
absl::StatusOr<std::string> Substitute(const std::string& expr,
                                       const std::map<std::string, std::string>& values) {
  std::string out;
  for (size_t i = 0; i < expr.size();) {
    if (expr[i] != '$') {
      out += expr[i++];
      continue;
    }
    std::string name;
    size_t end = i + 1;
    if (end < expr.size() && expr[end] == '{') {
      const size_t close = expr.find('}', end);
      if (close == std::string::npos) return absl::InvalidArgumentError("unclosed ${");
      name = expr.substr(end + 1, close - end - 1);
      name = name.substr(0, name.find(':'));
      end = close + 1;
    } else {
      while (end < expr.size() &&
             (std::isalnum(static_cast<unsigned char>(expr[end])) || expr[end] == '_')) {
        name += expr[end++];
      }
    }
    if (name.empty()) {  // not a variable: a regex's end anchor
      out += expr[i++];
      continue;
    }
    const auto value = values.find(name);
    if (value == values.end()) {
      return absl::InvalidArgumentError(absl::StrCat("unknown variable $", name));
    }
    out += value->second;
    i = end;
  }
  return out;
}

// Grafana's Prometheus formatting of a multi-value variable in a regex
// matcher: one value as it is, several as (a|b); regex characters escaped.
std::string RegexOf(const std::vector<std::string>& values) {
  std::vector<std::string> escaped;
  for (const std::string& value : values) {
    std::string e;
    for (char c : value) {
      if (absl::StrContains("\\^$.|?*+()[]{}", c)) e += "\\\\";
      e += c;
    }
    escaped.push_back(std::move(e));
  }
  if (escaped.size() == 1) return escaped.front();
  return absl::StrCat("(", absl::StrJoin(escaped, "|"), ")");
}

// The values of the dashboard's variables as Grafana resolves them on load,
// every value of a query variable selected: label_values(selector, label)
// asked of Prometheus, with the variables before it substituted. A query
// variable that finds nothing is an error (its panels would show nothing).
absl::StatusOr<std::map<std::string, std::string>> ResolveVariables(
    const json& dashboard, const PrometheusServer& prometheus) {
  std::map<std::string, std::string> values = IntervalVariables();
  for (const json& variable : dashboard["templating"].value("list", json::array())) {
    const std::string name = variable.value("name", "");
    const std::string type = variable.value("type", "");
    if (type == "datasource") {
      values[name] = "prometheus";
      continue;
    }
    if (type != "query") {
      return absl::UnimplementedError(absl::StrCat("variable ", name, ": type ", type));
    }
    const json& query = variable["query"];
    std::string text = query.is_object()   ? query.value("query", "")
                       : query.is_string() ? query.get<std::string>()
                                           : "";
    ASSIGN_OR_RETURN(text, Substitute(text, values));
    absl::string_view call = text;
    if (!absl::ConsumePrefix(&call, "label_values(") || !absl::ConsumeSuffix(&call, ")")) {
      return absl::UnimplementedError(absl::StrCat("variable ", name, ": query ", text));
    }
    // Without a comma (label_values(label)), npos + 1 takes the whole call.
    const size_t comma = call.rfind(',');
    std::string label(absl::StripAsciiWhitespace(call.substr(comma + 1)));
    std::string params;
    if (comma != absl::string_view::npos) {
      params = EncodeQuery({{"match[]", absl::StripAsciiWhitespace(call.substr(0, comma))}});
    }
    ASSIGN_OR_RETURN(const json found,
                     prometheus.Api(absl::StrCat("/api/v1/label/", label, "/values"), params));
    if (found.empty()) {
      return absl::NotFoundError(absl::StrCat("variable ", name, ": ", text, " found no values"));
    }
    values[name] = RegexOf(found.get<std::vector<std::string>>());
  }
  return values;
}

// Parses (format_query) and runs (instant query) `expr`; its result.
absl::StatusOr<json> Evaluate(const PrometheusServer& prometheus, const std::string& expr) {
  RETURN_IF_ERROR(prometheus.Api("/api/v1/format_query", EncodeQuery({{"query", expr}})).status());
  return prometheus.Api("/api/v1/query", EncodeQuery({{"query", expr}}));
}

// The series `expr` returns; NOT_FOUND when there are none.
absl::StatusOr<json> Series(const PrometheusServer& prometheus, const std::string& expr) {
  ASSIGN_OR_RETURN(const json data, Evaluate(prometheus, expr));
  if (data["result"].empty()) return absl::NotFoundError("no series");
  return data["result"];
}

bool HasLabel(const json& series, const std::string& label, const std::string& value) {
  return std::any_of(series.begin(), series.end(),
                     [&](const json& one) { return one["metric"].value(label, "") == value; });
}

// ---- Alert rules ----

struct AlertRule {
  std::string where;  // "group <g> rule <name>"
  std::string expr;
};

std::string RulesFile() { return absl::StrCat(WECOM_DEPLOY_DIR, "/prometheus/alerts.rules.yaml"); }

absl::StatusOr<std::vector<AlertRule>> ReadRules() {
  try {
    std::vector<AlertRule> rules;
    const YAML::Node file = YAML::LoadFile(RulesFile());
    for (const YAML::Node& group : file["groups"]) {
      for (const YAML::Node& rule : group["rules"]) {
        const std::string name =
            rule["alert"] ? rule["alert"].as<std::string>() : rule["record"].as<std::string>();
        rules.push_back({absl::StrCat("group ", group["name"].as<std::string>(), " rule ", name),
                         rule["expr"].as<std::string>()});
      }
    }
    return rules;
  } catch (const YAML::Exception& error) {
    return absl::InvalidArgumentError(absl::StrCat(RulesFile(), ": ", error.what()));
  }
}

// /api/v1/rules once every rule has been evaluated; "group <g> rule <name>" ->
// its health and last error.
absl::StatusOr<std::map<std::string, std::string>> EvaluatedRules(
    const PrometheusServer& prometheus) {
  std::map<std::string, std::string> health;
  RETURN_IF_ERROR(AwaitCondition(
      [&]() -> absl::Status {
        ASSIGN_OR_RETURN(const json data, prometheus.Api("/api/v1/rules"));
        health.clear();
        for (const json& group : data["groups"]) {
          for (const json& rule : group["rules"]) {
            // Go's zero time: not evaluated yet.
            if (absl::StartsWith(rule.value("lastEvaluation", ""), "0001-")) {
              return absl::UnavailableError(
                  absl::StrCat(rule.value("name", ""), " not evaluated yet"));
            }
            health[absl::StrCat("group ", group.value("name", ""), " rule ",
                                rule.value("name", ""))] =
                absl::StrCat(rule.value("health", ""), " ", rule.value("lastError", ""));
          }
        }
        return absl::OkStatus();
      },
      absl::Seconds(30)));
  return health;
}

TEST(PrometheusEndToEnd, EveryDashboardPanelReturnsDataAndEveryAlertRuleEvaluates) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<MediaHarness> media,
                       MediaHarness::Create(ArchiveAndMediaOptions()));
  ASSERT_OK(media->StartMedia());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<GatewayHarness> gateway,
                       GatewayHarness::Create(GatewayOptions()));
  PrometheusOptions options;
  for (const auto& [job, port] :
       std::vector<std::pair<std::string, int>>{{"wecom-archive", media->archive().metrics_port()},
                                                {"wecom-media", media->metrics_port()},
                                                {"wecom-robot-gateway", gateway->metrics_port()}}) {
    options.targets.push_back({job, port, {{"namespace", kNamespace}, {"pod", job + "-0"}}});
  }
  options.rule_files = {RulesFile()};
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<PrometheusServer> prometheus,
                       PrometheusServer::Start(options));
  ASSERT_OK(prometheus->AwaitTargetsUp());

  // The yjiyun reconnect takes over 10 s: it runs while the rest works.
  ASSERT_OK(DropYjiyunSocket(*gateway));
  ASSERT_OK(DriveArchiveAndMedia(*media));
  ASSERT_OK(DriveQuntool(*gateway));
  ASSERT_OK(AwaitYjiyunGapFilled(*gateway));
  ASSERT_OK(MakeYjiyunBusyOnce(*gateway));
  ASSERT_OK(prometheus->AwaitScrapedTwiceSince(absl::Now()));

  int panel_targets = 0;
  json archive_open_calls;
  for (const std::string& file : DashboardFiles()) {
    SCOPED_TRACE(file);
    ASSERT_OK_AND_ASSIGN(const json dashboard, ReadJson(file));
    ASSERT_OK_AND_ASSIGN(const auto variables, ResolveVariables(dashboard, *prometheus));
    std::vector<PanelTarget> targets;
    CollectTargets(dashboard.value("title", file), dashboard["panels"], targets);
    for (const PanelTarget& target : targets) {
      ++panel_targets;
      absl::StatusOr<std::string> expr = Substitute(target.expr, variables);
      EXPECT_OK(expr.status()) << target.where << "\n  expr: " << target.expr;
      if (!expr.ok()) continue;
      absl::StatusOr<json> series = Series(*prometheus, *expr);
      EXPECT_OK(series.status()) << target.where << "\n  expr: " << *expr;
      if (series.ok() && target.dashboard == "WeCom / Archive" &&
          target.panel == "Open calls by method") {
        archive_open_calls = *series;
      }
    }
  }
  EXPECT_GT(panel_targets, 100);
  // The media service's follow stream is open and none has ended: a method
  // without a finished call still shows its open ones.
  EXPECT_TRUE(HasLabel(archive_open_calls, "grpc_method", "StreamMessages"))
      << archive_open_calls.dump();

  ASSERT_OK_AND_ASSIGN(const std::vector<AlertRule> rules, ReadRules());
  ASSERT_FALSE(rules.empty());
  for (const AlertRule& rule : rules) {
    EXPECT_OK(Evaluate(*prometheus, rule.expr).status()) << rule.where << "\n  expr: " << rule.expr;
  }
  ASSERT_OK_AND_ASSIGN(const auto loaded, EvaluatedRules(*prometheus));
  EXPECT_EQ(loaded.size(), rules.size());
  for (const AlertRule& rule : rules) {
    const auto found = loaded.find(rule.where);
    if (found == loaded.end()) {
      ADD_FAILURE() << rule.where << " not loaded by Prometheus";
    } else {
      EXPECT_FALSE(absl::StartsWith(found->second, "err")) << rule.where << ": " << found->second;
    }
  }
}

}  // namespace
}  // namespace wecom::testing
