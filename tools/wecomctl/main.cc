// wecomctl: the command-line client of the suite's gRPC APIs.
//
//   wecomctl --target 127.0.0.1:50051 --token-file t archive stream --corp ww1 --until-caught-up
#include <iostream>
#include <memory>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "common/config/config_io.h"
#include "common/grpc/client.h"
#include "common/grpc/status.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "services/archive/client/stream_event_reader.h"
#include "wecom/archive/v1/archive_service.grpc.pb.h"

namespace {

using wecom::archive::v1::ArchiveService;

struct GlobalOptions {
  std::string target = "127.0.0.1:50051";
  std::string token_file;
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
  bool json = false;
};

std::string ToJson(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  return out;
}

// One line per message: where it is, who sent it, and its typed content.
std::string Summarize(const wecom::archive::v1::ArchivedMessage& archived) {
  std::string line = absl::StrCat("seq=", archived.seq(), " pos=", archived.position(), " ");
  if (archived.status() != wecom::archive::v1::DECRYPT_STATUS_DECRYPTED) {
    return absl::StrCat(line, "UNDECRYPTABLE ",
                        wecom::archive::v1::FailureReason_Name(archived.failure()), ": ",
                        archived.failure_detail());
  }
  const auto& m = archived.message();
  absl::StrAppend(&line, m.msgtype(), " from=", m.from(), " conv=", m.conversation_id());
  if (m.has_text()) return absl::StrCat(line, " text=", ToJson(m.text()));
  const auto* oneof = m.GetDescriptor()->FindOneofByName("content");
  if (const auto* field = m.GetReflection()->GetOneofFieldDescriptor(m, oneof)) {
    absl::StrAppend(&line, " ", field->name(), "=",
                    ToJson(m.GetReflection()->GetMessage(m, field)));
  }
  return line;
}

int Fail(const grpc::Status& status) {
  std::cerr << "error: " << wecom::FromGrpcStatus(status) << "\n";
  return 1;
}

std::unique_ptr<ArchiveService::Stub> ArchiveStub(const GlobalOptions& g) {
  wecom::GrpcClientOptions options;
  options.target = g.target;
  options.tls_ca_file = g.tls_ca_file;
  options.tls_cert_file = g.tls_cert_file;
  options.tls_key_file = g.tls_key_file;
  if (!g.token_file.empty()) {
    wecom::SecretSource source;
    source.kind = wecom::SecretSource::Kind::kFile;
    source.reference = g.token_file;
    absl::StatusOr<wecom::Secret> token = wecom::LoadSecret(source);
    if (!token.ok()) {
      std::cerr << "error: " << token.status() << "\n";
      std::exit(2);
    }
    options.auth_token = *std::move(token);
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = wecom::MakeChannel(options);
  if (!channel.ok()) {
    std::cerr << "error: " << channel.status() << "\n";
    std::exit(2);
  }
  return ArchiveService::NewStub(*channel);
}

// Prints a unary response as JSON.
template <typename Response>
int PrintUnary(const grpc::Status& status, const Response& response) {
  if (!status.ok()) return Fail(status);
  std::cout << ToJson(response) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"wecomctl: command-line client of the WeCom archive suite"};
  app.require_subcommand(1);
  GlobalOptions g;
  app.add_option("--target", g.target, "gRPC server host:port")->capture_default_str();
  app.add_option("--token-file", g.token_file, "file holding the bearer token");
  app.add_option("--tls-ca", g.tls_ca_file, "CA bundle to verify the server (enables TLS)");
  app.add_option("--tls-cert", g.tls_cert_file, "client certificate for mTLS");
  app.add_option("--tls-key", g.tls_key_file, "client key for mTLS");
  app.add_flag("--json", g.json, "print whole messages as JSON lines");

  CLI::App* archive = app.add_subcommand("archive", "the archive service")->require_subcommand(1);
  std::string corp;
  auto add_corp = [&corp](CLI::App* cmd) {
    cmd->add_option("--corp", corp, "corp id")->required();
  };

  CLI::App* stream = archive->add_subcommand("stream", "stream archived messages");
  add_corp(stream);
  uint64_t after_seq = 0;
  std::string consumer;
  std::vector<std::string> msgtypes;
  std::string conversation, sender;
  bool until_caught_up = false, ack = false;
  uint64_t max_messages = 0;
  stream->add_option("--after-seq", after_seq, "replay messages after this seq");
  stream->add_option("--consumer", consumer, "durable consumer name (resumes where it acked)");
  stream->add_option("--msgtype", msgtypes, "only these msgtypes");
  stream->add_option("--conversation", conversation, "only this conversation id");
  stream->add_option("--sender", sender, "only messages from this id");
  stream->add_flag("--until-caught-up", until_caught_up, "stop once history is replayed");
  stream->add_option("--max", max_messages, "stop after this many messages");
  stream->add_flag("--ack", ack, "acknowledge what was printed (with --consumer)");

  CLI::App* get = archive->add_subcommand("get", "one message by msgid");
  add_corp(get);
  std::string msgid;
  get->add_option("--msgid", msgid)->required();

  CLI::App* list = archive->add_subcommand("list", "a conversation's messages");
  add_corp(list);
  int64_t start_ms = 0, end_ms = 0;
  int page_size = 0;
  std::string page_token;
  list->add_option("--conversation", conversation)->required();
  list->add_option("--start-ms", start_ms);
  list->add_option("--end-ms", end_ms);
  list->add_option("--page-size", page_size);
  list->add_option("--page-token", page_token);

  CLI::App* status = archive->add_subcommand("status", "a corp's cursor, lag and keys");
  add_corp(status);

  CLI::App* robot = archive->add_subcommand("robot", "get_robot_info");
  add_corp(robot);
  std::string robot_id;
  robot->add_option("--robot-id", robot_id)->required();

  CLI::App* group = archive->add_subcommand("group", "msgaudit/groupchat/get");
  add_corp(group);
  std::string roomid;
  group->add_option("--roomid", roomid)->required();

  CLI::App* ack_cmd = archive->add_subcommand("ack", "move a consumer's cursor");
  add_corp(ack_cmd);
  uint64_t position = 0;
  ack_cmd->add_option("--consumer", consumer)->required();
  ack_cmd->add_option("--position", position)->required();

  CLI11_PARSE(app, argc, argv);
  auto stub = ArchiveStub(g);

  if (stream->parsed()) {
    wecom::archive::v1::StreamMessagesRequest request;
    request.set_corp_id(corp);
    if (!consumer.empty()) {
      request.set_consumer(consumer);
    } else {
      request.set_after_seq(after_seq);
    }
    for (const std::string& t : msgtypes) request.add_msgtypes(t);
    request.set_conversation_id(conversation);
    request.set_sender(sender);
    grpc::ClientContext context;
    auto reader = stub->StreamMessages(&context, request);
    wecom::archive::StreamEventReader events(reader.get());
    wecom::archive::v1::StreamEvent event;
    uint64_t printed = 0, last_position = 0;
    while (events.Next(&event)) {
      if (event.kind() == wecom::archive::v1::StreamEvent::KIND_CAUGHT_UP) {
        std::cerr << "-- caught up at position " << event.position() << "\n";
        if (until_caught_up) break;
        continue;
      }
      last_position = event.position();
      std::cout << (g.json ? ToJson(event) : Summarize(event.message())) << "\n";
      if (max_messages != 0 && ++printed >= max_messages) break;
    }
    context.TryCancel();
    grpc::Status finished = reader->Finish();
    if (!finished.ok() && finished.error_code() != grpc::StatusCode::CANCELLED) {
      return Fail(finished);
    }
    if (ack && !consumer.empty() && last_position > 0) {
      wecom::archive::v1::AckMessagesRequest ack_request;
      ack_request.set_corp_id(corp);
      ack_request.set_consumer(consumer);
      ack_request.set_position(last_position);
      wecom::archive::v1::AckMessagesResponse ack_response;
      grpc::ClientContext ack_context;
      grpc::Status acked = stub->AckMessages(&ack_context, ack_request, &ack_response);
      if (!acked.ok()) return Fail(acked);
    }
    return 0;
  }
  grpc::ClientContext context;
  if (get->parsed()) {
    wecom::archive::v1::GetMessageRequest request;
    request.set_corp_id(corp);
    request.set_msgid(msgid);
    wecom::archive::v1::GetMessageResponse response;
    return PrintUnary(stub->GetMessage(&context, request, &response), response);
  }
  if (list->parsed()) {
    wecom::archive::v1::ListMessagesRequest request;
    request.set_corp_id(corp);
    request.set_conversation_id(conversation);
    request.set_start_time_ms(start_ms);
    request.set_end_time_ms(end_ms);
    request.set_page_size(page_size);
    request.set_page_token(page_token);
    wecom::archive::v1::ListMessagesResponse response;
    return PrintUnary(stub->ListMessages(&context, request, &response), response);
  }
  if (status->parsed()) {
    wecom::archive::v1::GetCorpStatusRequest request;
    request.set_corp_id(corp);
    wecom::archive::v1::GetCorpStatusResponse response;
    return PrintUnary(stub->GetCorpStatus(&context, request, &response), response);
  }
  if (robot->parsed()) {
    wecom::archive::v1::GetRobotInfoRequest request;
    request.set_corp_id(corp);
    request.set_robot_id(robot_id);
    wecom::archive::v1::GetRobotInfoResponse response;
    return PrintUnary(stub->GetRobotInfo(&context, request, &response), response);
  }
  if (group->parsed()) {
    wecom::archive::v1::GetGroupChatRequest request;
    request.set_corp_id(corp);
    request.set_roomid(roomid);
    wecom::archive::v1::GetGroupChatResponse response;
    return PrintUnary(stub->GetGroupChat(&context, request, &response), response);
  }
  if (ack_cmd->parsed()) {
    wecom::archive::v1::AckMessagesRequest request;
    request.set_corp_id(corp);
    request.set_consumer(consumer);
    request.set_position(position);
    wecom::archive::v1::AckMessagesResponse response;
    return PrintUnary(stub->AckMessages(&context, request, &response), response);
  }
  return 0;
}
