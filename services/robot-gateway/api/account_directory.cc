#include "services/robot-gateway/api/account_directory.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"

namespace wecom::robot {

AccountDirectory::AccountDirectory(const PlatformRegistry* platforms, Clock* clock,
                                   AccountDirectoryOptions options)
    : platforms_(platforms), clock_(clock), options_(options) {
  for (RobotPlatform* platform : platforms_->all()) {
    caches_.emplace(platform->vendor(), std::make_unique<VendorCache>());
  }
}

absl::StatusOr<v1::Account> AccountDirectory::Find(const AccountRef& account,
                                                   absl::string_view field, const Wanted& wanted) {
  ASSIGN_OR_RETURN(RobotPlatform * platform, platforms_->For(account.vendor));
  VendorCache& cache = *caches_.at(account.vendor);
  {
    absl::MutexLock lock(&cache.mu);
    const Lookup lookup = LookUp(cache, account, wanted);
    if (!lookup.refetch) return Answer(cache, lookup, account, field);
  }
  absl::MutexLock fetch_lock(&cache.fetch_mu);
  {
    absl::MutexLock lock(&cache.mu);
    // Another caller may have fetched while this one waited for fetch_mu.
    const Lookup lookup = LookUp(cache, account, wanted);
    if (!lookup.refetch) return Answer(cache, lookup, account, field);
  }
  // A failed fetch is kept in the cache: Answer serves the stale account or
  // returns the error.
  (void)FetchInto(platform, cache);
  absl::MutexLock lock(&cache.mu);
  return Answer(cache, LookUp(cache, account, wanted), account, field);
}

absl::StatusOr<v1::Account> AccountDirectory::FindOnline(const AccountRef& account,
                                                         absl::string_view field) {
  ASSIGN_OR_RETURN(v1::Account found, Find(account, field, [](const v1::Account& cached) {
                     return cached.status() == v1::ACCOUNT_STATUS_ONLINE;
                   }));
  if (found.status() != v1::ACCOUNT_STATUS_ONLINE) {
    return absl::FailedPreconditionError(absl::StrCat(field, ": ", account.account_id,
                                                      " is not online (",
                                                      v1::AccountStatus_Name(found.status()), ")"));
  }
  return found;
}

absl::StatusOr<RobotPlatform*> AccountDirectory::KnownPlatform(const AccountRef& account,
                                                               absl::string_view field) {
  RETURN_IF_ERROR(Find(account, field).status());
  return platforms_->For(account.vendor);
}

absl::StatusOr<RobotPlatform*> AccountDirectory::OnlinePlatform(const AccountRef& account,
                                                                absl::string_view field) {
  RETURN_IF_ERROR(FindOnline(account, field).status());
  return platforms_->For(account.vendor);
}

absl::StatusOr<std::vector<v1::Account>> AccountDirectory::Fetch(v1::Vendor vendor) {
  ASSIGN_OR_RETURN(RobotPlatform * platform, platforms_->For(vendor));
  VendorCache& cache = *caches_.at(vendor);
  absl::MutexLock fetch_lock(&cache.fetch_mu);
  return FetchInto(platform, cache);
}

void AccountDirectory::Invalidate(v1::Vendor vendor) {
  const auto found = caches_.find(vendor);
  if (found == caches_.end()) return;
  absl::MutexLock lock(&found->second->mu);
  found->second->fetched_at.reset();
  found->second->attempted_at.reset();
}

AccountDirectory::Lookup AccountDirectory::LookUp(VendorCache& cache, const AccountRef& account,
                                                  const Wanted& wanted) {
  const absl::Time now = clock_->Now();
  Lookup lookup;
  if (const auto found = cache.accounts.find(account.account_id); found != cache.accounts.end()) {
    lookup.account = found->second;
  }
  const bool stale = !cache.fetched_at.has_value() || now - *cache.fetched_at >= options_.max_age;
  const bool unsatisfied = !lookup.account.has_value() || (wanted && !wanted(*lookup.account));
  const bool may_fetch =
      !cache.attempted_at.has_value() || now - *cache.attempted_at >= options_.min_refetch_interval;
  lookup.refetch = (stale || unsatisfied) && may_fetch;
  return lookup;
}

absl::StatusOr<v1::Account> AccountDirectory::Answer(VendorCache& cache, const Lookup& lookup,
                                                     const AccountRef& account,
                                                     absl::string_view field) {
  if (lookup.account.has_value()) return *lookup.account;
  if (!cache.last_error.ok()) return cache.last_error;
  return absl::NotFoundError(
      absl::StrCat(field, ": no account ", account.account_id, " on ", VendorName(account.vendor)));
}

absl::StatusOr<std::vector<v1::Account>> AccountDirectory::FetchInto(RobotPlatform* platform,
                                                                     VendorCache& cache) {
  v1::ListAccountsRequest request;
  request.set_vendor(platform->vendor());
  request.set_include_offline(true);
  // The time the request left: an account that changed during the call is
  // refetched no later than max_age after it.
  const absl::Time started = clock_->Now();
  absl::StatusOr<std::vector<v1::Account>> fetched = platform->ListAccounts(request);
  absl::MutexLock lock(&cache.mu);
  cache.attempted_at = started;
  if (!fetched.ok()) {
    cache.last_error = fetched.status();
    return fetched;
  }
  cache.accounts.clear();
  for (const v1::Account& account : *fetched) cache.accounts[account.account_id()] = account;
  cache.fetched_at = started;
  cache.last_error = absl::OkStatus();
  return fetched;
}

}  // namespace wecom::robot
