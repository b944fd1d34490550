// The archive's Prometheus metrics. Labels stay low-cardinality: corp ids (a
// handful per deployment), msgtypes, reasons and error codes; never a msgid.
#pragma once

#include <string>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace wecom::archive {

class ArchiveMetrics {
 public:
  explicit ArchiveMetrics(prometheus::Registry& registry);

  // Creates the corp's series at 0 (undecryptable by reason, recovered,
  // duplicates, undecryptable stored, media pieces served), so a first
  // occurrence is an increase rate() sees and a healthy corp shows 0.
  void InitCorp(const std::string& corp);

  // GetChatData calls; result "ok" or "error", errcode the SDK or API code ("0" when ok).
  prometheus::Counter& PullCalls(const std::string& corp, const std::string& result,
                                 const std::string& errcode);
  prometheus::Histogram& PullDuration(const std::string& corp);
  // Messages archived for the first time, by msgtype ("undecryptable" when unknown yet).
  prometheus::Counter& Messages(const std::string& corp, const std::string& msgtype);
  prometheus::Counter& Undecryptable(const std::string& corp, const std::string& reason);
  prometheus::Counter& Recovered(const std::string& corp);
  prometheus::Counter& Duplicates(const std::string& corp);
  prometheus::Gauge& UndecryptableStored(const std::string& corp);
  prometheus::Gauge& CursorSeq(const std::string& corp);
  prometheus::Gauge& LagSeconds(const std::string& corp);
  prometheus::Gauge& KeyVersions(const std::string& corp);
  // 1 when the corp's last key load (start or SIGHUP) succeeded, 0 when it was
  // refused and the corp kept its old keys.
  prometheus::Gauge& KeysLastReloadSuccessful(const std::string& corp);
  prometheus::Gauge& StreamSubscribers(const std::string& corp);
  // GetMediaData pieces served and their bytes; result "ok" or the SDK errcode.
  prometheus::Counter& MediaChunks(const std::string& corp, const std::string& result);
  prometheus::Counter& MediaBytes(const std::string& corp);
  // Requests refused for a bad argument, by method and field.
  prometheus::Counter& RejectedRequests(const std::string& method, const std::string& field);

 private:
  prometheus::Family<prometheus::Counter>& pull_calls_;
  prometheus::Family<prometheus::Histogram>& pull_duration_;
  prometheus::Family<prometheus::Counter>& messages_;
  prometheus::Family<prometheus::Counter>& undecryptable_;
  prometheus::Family<prometheus::Counter>& recovered_;
  prometheus::Family<prometheus::Counter>& duplicates_;
  prometheus::Family<prometheus::Gauge>& undecryptable_stored_;
  prometheus::Family<prometheus::Gauge>& cursor_seq_;
  prometheus::Family<prometheus::Gauge>& lag_seconds_;
  prometheus::Family<prometheus::Gauge>& key_versions_;
  prometheus::Family<prometheus::Gauge>& keys_last_reload_successful_;
  prometheus::Family<prometheus::Gauge>& stream_subscribers_;
  prometheus::Family<prometheus::Counter>& media_chunks_;
  prometheus::Family<prometheus::Counter>& media_bytes_;
  prometheus::Family<prometheus::Counter>& rejected_requests_;
};

}  // namespace wecom::archive
