#include "common/grpc/status.h"

#include <string>

#include "common/status/vendor_error.h"

namespace wecom {

// absl::StatusCode and grpc::StatusCode share their numbering (both follow
// google.rpc.Code), so the codes convert by value.
grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

grpc::Status ToGrpcStatus(const absl::Status& status, grpc::ServerContextBase* context) {
  if (std::optional<wecom::common::v1::VendorError> error = GetVendorError(status)) {
    context->AddTrailingMetadata(kVendorErrorTrailer, error->SerializeAsString());
  }
  return ToGrpcStatus(status);
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

absl::Status FromGrpcStatus(const grpc::Status& status, const grpc::ClientContext& context) {
  absl::Status result = FromGrpcStatus(status);
  if (result.ok()) return result;
  if (std::optional<wecom::common::v1::VendorError> error = VendorErrorFromTrailers(context)) {
    SetVendorError(result, *error);
  }
  return result;
}

std::optional<wecom::common::v1::VendorError> VendorErrorFromTrailers(
    const grpc::ClientContext& context) {
  const auto& trailers = context.GetServerTrailingMetadata();
  const auto entry = trailers.find(kVendorErrorTrailer);
  if (entry == trailers.end()) return std::nullopt;
  wecom::common::v1::VendorError error;
  if (!error.ParseFromArray(entry->second.data(), static_cast<int>(entry->second.size()))) {
    return std::nullopt;
  }
  return error;
}

}  // namespace wecom
