#include "services/archive/sdk/sdk_session_pool.h"

namespace wecom::archive {

SdkSessionPool::SdkSessionPool(FinanceSdk* sdk, std::string corpid, std::string secret,
                               int max_sessions)
    : sdk_(sdk),
      corpid_(std::move(corpid)),
      secret_(std::move(secret)),
      max_sessions_(max_sessions < 1 ? 1 : max_sessions) {}

SdkSessionPool::Lease::~Lease() {
  if (session_ != nullptr) pool_->Release(std::move(session_));
}

absl::StatusOr<SdkSessionPool::Lease> SdkSessionPool::Acquire() {
  {
    absl::MutexLock lock(&mu_);
    auto available = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return !idle_.empty() || created_ < max_sessions_;
    };
    mu_.Await(absl::Condition(&available));
    if (!idle_.empty()) {
      std::unique_ptr<FinanceSdkSession> session = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(session));
    }
    ++created_;  // Reserve the slot; create outside the lock (Init may block).
  }
  absl::StatusOr<std::unique_ptr<FinanceSdkSession>> session = sdk_->NewSession(corpid_, secret_);
  if (!session.ok()) {
    absl::MutexLock lock(&mu_);
    --created_;
    return session.status();
  }
  return Lease(this, *std::move(session));
}

void SdkSessionPool::Release(std::unique_ptr<FinanceSdkSession> session) {
  absl::MutexLock lock(&mu_);
  idle_.push_back(std::move(session));
}

}  // namespace wecom::archive
