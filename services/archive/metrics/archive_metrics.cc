#include "services/archive/metrics/archive_metrics.h"

#include "wecom/archive/v1/archive_service.pb.h"

namespace wecom::archive {
namespace {

template <typename Builder>
auto& Build(Builder builder, const char* name, const char* help, prometheus::Registry& registry) {
  return builder.Name(name).Help(help).Register(registry);
}

}  // namespace

ArchiveMetrics::ArchiveMetrics(prometheus::Registry& registry)
    : pull_calls_(Build(prometheus::BuildCounter(), "archive_pull_calls_total",
                        "GetChatData calls by result and vendor errcode", registry)),
      pull_duration_(Build(prometheus::BuildHistogram(), "archive_pull_duration_seconds",
                           "GetChatData call latency", registry)),
      messages_(Build(prometheus::BuildCounter(), "archive_messages_total",
                      "Messages archived, by msgtype", registry)),
      undecryptable_(Build(prometheus::BuildCounter(), "archive_undecryptable_total",
                           "Messages stored undecrypted, by reason", registry)),
      recovered_(Build(prometheus::BuildCounter(), "archive_recovered_total",
                       "Undecryptable messages decrypted later", registry)),
      duplicates_(Build(prometheus::BuildCounter(), "archive_duplicates_total",
                        "Pulled messages skipped because their msgid was already stored",
                        registry)),
      undecryptable_stored_(Build(prometheus::BuildGauge(), "archive_undecryptable_messages",
                                  "Messages stored undecrypted right now", registry)),
      cursor_seq_(
          Build(prometheus::BuildGauge(), "archive_cursor_seq", "Highest seq archived", registry)),
      lag_seconds_(Build(prometheus::BuildGauge(), "archive_lag_seconds",
                         "How far the archive is behind the vendor", registry)),
      key_versions_(Build(prometheus::BuildGauge(), "archive_key_versions",
                          "Private key versions loaded", registry)),
      keys_last_reload_successful_(Build(
          prometheus::BuildGauge(), "archive_keys_last_reload_successful",
          "1 if the last key load (start or SIGHUP) succeeded, 0 if it was refused", registry)),
      stream_subscribers_(Build(prometheus::BuildGauge(), "archive_stream_subscribers",
                                "Open StreamMessages calls", registry)),
      media_chunks_(Build(prometheus::BuildCounter(), "archive_media_chunks_total",
                          "GetMediaData pieces served, by result", registry)),
      media_bytes_(Build(prometheus::BuildCounter(), "archive_media_bytes_total",
                         "Media bytes served", registry)),
      rejected_requests_(Build(prometheus::BuildCounter(), "archive_rejected_requests_total",
                               "Requests refused for a bad argument, by method and field",
                               registry)) {}

prometheus::Counter& ArchiveMetrics::PullCalls(const std::string& corp, const std::string& result,
                                               const std::string& errcode) {
  return pull_calls_.Add({{"corp", corp}, {"result", result}, {"errcode", errcode}});
}

prometheus::Histogram& ArchiveMetrics::PullDuration(const std::string& corp) {
  return pull_duration_.Add(
      {{"corp", corp}}, prometheus::Histogram::BucketBoundaries{0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                                0.5, 1, 2.5, 5, 10, 30});
}

prometheus::Counter& ArchiveMetrics::Messages(const std::string& corp, const std::string& msgtype) {
  return messages_.Add({{"corp", corp}, {"msgtype", msgtype}});
}

prometheus::Counter& ArchiveMetrics::Undecryptable(const std::string& corp,
                                                   const std::string& reason) {
  return undecryptable_.Add({{"corp", corp}, {"reason", reason}});
}

prometheus::Counter& ArchiveMetrics::Recovered(const std::string& corp) {
  return recovered_.Add({{"corp", corp}});
}

prometheus::Counter& ArchiveMetrics::Duplicates(const std::string& corp) {
  return duplicates_.Add({{"corp", corp}});
}

prometheus::Gauge& ArchiveMetrics::UndecryptableStored(const std::string& corp) {
  return undecryptable_stored_.Add({{"corp", corp}});
}

prometheus::Gauge& ArchiveMetrics::CursorSeq(const std::string& corp) {
  return cursor_seq_.Add({{"corp", corp}});
}

prometheus::Gauge& ArchiveMetrics::LagSeconds(const std::string& corp) {
  return lag_seconds_.Add({{"corp", corp}});
}

void ArchiveMetrics::InitCorp(const std::string& corp) {
  for (int reason = v1::FailureReason_MIN; reason <= v1::FailureReason_MAX; ++reason) {
    if (!v1::FailureReason_IsValid(reason) || reason == v1::FAILURE_REASON_UNSPECIFIED) continue;
    Undecryptable(corp, v1::FailureReason_Name(static_cast<v1::FailureReason>(reason)));
  }
  Recovered(corp);
  Duplicates(corp);
  UndecryptableStored(corp);
  MediaChunks(corp, "ok");
  MediaBytes(corp);
}

prometheus::Gauge& ArchiveMetrics::KeyVersions(const std::string& corp) {
  return key_versions_.Add({{"corp", corp}});
}

prometheus::Gauge& ArchiveMetrics::KeysLastReloadSuccessful(const std::string& corp) {
  return keys_last_reload_successful_.Add({{"corp", corp}});
}

prometheus::Gauge& ArchiveMetrics::StreamSubscribers(const std::string& corp) {
  return stream_subscribers_.Add({{"corp", corp}});
}

prometheus::Counter& ArchiveMetrics::MediaChunks(const std::string& corp,
                                                 const std::string& result) {
  return media_chunks_.Add({{"corp", corp}, {"result", result}});
}

prometheus::Counter& ArchiveMetrics::MediaBytes(const std::string& corp) {
  return media_bytes_.Add({{"corp", corp}});
}

prometheus::Counter& ArchiveMetrics::RejectedRequests(const std::string& method,
                                                      const std::string& field) {
  return rejected_requests_.Add({{"grpc_method", method}, {"field", field}});
}

}  // namespace wecom::archive
