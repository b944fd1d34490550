// ChatPuller archives one corp: it pulls pages of chat data by seq from the
// SDK, decrypts them on every core, and commits each page with the cursor in
// one atomic batch, so a crash at any moment leaves no gap and no duplicate.
// It is the corp's only store writer, so it also re-decrypts messages stored
// undecryptable once their key is loaded.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "common/ratelimit/token_bucket.h"
#include "common/retry/backoff.h"
#include "common/time/clock.h"
#include "services/archive/ingest/message_decryptor.h"
#include "services/archive/ingest/worker_pool.h"
#include "services/archive/metrics/archive_metrics.h"
#include "services/archive/sdk/finance_sdk.h"
#include "services/archive/store/message_store.h"
#include "services/archive/stream/head_watcher.h"

namespace wecom::archive {

struct ChatPullerOptions {
  // Messages per GetChatData call; the vendor allows at most 1000.
  uint32_t limit = 1000;
  SdkCallOptions call;
  // How long to wait before asking again when a pull finds nothing new.
  absl::Duration poll_interval = absl::Seconds(1);
  BackoffPolicy backoff;
};

// What GetCorpStatus reports.
struct CorpPullStatus {
  uint64_t cursor_seq = 0;
  uint64_t head_position = 0;
  int64_t newest_msgtime_ms = 0;
  double lag_seconds = 0;
  std::string last_error;
};

class ChatPuller {
 public:
  struct Dependencies {
    std::unique_ptr<FinanceSdkSession> session;  // used by the puller thread only
    const MessageDecryptor* decryptor;
    MessageStore* store;
    TokenBucket* rate_limit;  // GetChatData calls
    WorkerPool* workers;
    HeadWatcher* heads;
    ArchiveMetrics* metrics;
    Clock* clock;
  };

  ChatPuller(std::string corp, Dependencies deps, ChatPullerOptions options);
  ~ChatPuller();

  void Start();
  // Stops the thread; a page being committed finishes first.
  void Stop();
  // Asks the puller to retry undecryptable messages (after a key reload).
  void RequestRecovery();
  CorpPullStatus status() const;

 private:
  // A page of chat data pulled and parsed, not yet decrypted.
  struct Page {
    std::vector<EncryptedChatData> entries;
    uint64_t max_seq = 0;
  };

  // A page being decrypted on the workers.
  struct DecryptJob {
    DecryptJob(Page page, int workers);
    // Blocks until every message is decrypted, then hands them over.
    std::vector<wecom::archive::v1::ArchivedMessage> Wait();

    Page page;
    std::vector<wecom::archive::v1::ArchivedMessage> messages;
    const int chunks;
    absl::BlockingCounter done;
  };

  void Run();
  std::unique_ptr<DecryptJob> StartDecrypt(Page page);
  // Pulls the page after `cursor`, retrying with backoff; nullopt when stopping.
  std::optional<Page> Fetch(uint64_t cursor);
  absl::StatusOr<Page> FetchOnce(uint64_t cursor);
  absl::Status Commit(std::vector<wecom::archive::v1::ArchivedMessage> messages, uint64_t cursor,
                      bool caught_up);
  void RecoverUndecryptable();
  // Sleeps unless stopped; false when stopping.
  bool Pause(absl::Duration d);
  void RecordError(const absl::Status& status);

  const std::string corp_;
  Dependencies deps_;
  const ChatPullerOptions options_;
  Backoff backoff_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  CorpPullStatus status_ ABSL_GUARDED_BY(mu_);
  std::atomic<bool> recovery_requested_{true};  // also once at start
  std::thread thread_;
};

}  // namespace wecom::archive
