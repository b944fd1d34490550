// A corp's pool of SDK sessions, so that concurrent callers (media chunk RPCs)
// never share one SDK instance: each lease is used by one thread at a time.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "services/archive/sdk/finance_sdk.h"

namespace wecom::archive {

class SdkSessionPool {
 public:
  // Creates sessions lazily, at most `max_sessions` at once.
  SdkSessionPool(FinanceSdk* sdk, std::string corpid, std::string secret, int max_sessions);

  // Returns the session to the pool when destroyed.
  class Lease {
   public:
    Lease(SdkSessionPool* pool, std::unique_ptr<FinanceSdkSession> session)
        : pool_(pool), session_(std::move(session)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    FinanceSdkSession* operator->() { return session_.get(); }

   private:
    SdkSessionPool* pool_;
    std::unique_ptr<FinanceSdkSession> session_;
  };

  // Blocks while all sessions are leased.
  absl::StatusOr<Lease> Acquire();

 private:
  void Release(std::unique_ptr<FinanceSdkSession> session);

  FinanceSdk* const sdk_;
  const std::string corpid_;
  const std::string secret_;
  const int max_sessions_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<FinanceSdkSession>> idle_ ABSL_GUARDED_BY(mu_);
  int created_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace wecom::archive
