#include "tests/robot-gateway/events/temp_event_log.h"

#include <utility>

#include "common/status/status_macros.h"
#include "services/robot-gateway/core/state_db.h"

namespace wecom::robot::testing {

absl::StatusOr<std::unique_ptr<TempEventLog>> TempEventLog::Create() {
  ASSIGN_OR_RETURN(wecom::testing::TempDir dir, wecom::testing::TempDir::Create("event_log_"));
  std::unique_ptr<TempEventLog> temp(new TempEventLog(std::move(dir)));
  RETURN_IF_ERROR(temp->Reopen());
  return temp;
}

absl::Status TempEventLog::Reopen() {
  log_.reset();
  db_.reset();
  ASSIGN_OR_RETURN(db_, OpenStateDb(dir_.path() + "/state"));
  ASSIGN_OR_RETURN(log_, EventLog::Open(db_.get()));
  return absl::OkStatus();
}

}  // namespace wecom::robot::testing
