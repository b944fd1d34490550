// gMock matchers for absl::Status and absl::StatusOr, which Abseil 20220623
// does not ship: EXPECT_THAT(s, IsOk()), StatusIs(code), StatusIs(code, msg),
// IsOkAndHolds(matcher); and ASSERT_OK(expr), ASSERT_OK_AND_ASSIGN(lhs, expr).
#pragma once

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"

namespace wecom::testing {

inline const absl::Status& GetStatus(const absl::Status& status) { return status; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status& status = GetStatus(arg);
  if (!status.ok()) *result_listener << "status is " << status;
  return status.ok();
}

MATCHER_P(StatusIs, code, "has status code " + absl::StatusCodeToString(code)) {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status is " << status;
  return status.code() == code;
}

MATCHER_P2(StatusIs, code, message_matcher,
           "has status code " + absl::StatusCodeToString(code) + " and a matching message") {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status is " << status;
  return status.code() == code &&
         ::testing::Matches(message_matcher)(std::string(status.message()));
}

MATCHER_P(IsOkAndHolds, value_matcher, "is OK and holds a matching value") {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status();
    return false;
  }
  return ::testing::ExplainMatchResult(value_matcher, *arg, result_listener);
}

}  // namespace wecom::testing

// Fails the test (and returns) unless `expr` (a Status or StatusOr) is OK.
#define ASSERT_OK(expr) ASSERT_THAT((expr), ::wecom::testing::IsOk())
#define EXPECT_OK(expr) EXPECT_THAT((expr), ::wecom::testing::IsOk())

// Declares `lhs` from an OK StatusOr `expr`, or fails the test and returns:
//   ASSERT_OK_AND_ASSIGN(auto store, Store::Open(path));
#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  WECOM_ASSERT_OK_AND_ASSIGN_IMPL(WECOM_TESTING_CONCAT(statusor_, __LINE__), lhs, expr)
#define WECOM_TESTING_CONCAT_INNER(a, b) a##b
#define WECOM_TESTING_CONCAT(a, b) WECOM_TESTING_CONCAT_INNER(a, b)
#define WECOM_ASSERT_OK_AND_ASSIGN_IMPL(statusor, lhs, expr) \
  auto statusor = (expr);                                    \
  ASSERT_TRUE(statusor.ok()) << statusor.status();           \
  lhs = std::move(statusor).value()
