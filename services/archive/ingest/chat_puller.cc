#include "services/archive/ingest/chat_puller.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "common/log/log.h"
#include "common/status/status_macros.h"
#include "common/status/vendor_error.h"

namespace wecom::archive {

using wecom::archive::v1::ArchivedMessage;

namespace {

// Errcodes the API reports inside an otherwise successful GetChatData answer.
constexpr int64_t kApiFrequencyLimit = 45009;

std::string ErrcodeLabel(const absl::Status& status) {
  if (auto vendor = GetVendorError(status)) return absl::StrCat(vendor->code());
  return "internal";
}

}  // namespace

ChatPuller::ChatPuller(std::string corp, Dependencies deps, ChatPullerOptions options)
    : corp_(std::move(corp)),
      deps_(std::move(deps)),
      options_(std::move(options)),
      backoff_(options_.backoff) {}

ChatPuller::~ChatPuller() { Stop(); }

void ChatPuller::Start() {
  thread_ = std::thread([this] { Run(); });
}

void ChatPuller::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void ChatPuller::RequestRecovery() { recovery_requested_ = true; }

CorpPullStatus ChatPuller::status() const {
  absl::MutexLock lock(&mu_);
  return status_;
}

bool ChatPuller::Pause(absl::Duration d) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return false;
  return deps_.clock->SleepFor(d, &mu_, &stopping_);
}

void ChatPuller::RecordError(const absl::Status& status) {
  log::Warn("archive_pull_error", {{"corp", corp_}, {"error", status.ToString()}});
  absl::MutexLock lock(&mu_);
  status_.last_error = status.ToString();
  // While pulls fail the archive falls behind: say so, so retention alerts fire.
  if (status_.newest_msgtime_ms > 0) {
    status_.lag_seconds =
        std::max(0.0, absl::ToDoubleSeconds(deps_.clock->Now() -
                                            absl::FromUnixMillis(status_.newest_msgtime_ms)));
    deps_.metrics->LagSeconds(corp_).Set(status_.lag_seconds);
  }
}

void ChatPuller::Run() {
  absl::StatusOr<uint64_t> stored_cursor = deps_.store->PullCursor(corp_);
  while (!stored_cursor.ok()) {
    RecordError(stored_cursor.status());
    if (!Pause(backoff_.Next())) return;
    stored_cursor = deps_.store->PullCursor(corp_);
  }
  uint64_t cursor = *stored_cursor;
  if (absl::StatusOr<uint64_t> head = deps_.store->HeadPosition(corp_); head.ok()) {
    deps_.heads->Publish(corp_, *head);
    absl::MutexLock lock(&mu_);
    status_.cursor_seq = cursor;
    status_.head_position = *head;
  }
  deps_.metrics->CursorSeq(corp_).Set(static_cast<double>(cursor));

  // Three stages overlap: while the workers decrypt page k, this thread pulls
  // page k+1, then starts its decryption before committing page k, so the
  // cores never wait on the vendor or on the store.
  std::unique_ptr<DecryptJob> current;
  while (true) {
    if (recovery_requested_.exchange(false)) RecoverUndecryptable();
    if (current == nullptr) {
      std::optional<Page> page = Fetch(cursor);
      if (!page) return;
      if (page->entries.empty()) {
        {
          absl::MutexLock lock(&mu_);
          status_.lag_seconds = 0;
        }
        deps_.metrics->LagSeconds(corp_).Set(0);
        if (!Pause(options_.poll_interval)) return;
        continue;
      }
      current = StartDecrypt(*std::move(page));
    }
    const bool full = current->page.entries.size() >= options_.limit;
    std::optional<Page> next_page;
    if (full) next_page = Fetch(current->page.max_seq);
    const bool stopping = full && !next_page.has_value();
    // Queued behind this page's work before waiting for it, so that no core
    // idles while the last pieces of this page finish.
    std::unique_ptr<DecryptJob> next;
    if (next_page && !next_page->entries.empty()) next = StartDecrypt(*std::move(next_page));
    std::vector<ArchivedMessage> messages = current->Wait();
    const uint64_t page_max_seq = current->page.max_seq;

    absl::Status committed = Commit(std::move(messages), page_max_seq, !full);
    if (!committed.ok()) {
      RecordError(committed);
      if (next != nullptr) next->Wait();  // its cursor assumed this commit; drop it
      current.reset();
      if (!Pause(backoff_.Next())) return;
      absl::StatusOr<uint64_t> reread = deps_.store->PullCursor(corp_);
      if (reread.ok()) cursor = *reread;
      continue;
    }
    backoff_.Reset();
    cursor = page_max_seq;
    current = std::move(next);
    if (stopping) return;  // asked to stop while pulling the next page
  }
}

std::unique_ptr<ChatPuller::DecryptJob> ChatPuller::StartDecrypt(Page page) {
  auto job = std::make_unique<DecryptJob>(std::move(page), deps_.workers->size());
  DecryptJob* raw = job.get();
  for (int c = 0; c < raw->chunks; ++c) {
    deps_.workers->Submit([this, raw, c] {
      for (size_t i = c; i < raw->page.entries.size(); i += raw->chunks) {
        raw->messages[i] = deps_.decryptor->Decrypt(corp_, raw->page.entries[i]);
      }
      raw->done.DecrementCount();
    });
  }
  return job;
}

ChatPuller::DecryptJob::DecryptJob(Page p, int workers)
    : page(std::move(p)),
      messages(page.entries.size()),
      chunks(std::max(1, std::min<int>(workers * 4, static_cast<int>(page.entries.size())))),
      done(chunks) {}

std::vector<ArchivedMessage> ChatPuller::DecryptJob::Wait() {
  done.Wait();
  return std::move(messages);
}

std::optional<ChatPuller::Page> ChatPuller::Fetch(uint64_t cursor) {
  while (true) {
    if (absl::Duration wait = deps_.rate_limit->Reserve(); wait > absl::ZeroDuration()) {
      if (!Pause(wait)) return std::nullopt;
    }
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return std::nullopt;
    }
    absl::StatusOr<Page> page = FetchOnce(cursor);
    if (page.ok()) {
      backoff_.Reset();
      return *std::move(page);
    }
    RecordError(page.status());
    if (!Pause(backoff_.Next())) return std::nullopt;
  }
}

absl::StatusOr<ChatPuller::Page> ChatPuller::FetchOnce(uint64_t cursor) {
  const absl::Time start = deps_.clock->Now();
  absl::StatusOr<std::string> answer =
      deps_.session->GetChatData(cursor, options_.limit, options_.call);
  deps_.metrics->PullDuration(corp_).Observe(absl::ToDoubleSeconds(deps_.clock->Now() - start));
  if (!answer.ok()) {
    deps_.metrics->PullCalls(corp_, "error", ErrcodeLabel(answer.status())).Increment();
    return answer.status();
  }
  absl::StatusOr<EncryptedChatBatch> batch = ParseChatDataResponse(*answer);
  if (!batch.ok()) {
    deps_.metrics->PullCalls(corp_, "error", "bad_response").Increment();
    return batch.status();
  }
  if (batch->errcode != 0) {
    deps_.metrics->PullCalls(corp_, "error", absl::StrCat(batch->errcode)).Increment();
    wecom::common::v1::VendorError error;
    error.set_vendor("finance-sdk");
    error.set_code(batch->errcode);
    error.set_message(batch->errmsg);
    error.set_retryable(batch->errcode == kApiFrequencyLimit);
    return VendorFailure(batch->errcode == kApiFrequencyLimit
                             ? absl::StatusCode::kResourceExhausted
                             : absl::StatusCode::kFailedPrecondition,
                         std::move(error));
  }
  deps_.metrics->PullCalls(corp_, "ok", "0").Increment();
  Page page;
  page.entries = std::move(batch->chatdata);
  // Seq order is the commit order; anything at or below the cursor was archived already.
  std::sort(page.entries.begin(), page.entries.end(),
            [](const EncryptedChatData& a, const EncryptedChatData& b) { return a.seq < b.seq; });
  page.entries.erase(
      std::remove_if(
          page.entries.begin(), page.entries.end(),
          [&](const EncryptedChatData& e) {
            if (e.seq == 0 && !e.malformed.empty()) {
              // Without a seq it has no place in the archive.
              log::Error("archive_entry_without_seq", {{"corp", corp_}, {"problem", e.malformed}});
            }
            return e.seq <= cursor;
          }),
      page.entries.end());
  page.max_seq = page.entries.empty() ? cursor : page.entries.back().seq;
  return page;
}

absl::Status ChatPuller::Commit(std::vector<ArchivedMessage> messages, uint64_t cursor,
                                bool caught_up) {
  int64_t newest_msgtime = 0;
  for (const ArchivedMessage& m : messages) {
    if (m.has_message()) newest_msgtime = std::max(newest_msgtime, m.message().msgtime());
  }
  ASSIGN_OR_RETURN(CommitResult result,
                   deps_.store->CommitPulled(corp_, std::move(messages), cursor));
  deps_.heads->Publish(corp_, result.head_position);
  for (const ArchivedMessage& m : result.archived) {
    if (m.status() == wecom::archive::v1::DECRYPT_STATUS_DECRYPTED) {
      deps_.metrics->Messages(corp_, m.message().msgtype()).Increment();
    } else {
      deps_.metrics->Undecryptable(corp_, wecom::archive::v1::FailureReason_Name(m.failure()))
          .Increment();
      // Keys reloaded while this page was decrypting: the recovery scan that
      // the reload asked for may have run before this commit.
      if (deps_.decryptor->KeyArrivedSince(m)) recovery_requested_ = true;
    }
  }
  deps_.metrics->Duplicates(corp_).Increment(static_cast<double>(result.duplicates));
  deps_.metrics->CursorSeq(corp_).Set(static_cast<double>(cursor));
  double lag = 0;
  if (!caught_up && newest_msgtime > 0) {
    lag = std::max(
        0.0, absl::ToDoubleSeconds(deps_.clock->Now() - absl::FromUnixMillis(newest_msgtime)));
  }
  deps_.metrics->LagSeconds(corp_).Set(lag);
  if (absl::StatusOr<CorpCounters> counters = deps_.store->Counters(corp_); counters.ok()) {
    deps_.metrics->UndecryptableStored(corp_).Set(static_cast<double>(counters->undecryptable));
  }
  absl::MutexLock lock(&mu_);
  status_.cursor_seq = cursor;
  status_.head_position = result.head_position;
  if (newest_msgtime > 0) status_.newest_msgtime_ms = newest_msgtime;
  status_.lag_seconds = lag;
  status_.last_error.clear();
  return absl::OkStatus();
}

void ChatPuller::RecoverUndecryptable() {
  absl::StatusOr<std::vector<ArchivedMessage>> pending =
      deps_.store->ListUndecryptable(corp_, /*max=*/1 << 20);
  if (!pending.ok()) {
    RecordError(pending.status());
    return;
  }
  // In batches, so that a stop or the other corps sharing the workers never
  // wait for the whole backlog.
  constexpr size_t kBatch = 1000;
  size_t recovered_total = 0;
  for (size_t begin = 0; begin < pending->size(); begin += kBatch) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    const size_t end = std::min(pending->size(), begin + kBatch);
    std::vector<char> recovered(end - begin, 0);
    absl::BlockingCounter done(static_cast<int>(end - begin));
    for (size_t i = begin; i < end; ++i) {
      deps_.workers->Submit([&, i] {
        recovered[i - begin] = deps_.decryptor->Retry(&(*pending)[i]) ? 1 : 0;
        done.DecrementCount();
      });
    }
    done.Wait();
    std::vector<ArchivedMessage> now_decrypted;
    for (size_t i = begin; i < end; ++i) {
      if (recovered[i - begin]) now_decrypted.push_back(std::move((*pending)[i]));
    }
    if (now_decrypted.empty()) continue;
    const size_t count = now_decrypted.size();
    for (const ArchivedMessage& m : now_decrypted) {
      deps_.metrics->Messages(corp_, m.message().msgtype()).Increment();
    }
    if (absl::Status status = deps_.store->CommitRecovered(corp_, std::move(now_decrypted));
        !status.ok()) {
      RecordError(status);
      recovery_requested_ = true;
      return;
    }
    recovered_total += count;
    deps_.metrics->Recovered(corp_).Increment(static_cast<double>(count));
    if (absl::StatusOr<uint64_t> head = deps_.store->HeadPosition(corp_); head.ok()) {
      deps_.heads->Publish(corp_, *head);
      absl::MutexLock lock(&mu_);
      status_.head_position = *head;
    }
  }
  log::Info("archive_recovery",
            {{"corp", corp_}, {"undecryptable", pending->size()}, {"recovered", recovered_total}});
  if (absl::StatusOr<CorpCounters> counters = deps_.store->Counters(corp_); counters.ok()) {
    deps_.metrics->UndecryptableStored(corp_).Set(static_cast<double>(counters->undecryptable));
  }
}

}  // namespace wecom::archive
