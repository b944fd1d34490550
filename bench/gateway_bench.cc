// bench/gateway: the robot gateway's webhook ingest and its added latency,
// on real processes (a quntool-emulator and a wecom-robot-gateway, loopback
// HTTP and gRPC), next to this machine's synced RocksDB write rates from one
// writer and from --posters writers (the gateway syncs every event it
// stores). Prints one `name value` line per figure; latencies in
// milliseconds.
//
//   Ingest: --events received text_msg callbacks, as the emulator builds
//   them, POSTed to the webhook by --posters keep-alive clients while one
//   Events.StreamEvents client reads; timed from the first POST until the
//   stream has delivered every event (so each was stored, synced, and
//   streamed).
//   Latency: Contacts.ListContacts through the gateway (GET
//   /contact/external/list on the emulator) and the same GET sent directly
//   to the emulator with the gateway's HTTP client, --calls times each,
//   interleaved, after a warm-up.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "bench/bench_support.h"
#include "common/grpc/status.h"
#include "common/http/http_client.h"
#include "common/process/process_defaults.h"
#include "common/status/status_macros.h"
#include "common/storage/rocksdb_status.h"
#include "emulators/quntool/quntool_config.h"
#include "emulators/quntool/quntool_emulator.h"
#include "emulators/quntool/received_messages.h"
#include "rocksdb/write_batch.h"
#include "services/robot-gateway/core/state_db.h"
#include "tests/emulators/quntool/quntool_test_world.h"
#include "tests/integration/gateway_harness.h"
#include "tests/support/temp_dir.h"

namespace {

namespace v1 = wecom::robot::v1;
namespace quntool = wecom::quntool;
using wecom::testing::GatewayHarness;

// Events POSTed and streamed before the timed run, to warm both paths.
constexpr size_t kWarmupEvents = 200;
constexpr size_t kWarmupCalls = 200;
constexpr absl::Duration kReferenceDuration = absl::Seconds(3);
// WeCom's server_id of the first message, as the emulator numbers them.
constexpr uint64_t kFirstServerId = 1047000;

using wecom::bench::Distribution;
using wecom::bench::Fail;
using wecom::bench::OrFail;
using wecom::bench::PercentileMs;

// The online accounts of the harness's emulator (the quntool test world),
// each with its customers.
absl::StatusOr<std::vector<quntool::Account>> OnlineAccounts() {
  ASSIGN_OR_RETURN(quntool::QuntoolConfig config,
                   quntool::ParseQuntoolConfig(quntool::testing::TestConfigJson(0)));
  std::vector<quntool::Account> accounts;
  for (quntool::Account& account : config.world.accounts) {
    std::erase_if(account.contacts, [](const quntool::Contact& c) { return c.internal; });
    if (account.status == quntool::AccountStatus::kOnline && !account.contacts.empty()) {
      accounts.push_back(std::move(account));
    }
  }
  if (accounts.empty()) return absl::FailedPreconditionError("the test world has no customers");
  return accounts;
}

// `count` callbacks of text messages customers sent the online accounts,
// round robin over accounts and customers, numbered from `first`: each with
// its own msgId (the gateway's event id) under `run`, server_id and text.
absl::StatusOr<std::vector<std::string>> TextCallbacks(
    const std::vector<quntool::Account>& accounts, const std::string& run, size_t first,
    size_t count) {
  std::vector<std::string> bodies;
  bodies.reserve(count);
  const int64_t now_ms = absl::ToUnixMillis(absl::Now());
  for (size_t i = first; i < first + count; ++i) {
    const quntool::Account& account = accounts[i % accounts.size()];
    const quntool::Contact& customer =
        account.contacts[i / accounts.size() % account.contacts.size()];
    ASSIGN_OR_RETURN(
        quntool::Json data,
        quntool::ReceivedMessageData(
            {.type = "text_msg",
             .conversation_id = quntool::PrivateConversationId(account.wx_id, customer.user_id),
             .sender = customer.user_id,
             .sender_name = customer.username,
             .receiver = account.wx_id,
             .server_id = absl::StrCat(kFirstServerId + i),
             .send_time = now_ms / 1000,
             .file_path = ""}));
    data["content"] = absl::StrCat("第 ", i, " 条消息: 你好, 请问这个产品还有货吗?");
    const std::string msg_id = absl::StrFormat("%s-0000-4000-8000-%012x", run, i);
    bodies.push_back(quntool::CallbackEnvelope(account, "text_msg", std::move(data), msg_id, now_ms)
                         .dump(-1, ' ', false, quntool::Json::error_handler_t::replace));
  }
  return bodies;
}

// POSTs `bodies` to the gateway's webhook from `posters` threads, each with
// its own client and so its own keep-alive connection; fails unless every one
// was answered 200.
absl::Status PostAll(const GatewayHarness& harness, const std::vector<std::string>& bodies,
                     int posters) {
  std::atomic<size_t> next{0};
  absl::Mutex mu;  // guards the two below
  size_t refused = 0;
  absl::Status first_refusal;
  auto refuse = [&](const absl::Status& why) {
    absl::MutexLock lock(&mu);
    ++refused;
    first_refusal.Update(why);
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < posters; ++t) {
    threads.emplace_back([&] {
      wecom::CurlHttpClientOptions options;
      options.max_idle_handles = 1;
      absl::StatusOr<std::unique_ptr<wecom::CurlHttpClient>> client =
          wecom::CurlHttpClient::Create(options);
      if (!client.ok()) return refuse(client.status());
      wecom::HttpRequest request;
      request.method = "POST";
      request.url = harness.webhook_url();
      request.headers = {{"Content-Type", "application/json"}};
      for (size_t i = next++; i < bodies.size(); i = next++) {
        request.body = bodies[i];
        absl::StatusOr<wecom::HttpResponse> response = (*client)->Send(request);
        if (!response.ok()) {
          refuse(response.status());
        } else if (response->status_code != 200) {
          refuse(absl::InternalError(
              absl::StrCat("HTTP ", response->status_code, ": ", response->body.substr(0, 200))));
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  absl::MutexLock lock(&mu);
  if (refused > 0) {
    return absl::InternalError(absl::StrCat("the webhook refused ", refused, " of ", bodies.size(),
                                            " callbacks, first: ", first_refusal.ToString()));
  }
  return absl::OkStatus();
}

// One StreamEvents subscriber on its own thread, counting the events after a
// position whose event_id starts with a prefix until it has seen a number of
// them.
class StreamCounter {
 public:
  StreamCounter(const GatewayHarness& harness, uint64_t after, std::string prefix, size_t count)
      : stub_(harness.Events()), prefix_(std::move(prefix)), count_(count) {
    thread_ = std::thread([this, after] { Run(after); });
  }
  ~StreamCounter() {
    context_.TryCancel();
    if (thread_.joinable()) thread_.join();
  }

  // Blocks until the stream has caught up with the stored history, so a
  // timed run starts with the subscriber connected.
  absl::Status AwaitConnected() {
    connected_.WaitForNotification();
    return connect_status_;
  }
  // Blocks until `count` events arrived; when the last one did.
  absl::StatusOr<absl::Time> AwaitAll() {
    thread_.join();
    if (!status_.ok()) return status_;
    return last_arrival_;
  }
  // The last counted event.
  const v1::Event& last_event() const { return last_event_; }

 private:
  void Run(uint64_t after) {
    v1::StreamEventsRequest request;
    request.set_after_position(after);
    auto reader = stub_->StreamEvents(&context_, request);
    v1::StreamEventsResponse response;
    size_t got = 0;
    while (got < count_ && reader->Read(&response)) {
      for (const v1::Event& event : response.events()) {
        if (!absl::StartsWith(event.event_id(), prefix_)) continue;
        ++got;
        last_event_ = event;
      }
      if (response.caught_up() && !connected_.HasBeenNotified()) connected_.Notify();
    }
    last_arrival_ = absl::Now();
    if (got >= count_) {
      context_.TryCancel();
      reader->Finish();
    } else {
      status_ = absl::DataLossError(
          absl::StrCat("the stream ended after ", got, " of ", count_,
                       " events: ", wecom::FromGrpcStatus(reader->Finish()).ToString()));
    }
    if (!connected_.HasBeenNotified()) {
      connect_status_ = status_;
      connected_.Notify();
    }
  }

  std::unique_ptr<v1::Events::Stub> stub_;
  const std::string prefix_;
  const size_t count_;
  grpc::ClientContext context_;
  std::thread thread_;
  absl::Notification connected_;
  // Written by the thread before it notifies `connected_`.
  absl::Status connect_status_;
  // Written by the thread before it ends.
  absl::Status status_;
  absl::Time last_arrival_;
  v1::Event last_event_;
};

struct IngestFigures {
  double events_per_s = 0;
  double posted_per_s = 0;
  // The stored size of one event, for the reference writes.
  size_t event_bytes = 0;
};

// Warms up, then times `events` callbacks from the first POST until the
// stream delivered the last.
IngestFigures MeasureIngest(const GatewayHarness& harness, size_t events, int posters) {
  const std::vector<quntool::Account> accounts = OrFail(OnlineAccounts());
  absl::BitGen random;
  const std::string run = absl::StrFormat("%08x", absl::Uniform<uint32_t>(random));
  const std::vector<std::string> warmup = OrFail(TextCallbacks(accounts, run, 0, kWarmupEvents));
  const std::vector<std::string> timed =
      OrFail(TextCallbacks(accounts, run, kWarmupEvents, events));

  uint64_t after = 0;
  size_t event_bytes = 0;
  {
    StreamCounter stream(harness, 0, run, kWarmupEvents);
    if (absl::Status s = PostAll(harness, warmup, posters); !s.ok()) Fail(s);
    OrFail(stream.AwaitAll());
    after = stream.last_event().position();
    event_bytes = stream.last_event().ByteSizeLong();
  }

  StreamCounter stream(harness, after, run, events);
  if (absl::Status s = stream.AwaitConnected(); !s.ok()) Fail(s);
  const pid_t gateway_pid = harness.gateway_pid();
  const absl::Duration gateway_cpu = wecom::bench::CpuTime(gateway_pid);
  const absl::Time start = absl::Now();
  if (absl::Status s = PostAll(harness, timed, posters); !s.ok()) Fail(s);
  const absl::Time posted = absl::Now();
  const absl::Time streamed = OrFail(stream.AwaitAll());
  std::cerr << absl::StrFormat(
      "# ingest: %d events by %d posters, posted in %.3f s, streamed after %.3f s; gateway CPU "
      "%.2f s\n",
      events, posters, absl::ToDoubleSeconds(posted - start),
      absl::ToDoubleSeconds(streamed - start),
      absl::ToDoubleSeconds(wecom::bench::CpuTime(gateway_pid) - gateway_cpu));
  return {.events_per_s = static_cast<double>(events) / absl::ToDoubleSeconds(streamed - start),
          .posted_per_s = static_cast<double>(events) / absl::ToDoubleSeconds(posted - start),
          .event_bytes = event_bytes};
}

struct LatencyFigures {
  double gateway_p50_ms = 0;
  double gateway_p99_ms = 0;
  double direct_p50_ms = 0;
  double direct_p99_ms = 0;
};

// ListContacts of the test world's first account, through the gateway and
// directly; `calls` of each, interleaved, after a warm-up. On stderr, their
// distributions and that of a ListContacts the gateway refuses without
// calling the vendor (its gRPC round trip alone).
LatencyFigures MeasureLatency(const GatewayHarness& harness, size_t calls) {
  auto contacts = harness.Contacts();
  v1::ListContactsRequest request;
  request.set_account_id(absl::StrCat("quntool:", quntool::testing::kAccountA));
  request.set_kind(v1::CONTACT_KIND_EXTERNAL);
  auto through_gateway = [&]() -> absl::Status {
    grpc::ClientContext context;
    v1::ListContactsResponse response;
    RETURN_IF_ERROR(wecom::FromGrpcStatus(contacts->ListContacts(&context, request, &response)));
    if (response.contacts().empty()) return absl::InternalError("the gateway listed no contacts");
    return absl::OkStatus();
  };
  v1::ListContactsRequest invalid;
  invalid.set_account_id("quntool:");
  auto refused_by_gateway = [&]() -> absl::Status {
    grpc::ClientContext context;
    v1::ListContactsResponse response;
    const grpc::Status status = contacts->ListContacts(&context, invalid, &response);
    if (status.error_code() != grpc::StatusCode::INVALID_ARGUMENT) {
      return absl::InternalError(
          absl::StrCat("an invalid ListContacts answered ", status.error_message()));
    }
    return absl::OkStatus();
  };

  std::unique_ptr<wecom::CurlHttpClient> http = OrFail(wecom::CurlHttpClient::Create({}));
  wecom::HttpRequest direct_request;
  direct_request.url =
      absl::StrCat("http://127.0.0.1:", harness.emulator_port(),
                   "/gnapi/open/contact/external/list?wxId=", quntool::testing::kAccountA);
  direct_request.headers = {{"apikey", quntool::testing::kApiKey}};
  std::string direct_body;
  auto direct = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(wecom::HttpResponse response, http->Send(direct_request));
    if (response.status_code != 200) {
      return absl::InternalError(absl::StrCat("the emulator answered HTTP ", response.status_code));
    }
    direct_body = std::move(response.body);
    return absl::OkStatus();
  };

  for (size_t i = 0; i < kWarmupCalls; ++i) {
    if (absl::Status s = through_gateway(); !s.ok()) Fail(s);
    if (absl::Status s = direct(); !s.ok()) Fail(s);
    if (absl::Status s = refused_by_gateway(); !s.ok()) Fail(s);
  }
  const quntool::Json listed = quntool::Json::parse(direct_body, nullptr, false);
  if (listed.is_discarded() || !listed.contains("code") || listed["code"] != 0) {
    Fail(absl::InternalError(absl::StrCat("the emulator answered ", direct_body.substr(0, 200))));
  }

  std::vector<absl::Duration> gateway_samples;
  std::vector<absl::Duration> direct_samples;
  std::vector<absl::Duration> refused_samples;
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
    timed(refused_by_gateway, refused_samples);
  }
  std::cerr << "# latency, ms: through the gateway " << Distribution(gateway_samples)
            << "\n#   direct                       " << Distribution(direct_samples)
            << "\n#   refused by the gateway       " << Distribution(refused_samples) << "\n";
  return {.gateway_p50_ms = PercentileMs(gateway_samples, 0.50),
          .gateway_p99_ms = PercentileMs(gateway_samples, 0.99),
          .direct_p50_ms = PercentileMs(direct_samples, 0.50),
          .direct_p99_ms = PercentileMs(direct_samples, 0.99)};
}

// Synced RocksDB writes per second from `writers` threads, each write one
// event-sized record and one small index entry, as the gateway stores an
// event; on the gateway's database options, in a temp dir on the same disk as
// its data. One writer is the bound of one sync per event; with several,
// RocksDB commits concurrent writes with one sync (group commit).
double SyncedWritesPerSecond(size_t event_bytes, int writers, absl::Duration duration) {
  wecom::testing::TempDir dir = OrFail(wecom::testing::TempDir::Create("gateway-bench-"));
  std::unique_ptr<rocksdb::DB> db = OrFail(wecom::robot::OpenStateDb(dir.path()));
  const std::string value(event_bytes, 'e');
  std::atomic<uint64_t> next{0};
  std::atomic<bool> failed{false};
  absl::Mutex mu;  // guards failure
  absl::Status failure;
  const absl::Time start = absl::Now();
  const absl::Time end = start + duration;
  std::vector<std::thread> threads;
  for (int t = 0; t < writers; ++t) {
    threads.emplace_back([&] {
      rocksdb::WriteOptions synced;
      synced.sync = true;
      while (absl::Now() < end && !failed) {
        const uint64_t n = next++;
        rocksdb::WriteBatch batch;
        batch.Put(absl::StrFormat("ev/%016x", n), value);
        batch.Put(absl::StrFormat("evid/%036x", n), "position");
        if (absl::Status s = wecom::FromRocks(db->Write(synced, &batch), "reference write");
            !s.ok()) {
          absl::MutexLock lock(&mu);
          failure.Update(s);
          failed = true;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  if (!failure.ok()) Fail(failure);
  return static_cast<double>(next.load()) / seconds;
}

}  // namespace

int main(int argc, char** argv) {
  wecom::ApplyServiceProcessDefaults();  // as in the services
  CLI::App app{"bench/gateway: webhook ingest and added latency of wecom-robot-gateway"};
  size_t events = 20000;
  size_t calls = 2000;
  int posters = 4;
  app.add_option("--events", events, "callbacks POSTed in the timed ingest run")
      ->check(CLI::PositiveNumber);
  app.add_option("--calls", calls, "ListContacts calls each way in the latency run")
      ->check(CLI::PositiveNumber);
  app.add_option("--posters", posters, "concurrent keep-alive webhook clients")
      ->check(CLI::Range(1, 64));
  CLI11_PARSE(app, argc, argv);

  // The emulator posts no callbacks of its own here; the ingest run is ours.
  std::unique_ptr<GatewayHarness> harness = OrFail(GatewayHarness::Create());
  const IngestFigures ingest = MeasureIngest(*harness, events, posters);
  const LatencyFigures latency = MeasureLatency(*harness, calls);
  harness.reset();  // the reference runs alone
  const double reference = SyncedWritesPerSecond(ingest.event_bytes, 1, kReferenceDuration);
  const double grouped_reference =
      SyncedWritesPerSecond(ingest.event_bytes, posters, kReferenceDuration);

  std::printf("gateway_events_per_s %.0f\n", ingest.events_per_s);
  std::printf("gateway_added_latency_p50_ms %.3f\n",
              latency.gateway_p50_ms - latency.direct_p50_ms);
  std::printf("gateway_added_latency_p99_ms %.3f\n",
              latency.gateway_p99_ms - latency.direct_p99_ms);
  std::printf("gateway_events_posted_per_s %.0f\n", ingest.posted_per_s);
  std::printf("reference_rocksdb_synced_writes_per_s %.0f\n", reference);
  std::printf("reference_rocksdb_grouped_synced_writes_per_s %.0f\n", grouped_reference);
  std::printf("gateway_events_vs_grouped_writes_ratio %.3f\n",
              ingest.events_per_s / grouped_reference);
  std::printf("gateway_call_p50_ms %.3f\n", latency.gateway_p50_ms);
  std::printf("direct_call_p50_ms %.3f\n", latency.direct_p50_ms);
  std::printf("gateway_call_p99_ms %.3f\n", latency.gateway_p99_ms);
  std::printf("direct_call_p99_ms %.3f\n", latency.direct_p99_ms);
  return 0;
}
