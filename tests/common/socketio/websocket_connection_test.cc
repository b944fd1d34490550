#include "common/socketio/websocket_connection.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/refused_port.h"

namespace wecom::socketio {
namespace {

using ::testing::HasSubstr;
using ::wecom::testing::RefusedPort;
using ::wecom::testing::StatusIs;

TEST(WebSocketConnectionTest, RefusesTls) {
  EXPECT_THAT(WebSocketConnection::Open("wss://127.0.0.1:1/socket.io/", {}, absl::Seconds(5)),
              StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("wss://")));
}

TEST(WebSocketConnectionTest, RefusesMalformedUrls) {
  for (const char* url : {"", "not a url", "http//127.0.0.1:1/"}) {
    EXPECT_THAT(WebSocketConnection::Open(url, {}, absl::Seconds(5)),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << url;
  }
}

TEST(WebSocketConnectionTest, RefusedConnectionIsUnavailableWithoutTheQuery) {
  ASSERT_OK_AND_ASSIGN(const RefusedPort port, RefusedPort::Reserve());
  WebSocketOpenFailure failure;
  failure.http_status = -1;
  const absl::StatusOr<std::unique_ptr<WebSocketConnection>> connection =
      WebSocketConnection::Open(absl::StrCat("ws://127.0.0.1:", port.port(), "/?token=hidden"), {},
                                absl::Seconds(5), &failure);
  EXPECT_THAT(connection,
              StatusIs(absl::StatusCode::kUnavailable, ::testing::Not(HasSubstr("hidden"))));
  EXPECT_EQ(failure.http_status, 0);
}

}  // namespace
}  // namespace wecom::socketio
