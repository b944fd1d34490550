#include "common/grpc/status.h"
#include "gtest/gtest.h"

namespace wecom {
namespace {

TEST(GrpcStatusTest, CodesAndMessagesMapBothWays) {
  for (const absl::Status& status :
       {absl::InvalidArgumentError("bad seq"), absl::UnauthenticatedError("who"),
        absl::ResourceExhaustedError("slow down"), absl::UnavailableError("try later"),
        absl::NotFoundError("no such msgid")}) {
    const grpc::Status converted = ToGrpcStatus(status);
    EXPECT_EQ(static_cast<int>(converted.error_code()), static_cast<int>(status.code()));
    EXPECT_EQ(converted.error_message(), status.message());
    EXPECT_EQ(FromGrpcStatus(converted), status);
  }
}

TEST(GrpcStatusTest, OkMapsToOk) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok());
}

}  // namespace
}  // namespace wecom
