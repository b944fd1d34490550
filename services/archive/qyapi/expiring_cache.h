// An in-memory cache whose entries expire a fixed time after they are stored.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/time/clock.h"

namespace wecom::archive {

// Maps string keys to values for `ttl` after each Put, holding at most
// `max_entries`. Thread-safe.
template <typename Value>
class ExpiringCache {
 public:
  ExpiringCache(absl::Duration ttl, size_t max_entries, Clock* clock)
      : ttl_(ttl), max_entries_(max_entries), clock_(clock) {}

  // The value stored under `key`, unless it has expired.
  std::optional<Value> Get(absl::string_view key) {
    const absl::Time now = clock_->Now();
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    if (now >= it->second.expires_at) {
      entries_.erase(it);
      return std::nullopt;
    }
    return it->second.value;
  }

  // Stores `value` under `key`; when full, first drops expired entries, then
  // the oldest one.
  void Put(std::string key, Value value) {
    const absl::Time now = clock_->Now();
    absl::MutexLock lock(&mu_);
    if (!entries_.contains(key) && entries_.size() >= max_entries_) MakeRoom(now);
    entries_.insert_or_assign(std::move(key), Entry{std::move(value), now + ttl_});
  }

 private:
  struct Entry {
    Value value;
    absl::Time expires_at;
  };

  // A linear scan, paid only when the cache is full.
  void MakeRoom(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    absl::erase_if(entries_, [now](const auto& entry) { return now >= entry.second.expires_at; });
    if (entries_.size() < max_entries_ || entries_.empty()) return;
    // Every entry lives for the same ttl, so the earliest expiry is the oldest.
    auto oldest = entries_.begin();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->second.expires_at < oldest->second.expires_at) oldest = it;
    }
    entries_.erase(oldest);
  }

  const absl::Duration ttl_;
  const size_t max_entries_;
  Clock* const clock_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace wecom::archive
