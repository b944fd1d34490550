#include "tests/robot-gateway/events/temp_event_log.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
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

absl::StatusOr<v1::Event> WaitForEvent(const EventLog& log,
                                       const std::function<bool(const v1::Event&)>& match,
                                       absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  uint64_t seen = 0;
  while (true) {
    std::optional<v1::Event> found;
    RETURN_IF_ERROR(log.ReadAfter(seen, 1000, [&](const v1::Event& event) {
      seen = event.position();
      if (match(event)) found = event;
      return !found.has_value();
    }));
    if (found.has_value()) return *std::move(found);
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat("no matching event among ", seen, " stored"));
    }
    log.WaitBeyond(seen, deadline);
  }
}

}  // namespace wecom::robot::testing
