#include "emulators/quntool/received_messages.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace wecom::quntool {
namespace {

struct TypeTemplate {
  absl::string_view type;
  int content_type;
  bool media;
  // The type's own fields, as in the document's example.
  const char* fields;
};

// content_type values and fields are the document's examples'.
constexpr TypeTemplate kTemplates[] = {
    {"text_msg", 2, false, R"j({"at_list": [], "content": "你好"})j"},
    {"image_msg", 101, true,
     R"j({"cdn": {"aes_key": "f4fc952536b0206aa21d382e1833c42f", "file_name": "", "height": 120,
        "md5": "9537ed76b4731c211e863dac2c9cffb0", "size": 149248, "width": 89},
        "cdn_type": 1, "imgWidth": 1279, "imgHeight": 1706})j"},
    {"video_msg", 103, true,
     R"j({"cdn": {"aes_key": "1cf0aa5caafe41331897680c7e086058", "file_name": "",
        "md5": "3b842926bdf06a9711c7e7dc38438368", "size": 2051752}, "cdn_type": 1,
        "duration": 29, "height": 0, "width": 0, "videoWidth": 368, "videoHeight": 640})j"},
    {"voice_msg", 16, true,
     R"j({"cdn": {"aes_key": "7065676876747A786178757967757674", "file_id": "", "file_name": "",
        "md5": "2a28b6d670176e4ede63b4ff40706d31", "size": 5282}, "cdn_type": 2,
        "duration": 3})j"},
    {"file_msg", 102, true,
     R"j({"cdn": {"aes_key": "edef928c0f6c3cf25d788f46218f8ac8", "file_name": "Setup.log",
        "md5": "67717327f234ccdaf083b132e66341f3", "size": 3375050}, "cdn_type": 1,
        "file_size": 3375050})j"},
    {"location_msg", 6, false,
     R"j({"address": "浙江省杭州市西湖区余杭塘路866号", "latitude": 30.30261,
        "longitude": 120.08213, "title": "浙江大学(紫金港校区)", "zoom": 15})j"},
    {"link_card_msg", 13, false,
     R"j({"cdn": {"aes_key": "", "size": 84662}, "cdn_type": 1, "desc": "真正的流量增长专家!",
        "image_url": "", "title": "光年实验室", "url": "https://www.gnlab.com"})j"},
    {"emoticon_msg", 29, false,
     R"j({"cdn": {"aes_key": "", "file_id": "", "md5": "ac39c925acba989e615653dfcbe04398",
        "size": 0}, "cdn_type": 1, "height": 240, "name": "动画表情", "source_type": 101,
        "type": 2, "url": "https://wework.qpic.cn/wwpic/wwwx_ac39c925acba989e615653dfcbe04398/0",
        "width": 240})j"},
    {"red_packet_msg", 26, false,
     R"j({"desc": "来自客户的红包,请进入手机版企业微信查看", "money": 1,
        "packet_id": "1800008896202306147404849530015", "remark": ""})j"},
    {"person_card_msg", 41, false,
     R"j({"avatar": "", "corp_id": 0, "corp_name": "微信", "nickname": "峰哥",
        "source": "微信", "user_id": "7881301954970001"})j"},
    {"mini_program_msg", 78, false,
     R"j({"appicon": "", "appid": "wx8f98d076d3459dd6", "appname": "雪球 App",
        "cdn": {"aes_key": "", "file_id": "", "size": 80799}, "cdn_type": 2,
        "page_path": "pages/fundIndex/public.html?sourceFrom=share", "thumb_height": 504,
        "thumb_width": 630, "title": "Hi 聪明的投资者", "username": "gh_7a080f2e543d@app",
        "cover_path": ""})j"},
    {"video_num_msg", 141, false,
     R"j({"avatar": "", "cover_url": "", "desc": "视频号动态", "extras": "", "feed_type": 4,
        "nickname": "白鹭洲知政", "thumb_url": "",
        "url": "https://channels.weixin.qq.com/web/pages/feed?eid=export"})j"},
    {"chat_gray_msg", 1011, false,
     R"j({"content": "左脚开启了联系人验证,你还不是他(她)的联系人。"})j"},
};

const TypeTemplate* FindTemplate(absl::string_view type) {
  for (const TypeTemplate& entry : kTemplates) {
    if (entry.type == type) return &entry;
  }
  return nullptr;
}

}  // namespace

bool IsReceivedMessageType(absl::string_view type) { return FindTemplate(type) != nullptr; }

bool HasMediaFile(absl::string_view type) {
  const TypeTemplate* entry = FindTemplate(type);
  return entry != nullptr && entry->media;
}

absl::StatusOr<Json> ReceivedMessageData(const ReceivedMessage& message) {
  const TypeTemplate* entry = FindTemplate(message.type);
  if (entry == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("not a received message type: ", message.type));
  }
  // Times are strings in received messages, numbers in sent ones: as in the
  // document's examples.
  Json data = {{"appinfo", absl::StrCat(message.server_id, "000")},
               {"content_type", entry->content_type},
               {"conversation_id", message.conversation_id},
               {"is_pc", 0},
               {"local_id", message.server_id.substr(message.server_id.size() - 4)},
               {"receiver", message.receiver},
               {"send_time", absl::StrCat(message.send_time)},
               {"sender", message.sender},
               {"sender_name", message.sender_name},
               {"server_id", message.server_id}};
  data.update(Json::parse(entry->fields));
  if (entry->media) data["file_path"] = message.file_path;
  if (message.type == "chat_gray_msg") {
    // Gray notices are the account's own: it is the sender.
    data["sender"] = message.receiver;
    data["receiver"] = message.sender;
    data["sender_name"] = "";
  }
  return data;
}

}  // namespace wecom::quntool
