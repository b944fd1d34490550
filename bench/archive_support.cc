#include "bench/archive_support.h"

#include "absl/time/clock.h"
#include "common/grpc/status.h"

namespace wecom::bench {

absl::Status AwaitArchived(testing::ArchiveHarness& harness, size_t corp, absl::Duration poll) {
  auto stub = harness.Stub();
  const uint64_t total = harness.corpus(corp).base_size();
  while (true) {
    grpc::ClientContext context;
    wecom::archive::v1::GetCorpStatusRequest request;
    request.set_corp_id(harness.corp_id(corp));
    wecom::archive::v1::GetCorpStatusResponse status;
    if (grpc::Status s = stub->GetCorpStatus(&context, request, &status); !s.ok()) {
      return FromGrpcStatus(s);
    }
    if (status.archived_count() >= total) return absl::OkStatus();
    absl::SleepFor(poll);  // polling a real process, not synchronising threads
  }
}

}  // namespace wecom::bench
