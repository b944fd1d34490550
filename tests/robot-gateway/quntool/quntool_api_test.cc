// QuntoolApi against the in-process quntool emulator over real sockets: the
// envelope, query and body encoding, uploads, and the mapping of every kind
// of failure (transport, HTTP status, malformed answer, vendor refusal) to a
// status with a VendorError, recorded in the metrics.
#include <optional>
#include <string>

#include "common/status/vendor_error.h"
#include "tests/robot-gateway/quntool/quntool_fixture.h"
#include "tests/support/refused_port.h"

namespace wecom::robot::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::wecom::testing::IsOk;
using ::wecom::testing::StatusIs;
using json = nlohmann::json;

constexpr char kWrongApikey[] = "wrong-apikey-f00d";

std::optional<common::v1::VendorError> ErrorOf(const absl::Status& status) {
  return GetVendorError(status);
}

class QuntoolApiTest : public QuntoolFixture {};

TEST_F(QuntoolApiTest, CallReturnsTheEnvelopesData) {
  absl::StatusOr<json> users = api_->Call("GET", "/inner/user/list", nullptr);
  ASSERT_THAT(users, IsOk());
  ASSERT_TRUE(users->is_array());
  ASSERT_EQ(users->size(), 1u);
  EXPECT_EQ((*users)[0]["id"], "apps-1");
  EXPECT_EQ(VendorRequests(registry_, "/inner/user/list", "ok"), 1);
}

TEST_F(QuntoolApiTest, GetSendsParamsAsQueryWithArraysRepeated) {
  absl::StatusOr<json> one = api_->Call("GET", "/inner/user/wx/list",
                                        {{"IsOnline", false}, {"HostName", {"40c10a375784"}}});
  ASSERT_THAT(one, IsOk());
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0]["wxId"], qt::kAccountB);

  absl::StatusOr<json> two =
      api_->Call("GET", "/inner/user/wx/list",
                 {{"IsOnline", false}, {"HostName", {"40c10a375784", "28cca2a4c405"}}});
  ASSERT_THAT(two, IsOk());
  EXPECT_EQ(two->size(), 2u);

  absl::StatusOr<json> all = api_->Call("GET", "/inner/user/wx/list", {{"IsOnline", false}});
  ASSERT_THAT(all, IsOk());
  EXPECT_EQ(all->size(), 3u);
}

TEST_F(QuntoolApiTest, PostPutAndDeleteSendJsonBodies) {
  ASSERT_THAT(
      api_->Call("PUT", "/contact/remark",
                 {{"wxId", qt::kAccountA}, {"contactId", qt::kCustomer1}, {"remark", "甲"}}),
      IsOk());
  absl::StatusOr<json> details = api_->Call(
      "GET", "/contact/extendinfo", {{"wxId", qt::kAccountA}, {"ContactId", qt::kCustomer1}});
  ASSERT_THAT(details, IsOk());
  EXPECT_EQ((*details)["remark"], "甲");

  ASSERT_THAT(api_->Call("DELETE", "/group/member",
                         {{"wxId", qt::kAccountA},
                          {"conversationId", qt::kGroup},
                          {"memberWxIds", qt::kCustomer2}}),
              IsOk());
  absl::StatusOr<json> members = api_->Call(
      "GET", "/group/member/list", {{"wxId", qt::kAccountA}, {"conversationId", qt::kGroup}});
  ASSERT_THAT(members, IsOk());
  EXPECT_EQ((*members)["member_list"].size(), 2u) << "the DELETE body named the member";
}

TEST_F(QuntoolApiTest, WrongApikeyIsInternalWithCode401AndNoApikeyAnywhere) {
  absl::StatusOr<std::unique_ptr<QuntoolApi>> wrong = MakeApi(base_url(), kWrongApikey);
  ASSERT_THAT(wrong, IsOk());
  absl::StatusOr<json> answer = (*wrong)->Call("GET", "/inner/user/list", nullptr);
  EXPECT_THAT(answer, StatusIs(absl::StatusCode::kInternal, HasSubstr("/inner/user/list")));
  EXPECT_THAT(std::string(answer.status().message()), Not(HasSubstr(kWrongApikey)));
  std::optional<common::v1::VendorError> error = ErrorOf(answer.status());
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->vendor(), "quntool");
  EXPECT_EQ(error->code(), 401);
  EXPECT_THAT(error->message(), Not(HasSubstr(kWrongApikey)));
  EXPECT_FALSE(error->retryable());
  EXPECT_EQ(VendorRequests(registry_, "/inner/user/list", "http_401"), 1);
  // Nothing the registry exports carries the key either.
  for (const prometheus::MetricFamily& family : registry_.Collect()) {
    for (const prometheus::ClientMetric& metric : family.metric) {
      for (const prometheus::ClientMetric::Label& label : metric.label) {
        EXPECT_THAT(label.value, Not(HasSubstr(kWrongApikey)));
        EXPECT_THAT(label.value, Not(HasSubstr(qt::kApiKey)));
      }
    }
  }
}

TEST_F(QuntoolApiTest, OfflineAccountIsFailedPreconditionWithTheVendorsMessage) {
  absl::StatusOr<json> answer =
      api_->Call("GET", "/contact/external/list", {{"wxId", qt::kOfflineAccount}});
  EXPECT_THAT(answer,
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("/contact/external/list")));
  std::optional<common::v1::VendorError> error = ErrorOf(answer.status());
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->vendor(), "quntool");
  EXPECT_EQ(error->code(), -1);
  EXPECT_THAT(error->message(), HasSubstr("企微不在线"));
  EXPECT_EQ(VendorRequests(registry_, "/contact/external/list", "-1"), 1);
}

TEST_F(QuntoolApiTest, MissingFieldIsInvalidArgument) {
  absl::StatusOr<json> answer =
      api_->Call("POST", "/msg/text",
                 {{"wxId", qt::kAccountA},
                  {"conversationId", absl::StrCat("S:", qt::kAccountA, "_", qt::kCustomer1)}});
  EXPECT_THAT(answer, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("不能为空")));
}

TEST_F(QuntoolApiTest, OtherRefusalsAreFailedPrecondition) {
  absl::StatusOr<json> answer =
      api_->Call("PUT", "/group/name",
                 {{"wxId", qt::kAccountA}, {"conversationId", "R:404"}, {"name", "nobody's"}});
  EXPECT_THAT(answer, StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("群聊不存在")));
}

TEST_F(QuntoolApiTest, ConnectionRefusedIsUnavailable) {
  absl::StatusOr<wecom::testing::RefusedPort> refused = wecom::testing::RefusedPort::Reserve();
  ASSERT_THAT(refused, IsOk());
  absl::StatusOr<std::unique_ptr<QuntoolApi>> api =
      MakeApi(absl::StrCat("http://127.0.0.1:", refused->port()), qt::kApiKey);
  ASSERT_THAT(api, IsOk());
  absl::StatusOr<json> answer = (*api)->Call("GET", "/inner/user/list", nullptr);
  EXPECT_THAT(answer, StatusIs(absl::StatusCode::kUnavailable, HasSubstr("/inner/user/list")));
  std::optional<common::v1::VendorError> error = ErrorOf(answer.status());
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->vendor(), "quntool");
  EXPECT_TRUE(error->retryable());
  EXPECT_EQ(VendorRequests(registry_, "/inner/user/list", "transport_error"), 1);
}

TEST_F(QuntoolApiTest, UnknownPathIsFailedPreconditionWithTheHttpStatus) {
  absl::StatusOr<json> answer = api_->Call("GET", "/no/such/endpoint", nullptr);
  EXPECT_THAT(answer, StatusIs(absl::StatusCode::kFailedPrecondition));
  std::optional<common::v1::VendorError> error = ErrorOf(answer.status());
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code(), 404);
  EXPECT_EQ(VendorRequests(registry_, "/no/such/endpoint", "http_404"), 1);
}

TEST_F(QuntoolApiTest, ServerErrorIsUnavailableAndRetryable) {
  FixedAnswerServer busy(503, "upstream busy");
  absl::StatusOr<std::unique_ptr<QuntoolApi>> api = MakeApi(busy.base_url(), qt::kApiKey);
  ASSERT_THAT(api, IsOk());
  absl::StatusOr<json> answer = (*api)->Call("POST", "/msg/text", {{"content", "x"}});
  EXPECT_THAT(answer, StatusIs(absl::StatusCode::kUnavailable));
  std::optional<common::v1::VendorError> error = ErrorOf(answer.status());
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code(), 503);
  EXPECT_TRUE(error->retryable());
  EXPECT_EQ(VendorRequests(registry_, "/msg/text", "http_503"), 1);
}

TEST_F(QuntoolApiTest, AnswerThatIsNotAnEnvelopeIsInternal) {
  for (const std::string& body : {std::string("<html>gateway</html>"), std::string("[1,2]"),
                                  std::string(R"({"msg":"","data":[]})")}) {
    FixedAnswerServer odd(200, body);
    absl::StatusOr<std::unique_ptr<QuntoolApi>> api = MakeApi(odd.base_url(), qt::kApiKey);
    ASSERT_THAT(api, IsOk());
    EXPECT_THAT((*api)->Call("GET", "/group/list", {{"wxId", "1"}}),
                StatusIs(absl::StatusCode::kInternal, HasSubstr("malformed response")))
        << body;
  }
  EXPECT_EQ(VendorRequests(registry_, "/group/list", "malformed_response"), 3);
}

TEST_F(QuntoolApiTest, UploadStoresTheFileUnderARelativePath) {
  // Bytes that look like multipart syntax, and a NUL.
  static constexpr char kBytes[] = "line one\r\n--not-a-boundary\r\n\0binary";
  const std::string bytes(kBytes, sizeof(kBytes) - 1);
  absl::StatusOr<std::string> path = api_->UploadFile("报告.bin", bytes);
  ASSERT_THAT(path, IsOk());
  EXPECT_THAT(*path, ::testing::StartsWith("/gnapi/"));
  EXPECT_THAT(*path, ::testing::EndsWith("/报告.bin"));
  EXPECT_EQ(Fetch(AbsoluteFileUrl(base_url(), *path)), bytes);
  EXPECT_THAT(api_->FileSize(*path), ::wecom::testing::IsOkAndHolds(bytes.size()));
  EXPECT_EQ(VendorRequests(registry_, "/file/upload", "ok"), 1);

  // A quote cannot end the name early.
  absl::StatusOr<std::string> quoted = api_->UploadFile("a\"b.txt", "x");
  ASSERT_THAT(quoted, IsOk());
  EXPECT_THAT(*quoted, ::testing::EndsWith("/a%22b.txt"));
}

TEST_F(QuntoolApiTest, FileSizeOfAMissingFileFails) {
  EXPECT_THAT(api_->FileSize("/gnapi/files/none.gif"), Not(IsOk()));
}

TEST(AbsoluteFileUrlTest, KeepsUrlsAndJoinsPaths) {
  EXPECT_EQ(AbsoluteFileUrl("http://q:8080", "/gnapi/files/a.jpg"),
            "http://q:8080/gnapi/files/a.jpg");
  EXPECT_EQ(AbsoluteFileUrl("http://q:8080/", "gnapi/files/a.jpg"),
            "http://q:8080/gnapi/files/a.jpg");
  EXPECT_EQ(AbsoluteFileUrl("http://q", "https://cdn.example/a.jpg"), "https://cdn.example/a.jpg");
  EXPECT_EQ(AbsoluteFileUrl("http://q", "HTTP://cdn.example/a.jpg"), "HTTP://cdn.example/a.jpg");
  EXPECT_EQ(AbsoluteFileUrl("http://q", ""), "");
}

TEST(QuntoolApiCreateTest, RefusesUnusableOptions) {
  absl::StatusOr<std::unique_ptr<CurlHttpClient>> http = CurlHttpClient::Create({});
  ASSERT_THAT(http, IsOk());
  QuntoolApiOptions options;
  options.base_url = "http://127.0.0.1:1";
  options.apikey = Secret("k");
  options.http = http->get();
  EXPECT_THAT(QuntoolApi::Create(options), IsOk());
  QuntoolApiOptions no_scheme = options;
  no_scheme.base_url = "127.0.0.1:1";
  EXPECT_THAT(QuntoolApi::Create(no_scheme), StatusIs(absl::StatusCode::kInvalidArgument));
  QuntoolApiOptions no_key = options;
  no_key.apikey = Secret();
  EXPECT_THAT(QuntoolApi::Create(no_key), StatusIs(absl::StatusCode::kInvalidArgument));
  QuntoolApiOptions no_http = options;
  no_http.http = nullptr;
  EXPECT_THAT(QuntoolApi::Create(no_http), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace wecom::robot::testing
