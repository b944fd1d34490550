#include "services/robot-gateway/server/gateway_config.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/config/config_io.h"
#include "common/status/status_macros.h"

namespace wecom::robot {
namespace {

absl::Status Invalid(const ConfigReader& at, absl::string_view key, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(at.PathOf(key), ": ", problem));
}

// A platform's base_url: http(s), without trailing slashes.
absl::StatusOr<std::string> ReadBaseUrl(ConfigReader& platform) {
  ASSIGN_OR_RETURN(std::string base_url, platform.Required<std::string>("base_url"));
  if (!absl::StartsWith(base_url, "http://") && !absl::StartsWith(base_url, "https://")) {
    return Invalid(platform, "base_url", "must start with http:// or https://");
  }
  while (absl::EndsWith(base_url, "/")) base_url.pop_back();
  return base_url;
}

absl::Status ReadWebhook(ConfigReader& root, std::optional<WebhookConfig>& config) {
  ASSIGN_OR_RETURN(ConfigReader webhook, root.Child("webhook"));
  WebhookConfig& out = config.emplace();
  ASSIGN_OR_RETURN(out.listen, webhook.Optional("listen", out.listen));
  ASSIGN_OR_RETURN(out.secret, ReadSecret(webhook, "secret"));
  // Short secrets in a URL path are guessable; the vendor sends whatever we give it.
  if (out.secret.reveal().size() < 16) {
    return Invalid(webhook, "secret", "must be at least 16 characters");
  }
  ASSIGN_OR_RETURN(out.max_body_bytes, webhook.Optional("max_body_bytes", out.max_body_bytes));
  if (out.max_body_bytes < 1024 || out.max_body_bytes > (64u << 20)) {
    return Invalid(webhook, "max_body_bytes", "must be 1 KiB-64 MiB");
  }
  ASSIGN_OR_RETURN(out.workers, webhook.Optional("workers", out.workers));
  if (out.workers < 1 || out.workers > 256) return Invalid(webhook, "workers", "must be 1-256");
  return absl::OkStatus();
}

absl::Status ReadQuntool(ConfigReader& root, std::optional<QuntoolConfig>& out) {
  if (!root.Has("quntool")) return absl::OkStatus();
  ASSIGN_OR_RETURN(ConfigReader quntool, root.Child("quntool"));
  QuntoolConfig& config = out.emplace();
  ASSIGN_OR_RETURN(config.base_url, ReadBaseUrl(quntool));
  ASSIGN_OR_RETURN(config.apikey, ReadSecret(quntool, "apikey"));
  ASSIGN_OR_RETURN(config.request_timeout,
                   quntool.Optional("request_timeout", config.request_timeout));
  if (config.request_timeout < absl::Milliseconds(100)) {
    return Invalid(quntool, "request_timeout", "must be at least 100ms");
  }
  ASSIGN_OR_RETURN(config.auto_confirm_batch_messages,
                   quntool.Optional("auto_confirm_batch_messages", false));
  if (quntool.Has("mqtt")) {
    ASSIGN_OR_RETURN(ConfigReader mqtt, quntool.Child("mqtt"));
    QuntoolMqttConfig& m = config.mqtt.emplace();
    ASSIGN_OR_RETURN(m.host, mqtt.Required<std::string>("host"));
    ASSIGN_OR_RETURN(m.port, mqtt.Optional("port", m.port));
    if (m.port < 1 || m.port > 65535) return Invalid(mqtt, "port", "must be 1-65535");
    ASSIGN_OR_RETURN(m.accounts, mqtt.Required<std::vector<std::string>>("accounts"));
    ASSIGN_OR_RETURN(m.send_timeout, mqtt.Optional("send_timeout", m.send_timeout));
    if (m.send_timeout < absl::Milliseconds(100)) {
      return Invalid(mqtt, "send_timeout", "must be at least 100ms");
    }
  }
  return absl::OkStatus();
}

absl::Status ReadYjiyun(ConfigReader& root, std::optional<YjiyunConfig>& out) {
  if (!root.Has("yjiyun")) return absl::OkStatus();
  ASSIGN_OR_RETURN(ConfigReader yjiyun, root.Child("yjiyun"));
  YjiyunConfig& config = out.emplace();
  ASSIGN_OR_RETURN(config.base_url, ReadBaseUrl(yjiyun));
  ASSIGN_OR_RETURN(config.access_key, yjiyun.Required<std::string>("access_key"));
  if (config.access_key.empty()) return Invalid(yjiyun, "access_key", "must not be empty");
  ASSIGN_OR_RETURN(config.access_secret, ReadSecret(yjiyun, "access_secret"));
  ASSIGN_OR_RETURN(config.request_timeout,
                   yjiyun.Optional("request_timeout", config.request_timeout));
  if (config.request_timeout < absl::Milliseconds(100)) {
    return Invalid(yjiyun, "request_timeout", "must be at least 100ms");
  }
  ASSIGN_OR_RETURN(config.msg_filter, yjiyun.Optional("msg_filter", config.msg_filter));
  ASSIGN_OR_RETURN(config.min_reconnect_delay,
                   yjiyun.Optional("min_reconnect_delay", config.min_reconnect_delay));
  // Seed 001 3.0: reconnect no sooner than 10 s.
  if (config.min_reconnect_delay < absl::Seconds(10)) {
    return Invalid(yjiyun, "min_reconnect_delay", "must be at least 10s (yjiyun's advice)");
  }
  ASSIGN_OR_RETURN(config.answer_timeout, yjiyun.Optional("answer_timeout", config.answer_timeout));
  if (config.answer_timeout < absl::Seconds(1)) {
    return Invalid(yjiyun, "answer_timeout", "must be at least 1s");
  }
  return absl::OkStatus();
}

absl::Status ReadSending(ConfigReader& root, DispatchOptions& out) {
  if (!root.Has("sending")) return absl::OkStatus();
  ASSIGN_OR_RETURN(ConfigReader sending, root.Child("sending"));
  PacingOptions& pacing = out.pacing;
  struct DurationKey {
    const char* key;
    absl::Duration* value;
  };
  for (const DurationKey& d :
       {DurationKey{"min_account_interval", &pacing.min_account_interval},
        DurationKey{"initial_cooldown", &pacing.initial_cooldown},
        DurationKey{"max_cooldown", &pacing.max_cooldown},
        DurationKey{"unavailable_retry_delay", &out.unavailable_retry_delay},
        DurationKey{"unknown_outcome_timeout", &out.unknown_outcome_timeout},
        DurationKey{"sent_confirmation_timeout", &out.sent_confirmation_timeout},
        DurationKey{"offline_probe_interval", &out.offline_probe_interval}}) {
    ASSIGN_OR_RETURN(*d.value, sending.Optional(d.key, *d.value));
    if (*d.value < absl::ZeroDuration()) return Invalid(sending, d.key, "must not be negative");
  }
  // Probing an offline account more often only burdens the vendor.
  if (out.offline_probe_interval < absl::Seconds(1)) {
    return Invalid(sending, "offline_probe_interval", "must be at least 1s");
  }
  if (pacing.max_cooldown < pacing.initial_cooldown) {
    return Invalid(sending, "max_cooldown", "must not be below initial_cooldown");
  }
  ASSIGN_OR_RETURN(pacing.cooldown_multiplier,
                   sending.Optional("cooldown_multiplier", pacing.cooldown_multiplier));
  if (pacing.cooldown_multiplier < 1.0 || pacing.cooldown_multiplier > 100.0) {
    return Invalid(sending, "cooldown_multiplier", "must be 1-100");
  }
  struct IntKey {
    const char* key;
    int* value;
    int max;
  };
  for (const IntKey& i : {IntKey{"corp_hourly_limit", &pacing.corp_hourly_limit, 10000000},
                          IntKey{"max_attempts", &out.max_attempts, 100},
                          IntKey{"max_concurrent_sends", &out.max_concurrent_sends, 256}}) {
    ASSIGN_OR_RETURN(*i.value, sending.Optional<int>(i.key, *i.value));
    if (*i.value < 1 || *i.value > i.max) {
      return Invalid(sending, i.key, absl::StrCat("must be 1-", i.max));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<GatewayConfig> LoadGatewayConfig(const std::string& path) {
  ASSIGN_OR_RETURN(ConfigReader root, LoadYamlFile(path));
  GatewayConfig out;
  RETURN_IF_ERROR(ReadServerConfig(root, "0.0.0.0:50053", "0.0.0.0:9466", &out.server));
  ASSIGN_OR_RETURN(out.data_dir, root.Required<std::string>("data_dir"));
  RETURN_IF_ERROR(ReadQuntool(root, out.quntool));
  RETURN_IF_ERROR(ReadYjiyun(root, out.yjiyun));
  if (!out.quntool.has_value() && !out.yjiyun.has_value()) {
    return absl::InvalidArgumentError(
        "quntool, yjiyun: at least one robot platform must be configured");
  }
  // Only quntool posts callbacks.
  if (out.quntool.has_value() || root.Has("webhook"))
    RETURN_IF_ERROR(ReadWebhook(root, out.webhook));
  RETURN_IF_ERROR(ReadSending(root, out.sending));
  ASSIGN_OR_RETURN(out.accounts_cache_max_age,
                   root.Optional("accounts_cache_max_age", out.accounts_cache_max_age));
  ASSIGN_OR_RETURN(out.max_upload_bytes, root.Optional("max_upload_bytes", out.max_upload_bytes));
  if (out.max_upload_bytes < 1 || out.max_upload_bytes > (1ull << 30)) {
    return absl::InvalidArgumentError("max_upload_bytes: must be 1 B-1 GiB");
  }
  RETURN_IF_ERROR(root.CheckNoUnknownKeys());
  return out;
}

}  // namespace wecom::robot
