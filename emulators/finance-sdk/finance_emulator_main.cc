// wecom-finance-emulator: writes emulator configs and prints corpora.
//   write-config  a config JSON for one corp (used by the demo)
//   dump          the corp's messages as plaintext JSON lines
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/status/status_macros.h"
#include "emulators/finance-sdk/corpus.h"
#include "emulators/finance-sdk/emulator_config.h"

namespace wecom::emulator {
namespace {

struct WriteConfigOptions {
  std::string out;
  std::string corpid;
  std::string secret;
  std::vector<std::string> public_keys;
  std::vector<std::string> key_version_from;
  int64_t start_time_ms = -1;
  double time_span_hours = 72;
  int64_t failing_media = 0;
  CorpConfig corp;
};

// Splits "<number>=<text>".
absl::Status SplitNumbered(absl::string_view flag, const std::string& value, uint64_t* number,
                           std::string* text) {
  std::vector<std::string> parts = absl::StrSplit(value, absl::MaxSplits('=', 1));
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], number) || parts[1].empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " expects <number>=<value>, got \"", value, "\""));
  }
  *text = parts[1];
  return absl::OkStatus();
}

// Spreads the corpus's seqs evenly over the key versions, oldest first.
std::vector<KeyVersionStep> EvenKeySchedule(const CorpConfig& corp) {
  const Corpus corpus(corp.traffic);
  std::vector<KeyVersionStep> steps;
  size_t n = 0;
  for (const auto& [version, file] : corp.public_key_files) {
    const size_t index = corpus.base_size() * n++ / corp.public_key_files.size();
    const uint64_t from_seq = index < corpus.base_size() ? corpus.SeqAt(index) : 1;
    if (steps.empty() || from_seq > steps.back().from_seq) steps.push_back({from_seq, version});
  }
  steps.front().from_seq = 1;
  return steps;
}

absl::Status WriteConfig(WriteConfigOptions options) {
  CorpConfig& corp = options.corp;
  corp.corpid = options.corpid;
  corp.secret = options.secret;
  for (const std::string& flag : options.public_keys) {
    uint64_t version = 0;
    std::string path;
    RETURN_IF_ERROR(SplitNumbered("--public-key", flag, &version, &path));
    corp.public_key_files[static_cast<uint32_t>(version)] =
        std::filesystem::absolute(path).string();
  }
  corp.traffic.time_span_ms = static_cast<int64_t>(options.time_span_hours * 3600 * 1000);
  corp.traffic.start_time_ms = options.start_time_ms >= 0
                                   ? options.start_time_ms
                                   : absl::ToUnixMillis(absl::Now()) - corp.traffic.time_span_ms;
  for (const std::string& flag : options.key_version_from) {
    uint64_t version = 0;
    std::string seq_text;
    uint64_t from_seq = 0;
    RETURN_IF_ERROR(SplitNumbered("--key-version-from", flag, &version, &seq_text));
    if (!absl::SimpleAtoi(seq_text, &from_seq)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--key-version-from expects <version>=<seq>, got \"", flag, "\""));
    }
    corp.traffic.key_versions.push_back({from_seq, static_cast<uint32_t>(version)});
  }
  if (corp.traffic.key_versions.empty() && !corp.public_key_files.empty()) {
    corp.traffic.key_versions = EvenKeySchedule(corp);
  }
  if (options.failing_media > 0) {
    const Corpus corpus(corp.traffic);
    std::vector<std::string> media;
    for (size_t i = 0; i < corpus.base_size(); ++i) {
      for (MediaFile& file : corpus.MediaOf(i)) media.push_back(std::move(file.sdkfileid));
    }
    const auto wanted = std::min<size_t>(options.failing_media, media.size());
    for (size_t n = 0; n < wanted; ++n) {
      corp.faults.failing_sdkfileids.push_back(media[n * media.size() / wanted]);
    }
  }

  EmulatorConfig config;
  config.corps.push_back(corp);
  const std::string json = EmulatorConfigJson(config);
  // Validated by the same parser the emulators use.
  RETURN_IF_ERROR(ParseEmulatorConfig(json, "", absl::Now()).status());
  std::ofstream out(options.out, std::ios::binary | std::ios::trunc);
  out << json;
  out.close();
  if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", options.out));
  return absl::OkStatus();
}

absl::Status Dump(const std::string& config_path, const std::string& corpid) {
  ASSIGN_OR_RETURN(const EmulatorConfig config, ReadEmulatorConfig(config_path, absl::Now()));
  const CorpConfig* corp = nullptr;
  for (const CorpConfig& candidate : config.corps) {
    if (candidate.corpid == corpid || (corpid.empty() && config.corps.size() == 1)) {
      corp = &candidate;
    }
  }
  if (corp == nullptr) {
    return absl::NotFoundError(corpid.empty()
                                   ? "the config holds several corps; choose one with --corpid"
                                   : absl::StrCat("no corp ", corpid, " in ", config_path));
  }
  const Corpus corpus(corp->traffic);
  for (size_t i = 0; i < corpus.base_size(); ++i) {
    ASSIGN_OR_RETURN(const CorpusMessage message, corpus.Message(i));
    std::fwrite(message.plaintext.data(), 1, message.plaintext.size(), stdout);
    std::fputc('\n', stdout);
  }
  return absl::OkStatus();
}

int Report(const absl::Status& status) {
  if (status.ok()) return 0;
  std::fprintf(stderr, "%s\n", status.ToString().c_str());
  return 1;
}

}  // namespace
}  // namespace wecom::emulator

int main(int argc, char** argv) {
  using wecom::emulator::WriteConfigOptions;
  CLI::App app{"Configures and inspects the Finance SDK emulator"};
  app.require_subcommand(1);

  WriteConfigOptions write;
  wecom::emulator::CorpConfig& corp = write.corp;
  CLI::App* write_config =
      app.add_subcommand("write-config", "Write an emulator config JSON for one corp");
  write_config->add_option("--out", write.out, "Config file to write")->required();
  write_config->add_option("--corpid", write.corpid, "The corp's corpid")->required();
  write_config->add_option("--secret", write.secret, "The chat archive secret")->required();
  write_config
      ->add_option("--public-key", write.public_keys,
                   "VERSION=PEM_FILE, the RSA-2048 public key of a publickey_ver (repeatable)")
      ->required();
  write_config->add_option("--key-version-from", write.key_version_from,
                           "VERSION=SEQ: seqs from SEQ on use VERSION (repeatable, ascending); "
                           "default: the messages split evenly over the keys");
  write_config->add_option("--messages", corp.traffic.message_count, "Messages in the time span")
      ->capture_default_str();
  write_config->add_option("--seed", corp.traffic.seed, "Corpus seed")->capture_default_str();
  write_config->add_option("--start-time-ms", write.start_time_ms,
                           "msgtime of the first message; default: now minus the span");
  write_config->add_option("--time-span-hours", write.time_span_hours, "Span of the messages")
      ->capture_default_str();
  write_config
      ->add_option("--media-size-scale", corp.traffic.media_size_scale,
                   "Multiplies every media size")
      ->capture_default_str();
  write_config
      ->add_option("--live-rate", corp.traffic.live_messages_per_second,
                   "Messages per second appended after the span (0: off)")
      ->capture_default_str();
  write_config->add_option("--retention-days", corp.retention_days, "Days messages are served")
      ->capture_default_str();
  write_config
      ->add_option("--transient-error-rate", corp.faults.transient_error_rate,
                   "Fraction of SDK calls failing with 10001-10003")
      ->capture_default_str();
  write_config->add_option("--latency-ms", corp.faults.latency_ms, "Added to every SDK call")
      ->capture_default_str();
  write_config
      ->add_option("--media-corrupt-rate", corp.faults.media_corrupt_rate,
                   "Fraction of media pieces corrupted on their first fetch")
      ->capture_default_str();
  write_config
      ->add_option("--empty-md5sum-rate", corp.traffic.empty_md5sum_rate,
                   "Fraction of media messages with an empty md5sum")
      ->capture_default_str();
  write_config
      ->add_option("--failing-media", write.failing_media,
                   "Number of sdkfileids (spread over the corpus) that always fail 10006")
      ->capture_default_str();
  write_config
      ->add_option("--chat-calls-per-minute", corp.faults.chat_calls_per_minute,
                   "GetChatData limit")
      ->capture_default_str();
  write_config
      ->add_option("--media-calls-per-minute", corp.faults.media_calls_per_minute,
                   "GetMediaData limit")
      ->capture_default_str();
  write_config->add_option("--required-proxy", corp.network.required_proxy,
                           "socks5://HOST:PORT or http://HOST:PORT: SDK calls that do not use "
                           "this proxy fail with 10001 (default: any route)");
  write_config->add_option("--required-proxy-passwd", corp.network.required_proxy_passwd,
                           "USER:PASSWORD the required proxy asks for; calls with other "
                           "credentials fail with 10001");
  write_config
      ->add_option("--access-token-ttl-seconds", corp.api.access_token_ttl_seconds,
                   "expires_in of gettoken tokens")
      ->capture_default_str();
  write_config
      ->add_option("--robot-info-calls-per-minute", corp.api.robot_info_calls_per_minute,
                   "get_robot_info limit")
      ->capture_default_str();

  std::string dump_config;
  std::string dump_corpid;
  CLI::App* dump = app.add_subcommand("dump", "Print a corp's messages as plaintext JSON lines");
  dump->add_option("--config", dump_config, "Emulator config JSON")->required();
  dump->add_option("--corpid", dump_corpid, "The corp to dump (needed if there are several)");

  CLI11_PARSE(app, argc, argv);
  if (write_config->parsed()) {
    return wecom::emulator::Report(wecom::emulator::WriteConfig(std::move(write)));
  }
  return wecom::emulator::Report(wecom::emulator::Dump(dump_config, dump_corpid));
}
