#include "common/grpc/server_metrics.h"

#include <chrono>
#include <string>

#include "common/grpc/method_name.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"

namespace wecom {
namespace {

using grpc::experimental::InterceptionHookPoints;
using grpc::experimental::ServerRpcInfo;

std::string TypeLabel(ServerRpcInfo::Type type) {
  switch (type) {
    case ServerRpcInfo::Type::UNARY:
      return "unary";
    case ServerRpcInfo::Type::CLIENT_STREAMING:
      return "client_stream";
    case ServerRpcInfo::Type::SERVER_STREAMING:
      return "server_stream";
    case ServerRpcInfo::Type::BIDI_STREAMING:
      return "bidi_stream";
  }
  return "unknown";
}

// The names Go's codes.Code.String() gives, which go-grpc-prometheus uses.
std::string CodeLabel(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "Canceled";
    case grpc::StatusCode::UNKNOWN:
      return "Unknown";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "InvalidArgument";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DeadlineExceeded";
    case grpc::StatusCode::NOT_FOUND:
      return "NotFound";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "AlreadyExists";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PermissionDenied";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "ResourceExhausted";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FailedPrecondition";
    case grpc::StatusCode::ABORTED:
      return "Aborted";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OutOfRange";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "Unimplemented";
    case grpc::StatusCode::INTERNAL:
      return "Internal";
    case grpc::StatusCode::UNAVAILABLE:
      return "Unavailable";
    case grpc::StatusCode::DATA_LOSS:
      return "DataLoss";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "Unauthenticated";
    default:
      return "Code(" + std::to_string(static_cast<int>(code)) + ")";
  }
}

struct ServerMetricFamilies {
  explicit ServerMetricFamilies(prometheus::Registry& registry)
      : started(prometheus::BuildCounter()
                    .Name("grpc_server_started_total")
                    .Help("Total number of RPCs started on the server.")
                    .Register(registry)),
        handled(prometheus::BuildCounter()
                    .Name("grpc_server_handled_total")
                    .Help("Total number of RPCs completed on the server, regardless of success "
                          "or failure.")
                    .Register(registry)),
        handling_seconds(prometheus::BuildHistogram()
                             .Name("grpc_server_handling_seconds")
                             .Help("Histogram of response latency (seconds) of gRPC that had "
                                   "been application-level handled by the server.")
                             .Register(registry)),
        msg_received(prometheus::BuildCounter()
                         .Name("grpc_server_msg_received_total")
                         .Help("Total number of RPC stream messages received on the server.")
                         .Register(registry)),
        msg_sent(prometheus::BuildCounter()
                     .Name("grpc_server_msg_sent_total")
                     .Help("Total number of gRPC stream messages sent by the server.")
                     .Register(registry)) {}

  prometheus::Family<prometheus::Counter>& started;
  prometheus::Family<prometheus::Counter>& handled;
  prometheus::Family<prometheus::Histogram>& handling_seconds;
  prometheus::Family<prometheus::Counter>& msg_received;
  prometheus::Family<prometheus::Counter>& msg_sent;
};

// One per call; gRPC runs a call's interception batches one at a time.
class MetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  MetricsInterceptor(ServerMetricFamilies& families, ServerRpcInfo* info)
      : families_(families), labels_(CallLabels(info)) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      start_ = std::chrono::steady_clock::now();
      families_.started.Add(labels_).Increment();
    }
    // A receive that found the stream's end has no message.
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE) &&
        methods->GetRecvMessage() != nullptr) {
      families_.msg_received.Add(labels_).Increment();
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_MESSAGE)) {
      families_.msg_sent.Add(labels_).Increment();
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      prometheus::Labels handled_labels = labels_;
      handled_labels["grpc_code"] = CodeLabel(methods->GetSendStatus().error_code());
      families_.handled.Add(handled_labels).Increment();
      const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start_;
      families_.handling_seconds.Add(labels_, DefaultBuckets()).Observe(elapsed.count());
    }
    methods->Proceed();
  }

 private:
  static prometheus::Labels CallLabels(ServerRpcInfo* info) {
    MethodName name = SplitMethodPath(info->method());
    return {{"grpc_service", std::move(name.service)},
            {"grpc_method", std::move(name.method)},
            {"grpc_type", TypeLabel(info->type())}};
  }

  // Prometheus's DefBuckets, as go-grpc-prometheus uses.
  static const prometheus::Histogram::BucketBoundaries& DefaultBuckets() {
    static const prometheus::Histogram::BucketBoundaries buckets = {
        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    return buckets;
  }

  ServerMetricFamilies& families_;
  const prometheus::Labels labels_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

class MetricsInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit MetricsInterceptorFactory(prometheus::Registry& registry) : families_(registry) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(ServerRpcInfo* info) override {
    return new MetricsInterceptor(families_, info);
  }

 private:
  ServerMetricFamilies families_;
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeServerMetricsInterceptorFactory(prometheus::Registry& registry) {
  return std::make_unique<MetricsInterceptorFactory>(registry);
}

}  // namespace wecom
