// The newest stream position of each corp, published by the corp's writer and
// awaited by streams following live.
#pragma once

#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace wecom::archive {

class HeadWatcher {
 public:
  void Publish(const std::string& corp, uint64_t head);
  // Blocks until the corp's head passes `position` or `deadline`; returns the head.
  uint64_t WaitBeyond(const std::string& corp, uint64_t position, absl::Time deadline);

 private:
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, uint64_t> heads_ ABSL_GUARDED_BY(mu_);
};

}  // namespace wecom::archive
