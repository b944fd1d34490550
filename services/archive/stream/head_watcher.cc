#include "services/archive/stream/head_watcher.h"

namespace wecom::archive {

void HeadWatcher::Publish(const std::string& corp, uint64_t head) {
  absl::MutexLock lock(&mu_);
  uint64_t& stored = heads_[corp];
  if (head > stored) stored = head;
}

uint64_t HeadWatcher::WaitBeyond(const std::string& corp, uint64_t position, absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  auto beyond = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    auto it = heads_.find(corp);
    return it != heads_.end() && it->second > position;
  };
  mu_.AwaitWithDeadline(absl::Condition(&beyond), deadline);
  auto it = heads_.find(corp);
  return it == heads_.end() ? 0 : it->second;
}

}  // namespace wecom::archive
