// A quntool emulator served in-process on a kernel-picked port, with a
// webhook receiver (also on a kernel-picked port) that records every callback
// and lets a test wait for one without sleeping, unless the test sends the
// callbacks elsewhere.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/http/http_server.h"
#include "emulators/quntool/quntool_emulator.h"
#include "emulators/quntool/quntool_mqtt_front.h"
#include "emulators/quntool/quntool_server.h"
#include "httplib.h"

namespace wecom::quntool::testing {

inline constexpr char kApiKey[] = "test-apikey";
inline constexpr char kAccountA[] = "1688850000000001";
inline constexpr char kAccountB[] = "1688850000000002";
inline constexpr char kOfflineAccount[] = "1688850000000003";
inline constexpr char kCustomer1[] = "7881300000000001";
inline constexpr char kCustomer2[] = "7881300000000002";
inline constexpr char kCustomer3[] = "7881300000000003";
inline constexpr char kColleague[] = "1688850000000009";
inline constexpr char kGroup[] = "R:10899000000000001";

// Records the JSON bodies POSTed to it.
class WebhookReceiver {
 public:
  WebhookReceiver();
  ~WebhookReceiver();
  int port() const { return port_; }
  // The first callback (in arrival order) matching `match`, waiting up to
  // `timeout` for it to arrive.
  absl::StatusOr<Json> WaitFor(const std::function<bool(const Json&)>& match,
                               absl::Duration timeout = absl::Seconds(20));
  // The first callback of `type` whose sendMsgId is `send_msg_id`.
  absl::StatusOr<Json> WaitForEcho(const std::string& type, const std::string& send_msg_id);
  // The first callback of `type`.
  absl::StatusOr<Json> WaitForType(const std::string& type);

 private:
  HttpServer server_;
  int port_ = -1;
  std::thread thread_;
  absl::Mutex mu_;
  std::vector<Json> received_ ABSL_GUARDED_BY(mu_);
};

// The test world's config: two online accounts of one corp (A with three
// customers, a colleague, a group and labels), one offline account, saved
// mini program and video number items, a stranger findable by phone.
std::string TestConfigJson(int webhook_port);

struct QuntoolTestWorldOptions {
  // When not 0, the emulator also takes MQTT sends through the broker at
  // 127.0.0.1:mqtt_port (QuntoolMqttFront).
  int mqtt_port = 0;
  // Where the emulator POSTs its callbacks; empty means webhook().
  std::string webhook_url;
  // When set, changes the test config before the emulator starts (its limits,
  // more accounts).
  std::function<void(QuntoolConfig&)> adjust_config = nullptr;
};

class QuntoolTestWorld {
 public:
  QuntoolTestWorld() : QuntoolTestWorld(QuntoolTestWorldOptions{}) {}
  explicit QuntoolTestWorld(int mqtt_port)
      : QuntoolTestWorld(QuntoolTestWorldOptions{.mqtt_port = mqtt_port, .webhook_url = ""}) {}
  explicit QuntoolTestWorld(QuntoolTestWorldOptions options);
  ~QuntoolTestWorld();

  // Receives nothing when the options name another webhook_url.
  WebhookReceiver& webhook() { return webhook_; }
  QuntoolEmulator& emulator() { return *emulator_; }
  int port() const { return port_; }
  // The MQTT front; null without an mqtt_port.
  QuntoolMqttFront* mqtt_front() { return mqtt_front_.get(); }

  // Calls /gnapi/open<path> with the apikey; the parsed body, or an error for
  // a transport failure or a non-JSON body. `status` gets the HTTP status.
  absl::StatusOr<Json> Call(const std::string& method, const std::string& path,
                            const Json& body = nullptr, int* status = nullptr,
                            const std::string& apikey = kApiKey);
  // POSTs /emulator/callback.
  absl::StatusOr<Json> Inject(const Json& body);

 private:
  WebhookReceiver webhook_;
  std::unique_ptr<QuntoolEmulator> emulator_;
  std::unique_ptr<QuntoolServer> server_;
  int port_ = -1;
  std::thread thread_;
  std::unique_ptr<QuntoolMqttFront> mqtt_front_;
};

}  // namespace wecom::quntool::testing
