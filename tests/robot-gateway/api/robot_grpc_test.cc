// The robot gateway's gRPC services over a real loopback socket: errors keep
// their code, field and VendorError trailer; the streaming RPCs stream.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/grpc/client.h"
#include "common/grpc/server.h"
#include "common/grpc/status.h"
#include "common/status/status_macros.h"
#include "common/status/vendor_error.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "services/robot-gateway/server/robot_grpc_services.h"
#include "tests/robot-gateway/api/api_world.h"

namespace wecom::robot {
namespace {

using testing::ApiWorld;
using ::testing::ElementsAre;
using testing::kOnlineAccount;
using ::wecom::testing::IsOk;
using ::wecom::testing::StatusIs;

constexpr size_t kMaxUploadBytes = 64;

class RobotGrpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<ApiWorld>> world = ApiWorld::Create();
    ASSERT_THAT(world, IsOk());
    world_ = *std::move(world);
    accounts_ = std::make_unique<AccountsGrpcService>(world_->accounts.get());
    messaging_ = std::make_unique<MessagingGrpcService>(world_->messaging.get(), kMaxUploadBytes);
    contacts_ = std::make_unique<ContactsGrpcService>(world_->contacts.get());
    groups_ = std::make_unique<GroupsGrpcService>(world_->groups.get());
    labels_ = std::make_unique<LabelsGrpcService>(world_->labels.get());
    events_ = std::make_unique<EventsGrpcService>(world_->events_api.get());
    absl::StatusOr<std::unique_ptr<GrpcServer>> server =
        GrpcServer::Start({.listen_address = "127.0.0.1:0"},
                          {accounts_.get(), messaging_.get(), contacts_.get(), groups_.get(),
                           labels_.get(), events_.get()},
                          server_registry_);
    ASSERT_THAT(server, IsOk());
    server_ = *std::move(server);
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
        MakeChannel({.target = absl::StrCat("127.0.0.1:", server_->port())});
    ASSERT_THAT(channel, IsOk());
    channel_ = *std::move(channel);
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown(absl::Seconds(1));
  }

  std::unique_ptr<ApiWorld> world_;
  std::unique_ptr<AccountsGrpcService> accounts_;
  std::unique_ptr<MessagingGrpcService> messaging_;
  std::unique_ptr<ContactsGrpcService> contacts_;
  std::unique_ptr<GroupsGrpcService> groups_;
  std::unique_ptr<LabelsGrpcService> labels_;
  std::unique_ptr<EventsGrpcService> events_;
  prometheus::Registry server_registry_;
  std::unique_ptr<GrpcServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(RobotGrpcTest, AVendorErrorArrivesInItsTrailer) {
  common::v1::VendorError error;
  error.set_vendor("quntool");
  error.set_code(-1000999);
  error.set_message("操作过于频繁");
  error.set_retryable(true);
  world_->quntool.SetOperationStatus(VendorFailure(absl::StatusCode::kResourceExhausted, error));

  auto stub = v1::Contacts::NewStub(channel_);
  grpc::ClientContext context;
  v1::GetContactsRequest request;
  request.set_account_id(kOnlineAccount);
  request.add_user_ids("7881300001");
  v1::GetContactsResponse response;
  const absl::Status status =
      FromGrpcStatus(stub->GetContacts(&context, request, &response), context);

  EXPECT_THAT(status, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(context.GetServerTrailingMetadata().count(kVendorErrorTrailer), 1u);
  const std::optional<common::v1::VendorError> carried = GetVendorError(status);
  ASSERT_TRUE(carried.has_value());
  EXPECT_EQ(carried->vendor(), "quntool");
  EXPECT_EQ(carried->code(), -1000999);
  EXPECT_EQ(carried->message(), "操作过于频繁");
  EXPECT_TRUE(carried->retryable());
}

TEST_F(RobotGrpcTest, InvalidArgumentArrivesNamingTheField) {
  auto stub = v1::Messaging::NewStub(channel_);
  grpc::ClientContext context;
  v1::SendRequest request;
  request.set_account_id(kOnlineAccount);
  request.set_conversation_id("S:1688000001_7881300001");
  request.mutable_content()->mutable_link()->set_url("https://example.com");
  v1::SendResponse response;
  const absl::Status status = FromGrpcStatus(stub->Send(&context, request, &response), context);

  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument,
                               "content.link.title: must not be blank"));
  EXPECT_FALSE(GetVendorError(status).has_value());
  EXPECT_EQ(world_->Rejected("Send", "content.link.title"), 1);
}

TEST_F(RobotGrpcTest, SendAndGetSendStatusRoundTrip) {
  auto stub = v1::Messaging::NewStub(channel_);
  v1::SendRequest request;
  request.set_account_id(kOnlineAccount);
  request.set_conversation_id("S:1688000001_7881300001");
  request.mutable_content()->mutable_text()->set_content("hello");
  v1::SendResponse sent;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub->Send(&context, request, &sent).ok());
  }
  v1::GetSendStatusRequest get;
  get.set_send_id(sent.send().send_id());
  v1::GetSendStatusResponse status;
  grpc::ClientContext context;
  ASSERT_TRUE(stub->GetSendStatus(&context, get, &status).ok());
  EXPECT_EQ(status.send().conversation_id(), "S:1688000001_7881300001");
}

// Streams `parts` to UploadFile and returns the call's outcome.
absl::StatusOr<v1::UploadFileResponse> Upload(v1::Messaging::Stub& stub,
                                              const std::vector<v1::UploadFileRequest>& parts) {
  grpc::ClientContext context;
  v1::UploadFileResponse response;
  std::unique_ptr<grpc::ClientWriter<v1::UploadFileRequest>> writer =
      stub.UploadFile(&context, &response);
  for (const v1::UploadFileRequest& part : parts) {
    // A write fails once the server has answered early; Finish says why.
    if (!writer->Write(part)) break;
  }
  writer->WritesDone();
  RETURN_IF_ERROR(FromGrpcStatus(writer->Finish(), context));
  return response;
}

TEST_F(RobotGrpcTest, UploadFileAssemblesTheStream) {
  auto stub = v1::Messaging::NewStub(channel_);
  v1::UploadFileRequest header;
  header.mutable_header()->set_account_id(kOnlineAccount);
  header.mutable_header()->set_file_name("photo.jpg");
  v1::UploadFileRequest chunk;
  chunk.set_chunk(std::string(32, 'x'));

  absl::StatusOr<v1::UploadFileResponse> uploaded = Upload(*stub, {header, chunk, chunk});
  ASSERT_THAT(uploaded, IsOk());
  EXPECT_EQ(uploaded->size_bytes(), 64u);
  EXPECT_EQ(uploaded->file_url(), "files/photo.jpg");
  EXPECT_THAT(world_->quntool.calls(),
              ElementsAre(absl::StrCat("UploadFile ", kOnlineAccount, " photo.jpg")));

  EXPECT_THAT(Upload(*stub, {header, chunk, chunk, chunk}),
              StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(
      Upload(*stub, {chunk, header}),
      StatusIs(absl::StatusCode::kInvalidArgument, "header: the first message must be a header"));
  EXPECT_THAT(Upload(*stub, {}), StatusIs(absl::StatusCode::kInvalidArgument,
                                          "header: the first message must be a header"));
  EXPECT_EQ(world_->quntool.calls().size(), 1u);
}

v1::Event TextEvent(const std::string& id) {
  v1::Event event;
  event.set_event_id(id);
  event.set_account_id(kOnlineAccount);
  event.set_vendor(v1::VENDOR_QUNTOOL);
  event.set_vendor_type("text_msg");
  return event;
}

TEST_F(RobotGrpcTest, StreamEventsReplaysThenFollowsUntilCancelled) {
  ASSERT_THAT(world_->events->log().Append(TextEvent("e1")), IsOk());
  ASSERT_THAT(world_->events->log().Append(TextEvent("e2")), IsOk());

  auto stub = v1::Events::NewStub(channel_);
  grpc::ClientContext context;
  v1::StreamEventsRequest request;
  request.set_after_position(0);
  std::unique_ptr<grpc::ClientReader<v1::StreamEventsResponse>> reader =
      stub->StreamEvents(&context, request);
  std::vector<std::string> seen;
  v1::StreamEventsResponse response;
  bool caught_up = false;
  while (!caught_up && reader->Read(&response)) {
    for (const v1::Event& event : response.events()) seen.push_back(event.event_id());
    caught_up = response.caught_up();
  }
  ASSERT_TRUE(caught_up);
  EXPECT_THAT(seen, ElementsAre("e1", "e2"));

  // Live: Read blocks until the next event is stored.
  ASSERT_THAT(world_->events->log().Append(TextEvent("e3")), IsOk());
  ASSERT_TRUE(reader->Read(&response));
  ASSERT_EQ(response.events_size(), 1);
  EXPECT_EQ(response.events(0).event_id(), "e3");
  EXPECT_EQ(response.events(0).position(), 3u);

  context.TryCancel();
  while (reader->Read(&response)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(RobotGrpcTest, StreamEventsRefusesABadConsumerName) {
  auto stub = v1::Events::NewStub(channel_);
  grpc::ClientContext context;
  v1::StreamEventsRequest request;
  request.set_consumer("a consumer");
  std::unique_ptr<grpc::ClientReader<v1::StreamEventsResponse>> reader =
      stub->StreamEvents(&context, request);
  v1::StreamEventsResponse response;
  EXPECT_FALSE(reader->Read(&response));
  EXPECT_THAT(
      FromGrpcStatus(reader->Finish(), context),
      StatusIs(absl::StatusCode::kInvalidArgument, "consumer: 1-128 characters of [A-Za-z0-9._-]"));
}

}  // namespace
}  // namespace wecom::robot
