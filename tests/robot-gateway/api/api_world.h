// The gateway's six API classes as the server wires them, over a
// FakePlatform for quntool (no yjiyun platform), a FakeDispatcher, a real
// EventLog and EventStreamer in a temporary directory, a FakeClock and real
// metrics.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/time/clock.h"
#include "prometheus/registry.h"
#include "services/robot-gateway/api/account_directory.h"
#include "services/robot-gateway/api/accounts_api.h"
#include "services/robot-gateway/api/contacts_api.h"
#include "services/robot-gateway/api/events_api.h"
#include "services/robot-gateway/api/groups_api.h"
#include "services/robot-gateway/api/labels_api.h"
#include "services/robot-gateway/api/messaging_api.h"
#include "services/robot-gateway/api/platform_registry.h"
#include "services/robot-gateway/events/event_streamer.h"
#include "services/robot-gateway/metrics/gateway_metrics.h"
#include "tests/robot-gateway/api/robot_api_fakes.h"
#include "tests/robot-gateway/events/temp_event_log.h"

namespace wecom::robot::testing {

// The quntool accounts the platform starts with (corp "corp-1").
inline constexpr char kOnlineAccount[] = "quntool:1688000001";
inline constexpr char kOfflineAccount[] = "quntool:1688000002";
inline constexpr char kLoggedOutAccount[] = "quntool:1688000003";
// A one-to-one conversation of kOnlineAccount, and a group.
inline constexpr char kChat[] = "S:1688000001_7881300001";
inline constexpr char kGroup[] = "R:10696051763532373";

class ApiWorld {
 public:
  static absl::StatusOr<std::unique_ptr<ApiWorld>> Create();

  // Rejections counted for `method` and `field` (empty: any), and for all.
  double Rejected(const std::string& method, const std::string& field) const;
  double TotalRejected() const;

  prometheus::Registry registry;
  GatewayMetrics metrics{registry};
  FakeClock clock;
  FakePlatform quntool{v1::VENDOR_QUNTOOL};
  FakeDispatcher dispatcher;
  std::unique_ptr<TempEventLog> events;
  std::unique_ptr<PlatformRegistry> platforms;
  std::unique_ptr<AccountDirectory> directory;
  std::unique_ptr<EventStreamer> streamer;
  std::unique_ptr<AccountsApi> accounts;
  std::unique_ptr<MessagingApi> messaging;
  std::unique_ptr<ContactsApi> contacts;
  std::unique_ptr<GroupsApi> groups;
  std::unique_ptr<LabelsApi> labels;
  std::unique_ptr<EventsApi> events_api;

 private:
  ApiWorld() = default;
};

}  // namespace wecom::robot::testing
