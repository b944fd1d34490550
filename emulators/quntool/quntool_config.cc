#include "emulators/quntool/quntool_config.h"

#include <fstream>
#include <functional>
#include <sstream>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status/status_macros.h"

namespace wecom::quntool {
namespace {

// Reads one JSON object strictly: each key typed, and keys nobody asked for
// rejected, so that a typo in a test's world is an error rather than a default.
class ObjectReader {
 public:
  ObjectReader(const Json& object, std::string path) : object_(object), path_(std::move(path)) {}

  absl::Status String(const char* key, std::string* out, bool required = false) {
    const Json* value = Take(key);
    if (value == nullptr) return Missing(key, required);
    if (!value->is_string()) return Error(key, "expected a string");
    *out = value->get<std::string>();
    if (required && out->empty()) return Error(key, "must not be empty");
    return absl::OkStatus();
  }
  absl::Status Int(const char* key, int64_t* out) {
    const Json* value = Take(key);
    if (value == nullptr) return absl::OkStatus();
    if (!value->is_number_integer()) return Error(key, "expected an integer");
    *out = value->get<int64_t>();
    return absl::OkStatus();
  }
  absl::Status Int(const char* key, int* out) {
    int64_t wide = *out;
    RETURN_IF_ERROR(Int(key, &wide));
    *out = static_cast<int>(wide);
    return absl::OkStatus();
  }
  absl::Status Bool(const char* key, bool* out) {
    const Json* value = Take(key);
    if (value == nullptr) return absl::OkStatus();
    if (!value->is_boolean()) return Error(key, "expected true or false");
    *out = value->get<bool>();
    return absl::OkStatus();
  }
  absl::Status Strings(const char* key, std::vector<std::string>* out) {
    const Json* value = Take(key);
    if (value == nullptr) return absl::OkStatus();
    if (!value->is_array()) return Error(key, "expected an array of strings");
    for (const Json& item : *value) {
      if (!item.is_string()) return Error(key, "expected an array of strings");
      out->push_back(item.get<std::string>());
    }
    return absl::OkStatus();
  }
  // Calls read(item, path) for each object of an array.
  absl::Status Objects(const char* key,
                       const std::function<absl::Status(ObjectReader&)>& read_item) {
    const Json* value = Take(key);
    if (value == nullptr) return absl::OkStatus();
    if (!value->is_array()) return Error(key, "expected an array of objects");
    for (size_t i = 0; i < value->size(); ++i) {
      const Json& item = (*value)[i];
      const std::string path = absl::StrCat(path_, ".", key, "[", i, "]");
      if (!item.is_object()) return absl::InvalidArgumentError(path + ": expected an object");
      ObjectReader reader(item, path);
      RETURN_IF_ERROR(read_item(reader));
      RETURN_IF_ERROR(reader.RejectUnknownKeys());
    }
    return absl::OkStatus();
  }
  // An object read as-is (mini program and video number items).
  const Json* Raw(const char* key) { return Take(key); }
  const std::string& path() const { return path_; }

  absl::Status RejectUnknownKeys() const {
    for (const auto& [key, value] : object_.items()) {
      if (!seen_.contains(key)) return Error(key, "unknown key");
    }
    return absl::OkStatus();
  }
  absl::Status Error(absl::string_view key, absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat(path_, ".", key, ": ", what));
  }

 private:
  const Json* Take(const char* key) {
    seen_.insert(key);
    const auto it = object_.find(key);
    return it == object_.end() ? nullptr : &*it;
  }
  absl::Status Missing(const char* key, bool required) const {
    return required ? Error(key, "required") : absl::OkStatus();
  }

  const Json& object_;
  std::string path_;
  absl::flat_hash_set<std::string> seen_;
};

uint64_t Fnv1a(absl::string_view text) {
  uint64_t hash = 1469598103934665603ull;
  for (const char c : text) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return hash;
}

absl::Status ReadContact(ObjectReader& in, Contact& contact) {
  RETURN_IF_ERROR(in.String("user_id", &contact.user_id, /*required=*/true));
  RETURN_IF_ERROR(in.String("username", &contact.username));
  RETURN_IF_ERROR(in.String("nickname", &contact.nickname));
  RETURN_IF_ERROR(in.String("realname", &contact.realname));
  RETURN_IF_ERROR(in.String("remark", &contact.remark));
  RETURN_IF_ERROR(in.String("desc", &contact.desc));
  RETURN_IF_ERROR(in.String("corp_remark", &contact.corp_remark));
  RETURN_IF_ERROR(in.String("avatar", &contact.avatar));
  RETURN_IF_ERROR(in.String("corp_id", &contact.corp_id));
  RETURN_IF_ERROR(in.String("position", &contact.position));
  RETURN_IF_ERROR(in.String("unionid", &contact.unionid));
  RETURN_IF_ERROR(in.Int("sex", &contact.sex));
  RETURN_IF_ERROR(in.Bool("internal", &contact.internal));
  RETURN_IF_ERROR(in.Strings("phones", &contact.phones));
  RETURN_IF_ERROR(in.String("external_user_id", &contact.external_user_id));
  RETURN_IF_ERROR(in.Bool("external_id_in_db", &contact.external_id_in_db));
  RETURN_IF_ERROR(in.Bool("is_delete", &contact.is_delete));
  RETURN_IF_ERROR(in.String("delete_time", &contact.delete_time));
  RETURN_IF_ERROR(in.Strings("label_ids", &contact.label_ids));
  if (contact.external_user_id.empty()) {
    contact.external_user_id = DerivedExternalUserId(contact.user_id);
  }
  if (contact.corp_id.empty()) contact.corp_id = "1970325134026788";  // WeChat's own corp
  return absl::OkStatus();
}

absl::Status ReadGroup(ObjectReader& in, Group& group) {
  RETURN_IF_ERROR(in.String("conversation_id", &group.conversation_id, /*required=*/true));
  if (!group.conversation_id.starts_with("R:")) {
    return in.Error("conversation_id", "a group's conversation id starts with \"R:\"");
  }
  RETURN_IF_ERROR(in.String("name", &group.name));
  RETURN_IF_ERROR(in.String("create_user_id", &group.create_user_id));
  RETURN_IF_ERROR(in.Int("create_time", &group.create_time));
  RETURN_IF_ERROR(in.Bool("is_external", &group.is_external));
  RETURN_IF_ERROR(in.String("notice", &group.notice));
  RETURN_IF_ERROR(in.String("external_room_id", &group.external_room_id));
  std::vector<std::string> member_ids;
  RETURN_IF_ERROR(in.Strings("members", &member_ids));
  for (std::string& id : member_ids) {
    group.members.push_back(GroupMember(std::move(id), group.create_user_id, group.create_time));
  }
  if (group.external_room_id.empty()) {
    group.external_room_id = DerivedExternalRoomId(group.conversation_id);
  }
  return absl::OkStatus();
}

absl::Status ReadAccount(ObjectReader& in, Account& account) {
  RETURN_IF_ERROR(in.String("wxId", &account.wx_id, /*required=*/true));
  RETURN_IF_ERROR(in.String("userId", &account.user_id, /*required=*/true));
  RETURN_IF_ERROR(in.String("hostname", &account.hostname));
  RETURN_IF_ERROR(in.String("username", &account.username));
  RETURN_IF_ERROR(in.String("nickname", &account.nickname));
  RETURN_IF_ERROR(in.String("avatar", &account.avatar));
  RETURN_IF_ERROR(in.String("corp_id", &account.corp_id));
  RETURN_IF_ERROR(in.String("corp_name", &account.corp_name));
  RETURN_IF_ERROR(in.String("corp_short_name", &account.corp_short_name));
  RETURN_IF_ERROR(in.String("mobile", &account.mobile));
  RETURN_IF_ERROR(in.String("position", &account.position));
  RETURN_IF_ERROR(in.String("acctid", &account.acctid));
  RETURN_IF_ERROR(in.String("account", &account.account));
  std::string status = "online";
  RETURN_IF_ERROR(in.String("status", &status));
  if (status == "online") {
    account.status = AccountStatus::kOnline;
  } else if (status == "offline") {
    account.status = AccountStatus::kOffline;
  } else if (status == "logged_out") {
    account.status = AccountStatus::kLoggedOut;
  } else {
    return in.Error("status", "expected \"online\", \"offline\" or \"logged_out\"");
  }
  RETURN_IF_ERROR(in.Int("memory_kb", &account.memory_kb));
  RETURN_IF_ERROR(in.Objects("contacts", [&](ObjectReader& item) {
    return ReadContact(item, account.contacts.emplace_back());
  }));
  RETURN_IF_ERROR(in.Objects("groups", [&](ObjectReader& item) {
    return ReadGroup(item, account.groups.emplace_back());
  }));
  if (account.hostname.empty()) {
    account.hostname = absl::StrFormat("%012x", Fnv1a(account.wx_id) & 0xffffffffffffull);
  }
  account.wx_pid = static_cast<int64_t>(Fnv1a(account.hostname) % 60000) + 1000;
  return absl::OkStatus();
}

// Adds `corpus` contacts and groups to every account: 788… customers with
// phones 1390000NNNN and groups of the account plus three of them.
void Generate(const GeneratedCorpus& corpus, World& world) {
  for (size_t a = 0; a < world.accounts.size(); ++a) {
    Account& account = world.accounts[a];
    const size_t first = account.contacts.size();
    for (int i = 0; i < corpus.external_contacts; ++i) {
      Contact contact;
      const uint64_t n = (corpus.seed * 1000003 + a * 100000 + i) % 1000000000;
      contact.user_id = absl::StrFormat("7881300%09d", n);
      contact.username = absl::StrCat("客户", a, "-", i);
      contact.sex = 1 + i % 2;
      contact.phones = {absl::StrFormat("139%08d", n % 100000000)};
      contact.corp_id = "1970325134026788";
      contact.external_user_id = DerivedExternalUserId(contact.user_id);
      account.contacts.push_back(std::move(contact));
    }
    for (int g = 0; g < corpus.groups && corpus.external_contacts > 0; ++g) {
      Group group;
      group.conversation_id = absl::StrFormat("R:10899%011d", (corpus.seed * 7919 + a * 1000 + g));
      group.name = absl::StrCat("群", a, "-", g);
      group.create_user_id = account.wx_id;
      group.create_time = 1686043629 + g;
      group.members.push_back(GroupMember(account.wx_id, "", group.create_time));
      for (int k = 0; k < 3; ++k) {
        const Contact& member = account.contacts[first + (g * 3 + k) % corpus.external_contacts];
        group.members.push_back(GroupMember(member.user_id, account.wx_id, group.create_time));
      }
      group.external_room_id = DerivedExternalRoomId(group.conversation_id);
      account.groups.push_back(std::move(group));
    }
  }
}

}  // namespace

std::string DerivedExternalUserId(absl::string_view user_id) {
  return absl::StrFormat("wm_%016x", Fnv1a(user_id));
}

std::string DerivedExternalRoomId(absl::string_view conversation_id) {
  return absl::StrFormat("wr_%016x", Fnv1a(conversation_id));
}

absl::StatusOr<QuntoolConfig> ParseQuntoolConfig(absl::string_view json_text) {
  const Json root = Json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object()) {
    return absl::InvalidArgumentError("config: expected one JSON object");
  }
  QuntoolConfig config;
  GeneratedCorpus corpus;
  ObjectReader in(root, "config");
  RETURN_IF_ERROR(in.String("apikey", &config.apikey, /*required=*/true));
  RETURN_IF_ERROR(in.String("webhook_url", &config.webhook_url));
  RETURN_IF_ERROR(in.String("base_url", &config.base_url));
  RETURN_IF_ERROR(in.Int("min_send_interval_ms", &config.min_send_interval_ms));
  RETURN_IF_ERROR(in.Int("corp_hourly_limit", &config.corp_hourly_limit));
  if (config.corp_hourly_limit < 1) return in.Error("corp_hourly_limit", "must be at least 1");
  RETURN_IF_ERROR(in.Int("webhook_attempts", &config.webhook_attempts));
  if (config.webhook_attempts < 1) return in.Error("webhook_attempts", "must be at least 1");
  RETURN_IF_ERROR(in.String("mqtt_host", &config.mqtt_host));
  int64_t mqtt_port = 0;
  RETURN_IF_ERROR(in.Int("mqtt_port", &mqtt_port));
  if (mqtt_port < 0 || mqtt_port > 65535) return in.Error("mqtt_port", "must be 0-65535");
  config.mqtt_port = static_cast<int>(mqtt_port);
  World& world = config.world;
  RETURN_IF_ERROR(in.Objects("users", [&](ObjectReader& item) {
    QuntoolUser& user = world.users.emplace_back();
    RETURN_IF_ERROR(item.String("id", &user.id, /*required=*/true));
    RETURN_IF_ERROR(item.String("username", &user.username));
    RETURN_IF_ERROR(item.String("phone", &user.phone));
    RETURN_IF_ERROR(item.String("avatar", &user.avatar));
    RETURN_IF_ERROR(item.String("createdAt", &user.created_at));
    return item.Bool("IsAdmin", &user.is_admin);
  }));
  RETURN_IF_ERROR(in.Objects("accounts", [&](ObjectReader& item) {
    return ReadAccount(item, world.accounts.emplace_back());
  }));
  RETURN_IF_ERROR(in.Objects("labels", [&](ObjectReader& item) {
    Label& label = world.labels.emplace_back();
    RETURN_IF_ERROR(item.String("labelId", &label.label_id, /*required=*/true));
    RETURN_IF_ERROR(item.String("name", &label.name));
    RETURN_IF_ERROR(item.String("corpId", &label.corp_id));
    RETURN_IF_ERROR(item.String("labelGroupId", &label.label_group_id));
    RETURN_IF_ERROR(item.Int("labelType", &label.label_type));
    return item.Int("createTime", &label.create_time);
  }));
  RETURN_IF_ERROR(in.Objects("strangers", [&](ObjectReader& item) {
    Stranger& stranger = world.strangers.emplace_back();
    RETURN_IF_ERROR(item.String("phone", &stranger.phone, /*required=*/true));
    RETURN_IF_ERROR(item.String("user_id", &stranger.user_id, /*required=*/true));
    RETURN_IF_ERROR(item.String("name", &stranger.name));
    RETURN_IF_ERROR(item.String("avatar", &stranger.avatar));
    return item.String("openid", &stranger.openid);
  }));
  for (const auto& [key, list] : {std::pair{"mini_programs", &world.mini_programs},
                                  std::pair{"video_nums", &world.video_nums}}) {
    const Json* items = in.Raw(key);
    if (items == nullptr) continue;
    if (!items->is_array()) return in.Error(key, "expected an array of objects");
    for (const Json& item : *items) {
      if (!item.is_object() || !item.contains("id") || !item["id"].is_number_integer()) {
        return in.Error(key, "each item is an object with an integer \"id\"");
      }
      list->push_back(item);
    }
  }
  if (const Json* generate = in.Raw("generate"); generate != nullptr) {
    if (!generate->is_object()) return in.Error("generate", "expected an object");
    ObjectReader gen(*generate, "config.generate");
    RETURN_IF_ERROR(gen.Int("external_contacts", &corpus.external_contacts));
    RETURN_IF_ERROR(gen.Int("groups", &corpus.groups));
    int64_t seed = 1;
    RETURN_IF_ERROR(gen.Int("seed", &seed));
    corpus.seed = static_cast<uint64_t>(seed);
    RETURN_IF_ERROR(gen.RejectUnknownKeys());
  }
  RETURN_IF_ERROR(in.RejectUnknownKeys());
  Generate(corpus, world);
  return config;
}

absl::StatusOr<QuntoolConfig> ReadQuntoolConfig(const std::string& path) {
  std::ifstream file(path);
  if (!file) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream text;
  text << file.rdbuf();
  absl::StatusOr<QuntoolConfig> config = ParseQuntoolConfig(text.str());
  if (!config.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", config.status().message()));
  }
  return config;
}

}  // namespace wecom::quntool
