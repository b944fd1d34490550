// message.proto names its fields after the vendor's JSON keys, so content is
// filled generically through reflection (json_fields.h). This file holds only
// what the names do not say: where each msgtype keeps its content, the keys
// that differ from field names, item parsing, and the derived fields.
#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "common/status/status_macros.h"
#include "services/archive/parse/json_fields.h"
#include "services/archive/parse/message_parser.h"

namespace wecom::archive {
namespace {

using ::google::protobuf::DynamicCastToGenerated;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;
using ::google::protobuf::OneofDescriptor;
using ::google::protobuf::Reflection;
using ::google::protobuf::RepeatedPtrField;
using ::nlohmann::json;
using ::wecom::archive::v1::ChatMessage;
using ::wecom::archive::v1::ChatRecordItem;
using ::wecom::archive::v1::Emotion;
using ::wecom::archive::v1::File;
using ::wecom::archive::v1::Image;
using ::wecom::archive::v1::MediaRef;
using ::wecom::archive::v1::MeetingVoiceCall;
using ::wecom::archive::v1::MixedItem;
using ::wecom::archive::v1::Quote;
using ::wecom::archive::v1::SenderKind;
using ::wecom::archive::v1::Text;
using ::wecom::archive::v1::Video;
using ::wecom::archive::v1::Voice;
using ::wecom::archive::v1::VoipDocShare;

// The fields every message but the switch log carries, under their own names.
constexpr absl::string_view kCommonFields[] = {"msgid",  "action",  "from",   "tolist",
                                               "roomid", "msgtime", "msgtype"};

// Each msgtype's content is the `content` member named like the msgtype, and
// sits under the key of that name, except for these keys.
struct ContentKey {
  absl::string_view msgtype;
  absl::string_view key;
};
constexpr ContentKey kContentKeyExceptions[] = {
    {"meeting_notification", "info"},
    {"docmsg", "doc"},
    {"markdown", "info"},
    {"news", "info"},
    {"external_redpacket", "redpacket"},
    {"voiptext", "info"},
    {"qydiskfile", "info"},
};

absl::string_view ContentKeyOf(absl::string_view msgtype) {
  for (const ContentKey& exception : kContentKeyExceptions) {
    if (exception.msgtype == msgtype) return exception.key;
  }
  return msgtype;
}

// The member of `oneof` named `name`, or nullptr.
const FieldDescriptor* OneofMember(const OneofDescriptor& oneof, absl::string_view name) {
  const FieldDescriptor* field = oneof.containing_type()->FindFieldByName(std::string(name));
  return field != nullptr && field->containing_oneof() == &oneof ? field : nullptr;
}

// Fields message.proto derives rather than reads: the typed forms of items
// (the `parsed` oneofs) and quotes.
bool IsDerived(const FieldDescriptor& field) {
  return field.containing_oneof() != nullptr || field.message_type() == Quote::descriptor();
}

absl::Status FinishPart(absl::string_view path, Message& message);

FillHooks ChatMessageHooks() { return {.is_derived = IsDerived, .finish = FinishPart}; }

// Parses a mixed or chatrecord item's `content` JSON string into the `parsed`
// member its type names: "image" and "ChatRecordImage" both name `image`.
// Types without a typed form, and empty content, keep only type and content.
template <typename Item>
absl::Status ParseItemContent(absl::string_view path, Item& item) {
  absl::string_view type = item.type();
  absl::ConsumePrefix(&type, "ChatRecord");
  const FieldDescriptor* field =
      OneofMember(*Item::descriptor()->FindOneofByName("parsed"), absl::AsciiStrToLower(type));
  if (field == nullptr || item.content().empty()) return absl::OkStatus();
  const std::string content_path = JoinPath(path, "content");
  ASSIGN_OR_RETURN(const json content, ParseJsonObject(item.content(), content_path));
  return FillMessage(content, content_path, ChatMessageHooks(),
                     *item.GetReflection()->MutableMessage(&item, field));
}

// The derived parts of content messages, wherever they are nested.
absl::Status FinishPart(absl::string_view path, Message& message) {
  if (auto* text = DynamicCastToGenerated<Text>(&message)) {
    if (std::optional<Quote> quote = ParseQuote(text->content())) {
      *text->mutable_quote() = *std::move(quote);
    }
  } else if (auto* record_item = DynamicCastToGenerated<ChatRecordItem>(&message)) {
    return ParseItemContent(path, *record_item);
  } else if (auto* mixed_item = DynamicCastToGenerated<MixedItem>(&message)) {
    return ParseItemContent(path, *mixed_item);
  }
  return absl::OkStatus();
}

// Sets the content member for message.msgtype(); unknown msgtypes have none.
absl::Status FillContent(const json& root, ChatMessage& message) {
  const std::string& msgtype = message.msgtype();
  const FieldDescriptor* field =
      OneofMember(*ChatMessage::descriptor()->FindOneofByName("content"), msgtype);
  if (field == nullptr) return absl::OkStatus();
  // Set even when the key is absent: the msgtype says what the message is.
  Message& content = *message.GetReflection()->MutableMessage(&message, field);
  const absl::string_view key = ContentKeyOf(msgtype);
  const auto content_json = root.find(key);
  const bool has_content_json = content_json != root.end() && !content_json->is_null();
  if (has_content_json) {
    RETURN_IF_ERROR(FillMessage(*content_json, key, ChatMessageHooks(), content));
  }

  // Keys that differ from their field's name, or live outside the content.
  switch (message.content_case()) {
    case ChatMessage::kAgree:
    case ChatMessage::kDisagree:
      if (!has_content_json) return absl::OkStatus();
      return FillField(*content_json, absl::StrCat(msgtype, "_time"), key, "time",
                       ChatMessageHooks(), content);
    case ChatMessage::kMeetingVoiceCall:
      return FillField(root, "voiceid", "", "voiceid", ChatMessageHooks(), content);
    case ChatMessage::kVoipDocShare:
      return FillField(root, "voipid", "", "voipid", ChatMessageHooks(), content);
    default:
      return absl::OkStatus();
  }
}

// roomid for group chats; otherwise the parties' ids sorted and joined with
// '|' (for a one-to-one chat, `from` and its single recipient), so both
// directions of a chat share one id.
std::string ConversationId(const ChatMessage& message) {
  if (!message.roomid().empty()) return message.roomid();
  std::vector<absl::string_view> parties;
  if (!message.from().empty()) parties.push_back(message.from());
  for (const std::string& to : message.tolist()) {
    if (!to.empty()) parties.push_back(to);
  }
  std::sort(parties.begin(), parties.end());
  return absl::StrJoin(parties, "|");
}

// The vendor's id prefixes: "wb" robots, "wo"/"wm" external contacts.
SenderKind SenderKindOf(absl::string_view from) {
  if (from.empty()) return v1::SENDER_KIND_UNSPECIFIED;
  if (absl::StartsWith(from, "wb")) return v1::SENDER_KIND_ROBOT;
  if (absl::StartsWith(from, "wo") || absl::StartsWith(from, "wm")) {
    return v1::SENDER_KIND_EXTERNAL;
  }
  return v1::SENDER_KIND_INTERNAL;
}

// "a.b.pdf" -> "pdf"; "bin" when the name has no extension.
absl::string_view ExtensionOf(absl::string_view filename) {
  const size_t dot = filename.rfind('.');
  if (dot == absl::string_view::npos || dot + 1 == filename.size()) return "bin";
  return filename.substr(dot + 1);
}

MediaRef MakeMediaRef(absl::string_view kind, const std::string& sdkfileid,
                      const std::string& md5sum, uint64_t size, absl::string_view ext,
                      const std::string& filename) {
  MediaRef ref;
  ref.set_kind(std::string(kind));
  ref.set_sdkfileid(sdkfileid);
  ref.set_md5sum(md5sum);
  ref.set_size(size);
  ref.set_ext(std::string(ext));
  ref.set_filename(filename);
  return ref;
}

// The media object `message` refers to, if it is of a type that carries one.
std::optional<MediaRef> MediaRefOf(const Message& message) {
  if (const auto* image = DynamicCastToGenerated<Image>(&message)) {
    return MakeMediaRef("image", image->sdkfileid(), image->md5sum(), image->filesize(), "jpg", "");
  }
  if (const auto* voice = DynamicCastToGenerated<Voice>(&message)) {
    return MakeMediaRef("voice", voice->sdkfileid(), voice->md5sum(), voice->voice_size(), "amr",
                        "");
  }
  if (const auto* video = DynamicCastToGenerated<Video>(&message)) {
    return MakeMediaRef("video", video->sdkfileid(), video->md5sum(), video->filesize(), "mp4", "");
  }
  if (const auto* emotion = DynamicCastToGenerated<Emotion>(&message)) {
    const absl::string_view ext = emotion->type() == 1   ? "gif"
                                  : emotion->type() == 2 ? "png"
                                                         : "bin";
    return MakeMediaRef("emotion", emotion->sdkfileid(), emotion->md5sum(), emotion->imagesize(),
                        ext, "");
  }
  if (const auto* file = DynamicCastToGenerated<File>(&message)) {
    const absl::string_view ext =
        file->fileext().empty() ? ExtensionOf(file->filename()) : file->fileext();
    return MakeMediaRef("file", file->sdkfileid(), file->md5sum(), file->filesize(), ext,
                        file->filename());
  }
  if (const auto* call = DynamicCastToGenerated<MeetingVoiceCall>(&message)) {
    // The recording itself has no file name (demofiledata names shared documents).
    return MakeMediaRef("meeting_voice_call", call->sdkfileid(), "", 0, "bin", "");
  }
  if (const auto* share = DynamicCastToGenerated<VoipDocShare>(&message)) {
    return MakeMediaRef("voip_doc_share", share->sdkfileid(), share->md5sum(), share->filesize(),
                        ExtensionOf(share->filename()), share->filename());
  }
  return std::nullopt;
}

// Appends a MediaRef for every sdkfileid in `message` and everything nested in
// it (mixed and chatrecord items included), depth first.
void CollectMedia(const Message& message, RepeatedPtrField<MediaRef>& media) {
  if (std::optional<MediaRef> ref = MediaRefOf(message); ref && !ref->sdkfileid().empty()) {
    media.Add(*std::move(ref));
  }
  const Reflection& reflection = *message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection.ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (!field->is_repeated()) {
      CollectMedia(reflection.GetMessage(message, field), media);
      continue;
    }
    for (int i = 0; i < reflection.FieldSize(message, field); ++i) {
      CollectMedia(reflection.GetRepeatedMessage(message, field, i), media);
    }
  }
}

}  // namespace

absl::StatusOr<ChatMessage> ParseChatMessage(std::string_view decrypted_json) {
  ASSIGN_OR_RETURN(const json root, ParseJsonObject({decrypted_json.data(), decrypted_json.size()},
                                                    "decrypted message"));
  ChatMessage message;
  for (absl::string_view field : kCommonFields) {
    RETURN_IF_ERROR(FillField(root, field, "", field, ChatMessageHooks(), message));
  }
  if (message.msgid().empty()) {
    return absl::InvalidArgumentError("decrypted message has no msgid");
  }

  if (message.action() == "switch") {
    // Not a real message: "time" and "user" at the top, no msgtype.
    RETURN_IF_ERROR(FillMessage(root, "", ChatMessageHooks(), *message.mutable_switch_log()));
    message.set_msgtype("switch");
    message.set_msgtime(message.switch_log().time());
  } else {
    RETURN_IF_ERROR(FillContent(root, message));
    message.set_conversation_id(ConversationId(message));
  }

  message.set_sender_kind(SenderKindOf(message.from()));
  message.set_external(absl::EndsWith(message.msgid(), "_external"));
  message.set_updown_stream(absl::EndsWith(message.msgid(), "_updown_stream"));
  if (const FieldDescriptor* content = message.GetReflection()->GetOneofFieldDescriptor(
          message, ChatMessage::descriptor()->FindOneofByName("content"))) {
    CollectMedia(message.GetReflection()->GetMessage(message, content), *message.mutable_media());
  }
  message.set_original_json(std::string(decrypted_json));
  return message;
}

}  // namespace wecom::archive
