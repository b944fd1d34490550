#include "services/robot-gateway/quntool/quntool_outgoing.h"

#include <utility>

#include "absl/status/status.h"

namespace wecom::robot {
namespace {

using nlohmann::json;

QuntoolSend Media(std::string path, std::string mqtt_type, const v1::MediaContent& media) {
  return {std::move(path), std::move(mqtt_type), {{"fileUrl", media.file_url()}}};
}

}  // namespace

absl::StatusOr<QuntoolSend> QuntoolSendFor(const OutgoingMessage& message, bool gif_as_file) {
  const v1::MessageContent& content = message.content;
  QuntoolSend send;
  switch (content.kind_case()) {
    case v1::MessageContent::kText: {
      const v1::TextContent& text = content.text();
      if (text.mention_user_ids().empty() && !text.mention_all()) {
        send = {"/msg/text", "text", {{"content", text.content()}}};
        break;
      }
      // "@所有人传["0"]"; with both, everyone is mentioned first.
      json at_list = json::array();
      if (text.mention_all()) at_list.push_back("0");
      for (const std::string& id : text.mention_user_ids()) at_list.push_back(id);
      send = {"/msg/roomAt", "roomAt", {{"content", text.content()}, {"atList", at_list}}};
      break;
    }
    case v1::MessageContent::kImage:
      send = Media("/msg/image", "image", content.image());
      break;
    case v1::MessageContent::kFile:
      send = Media("/msg/file", "file", content.file());
      break;
    case v1::MessageContent::kGif:
      send = gif_as_file ? Media("/msg/file", "file", content.gif())
                         : Media("/msg/gif", "gif", content.gif());
      break;
    case v1::MessageContent::kVideo:
      send = Media("/msg/video", "video", content.video());
      break;
    case v1::MessageContent::kVoice:
      send = Media("/msg/voice", "", content.voice());
      break;
    case v1::MessageContent::kPersonCard:
      send = {
          "/msg/personCard", "personCard", {{"personCardUserId", content.person_card().user_id()}}};
      break;
    case v1::MessageContent::kLink: {
      const v1::LinkContent& link = content.link();
      send = {"/msg/link",
              "link",
              {{"title", link.title()},
               {"desc", link.description()},
               {"url", link.url()},
               {"imageUrl", link.image_url()}}};
      break;
    }
    case v1::MessageContent::kMiniProgram: {
      const v1::MiniProgramContent& mini = content.mini_program();
      send = {"/msg/miniProgram",
              "miniProgram",
              {{"username", mini.username()},
               {"appid", mini.appid()},
               {"appname", mini.appname()},
               {"appicon", mini.appicon()},
               {"title", mini.title()},
               {"page_path", mini.page_path()},
               {"cover_path", mini.cover_path()}}};
      break;
    }
    case v1::MessageContent::kSavedMiniProgramId:
      send = {"/miniProgram/send", "", {{"miniProgramId", content.saved_mini_program_id()}}};
      break;
    case v1::MessageContent::kVideoNum: {
      const v1::VideoNumContent& video = content.video_num();
      send = {"/msg/videoNum",
              "videoNum",
              {{"cover_url", video.cover_url()},
               {"desc", video.description()},
               {"feed_type", video.feed_type()},
               {"nickname", video.nickname()},
               {"thumb_url", video.thumb_url()},
               {"url", video.url()},
               {"extras", video.extras()},
               {"avatar", video.avatar_url()}}};
      break;
    }
    case v1::MessageContent::kSavedVideoNumId:
      send = {"/videonum/send", "", {{"videoNumId", content.saved_video_num_id()}}};
      break;
    case v1::MessageContent::kQuote: {
      const v1::QuoteContent& quote = content.quote();
      send = {
          "/msg/quote", "", {{"content", quote.content()}, {"serverId", quote.quoted_server_id()}}};
      // Optional: "该字段不传也能发送".
      if (!quote.quoted_text().empty()) send.body["quote"] = quote.quoted_text();
      break;
    }
    case v1::MessageContent::KIND_NOT_SET:
      return absl::InvalidArgumentError("content: no message kind set");
  }
  send.body["wxId"] = message.account.vendor_account_id;
  send.body["conversationId"] = message.conversation_id;
  return send;
}

}  // namespace wecom::robot
