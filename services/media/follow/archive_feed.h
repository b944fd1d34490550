// What the automatic follower needs of the archive service: its message
// stream under a durable consumer name, and acknowledgements.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "wecom/archive/v1/archive_service.pb.h"

namespace wecom::media {

class ArchiveFeed {
 public:
  // One open StreamMessages call.
  class Subscription {
   public:
    virtual ~Subscription() = default;
    // The next response (one or more events); false once the stream ended.
    virtual bool Read(wecom::archive::v1::StreamMessagesResponse* response) = 0;
    // Why the stream ended; call after Read returned false.
    virtual absl::Status Finish() = 0;
    // Ends the stream from another thread: a blocked Read returns false.
    virtual void Cancel() = 0;
  };

  virtual ~ArchiveFeed() = default;
  // Streams `corp_id`'s archive after `consumer`'s acknowledged position.
  virtual std::unique_ptr<Subscription> Subscribe(const std::string& corp_id,
                                                  const std::string& consumer) = 0;
  // Moves `consumer`'s cursor to `position`.
  virtual absl::Status Ack(const std::string& corp_id, const std::string& consumer,
                           uint64_t position) = 0;
};

}  // namespace wecom::media
