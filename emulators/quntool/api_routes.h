// The document's endpoints, one function per group, each returning the routes
// it serves below /gnapi/open. A handler returns the response's `data`; an
// error status becomes {"msg": <message>, "code": -1, "data": null}.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "emulators/quntool/quntool_emulator.h"
#include "httplib.h"

namespace wecom::quntool {

// `code` of every failure the emulator answers in the response body; the
// document shows only code 0.
inline constexpr int kCodeFailed = -1;

struct ApiRequest {
  // Query parameters and JSON body, keys lower-cased (request_params.h).
  Json params;
  const httplib::Request& http;
};

using ApiHandler = std::function<absl::StatusOr<Json>(const ApiRequest&)>;

struct ApiRoute {
  std::string method;  // GET, POST, PUT or DELETE, as the document gives it
  std::string path;    // below /gnapi/open, e.g. "/msg/text"
  ApiHandler handle;
};

// Login and containers: /inner/user/wx/list, /inner/user/list, /container/*.
std::vector<ApiRoute> AccountRoutes(QuntoolEmulator& emulator);
// Sends, mini program and video number lists, /file/upload, /batchmsg/confirm.
std::vector<ApiRoute> MessageRoutes(QuntoolEmulator& emulator);
// /contact/*: lists, edits, search, id conversions.
std::vector<ApiRoute> ContactRoutes(QuntoolEmulator& emulator);
// /group*: create, list, rename, members, notice, room id conversions.
std::vector<ApiRoute> GroupRoutes(QuntoolEmulator& emulator);
// /label/*.
std::vector<ApiRoute> LabelRoutes(QuntoolEmulator& emulator);

// The fields every contact list item has (/contact/inner/list's whole item):
// avatar, conversation_id, corp_id, nickname, position, realname, remark, sex,
// user_id, username.
Json ContactListItem(const Account& account, const Contact& contact);

// Callback data the control routes share with the API's own changes.
// user_login's data for an account coming online.
Json UserLoginData(const Account& account);
// The notify_type_room_* data: {member_list (when asked), op_user_id,
// op_user_name, room_conversation_id, room_name}, the account as operator.
Json RoomMembersData(const Account& account, const Group& group,
                     const std::vector<std::string>& user_ids, bool with_member_list);

// Emulator-only routes below /emulator (no apikey): inject what WeCom users
// do, so that the emulator POSTs the matching callback. See README.md.
std::vector<ApiRoute> ControlRoutes(QuntoolEmulator& emulator);

}  // namespace wecom::quntool
