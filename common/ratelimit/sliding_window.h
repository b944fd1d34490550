// SlidingWindow: the events of the last `window` (a minute, an hour), for the
// vendors' "at most N per minute/hour" limits, which count calls in any window
// of that length rather than refilling at a rate (TokenBucket).
#pragma once

#include <cstdint>
#include <deque>

#include "absl/time/time.h"

namespace wecom {

// Thread-compatible: owners lock around it, usually together with state of
// their own.
class SlidingWindow {
 public:
  explicit SlidingWindow(absl::Duration window) : window_(window) {}

  // The events in the window ending at `now` (those after now - window).
  int64_t CountAt(absl::Time now);

  // `count` events at `at`, which may lie before events already added (a
  // restart restores older ones).
  void Add(absl::Time at, int64_t count = 1);

  // Adds an event at `now` if fewer than `limit` are in the window; returns
  // whether it did.
  bool TryAdd(absl::Time now, int64_t limit);

  // Removes one event added at `at` (the newest such); false if there is none.
  bool Remove(absl::Time at);

  // When the window will hold fewer than `limit` events again; InfinitePast()
  // if it already does at `now`.
  absl::Time FreeAt(absl::Time now, int64_t limit);

 private:
  // Drops the events that left the window ending at `now`.
  void Prune(absl::Time now);

  const absl::Duration window_;
  // Event times, oldest first.
  std::deque<absl::Time> events_;
};

}  // namespace wecom
