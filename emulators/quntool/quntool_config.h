// The quntool emulator's config file (documented in README.md): the apikey,
// where callbacks go, the pacing the vendor documents, and the initial world.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "emulators/quntool/quntool_world.h"

namespace wecom::quntool {

struct GeneratedCorpus {
  // Added to every account: this many external contacts and groups.
  int external_contacts = 0;
  int groups = 0;
  uint64_t seed = 1;
};

struct QuntoolConfig {
  std::string apikey;
  // Where every callback is POSTed; "" sends none.
  std::string webhook_url;
  // The emulator's own http://host:port, which the document's relative
  // file_path values are relative to; "" means the address it listens on.
  std::string base_url;
  // The vendor's rule: one account's sends at least this far apart.
  int64_t min_send_interval_ms = 500;
  // The vendor's rule: all accounts of one corp_id deliver at most this many
  // sends in any hour.
  int64_t corp_hourly_limit = 50000;
  // Attempts per callback before it is dropped.
  int webhook_attempts = 3;
  // The MQTT broker the emulator takes sends from (topic SendMessage) and
  // answers on (SendMessageResp); mqtt_port 0 means no MQTT.
  std::string mqtt_host = "127.0.0.1";
  int mqtt_port = 0;
  World world;
};

// Parses a config document; unknown keys and wrong types are errors naming
// the key. Derived ids (wm…, wr…, conversation ids) and the generated corpus
// are filled in.
absl::StatusOr<QuntoolConfig> ParseQuntoolConfig(absl::string_view json_text);
absl::StatusOr<QuntoolConfig> ReadQuntoolConfig(const std::string& path);

// Deterministic ids derived from another id, as the real server would hold
// them: the open platform's wm… id of a contact and wr… id of a group.
std::string DerivedExternalUserId(absl::string_view user_id);
std::string DerivedExternalRoomId(absl::string_view conversation_id);

}  // namespace wecom::quntool
