// RETURN_IF_ERROR and ASSIGN_OR_RETURN, which Abseil 20220623 does not ship.
#pragma once

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Returns the status from the enclosing function when `expr` is not OK.
#define RETURN_IF_ERROR(expr)                             \
  do {                                                    \
    if (::absl::Status _status = (expr); !_status.ok()) { \
      return _status;                                     \
    }                                                     \
  } while (0)

#define WECOM_STATUS_CONCAT_INNER(a, b) a##b
#define WECOM_STATUS_CONCAT(a, b) WECOM_STATUS_CONCAT_INNER(a, b)

// `ASSIGN_OR_RETURN(auto x, F());` declares x from an OK StatusOr, or returns
// its status from the enclosing function.
#define ASSIGN_OR_RETURN(lhs, expr) \
  WECOM_ASSIGN_OR_RETURN_IMPL(WECOM_STATUS_CONCAT(_status_or_, __LINE__), lhs, expr)

#define WECOM_ASSIGN_OR_RETURN_IMPL(statusor, lhs, expr) \
  auto statusor = (expr);                                \
  if (!statusor.ok()) {                                  \
    return std::move(statusor).status();                 \
  }                                                      \
  lhs = *std::move(statusor)
