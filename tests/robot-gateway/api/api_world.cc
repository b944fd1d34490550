#include "tests/robot-gateway/api/api_world.h"

#include <map>

#include "common/status/status_macros.h"
#include "tests/support/metric_values.h"

namespace wecom::robot::testing {

absl::StatusOr<std::unique_ptr<ApiWorld>> ApiWorld::Create() {
  std::unique_ptr<ApiWorld> world(new ApiWorld());
  world->quntool.SetAccounts({
      MakeAccount(v1::VENDOR_QUNTOOL, "1688000001", v1::ACCOUNT_STATUS_ONLINE),
      MakeAccount(v1::VENDOR_QUNTOOL, "1688000002", v1::ACCOUNT_STATUS_OFFLINE),
      MakeAccount(v1::VENDOR_QUNTOOL, "1688000003", v1::ACCOUNT_STATUS_LOGGED_OUT),
  });
  ASSIGN_OR_RETURN(world->events, TempEventLog::Create());
  ASSIGN_OR_RETURN(PlatformRegistry platforms, PlatformRegistry::Create({&world->quntool}));
  world->platforms = std::make_unique<PlatformRegistry>(std::move(platforms));
  world->directory = std::make_unique<AccountDirectory>(world->platforms.get(), &world->clock);
  // Short, so a cancelled stream ends soon.
  world->streamer = std::make_unique<EventStreamer>(&world->events->log(), absl::Milliseconds(20));
  world->accounts = std::make_unique<AccountsApi>(world->platforms.get(), world->directory.get(),
                                                  &world->dispatcher, &world->metrics);
  world->messaging = std::make_unique<MessagingApi>(world->platforms.get(), world->directory.get(),
                                                    &world->dispatcher, &world->metrics);
  world->contacts = std::make_unique<ContactsApi>(world->directory.get(), &world->metrics);
  world->groups = std::make_unique<GroupsApi>(world->directory.get(), &world->metrics);
  world->labels = std::make_unique<LabelsApi>(world->directory.get(), &world->metrics);
  world->events_api =
      std::make_unique<EventsApi>(&world->events->log(), world->streamer.get(), &world->metrics);
  return world;
}

double ApiWorld::Rejected(const std::string& method, const std::string& field) const {
  std::map<std::string, std::string> labels;
  if (!method.empty()) labels["grpc_method"] = method;
  if (!field.empty()) labels["field"] = field;
  return ::wecom::testing::MetricValue(registry, "robot_gateway_rejected_requests_total", labels);
}

double ApiWorld::TotalRejected() const { return Rejected("", ""); }

}  // namespace wecom::robot::testing
