// wecomctl archive …: the ArchiveService commands.
#include "tools/wecomctl/archive_commands.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/archive/client/stream_event_reader.h"
#include "wecom/archive/v1/archive_service.grpc.pb.h"

namespace wecomctl {
namespace {

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

// The flags of every archive subcommand.
struct ArchiveFlags {
  std::string corp;
  uint64_t after_seq = 0;
  std::string consumer;
  std::vector<std::string> msgtypes;
  std::string conversation, sender;
  bool until_caught_up = false, ack = false;
  uint64_t max_messages = 0;
  std::string msgid;
  int64_t start_ms = 0, end_ms = 0;
  int page_size = 0;
  std::string page_token;
  std::string robot_id;
  std::string roomid;
  uint64_t position = 0;
};

}  // namespace

CommandGroup AddArchiveCommands(CLI::App& app, const GlobalOptions* g) {
  auto a = std::make_shared<ArchiveFlags>();
  CLI::App* archive = app.add_subcommand("archive", "the archive service")->require_subcommand(1);
  auto add_corp = [a](CLI::App* cmd) { cmd->add_option("--corp", a->corp, "corp id")->required(); };

  CLI::App* stream = archive->add_subcommand("stream", "stream archived messages");
  add_corp(stream);
  stream->add_option("--after-seq", a->after_seq, "replay messages after this seq");
  stream->add_option("--consumer", a->consumer, "durable consumer name (resumes where it acked)");
  stream->add_option("--msgtype", a->msgtypes, "only these msgtypes");
  stream->add_option("--conversation", a->conversation, "only this conversation id");
  stream->add_option("--sender", a->sender, "only messages from this id");
  stream->add_flag("--until-caught-up", a->until_caught_up, "stop once history is replayed");
  stream->add_option("--max", a->max_messages, "stop after this many messages");
  stream->add_flag("--ack", a->ack, "acknowledge what was printed (with --consumer)");

  CLI::App* get = archive->add_subcommand("get", "one message by msgid");
  add_corp(get);
  get->add_option("--msgid", a->msgid)->required();

  CLI::App* list = archive->add_subcommand("list", "a conversation's messages");
  add_corp(list);
  list->add_option("--conversation", a->conversation)->required();
  list->add_option("--start-ms", a->start_ms);
  list->add_option("--end-ms", a->end_ms);
  list->add_option("--page-size", a->page_size);
  list->add_option("--page-token", a->page_token);

  CLI::App* status = archive->add_subcommand("status", "a corp's cursor, lag and keys");
  add_corp(status);

  CLI::App* robot = archive->add_subcommand("robot", "get_robot_info");
  add_corp(robot);
  robot->add_option("--robot-id", a->robot_id)->required();

  CLI::App* group = archive->add_subcommand("group", "msgaudit/groupchat/get");
  add_corp(group);
  group->add_option("--roomid", a->roomid)->required();

  CLI::App* ack_cmd = archive->add_subcommand("ack", "move a consumer's cursor");
  add_corp(ack_cmd);
  ack_cmd->add_option("--consumer", a->consumer)->required();
  ack_cmd->add_option("--position", a->position)->required();

  return {archive, [=]() -> int {
            auto stub = wecom::archive::v1::ArchiveService::NewStub(ChannelOrExit(*g, a->corp));

            if (stream->parsed()) {
              wecom::archive::v1::StreamMessagesRequest request;
              request.set_corp_id(a->corp);
              if (!a->consumer.empty()) {
                request.set_consumer(a->consumer);
              } else {
                request.set_after_seq(a->after_seq);
              }
              for (const std::string& t : a->msgtypes) request.add_msgtypes(t);
              request.set_conversation_id(a->conversation);
              request.set_sender(a->sender);
              grpc::ClientContext context;
              auto reader = stub->StreamMessages(&context, request);
              wecom::archive::StreamEventReader events(reader.get());
              wecom::archive::v1::StreamEvent event;
              uint64_t printed = 0, last_position = 0;
              while (events.Next(&event)) {
                if (event.kind() == wecom::archive::v1::StreamEvent::KIND_CAUGHT_UP) {
                  std::cerr << "-- caught up at position " << event.position() << "\n";
                  if (a->until_caught_up) break;
                  continue;
                }
                last_position = event.position();
                std::cout << (g->json ? ToJson(event) : Summarize(event.message())) << "\n";
                if (a->max_messages != 0 && ++printed >= a->max_messages) break;
              }
              context.TryCancel();
              grpc::Status finished = reader->Finish();
              if (!finished.ok() && finished.error_code() != grpc::StatusCode::CANCELLED) {
                return Fail(finished);
              }
              if (a->ack && !a->consumer.empty() && last_position > 0) {
                wecom::archive::v1::AckMessagesRequest ack_request;
                ack_request.set_corp_id(a->corp);
                ack_request.set_consumer(a->consumer);
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
              request.set_corp_id(a->corp);
              request.set_msgid(a->msgid);
              wecom::archive::v1::GetMessageResponse response;
              return PrintUnary(stub->GetMessage(&context, request, &response), response);
            }
            if (list->parsed()) {
              wecom::archive::v1::ListMessagesRequest request;
              request.set_corp_id(a->corp);
              request.set_conversation_id(a->conversation);
              request.set_start_time_ms(a->start_ms);
              request.set_end_time_ms(a->end_ms);
              request.set_page_size(a->page_size);
              request.set_page_token(a->page_token);
              wecom::archive::v1::ListMessagesResponse response;
              return PrintUnary(stub->ListMessages(&context, request, &response), response);
            }
            if (status->parsed()) {
              wecom::archive::v1::GetCorpStatusRequest request;
              request.set_corp_id(a->corp);
              wecom::archive::v1::GetCorpStatusResponse response;
              return PrintUnary(stub->GetCorpStatus(&context, request, &response), response);
            }
            if (robot->parsed()) {
              wecom::archive::v1::GetRobotInfoRequest request;
              request.set_corp_id(a->corp);
              request.set_robot_id(a->robot_id);
              wecom::archive::v1::GetRobotInfoResponse response;
              return PrintUnary(stub->GetRobotInfo(&context, request, &response), response);
            }
            if (group->parsed()) {
              wecom::archive::v1::GetGroupChatRequest request;
              request.set_corp_id(a->corp);
              request.set_roomid(a->roomid);
              wecom::archive::v1::GetGroupChatResponse response;
              return PrintUnary(stub->GetGroupChat(&context, request, &response), response);
            }
            if (ack_cmd->parsed()) {
              wecom::archive::v1::AckMessagesRequest request;
              request.set_corp_id(a->corp);
              request.set_consumer(a->consumer);
              request.set_position(a->position);
              wecom::archive::v1::AckMessagesResponse response;
              return PrintUnary(stub->AckMessages(&context, request, &response), response);
            }
            return 0;
          }};
}

}  // namespace wecomctl
