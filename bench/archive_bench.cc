// bench/archive: ingest 100k emulated messages end to end through the real
// wecom-archive process, replay them to one StreamMessages subscriber, and
// print the figures next to this machine's RSA-2048 private-key speed, the
// work that bounds ingest. Prints one `name value` line per figure.
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <atomic>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "bench/archive_support.h"
#include "bench/bench_support.h"
#include "common/process/process_defaults.h"
#include "tests/integration/archive_harness.h"

namespace {

using wecom::archive::v1::StreamEvent;
using wecom::archive::v1::StreamMessagesRequest;

// RSA-2048 PKCS#1 v1.5 private-key decryptions per second on every core.
double RsaPrivateOpsPerSecond(int threads, absl::Duration duration) {
  EVP_PKEY* key = EVP_RSA_gen(2048);
  unsigned char secret[32] = {1, 2, 3};
  unsigned char cipher[256];
  size_t cipher_len = sizeof(cipher);
  EVP_PKEY_CTX* enc = EVP_PKEY_CTX_new(key, nullptr);
  EVP_PKEY_encrypt_init(enc);
  EVP_PKEY_CTX_set_rsa_padding(enc, RSA_PKCS1_PADDING);
  EVP_PKEY_encrypt(enc, cipher, &cipher_len, secret, sizeof(secret));
  EVP_PKEY_CTX_free(enc);

  std::atomic<long> ops{0};
  const absl::Time end = absl::Now() + duration;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      long mine = 0;
      unsigned char plain[256];
      while (absl::Now() < end) {
        EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key, nullptr);
        EVP_PKEY_decrypt_init(ctx);
        EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING);
        size_t plain_len = sizeof(plain);
        EVP_PKEY_decrypt(ctx, plain, &plain_len, cipher, cipher_len);
        EVP_PKEY_CTX_free(ctx);
        ++mine;
      }
      ops += mine;
    });
  }
  for (auto& w : workers) w.join();
  EVP_PKEY_free(key);
  return static_cast<double>(ops) / absl::ToDoubleSeconds(duration);
}

// Streams from the beginning until `count` messages arrived; seconds taken.
double StreamSeconds(wecom::testing::ArchiveHarness& harness, size_t count) {
  auto stub = harness.Stub();
  grpc::ClientContext context;
  StreamMessagesRequest request;
  request.set_corp_id(harness.corp_id());
  request.set_after_seq(0);
  const absl::Time start = absl::Now();
  auto reader = stub->StreamMessages(&context, request);
  // Counts without keeping the messages, so the figure is the service's.
  size_t got = 0;
  wecom::archive::StreamEventReader events(reader.get());
  StreamEvent event;
  while (got < count && events.Next(&event)) {
    if (event.kind() != StreamEvent::KIND_CAUGHT_UP) ++got;
  }
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  context.TryCancel();
  reader->Finish();
  if (got != count) {
    std::cerr << "stream ended after " << got << " of " << count << " messages\n";
    std::exit(1);
  }
  return seconds;
}

}  // namespace

int main(int argc, char** argv) {
  wecom::ApplyServiceProcessDefaults();  // as in the services
  size_t messages = 100000;
  if (argc > 1) absl::SimpleAtoi(argv[1], &messages);
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

  wecom::testing::ArchiveHarnessOptions options;
  options.traffic.message_count = messages;
  options.traffic.seed = 2026;
  // Media bytes are not fetched here; small files keep the emulator's md5sums cheap.
  options.traffic.media_size_scale = 0.01;
  auto harness = wecom::testing::ArchiveHarness::Create(options);
  if (!harness.ok()) {
    std::cerr << harness.status() << "\n";
    return 1;
  }
  const size_t total = (*harness)->corpus().base_size();

  // Ingest: from process start until every message is archived. Polled, not
  // streamed, so that no subscriber competes with ingest for the cores.
  const absl::Time start = absl::Now();
  if (absl::Status started = (*harness)->StartArchive(); !started.ok()) {
    std::cerr << started << "\n";
    return 1;
  }
  if (absl::Status archived = wecom::bench::AwaitArchived(**harness, 0); !archived.ok()) {
    std::cerr << "GetCorpStatus: " << archived << "\n";
    return 1;
  }
  const double ingest_seconds = absl::ToDoubleSeconds(absl::Now() - start);
  const double replay_seconds = StreamSeconds(**harness, total);
  const double peak_rss = wecom::bench::PeakRssMb((*harness)->archive_pid());

  const double ingest_rate = static_cast<double>(total) / ingest_seconds;
  const double rsa_rate = RsaPrivateOpsPerSecond(cores, absl::Seconds(3));
  std::printf("archive_ingest_msgs_per_s %.0f\n", ingest_rate);
  std::printf("rsa2048_private_ops_per_s %.0f\n", rsa_rate);
  std::printf("archive_ingest_vs_rsa_ratio %.3f\n", ingest_rate / rsa_rate);
  std::printf("archive_replay_msgs_per_s %.0f\n", static_cast<double>(total) / replay_seconds);
  std::printf("archive_peak_rss_mb %.1f\n", peak_rss);
  return 0;
}
