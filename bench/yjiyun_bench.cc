// bench/yjiyun: the robot gateway on the yjiyun emulator (real processes:
// node with socket.io, wecom-robot-gateway, loopback HTTP, socket.io and
// gRPC). Prints one `name value` line per figure; latencies in milliseconds.
//
//   Events: --events texts from customers, pushed by the emulator over
//   socket.io (a "chat" and a "message" event each), timed from the control
//   call that makes them until Events.StreamEvents has delivered every one
//   (stored, synced, streamed). Beside the gateway, a bare socket.io client
//   of ours on the same emulator counts the same messages: the reference of
//   what one client receives from this emulator on this machine, same run.
//   Actions: Groups.ListGroupAdmins (robot.conv.admins) through the gateway,
//   --calls times over the socket, then again over /wxworkapi/bridge once the
//   emulator has dropped the socket and refuses it; beside each, the same
//   action sent straight to the emulator (socket.io emit and answer, HTTP
//   POST to the bridge), interleaved, after a warm-up.
#include <atomic>
#include <cstdio>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/algorithm/container.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "bench/bench_support.h"
#include "common/config/secret.h"
#include "common/grpc/status.h"
#include "common/http/http_client.h"
#include "common/process/process_defaults.h"
#include "common/socketio/socket_io_client.h"
#include "common/status/status_macros.h"
#include "nlohmann/json.hpp"
#include "tests/integration/gateway_harness.h"

namespace {

namespace v1 = wecom::robot::v1;
using nlohmann::json;
using wecom::bench::Distribution;
using wecom::bench::Fail;
using wecom::bench::OrFail;
using wecom::bench::PercentileMs;
using wecom::testing::GatewayHarness;

// The emulator's example config (emulators/yjiyun/example-config.json).
constexpr char kRobotKey[] = "f16096caffd246acb5bb69b657a0894e";
constexpr char kCustomer[] = "7881299459945762";
constexpr char kGroup[] = "R:10696051755024720";
constexpr size_t kWarmupEvents = 200;
constexpr size_t kWarmupCalls = 50;
constexpr absl::Duration kEventsTimeout = absl::Minutes(10);

// A socket.io client of the emulator's /imchat, as the gateway opens it,
// counting "message" events and matching "action" answers by messageId.
class DirectSocket {
 public:
  static std::unique_ptr<DirectSocket> Connect(const std::string& endpoint,
                                               const std::string& token) {
    auto socket = std::unique_ptr<DirectSocket>(new DirectSocket());
    socket->client_.On("message", [s = socket.get()](const json&) {
      absl::MutexLock lock(&s->mu_);
      ++s->messages_;
    });
    socket->client_.On("action", [s = socket.get()](const json& answer) {
      absl::MutexLock lock(&s->mu_);
      s->answers_.push_back(answer.value("messageId", ""));
    });
    wecom::socketio::SocketIoOptions options;
    options.url = endpoint;
    options.nsp = "/imchat";
    options.secret_query.emplace_back("token", wecom::Secret(token));
    if (absl::Status connected = socket->client_.Connect(options); !connected.ok()) {
      Fail(connected);
    }
    return socket;
  }

  int64_t messages() const {
    absl::MutexLock lock(&mu_);
    return messages_;
  }

  // Waits until `count` messages have arrived in all.
  absl::Status AwaitMessages(int64_t count, absl::Time deadline) const {
    absl::MutexLock lock(&mu_);
    auto enough = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return messages_ >= count; };
    if (!mu_.AwaitWithDeadline(absl::Condition(&enough), deadline)) {
      return absl::DeadlineExceededError(
          absl::StrCat("the direct socket got ", messages_, " of ", count, " messages"));
    }
    return absl::OkStatus();
  }

  // Emits `action` and waits for the answer with its messageId.
  absl::Status Act(const json& action) {
    const std::string id = action["messageId"];
    RETURN_IF_ERROR(client_.Emit("action", action));
    absl::MutexLock lock(&mu_);
    auto answered = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return absl::c_linear_search(answers_, id);
    };
    if (!mu_.AwaitWithTimeout(absl::Condition(&answered), absl::Seconds(15))) {
      return absl::DeadlineExceededError(absl::StrCat("no answer to ", id));
    }
    answers_.clear();
    return absl::OkStatus();
  }

 private:
  DirectSocket() = default;

  mutable absl::Mutex mu_;
  int64_t messages_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::string> answers_ ABSL_GUARDED_BY(mu_);
  wecom::socketio::SocketIoClient client_;
};

// The stream's newest position.
uint64_t Head(const GatewayHarness& harness) {
  const std::vector<v1::Event> stored = OrFail(harness.StoredEvents());
  return stored.empty() ? 0 : stored.back().position();
}

absl::Status Inject(GatewayHarness& harness, size_t count, absl::string_view prefix) {
  return harness.yjiyun()
      ->Control("messages",
                {{"robotKey", kRobotKey},
                 {"chatUser", kCustomer},
                 {"count", count},
                 {"content", absl::StrCat(prefix, " {i}: 你好, 请问这个产品还有货吗?")}})
      .status();
}

bool IsInboundText(const v1::Event& event) {
  return event.has_message() && event.message().direction() == v1::DIRECTION_INBOUND &&
         event.message().type() == v1::MESSAGE_TYPE_TEXT;
}

struct EventFigures {
  double gateway_per_s = 0;
  double direct_per_s = 0;
};

EventFigures MeasureEvents(GatewayHarness& harness, DirectSocket& direct, size_t events) {
  uint64_t after = Head(harness);
  const int64_t direct_before_warmup = direct.messages();
  if (absl::Status s = Inject(harness, kWarmupEvents, "warm-up"); !s.ok()) Fail(s);
  OrFail(harness.AwaitEvents(after, kWarmupEvents, IsInboundText, kEventsTimeout));
  const int64_t direct_before = direct_before_warmup + static_cast<int64_t>(kWarmupEvents);
  if (absl::Status s = direct.AwaitMessages(direct_before, absl::Now() + kEventsTimeout); !s.ok()) {
    Fail(s);
  }
  after = Head(harness);
  const absl::Time start = absl::Now();
  // The control call returns once the emulator has pushed every message.
  if (absl::Status s = Inject(harness, events, "message"); !s.ok()) Fail(s);
  absl::Time direct_done = absl::InfinitePast();
  std::thread direct_waiter([&] {
    if (absl::Status s = direct.AwaitMessages(direct_before + static_cast<int64_t>(events),
                                              absl::Now() + kEventsTimeout);
        !s.ok()) {
      Fail(s);
    }
    direct_done = absl::Now();
  });
  OrFail(harness.AwaitEvents(after, events, IsInboundText, kEventsTimeout));
  const absl::Time streamed = absl::Now();
  direct_waiter.join();
  std::cerr << absl::StrFormat(
      "# events: %d pushed; streamed by the gateway after %.3f s, received by the direct "
      "socket after %.3f s\n",
      events, absl::ToDoubleSeconds(streamed - start), absl::ToDoubleSeconds(direct_done - start));
  return {.gateway_per_s = static_cast<double>(events) / absl::ToDoubleSeconds(streamed - start),
          .direct_per_s = static_cast<double>(events) / absl::ToDoubleSeconds(direct_done - start)};
}

struct ActionFigures {
  double gateway_p50_ms = 0;
  double direct_p50_ms = 0;
};

// ListGroupAdmins through the gateway and `direct` (the same action straight
// to the emulator), `calls` of each, interleaved, after a warm-up.
ActionFigures MeasureActions(const GatewayHarness& harness,
                             const std::function<absl::Status()>& direct, size_t calls,
                             absl::string_view path) {
  auto groups = harness.Groups();
  v1::ListGroupAdminsRequest request;
  request.set_account_id(absl::StrCat("yjiyun:", kRobotKey));
  request.set_conversation_id(kGroup);
  auto through_gateway = [&]() -> absl::Status {
    return wecom::testing::Call(groups.get(), &v1::Groups::Stub::ListGroupAdmins, request).status();
  };
  for (size_t i = 0; i < kWarmupCalls; ++i) {
    if (absl::Status s = through_gateway(); !s.ok()) Fail(s);
    if (absl::Status s = direct(); !s.ok()) Fail(s);
  }
  std::vector<absl::Duration> gateway_samples;
  std::vector<absl::Duration> direct_samples;
  auto timed = [](const auto& call, std::vector<absl::Duration>& samples) {
    const absl::Time start = absl::Now();
    if (absl::Status s = call(); !s.ok()) Fail(s);
    samples.push_back(absl::Now() - start);
  };
  for (size_t i = 0; i < calls; ++i) {
    // Alternating which goes first, so neither always follows the other.
    if (i % 2 == 0) {
      timed(through_gateway, gateway_samples);
      timed(direct, direct_samples);
    } else {
      timed(direct, direct_samples);
      timed(through_gateway, gateway_samples);
    }
  }
  std::cerr << "# action over the " << path << ", ms: through the gateway "
            << Distribution(gateway_samples) << "\n#   direct " << Distribution(direct_samples)
            << "\n";
  return {.gateway_p50_ms = PercentileMs(gateway_samples, 0.5),
          .direct_p50_ms = PercentileMs(direct_samples, 0.5)};
}

json AdminsAction(uint64_t n) {
  return {{"type", "robot.conv.admins"},
          {"robotKey", kRobotKey},
          {"conversationId", kGroup},
          {"messageId", absl::StrCat("bench", n)}};
}

// Waits until the gateway's metrics show its socket `connected` (or not).
absl::Status AwaitSocket(const GatewayHarness& harness, bool connected) {
  const std::string line =
      absl::StrCat("robot_gateway_socket_connected{vendor=\"yjiyun\"} ", connected ? 1 : 0);
  const absl::Time deadline = absl::Now() + absl::Minutes(1);
  while (!absl::StrContains(harness.MetricsText(), line)) {
    if (absl::Now() > deadline) return absl::DeadlineExceededError(line);
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  wecom::ApplyServiceProcessDefaults();  // as in the services
  CLI::App app{"bench/yjiyun: socket.io events and actions of wecom-robot-gateway on yjiyun"};
  size_t events = 20000;
  size_t calls = 500;
  app.add_option("--events", events, "messages pushed in the timed run")
      ->check(CLI::PositiveNumber);
  app.add_option("--calls", calls, "actions each way, over the socket and over the bridge")
      ->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  wecom::testing::GatewayHarnessOptions options;
  options.yjiyun = true;
  std::unique_ptr<GatewayHarness> harness = OrFail(GatewayHarness::Create(options));
  if (absl::Status s = AwaitSocket(*harness, true); !s.ok()) Fail(s);
  const std::string token = OrFail(harness->yjiyun()->Token());
  std::unique_ptr<DirectSocket> socket =
      DirectSocket::Connect(harness->yjiyun()->endpoint(), token);
  const EventFigures pushed = MeasureEvents(*harness, *socket, events);

  std::atomic<uint64_t> next_action{0};
  const ActionFigures over_socket = MeasureActions(
      *harness, [&] { return socket->Act(AdminsAction(next_action++)); }, calls, "socket");

  // The socket dropped and refused: actions go over the bridge.
  if (absl::Status s = harness->yjiyun()->Control("drop", {{"refuseMs", 3600000}}).status();
      !s.ok()) {
    Fail(s);
  }
  if (absl::Status s = AwaitSocket(*harness, false); !s.ok()) Fail(s);
  std::unique_ptr<wecom::CurlHttpClient> http = OrFail(wecom::CurlHttpClient::Create({}));
  auto bridge = [&]() -> absl::Status {
    wecom::HttpRequest request;
    request.method = "POST";
    request.url = absl::StrCat(harness->yjiyun()->endpoint(), "/wxworkapi/bridge");
    request.headers = {{"token", token}, {"Content-Type", "application/json; charset=UTF-8"}};
    request.body = AdminsAction(next_action++).dump();
    ASSIGN_OR_RETURN(wecom::HttpResponse response, http->Send(request));
    const json answer = json::parse(response.body, nullptr, false);
    if (response.status_code != 200 || answer.is_discarded() || answer.value("code", "") != "0") {
      return absl::InternalError(absl::StrCat("the bridge answered ", response.body));
    }
    return absl::OkStatus();
  };
  const ActionFigures over_bridge = MeasureActions(*harness, bridge, calls, "bridge");

  std::printf("yjiyun_socket_events_per_s %.0f\n", pushed.gateway_per_s);
  std::printf("yjiyun_action_socket_p50_ms %.3f\n", over_socket.gateway_p50_ms);
  std::printf("yjiyun_action_bridge_p50_ms %.3f\n", over_bridge.gateway_p50_ms);
  std::printf("reference_direct_socket_events_per_s %.0f\n", pushed.direct_per_s);
  std::printf("reference_direct_action_socket_p50_ms %.3f\n", over_socket.direct_p50_ms);
  std::printf("reference_direct_action_bridge_p50_ms %.3f\n", over_bridge.direct_p50_ms);
  std::printf("yjiyun_action_socket_added_p50_ms %.3f\n",
              over_socket.gateway_p50_ms - over_socket.direct_p50_ms);
  std::printf("yjiyun_action_bridge_added_p50_ms %.3f\n",
              over_bridge.gateway_p50_ms - over_bridge.direct_p50_ms);
  return 0;
}
