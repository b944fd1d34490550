#include "tools/wecomctl/robot_commands.h"

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "wecom/robot/v1/accounts_service.grpc.pb.h"
#include "wecom/robot/v1/contacts_service.grpc.pb.h"
#include "wecom/robot/v1/events_service.grpc.pb.h"
#include "wecom/robot/v1/groups_service.grpc.pb.h"
#include "wecom/robot/v1/labels_service.grpc.pb.h"
#include "wecom/robot/v1/messaging_service.grpc.pb.h"

namespace wecomctl {
namespace {

namespace v1 = wecom::robot::v1;

struct RobotFlags {
  std::string account;
  std::string conversation;
  std::string text;
  std::vector<std::string> mentions;
  bool mention_all = false;
  std::string image;
  std::string file;
  std::string link_title;
  std::string link_url;
  std::string link_description;
  std::string idempotency_key;
  bool wait = false;
  std::string send_id;
  bool internal = false;
  int page_size = 0;
  std::string page_token;
  bool include_offline = false;
  std::string consumer;
  uint64_t after = 0;
  std::vector<std::string> accounts;
  std::vector<std::string> types;
  uint64_t max_events = 0;
  bool until_caught_up = false;
  bool ack = false;
};

bool Final(const v1::Send& send) {
  return send.state() == v1::SEND_STATE_CONFIRMED || send.state() == v1::SEND_STATE_FAILED;
}

// The content the send flags describe; exactly one kind is expected, and the
// server says which field is wrong otherwise.
v1::MessageContent ContentFromFlags(const RobotFlags& f) {
  v1::MessageContent content;
  if (!f.text.empty()) {
    content.mutable_text()->set_content(f.text);
    for (const std::string& id : f.mentions) content.mutable_text()->add_mention_user_ids(id);
    content.mutable_text()->set_mention_all(f.mention_all);
  } else if (!f.image.empty()) {
    content.mutable_image()->set_file_url(f.image);
  } else if (!f.file.empty()) {
    content.mutable_file()->set_file_url(f.file);
  } else if (!f.link_url.empty()) {
    content.mutable_link()->set_title(f.link_title);
    content.mutable_link()->set_url(f.link_url);
    content.mutable_link()->set_description(f.link_description);
  }
  return content;
}

// Polls GetSendStatus until the send is CONFIRMED or FAILED.
int WaitForSend(v1::Messaging::Stub* stub, v1::Send send) {
  while (!Final(send)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    grpc::ClientContext context;
    v1::GetSendStatusRequest request;
    request.set_send_id(send.send_id());
    v1::GetSendStatusResponse response;
    grpc::Status status = stub->GetSendStatus(&context, request, &response);
    if (!status.ok()) return Fail(status);
    send = response.send();
  }
  std::cout << ToJson(send) << "\n";
  return send.state() == v1::SEND_STATE_CONFIRMED ? 0 : 1;
}

int StreamEvents(v1::Events::Stub* stub, const RobotFlags& f) {
  v1::StreamEventsRequest request;
  if (!f.consumer.empty()) {
    request.set_consumer(f.consumer);
  } else {
    request.set_after_position(f.after);
  }
  for (const std::string& id : f.accounts) request.add_account_ids(id);
  for (const std::string& type : f.types) request.add_vendor_types(type);
  grpc::ClientContext context;
  auto reader = stub->StreamEvents(&context, request);
  v1::StreamEventsResponse response;
  uint64_t printed = 0, last_position = 0;
  bool done = false;
  while (!done && reader->Read(&response)) {
    for (const v1::Event& event : response.events()) {
      last_position = event.position();
      std::cout << ToJson(event) << "\n";
      if (f.max_events != 0 && ++printed >= f.max_events) {
        done = true;
        break;
      }
    }
    if (response.caught_up()) {
      std::cerr << "-- caught up at position " << last_position << "\n";
      if (f.until_caught_up) done = true;
    }
  }
  context.TryCancel();
  grpc::Status finished = reader->Finish();
  if (!finished.ok() && finished.error_code() != grpc::StatusCode::CANCELLED) {
    return Fail(finished);
  }
  if (f.ack && !f.consumer.empty() && last_position > 0) {
    v1::AckEventsRequest ack;
    ack.set_consumer(f.consumer);
    ack.set_position(last_position);
    v1::AckEventsResponse acked;
    grpc::ClientContext ack_context;
    grpc::Status status = stub->AckEvents(&ack_context, ack, &acked);
    if (!status.ok()) return Fail(status);
  }
  return 0;
}

}  // namespace

CommandGroup AddRobotCommands(CLI::App& app, const GlobalOptions* g) {
  auto f = std::make_shared<RobotFlags>();
  CLI::App* robot = app.add_subcommand("robot", "the robot gateway (quntool, yjiyun)");
  robot->require_subcommand(1);

  CLI::App* accounts = robot->add_subcommand("accounts", "list robot accounts");
  accounts->add_flag("--all", f->include_offline, "include offline and logged-out accounts");

  CLI::App* send = robot->add_subcommand("send", "send a message (durable, paced, exactly once)");
  send->add_option("--account", f->account, "quntool:<wxId> or yjiyun:<robotKey>")->required();
  send->add_option("--conversation", f->conversation, "S:<id>_<id> or R:<room>")->required();
  send->add_option("--text", f->text, "text to send");
  send->add_option("--mention", f->mentions, "group member to @mention (repeatable)");
  send->add_flag("--mention-all", f->mention_all, "@everyone in a group");
  send->add_option("--image", f->image, "image URL or uploaded path");
  send->add_option("--file", f->file, "file URL or uploaded path");
  send->add_option("--link-url", f->link_url, "link card URL");
  send->add_option("--link-title", f->link_title, "link card title");
  send->add_option("--link-description", f->link_description, "link card description");
  send->add_option("--key", f->idempotency_key, "idempotency key: retrying never sends twice");
  send->add_flag("--wait", f->wait, "wait until the send is confirmed or failed");

  CLI::App* send_status = robot->add_subcommand("send-status", "a send's state");
  send_status->add_option("--send-id", f->send_id)->required();

  CLI::App* contacts = robot->add_subcommand("contacts", "an account's contacts");
  contacts->add_option("--account", f->account)->required();
  contacts->add_flag("--internal", f->internal, "colleagues instead of customers");
  contacts->add_option("--page-size", f->page_size, "at most this many (0: the vendor's page)");
  contacts->add_option("--page-token", f->page_token, "next_page_token of the previous page");

  CLI::App* groups = robot->add_subcommand("groups", "an account's group chats");
  groups->add_option("--account", f->account)->required();

  CLI::App* labels = robot->add_subcommand("labels", "the labels of an account's corp");
  labels->add_option("--account", f->account)->required();

  CLI::App* events = robot->add_subcommand("events", "stream events (JSON lines)");
  events->add_option("--consumer", f->consumer, "durable consumer: resume after its last ack");
  events->add_option("--after", f->after, "replay events after this position");
  events->add_option("--account", f->accounts, "only this account (repeatable)");
  events->add_option("--type", f->types, "only this vendor type, e.g. text_msg (repeatable)");
  events->add_option("--max", f->max_events, "stop after this many events");
  events->add_flag("--until-caught-up", f->until_caught_up, "stop at the end of stored events");
  events->add_flag("--ack", f->ack, "acknowledge the last printed event for --consumer");

  return {
      robot, [=]() -> int {
        std::shared_ptr<grpc::Channel> channel = ChannelOrExit(*g);
        grpc::ClientContext context;
        if (accounts->parsed()) {
          v1::ListAccountsRequest request;
          request.set_include_offline(f->include_offline);
          v1::ListAccountsResponse response;
          return PrintUnary(
              v1::Accounts::NewStub(channel)->ListAccounts(&context, request, &response), response);
        }
        if (send->parsed()) {
          auto stub = v1::Messaging::NewStub(channel);
          v1::SendRequest request;
          request.set_account_id(f->account);
          request.set_conversation_id(f->conversation);
          *request.mutable_content() = ContentFromFlags(*f);
          request.set_idempotency_key(f->idempotency_key);
          v1::SendResponse response;
          grpc::Status status = stub->Send(&context, request, &response);
          if (!status.ok() || !f->wait) return PrintUnary(status, response);
          return WaitForSend(stub.get(), response.send());
        }
        if (send_status->parsed()) {
          v1::GetSendStatusRequest request;
          request.set_send_id(f->send_id);
          v1::GetSendStatusResponse response;
          return PrintUnary(
              v1::Messaging::NewStub(channel)->GetSendStatus(&context, request, &response),
              response);
        }
        if (contacts->parsed()) {
          v1::ListContactsRequest request;
          request.set_account_id(f->account);
          request.set_kind(f->internal ? v1::CONTACT_KIND_INTERNAL : v1::CONTACT_KIND_EXTERNAL);
          request.set_page_size(f->page_size);
          request.set_page_token(f->page_token);
          v1::ListContactsResponse response;
          return PrintUnary(
              v1::Contacts::NewStub(channel)->ListContacts(&context, request, &response), response);
        }
        if (groups->parsed()) {
          v1::ListGroupsRequest request;
          request.set_account_id(f->account);
          v1::ListGroupsResponse response;
          return PrintUnary(v1::Groups::NewStub(channel)->ListGroups(&context, request, &response),
                            response);
        }
        if (labels->parsed()) {
          v1::ListLabelsRequest request;
          request.set_account_id(f->account);
          v1::ListLabelsResponse response;
          return PrintUnary(v1::Labels::NewStub(channel)->ListLabels(&context, request, &response),
                            response);
        }
        return StreamEvents(v1::Events::NewStub(channel).get(), *f);
      }};
}

}  // namespace wecomctl
