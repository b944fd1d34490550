// absl::Status <-> grpc::Status, carrying a VendorError as the binary trailer
// `wecom-vendor-error-bin` (see proto/wecom/common/v1/vendor_error.proto).
#pragma once

#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "grpcpp/client_context.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/status.h"
#include "wecom/common/v1/vendor_error.pb.h"

namespace wecom {

// The trailing metadata key of a serialized wecom.common.v1.VendorError.
inline constexpr char kVendorErrorTrailer[] = "wecom-vendor-error-bin";

// Same code and message.
grpc::Status ToGrpcStatus(const absl::Status& status);
// Same code and message; when `status` carries a VendorError (vendor_error.h)
// it is also added to the call's trailing metadata. Use in handlers:
//   return ToGrpcStatus(api.Pull(*request), context);
grpc::Status ToGrpcStatus(const absl::Status& status, grpc::ServerContextBase* context);

// For unary handlers: moves an API call's result into the response, or
// converts its error (with its VendorError trailer):
//   return ToGrpcResponse(api_->GetMedia(*request), context, response);
template <typename Response>
grpc::Status ToGrpcResponse(absl::StatusOr<Response> result, grpc::ServerContextBase* context,
                            Response* response) {
  if (!result.ok()) return ToGrpcStatus(result.status(), context);
  *response = *std::move(result);
  return grpc::Status::OK;
}

// Same code and message.
absl::Status FromGrpcStatus(const grpc::Status& status);
// Same code and message, with the VendorError from the call's trailers (if
// any) attached, so GetVendorError() works on the client side too.
absl::Status FromGrpcStatus(const grpc::Status& status, const grpc::ClientContext& context);

// The VendorError a finished call's server sent in its trailers, if any.
std::optional<wecom::common::v1::VendorError> VendorErrorFromTrailers(
    const grpc::ClientContext& context);

}  // namespace wecom
