// StreamMessages without gRPC: replays a corp's stream log from the requested
// start, then follows it live. Each message reaches a stream once, in its best
// known form: an undecryptable message is sent as such, and sent again as
// KIND_RECOVERED after its key arrives only if this stream could have seen it
// undecrypted.
#pragma once

#include <functional>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/archive/metrics/archive_metrics.h"
#include "services/archive/store/message_store.h"
#include "services/archive/stream/head_watcher.h"
#include "wecom/archive/v1/archive_service.pb.h"

namespace wecom::archive {

class MessageStreamer {
 public:
  // Takes one response of one or more events; returns false when the client
  // is gone.
  using Sink = std::function<bool(const wecom::archive::v1::StreamMessagesResponse&)>;
  using Cancelled = std::function<bool()>;

  MessageStreamer(MessageStore* store, HeadWatcher* heads, ArchiveMetrics* metrics,
                  absl::Duration cancel_check_interval = absl::Milliseconds(250))
      : store_(store),
        heads_(heads),
        metrics_(metrics),
        cancel_check_interval_(cancel_check_interval) {}

  // Runs until the client goes away or is cancelled (then OK), or a store error.
  // The request must already be validated.
  absl::Status Stream(const wecom::archive::v1::StreamMessagesRequest& request, const Sink& sink,
                      const Cancelled& cancelled);

 private:
  MessageStore* store_;
  HeadWatcher* heads_;
  ArchiveMetrics* metrics_;
  const absl::Duration cancel_check_interval_;
};

}  // namespace wecom::archive
