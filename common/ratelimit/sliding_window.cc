#include "common/ratelimit/sliding_window.h"

#include <algorithm>
#include <iterator>

namespace wecom {

void SlidingWindow::Prune(absl::Time now) {
  while (!events_.empty() && events_.front() <= now - window_) events_.pop_front();
}

int64_t SlidingWindow::CountAt(absl::Time now) {
  Prune(now);
  return static_cast<int64_t>(events_.size());
}

void SlidingWindow::Add(absl::Time at, int64_t count) {
  if (count <= 0) return;
  // Kept in time order, so that FreeAt finds the limit's oldest event by index.
  events_.insert(std::upper_bound(events_.begin(), events_.end(), at), static_cast<size_t>(count),
                 at);
}

bool SlidingWindow::TryAdd(absl::Time now, int64_t limit) {
  if (CountAt(now) >= limit) return false;
  Add(now);
  return true;
}

bool SlidingWindow::Remove(absl::Time at) {
  // Searched from the newest end, where an event just added is.
  const auto found = std::find(events_.rbegin(), events_.rend(), at);
  if (found == events_.rend()) return false;
  events_.erase(std::next(found).base());
  return true;
}

absl::Time SlidingWindow::FreeAt(absl::Time now, int64_t limit) {
  const int64_t count = CountAt(now);
  if (count < limit) return absl::InfinitePast();
  if (limit <= 0) return absl::InfiniteFuture();
  // Below the limit once all but limit - 1 of the events have left.
  return events_[static_cast<size_t>(count - limit)] + window_;
}

}  // namespace wecom
