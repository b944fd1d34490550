// AccountDirectory: the accounts of every configured platform, cached, so the
// API can refuse unknown and offline accounts without a vendor call per
// request. A vendor's accounts (offline ones too) are fetched again when they
// are older than `max_age`, and when an id is missing or not in the state an
// operation needs (it may have just logged in), at most once per
// `min_refetch_interval`.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/time/clock.h"
#include "services/robot-gateway/api/platform_registry.h"

namespace wecom::robot {

struct AccountDirectoryOptions {
  absl::Duration max_age = absl::Seconds(30);
  // Bounds the vendor calls a client repeating an unknown id (or a vendor
  // that is down) can cause.
  absl::Duration min_refetch_interval = absl::Seconds(1);
};

class AccountDirectory {
 public:
  // Whether a cached account is in the state the caller needs.
  using Wanted = std::function<bool(const v1::Account&)>;

  // `platforms` and `clock` must outlive the directory.
  AccountDirectory(const PlatformRegistry* platforms, Clock* clock,
                   AccountDirectoryOptions options = {});

  // The account; when it is cached but not `wanted`, refetched first.
  // FAILED_PRECONDITION when its vendor has no platform, NOT_FOUND
  // "<field>: no account quntool:… on quntool" when the platform does not
  // know it, or the platform's error when it cannot be fetched and is not
  // cached (a cached account is served stale while its platform fails).
  absl::StatusOr<v1::Account> Find(const AccountRef& account,
                                   absl::string_view field = "account_id",
                                   const Wanted& wanted = nullptr);
  // Find, and FAILED_PRECONDITION when the account is not online.
  absl::StatusOr<v1::Account> FindOnline(const AccountRef& account,
                                         absl::string_view field = "account_id");

  // The platform serving `account`, once Find / FindOnline accepted it.
  absl::StatusOr<RobotPlatform*> KnownPlatform(const AccountRef& account,
                                               absl::string_view field = "account_id");
  absl::StatusOr<RobotPlatform*> OnlinePlatform(const AccountRef& account,
                                                absl::string_view field = "account_id");

  // Every account of `vendor`'s platform, fetched now (and cached).
  absl::StatusOr<std::vector<v1::Account>> Fetch(v1::Vendor vendor);
  // Makes the next lookup of `vendor`'s accounts fetch them again (after an
  // operation that changed their state).
  void Invalidate(v1::Vendor vendor);

 private:
  // One vendor's cached accounts.
  struct VendorCache {
    // Serialises fetches, so concurrent misses cause one vendor call.
    absl::Mutex fetch_mu;
    absl::Mutex mu ABSL_ACQUIRED_AFTER(fetch_mu);
    absl::flat_hash_map<std::string, v1::Account> accounts ABSL_GUARDED_BY(mu);
    std::optional<absl::Time> fetched_at ABSL_GUARDED_BY(mu);
    std::optional<absl::Time> attempted_at ABSL_GUARDED_BY(mu);
    // The last fetch's error, OK after a successful fetch.
    absl::Status last_error ABSL_GUARDED_BY(mu);
  };

  // The cached account, and whether it should be fetched again first.
  struct Lookup {
    std::optional<v1::Account> account;
    bool refetch = false;
  };
  Lookup LookUp(VendorCache& cache, const AccountRef& account, const Wanted& wanted)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(cache.mu);
  // Find's answer from a lookup.
  absl::StatusOr<v1::Account> Answer(VendorCache& cache, const Lookup& lookup,
                                     const AccountRef& account, absl::string_view field)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(cache.mu);
  absl::StatusOr<std::vector<v1::Account>> FetchInto(RobotPlatform* platform, VendorCache& cache)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(cache.fetch_mu);

  const PlatformRegistry* platforms_;
  Clock* clock_;
  const AccountDirectoryOptions options_;
  // One per configured platform, made in the constructor; the map itself never changes.
  absl::flat_hash_map<v1::Vendor, std::unique_ptr<VendorCache>> caches_;
};

}  // namespace wecom::robot
