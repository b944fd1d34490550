#include "tests/support/service_process.h"

#include <sys/stat.h>

#include <cctype>
#include <fstream>
#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/http/http_client.h"

namespace wecom::testing {

absl::Status WriteTestFile(const std::string& path, const std::string& content, mode_t mode) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  if (chmod(path.c_str(), mode) != 0) return absl::InternalError(absl::StrCat("chmod ", path));
  return absl::OkStatus();
}

int PortAfter(const std::string& line, std::string_view marker) {
  const size_t at = line.find(marker);
  if (at == std::string::npos) return 0;
  int port = 0;
  std::string digits;
  for (size_t i = at + marker.size(); i < line.size() && std::isdigit(line[i]); ++i) {
    digits += line[i];
  }
  return absl::SimpleAtoi(digits, &port) ? port : 0;
}

std::string FetchMetricsText(int port) {
  absl::StatusOr<std::unique_ptr<CurlHttpClient>> http = CurlHttpClient::Create({});
  if (!http.ok()) return "";
  HttpRequest request;
  request.url = absl::StrCat("http://127.0.0.1:", port, "/metrics");
  absl::StatusOr<HttpResponse> response = (*http)->Send(request);
  return response.ok() ? response->body : "";
}

}  // namespace wecom::testing
