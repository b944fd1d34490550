// The ArchiveService RPCs as a plain class: each validates its request
// (INVALID_ARGUMENT naming the field, counted in a metric) and calls the
// logic. The gRPC layer only converts; tests can call this directly.
#pragma once

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "common/ratelimit/token_bucket.h"
#include "common/sharding/shard_placement.h"
#include "common/time/clock.h"
#include "services/archive/ingest/chat_puller.h"
#include "services/archive/keys/key_ring.h"
#include "services/archive/metrics/archive_metrics.h"
#include "services/archive/qyapi/wecom_api_client.h"
#include "services/archive/sdk/sdk_session_pool.h"
#include "services/archive/store/message_store.h"
#include "services/archive/stream/message_streamer.h"
#include "wecom/archive/v1/archive_service.pb.h"

namespace wecom::archive {

// What the API needs of one configured corp.
struct CorpHandles {
  const KeyRing* keys;
  const ChatPuller* puller;
  SdkSessionPool* media_sessions;
  TokenBucket* media_rate_limit;  // GetMediaData calls
  WeComApiClient* wecom_api;
  SdkCallOptions media_call;
};

class ArchiveApi {
 public:
  ArchiveApi(MessageStore* store, MessageStreamer* streamer, ArchiveMetrics* metrics, Clock* clock,
             absl::flat_hash_map<std::string, CorpHandles> corps, ShardPlacement placement = {})
      : store_(store),
        streamer_(streamer),
        metrics_(metrics),
        clock_(clock),
        corps_(std::move(corps)),
        placement_(std::move(placement)) {}

  absl::Status StreamMessages(const v1::StreamMessagesRequest& request,
                              const MessageStreamer::Sink& sink,
                              const MessageStreamer::Cancelled& cancelled);
  absl::StatusOr<v1::AckMessagesResponse> AckMessages(const v1::AckMessagesRequest& request);
  absl::StatusOr<v1::GetMessageResponse> GetMessage(const v1::GetMessageRequest& request);
  absl::StatusOr<v1::ListMessagesResponse> ListMessages(const v1::ListMessagesRequest& request);
  absl::StatusOr<v1::GetRobotInfoResponse> GetRobotInfo(const v1::GetRobotInfoRequest& request);
  absl::StatusOr<v1::GetGroupChatResponse> GetGroupChat(const v1::GetGroupChatRequest& request);
  absl::StatusOr<v1::GetCorpStatusResponse> GetCorpStatus(const v1::GetCorpStatusRequest& request);
  absl::StatusOr<v1::GetMediaChunkResponse> GetMediaChunk(const v1::GetMediaChunkRequest& request);

 private:
  // The corp's handles, or INVALID_ARGUMENT (empty), FAILED_PRECONDITION
  // (another pod serves it) or NOT_FOUND (no pod does).
  absl::StatusOr<const CorpHandles*> FindCorp(const std::string& method,
                                              const std::string& corp_id);
  // INVALID_ARGUMENT naming `field`, counted.
  absl::Status Reject(const std::string& method, const std::string& field,
                      absl::string_view problem);

  MessageStore* store_;
  MessageStreamer* streamer_;
  ArchiveMetrics* metrics_;
  Clock* clock_;
  // The corps this process serves; with sharding, those of its ordinal.
  const absl::flat_hash_map<std::string, CorpHandles> corps_;
  const ShardPlacement placement_;
};

}  // namespace wecom::archive
