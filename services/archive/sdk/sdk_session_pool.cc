#include "services/archive/sdk/sdk_session_pool.h"

#include "absl/strings/str_cat.h"

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
    // Bounded, so a stuck SDK cannot pile up handlers forever.
    if (!mu_.AwaitWithTimeout(absl::Condition(&available), absl::Seconds(30))) {
      return absl::UnavailableError(
          absl::StrCat("all ", max_sessions_, " SDK sessions of corp ", corpid_, " are busy"));
    }
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
    // The caller's request is fine: the server cannot initialise the SDK.
    return absl::FailedPreconditionError(
        absl::StrCat("cannot initialise an SDK session: ", session.status().message()));
  }
  return Lease(this, *std::move(session));
}

void SdkSessionPool::Release(std::unique_ptr<FinanceSdkSession> session) {
  absl::MutexLock lock(&mu_);
  idle_.push_back(std::move(session));
}

}  // namespace wecom::archive
