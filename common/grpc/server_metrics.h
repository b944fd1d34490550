// gRPC server RED metrics under go-grpc-prometheus's names, so the usual
// dashboards and alerts work unchanged.
#pragma once

#include <memory>

#include "grpcpp/support/server_interceptor.h"
#include "prometheus/registry.h"

namespace wecom {

// An interceptor factory recording, per call, in `registry`:
//   grpc_server_started_total{grpc_service,grpc_method,grpc_type}
//   grpc_server_handled_total{grpc_service,grpc_method,grpc_type,grpc_code}
//   grpc_server_handling_seconds{grpc_service,grpc_method,grpc_type} (histogram)
//   grpc_server_msg_received_total / grpc_server_msg_sent_total{...grpc_type}
// grpc_type is unary, client_stream, server_stream or bidi_stream; grpc_code
// is the code's Go name (OK, InvalidArgument, Unauthenticated, ...).
// `registry` must outlive the server.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeServerMetricsInterceptorFactory(prometheus::Registry& registry);

}  // namespace wecom
