// Splitting a gRPC method path into the label values metrics use.
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace wecom {

struct MethodName {
  std::string service;  // "wecom.archive.v1.ArchiveService"
  std::string method;   // "StreamMessages"
};

// "/wecom.archive.v1.ArchiveService/StreamMessages" -> {service, method}; a
// path without that shape gives {"unknown", path}.
inline MethodName SplitMethodPath(absl::string_view path) {
  if (path.size() > 1 && path.front() == '/') {
    const absl::string_view rest = path.substr(1);
    const size_t slash = rest.find('/');
    if (slash != absl::string_view::npos && slash > 0 && slash + 1 < rest.size()) {
      return {std::string(rest.substr(0, slash)), std::string(rest.substr(slash + 1))};
    }
  }
  return {"unknown", std::string(path)};
}

}  // namespace wecom
