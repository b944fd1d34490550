#include "common/status/vendor_error.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace wecom {
namespace {

using ::testing::HasSubstr;

wecom::common::v1::VendorError NetworkError() {
  wecom::common::v1::VendorError error;
  error.set_vendor("finance-sdk");
  error.set_code(10001);
  error.set_message("network error");
  error.set_retryable(true);
  return error;
}

TEST(VendorErrorTest, StatusCarriesTheError) {
  const absl::Status status = VendorFailure(absl::StatusCode::kUnavailable, NetworkError());
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(status.message()), HasSubstr("finance-sdk error 10001: network error"));
  const std::optional<wecom::common::v1::VendorError> error = GetVendorError(status);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->vendor(), "finance-sdk");
  EXPECT_EQ(error->code(), 10001);
  EXPECT_EQ(error->message(), "network error");
  EXPECT_TRUE(error->retryable());
}

TEST(VendorErrorTest, PlainStatusHasNone) {
  EXPECT_FALSE(GetVendorError(absl::InternalError("boom")).has_value());
  EXPECT_FALSE(GetVendorError(absl::OkStatus()).has_value());
}

TEST(VendorErrorTest, SetVendorErrorKeepsCodeAndMessage) {
  absl::Status status = absl::ResourceExhaustedError("throttled");
  SetVendorError(status, NetworkError());
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(status.message(), "throttled");
  ASSERT_TRUE(GetVendorError(status).has_value());
  EXPECT_EQ(GetVendorError(status)->code(), 10001);
}

}  // namespace
}  // namespace wecom
