// QuntoolEmulator::SendMessage: validates a send as the document describes,
// paces the account, applies its corp's hourly limit, and POSTs the
// sent-message callback ("quntool端发出消息的回调") of the message's type, with
// sendMsgId = the msgId it returns.
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "common/status/status_macros.h"
#include "emulators/quntool/quntool_emulator.h"
#include "emulators/quntool/request_params.h"

namespace wecom::quntool {
namespace {

// The document's limits for media WeCom will not deliver: "超过5M的gif需要用
// 文件消息接口发送", "视频大小不要超过50MB,否则腾讯那边会拦截掉".
constexpr size_t kMaxGifBytes = 5 * 1024 * 1024;
constexpr size_t kMaxVideoBytes = 50 * 1024 * 1024;

// What one send type puts in its callback beyond the fields every sent
// message has.
struct Echo {
  std::string callback_type;
  Json fields = Json::object();
  // send_time and local_id are strings in the document's emoticon and person
  // card examples and numbers elsewhere.
  bool string_send_time = false;
  // Set when the document says WeCom will not deliver this message.
  std::string undeliverable;
};

// The part of a fileUrl from "/gnapi/" on, when it names a file on this
// server (relative, as /file/upload returns it, or absolute).
absl::string_view ServerPath(absl::string_view file_url) {
  const size_t at = absl::AsciiStrToLower(file_url).find("/gnapi/");
  return at == std::string::npos ? absl::string_view() : file_url.substr(at);
}

// The server-relative path the callback reports for a sent file: the file's
// own path when it is on this server, else where quntool would cache a
// download of it.
std::string SentFilePath(absl::string_view file_url) {
  if (absl::string_view path = ServerPath(file_url); !path.empty()) return std::string(path);
  absl::string_view name = file_url.substr(file_url.rfind('/') + 1);
  name = name.substr(0, name.find('?'));
  return absl::StrCat("/gnapi/files/Storage/",
                      absl::FormatTime("%Y%m%d", absl::Now(), absl::FixedTimeZone(8 * 3600)), "/",
                      Md5Hex(file_url), "/", name.empty() ? "file" : name);
}

// "你好{$@}、{$@}" with ["a","b"] → "你好@A、@B". Without placeholders the
// mentions lead the text. ["0"] mentions everyone.
absl::StatusOr<std::string> RenderMentions(absl::string_view content,
                                           const std::vector<std::string>& names) {
  static constexpr absl::string_view kPlaceholder = "{$@}";
  size_t placeholders = 0;
  for (size_t at = content.find(kPlaceholder); at != absl::string_view::npos;
       at = content.find(kPlaceholder, at + kPlaceholder.size())) {
    ++placeholders;
  }
  if (placeholders == 0) {
    std::string rendered;
    for (const std::string& name : names) absl::StrAppend(&rendered, "@", name, " ");
    return absl::StrCat(rendered, content);
  }
  if (placeholders != names.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("content has ", placeholders, " {$@} but atList has ", names.size(), " ids"));
  }
  std::string rendered;
  size_t from = 0;
  for (const std::string& name : names) {
    const size_t at = content.find(kPlaceholder, from);
    absl::StrAppend(&rendered, content.substr(from, at - from), "@", name);
    from = at + kPlaceholder.size();
  }
  absl::StrAppend(&rendered, content.substr(from));
  return rendered;
}

// Copies the listed parameters into the callback under the same names.
void CopyFields(const Json& params, std::initializer_list<const char*> names, Json& fields) {
  for (const char* name : names) fields[name] = ParamString(params, name);
}

// Type-specific validation and fields. `file_size` is the size of fileUrl
// when it is a file on this server, else 0 (not known without fetching it).
absl::StatusOr<Echo> EchoFor(const std::string& type, const Json& params, size_t file_size) {
  Echo echo;
  if (type == "text" || type == "quote" || type == "roomAt") {
    echo.callback_type = "text_msg";
    ASSIGN_OR_RETURN(std::string content, RequiredString(params, "content"));
    echo.fields["at_list"] = Json::array();
    echo.fields["content"] = content;
    if (type == "quote") {
      RETURN_IF_ERROR(RequiredString(params, "serverid").status());
      // The document says the quoted text comes back in the callback but
      // names no field; the emulator uses the request's own name.
      if (params.contains("quote")) echo.fields["quote"] = ParamString(params, "quote");
    }
    return echo;
  }
  if (type == "personCard") {
    echo.callback_type = "person_card_msg";
    echo.string_send_time = true;
    ASSIGN_OR_RETURN(std::string user_id, RequiredString(params, "personcarduserid"));
    echo.fields = {{"avatar", ParamString(params, "avatar")},
                   {"nickname", ParamString(params, "nickname")},
                   {"user_id", user_id},
                   {"local_id", "0"}};
    return echo;
  }
  if (type == "link") {
    echo.callback_type = "link_card_msg";
    ASSIGN_OR_RETURN(std::string title, RequiredString(params, "title"));
    echo.fields = {{"desc", ParamString(params, "desc")},
                   {"image_url", ParamString(params, "imageurl")},
                   {"title", title},
                   {"url", ParamString(params, "url")}};
    return echo;
  }
  if (type == "miniProgram") {
    echo.callback_type = "mini_program_msg";
    RETURN_IF_ERROR(RequiredString(params, "appid").status());
    CopyFields(params,
               {"appicon", "appid", "appname", "page_path", "title", "username", "cover_path"},
               echo.fields);
    echo.fields["cdn_type"] = 0;
    return echo;
  }
  if (type == "videoNum") {
    echo.callback_type = "video_num_msg";
    RETURN_IF_ERROR(RequiredString(params, "url").status());
    CopyFields(params, {"cover_url", "desc"}, echo.fields);
    echo.fields["feed_type"] = params.value("feed_type", Json(4));
    CopyFields(params, {"nickname", "thumb_url", "url", "extras", "avatar"}, echo.fields);
    return echo;
  }
  // The file-bearing types.
  ASSIGN_OR_RETURN(std::string file_url, RequiredString(params, "fileurl"));
  const std::string file_path = SentFilePath(file_url);
  if (type == "image") {
    echo.callback_type = "image_msg";
    echo.fields = {{"file_path", file_path}, {"imgWidth", 200}, {"imgHeight", 200},
                   {"cdn_type", 0},          {"width", 200},    {"height", 200}};
  } else if (type == "file") {
    echo.callback_type = "file_msg";
    const std::string name = file_path.substr(file_path.rfind('/') + 1);
    echo.fields = {{"file_path", file_path},
                   {"cdn_type", 0},
                   {"cdn",
                    {{"aes_key", ""},
                     {"file_id", ""},
                     {"file_name", name},
                     {"ld_size", 0},
                     {"md5", Md5Hex(file_path)},
                     {"md_size", 0},
                     {"size", file_size}}}};
  } else if (type == "gif") {
    echo.callback_type = "emoticon_msg";
    echo.string_send_time = true;
    echo.fields = {{"local_id", "0"}, {"url", file_url}, {"width", 240}, {"height", 240}};
    if (file_size > kMaxGifBytes) echo.undeliverable = "gif over 5 MB: send it with /msg/file";
  } else if (type == "video") {
    echo.callback_type = "video_msg";
    echo.fields = {
        {"file_path", file_path}, {"videoWidth", 720}, {"videoHeight", 1280}, {"cdn_type", 0}};
    if (file_size > kMaxVideoBytes) echo.undeliverable = "video over 50 MB is blocked by WeCom";
  } else if (type == "voice") {
    echo.callback_type = "voice_msg";
    echo.fields = {{"duration", 4}, {"file_path", file_path}, {"cdn_type", 0}};
  } else {
    return absl::InvalidArgumentError(absl::StrCat("unknown message type ", type));
  }
  return echo;
}

}  // namespace

absl::StatusOr<std::string> QuntoolEmulator::SendMessage(const OutgoingMessage& message) {
  const Json& params = message.params;
  ASSIGN_OR_RETURN(const std::string wx_id, RequiredString(params, "wxid"));
  ASSIGN_OR_RETURN(const std::string conversation_id, RequiredString(params, "conversationid"));
  const bool to_group = conversation_id.starts_with("R:");
  if (!to_group && !conversation_id.starts_with("S:")) {
    return absl::InvalidArgumentError("conversationId以S:或R:开头");
  }
  if (message.type == "roomAt" && !to_group) {
    return absl::InvalidArgumentError("roomAt只能发到群聊(R:)");
  }
  size_t file_size = 0;
  const std::string file_url = ParamString(params, "fileurl");
  if (absl::string_view path = ServerPath(file_url); !path.empty()) {
    if (absl::StatusOr<StoredFile> file = FindFile(path); file.ok()) {
      file_size = file->content.size();
    }
  }
  ASSIGN_OR_RETURN(Echo echo, EchoFor(message.type, params, file_size));

  absl::MutexLock lock(&mu);
  ASSIGN_OR_RETURN(Account * account, FindAccount(wx_id));
  std::string receiver;
  if (to_group) {
    if (FindGroup(*account, conversation_id) == nullptr) {
      return absl::NotFoundError(absl::StrCat("群聊不存在: ", conversation_id));
    }
    receiver = conversation_id.substr(2);
  } else {
    const std::string_view pair = std::string_view(conversation_id).substr(2);
    const size_t underscore = pair.find('_');
    const std::string_view first = pair.substr(0, underscore);
    const std::string_view second =
        underscore == std::string_view::npos ? "" : pair.substr(underscore + 1);
    if (first != wx_id && second != wx_id) {
      return absl::InvalidArgumentError(
          absl::StrCat("conversationId不属于该企微: ", conversation_id));
    }
    receiver = std::string(first == wx_id ? second : first);
  }
  if (message.type == "roomAt") {
    const std::vector<std::string> at_list = ParamList(params, "atlist");
    if (at_list.empty()) return absl::InvalidArgumentError("atList不能为空");
    std::vector<std::string> names;
    for (const std::string& id : at_list) {
      const Contact* contact = FindContact(*account, id);
      names.push_back(id == "0"                   ? "所有人"
                      : contact == nullptr        ? id
                      : contact->username.empty() ? id
                                                  : contact->username);
    }
    ASSIGN_OR_RETURN(echo.fields["content"],
                     RenderMentions(echo.fields["content"].get<std::string>(), names));
    echo.fields["at_list"] = at_list;
  }

  // The vendor's pacing: every send, throttled or not, restarts the
  // account's interval, as hammering a throttled account prolongs it.
  const absl::Time now = absl::Now();
  const auto [last, first_send] = last_send_.try_emplace(wx_id, now);
  const bool too_fast =
      !first_send && now - last->second < absl::Milliseconds(config_.min_send_interval_ms);
  last->second = now;
  // The vendor's corp limit over a sliding hour. Only delivered sends count:
  // the document limits the messages a corp sends, and refused ones are not.
  SlidingWindow& corp_sends =
      corp_sends_.try_emplace(account->corp_id, absl::Hours(1)).first->second;
  const bool corp_limit_reached = corp_sends.CountAt(now) >= config_.corp_hourly_limit;

  const std::string msg_id = NewUuid();
  const int64_t send_time = absl::ToUnixSeconds(now);
  Json data = {
      {"content_type", 0},
      {"conversation_id", conversation_id},
      {"is_pc", 1},
      {"receiver", receiver},
      {"send_time", echo.string_send_time ? Json(absl::StrCat(send_time)) : Json(send_time)},
      {"sender", wx_id},
      {"server_id", NextServerId()}};
  data.update(echo.fields);
  const QuntoolUser* user = FindUser(account->user_id);
  data["sendUserId"] = account->user_id;
  data["sendUserName"] = user == nullptr ? "" : user->username;
  data["isOpenApi"] = true;
  if (too_fast || corp_limit_reached) {
    data["error_code"] = kErrorAbnormalFrequency;
    data["error_message"] = std::string(kAbnormalFrequencyMessage);
  } else if (!echo.undeliverable.empty()) {
    data["error_code"] = kErrorMediaTooLarge;
    data["error_message"] = echo.undeliverable;
  } else {
    data["error_code"] = 0;
    data["error_message"] = "";
    corp_sends.Add(now);
  }
  PostCallback(*account, echo.callback_type, std::move(data), msg_id);
  return msg_id;
}

}  // namespace wecom::quntool
