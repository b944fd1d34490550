// The world a quntool server holds: its 光年 users, the WeCom accounts logged
// in through it, and each account's contacts, groups and labels. The config
// file describes the initial world (quntool_config.h); the emulator's
// endpoints then read and change it.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "nlohmann/json.hpp"

namespace wecom::quntool {

// Field order matters to nobody's parser, but answers keep the document's
// order so they read like its examples.
using Json = nlohmann::ordered_json;

// A 光年 account (/inner/user/list); WeCom accounts belong to one.
struct QuntoolUser {
  std::string id;  // "apps-1"
  std::string username;
  std::string phone;
  std::string avatar;
  std::string created_at = "2023-01-05 06:09:19";
  bool is_admin = false;
};

// Status of /inner/user/wx/list, numbered as the document numbers it.
enum class AccountStatus : int {
  kOnline = 0,
  kOffline = 1,
  kLoggedOut = 2,
  kLoggingIn = 3,
  kLoginFailedRescan = 4,
  kLoginFailedContactSupport = 5,
};

struct Contact {
  std::string user_id;  // 788… for WeChat users, 1688… for WeCom users
  std::string username;
  std::string nickname;
  std::string realname;
  std::string remark;
  std::string desc;
  std::string corp_remark;
  std::string avatar;
  std::string corp_id;
  std::string position;
  std::string unionid;
  int sex = 1;
  // Colleagues (/contact/inner/list) rather than customers.
  bool internal = false;
  std::vector<std::string> phones;
  // The wm… id of the open platform; derived from user_id when not configured.
  std::string external_user_id;
  // Whether quntool's database already holds the 788 ↔ wm mapping, which the
  // *FromDb conversions read; the live conversions and relation/sync store it.
  bool external_id_in_db = true;
  bool is_delete = false;
  std::string delete_time;  // "" while not deleted
  std::vector<std::string> label_ids;
  int64_t last_chat_timestamp_ms = 0;
};

struct GroupMember {
  GroupMember(std::string user_id, std::string invite_user_id, int64_t join_time)
      : user_id(std::move(user_id)),
        invite_user_id(std::move(invite_user_id)),
        join_time(join_time) {}

  std::string user_id;
  std::string invite_user_id;  // "" for the creator
  int64_t join_time = 0;
  int is_admin = 0;
  std::string room_nickname;
};

struct Group {
  std::string conversation_id;  // "R:…"
  std::string name;
  std::string create_user_id;
  int64_t create_time = 0;
  bool is_external = true;
  std::vector<GroupMember> members;
  std::string notice;
  std::string external_room_id;  // wr…; derived when not configured
};

// A WeCom account ("企微") running in one quntool container.
struct Account {
  std::string wx_id;     // 1688…
  std::string user_id;   // the 光年 user it belongs to
  std::string hostname;  // the container; callbacks' "source"
  std::string username;
  std::string nickname;
  std::string avatar;
  std::string corp_id;
  std::string corp_name;
  std::string corp_short_name;
  std::string mobile;
  std::string position;
  std::string acctid;
  std::string account;  // "yG@gnlab.com"
  AccountStatus status = AccountStatus::kOnline;
  int64_t wx_pid = 0;
  int64_t memory_kb = 137324;
  std::vector<Contact> contacts;
  std::vector<Group> groups;
};

struct Label {
  std::string label_id;
  std::string name;
  std::string corp_id;
  std::string label_group_id = "0";
  int label_type = 2;  // 1 company, 2 personal
  int64_t create_time = 0;
};

// A person /contact/search finds by phone who is not yet a contact.
struct Stranger {
  std::string phone;
  std::string user_id;  // 788… (WeChat) or 1688… (WeCom)
  std::string name;
  std::string avatar;
  std::string openid;
};

struct World {
  std::vector<QuntoolUser> users;
  std::vector<Account> accounts;
  std::vector<Label> labels;
  std::vector<Stranger> strangers;
  // Items of /miniprogram/list and /videonum/list, as the document shows
  // them; each has a numeric "id".
  std::vector<Json> mini_programs;
  std::vector<Json> video_nums;
};

}  // namespace wecom::quntool
