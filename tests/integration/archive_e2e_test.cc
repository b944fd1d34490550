// The archive service end to end: the wecom-archive process over real gRPC,
// the Finance SDK emulator loaded by dlopen, the WeCom API emulator over HTTP.
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/grpc/status.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "tests/integration/archive_harness.h"

namespace wecom::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using wecom::archive::v1::ArchivedMessage;
using wecom::archive::v1::StreamEvent;
using wecom::archive::v1::StreamMessagesRequest;
using wecom::archive::v1::StreamMessagesResponse;

// A stream call that fails the test instead of hanging.
struct StreamCall {
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReader<StreamMessagesResponse>> reader;
  std::unique_ptr<archive::StreamEventReader> events;

  StreamCall(wecom::archive::v1::ArchiveService::Stub* stub, const StreamMessagesRequest& request) {
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(240));
    reader = stub->StreamMessages(&context, request);
    events = std::make_unique<archive::StreamEventReader>(reader.get());
  }
  grpc::Status Finish() {
    finished = true;
    return reader->Finish();
  }
  ~StreamCall() {
    if (finished) return;
    context.TryCancel();
    reader->Finish();
  }
  bool finished = false;
};

StreamMessagesRequest FromStart(const std::string& corp) {
  StreamMessagesRequest request;
  request.set_corp_id(corp);
  request.set_after_seq(0);
  return request;
}

std::vector<uint64_t> CorpusSeqs(const emulator::Corpus& corpus) {
  std::vector<uint64_t> seqs;
  for (size_t i = 0; i < corpus.base_size(); ++i) seqs.push_back(corpus.SeqAt(i));
  return seqs;
}

std::vector<uint64_t> SeqsOf(const std::vector<StreamEvent>& events) {
  std::vector<uint64_t> seqs;
  for (const auto& e : events) seqs.push_back(e.message().seq());
  return seqs;
}

std::unique_ptr<ArchiveHarness> StartHarness(ArchiveHarnessOptions options) {
  absl::StatusOr<std::unique_ptr<ArchiveHarness>> harness =
      ArchiveHarness::Create(std::move(options));
  EXPECT_THAT(harness, IsOk());
  if (!harness.ok()) return nullptr;
  EXPECT_THAT((*harness)->StartArchive(), IsOk());
  return *std::move(harness);
}

wecom::archive::v1::GetCorpStatusResponse CorpStatus(wecom::archive::v1::ArchiveService::Stub* stub,
                                                     const std::string& corp) {
  grpc::ClientContext context;
  wecom::archive::v1::GetCorpStatusRequest request;
  request.set_corp_id(corp);
  wecom::archive::v1::GetCorpStatusResponse response;
  const grpc::Status status = stub->GetCorpStatus(&context, request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response;
}

TEST(ArchiveEndToEnd, EveryMessageArrivesDecryptedAndTypedInSeqOrder) {
  ArchiveHarnessOptions options;
  options.traffic.message_count = 600;
  options.traffic.seed = 11;
  auto harness = StartHarness(options);
  ASSERT_NE(harness, nullptr);
  const emulator::Corpus& corpus = harness->corpus();
  auto stub = harness->Stub();

  StreamCall call(stub.get(), FromStart(harness->corp_id()));
  std::vector<StreamEvent> events = ReadMessages(call.events.get(), corpus.base_size());
  ASSERT_EQ(events.size(), corpus.base_size());
  EXPECT_EQ(SeqsOf(events), CorpusSeqs(corpus));
  // Nothing failed, and the failure series say so with a 0, not by being absent.
  const std::string corp_label = absl::StrCat("corp=\"", harness->corp_id(), "\"");
  const std::string metrics = harness->MetricsText();
  EXPECT_THAT(metrics, HasSubstr(absl::StrCat("archive_undecryptable_total{", corp_label,
                                              ",reason=\"FAILURE_REASON_BAD_ENVELOPE\"} 0")));
  EXPECT_THAT(metrics, HasSubstr(absl::StrCat("archive_recovered_total{", corp_label, "} 0")));
  EXPECT_THAT(metrics,
              HasSubstr(absl::StrCat("archive_undecryptable_messages{", corp_label, "} 0")));

  std::set<std::string> msgtypes;
  for (size_t i = 0; i < events.size(); ++i) {
    const ArchivedMessage& archived = events[i].message();
    absl::StatusOr<emulator::CorpusMessage> expected = corpus.Message(i);
    ASSERT_THAT(expected, IsOk());
    EXPECT_EQ(events[i].kind(), StreamEvent::KIND_ARCHIVED);
    ASSERT_EQ(archived.status(), wecom::archive::v1::DECRYPT_STATUS_DECRYPTED)
        << "seq " << archived.seq() << ": " << archived.failure_detail();
    EXPECT_EQ(archived.msgid(), expected->msgid);
    EXPECT_EQ(archived.message().msgtype(), expected->msgtype);
    EXPECT_EQ(archived.message().original_json(), expected->plaintext);
    EXPECT_NE(archived.message().content_case(), wecom::archive::v1::ChatMessage::CONTENT_NOT_SET)
        << "untyped " << expected->msgtype;
    EXPECT_EQ(archived.position(), events[i].position());
    msgtypes.insert(archived.message().msgtype());
  }
  const std::vector<std::string>& all = emulator::AllMsgtypes();
  EXPECT_EQ(msgtypes, std::set<std::string>(all.begin(), all.end()));
}

TEST(ArchiveEndToEnd, QueriesAnswerFromTheArchiveAndTheWeComApi) {
  ArchiveHarnessOptions options;
  options.traffic.message_count = 300;
  options.traffic.seed = 12;
  auto harness = StartHarness(options);
  ASSERT_NE(harness, nullptr);
  const emulator::Corpus& corpus = harness->corpus();
  auto stub = harness->Stub();
  {
    StreamCall call(stub.get(), FromStart(harness->corp_id()));
    ASSERT_EQ(ReadMessages(call.events.get(), corpus.base_size()).size(), corpus.base_size());
  }

  // GetMessage by msgid.
  absl::StatusOr<emulator::CorpusMessage> sample = corpus.Message(corpus.base_size() / 2);
  ASSERT_THAT(sample, IsOk());
  {
    grpc::ClientContext context;
    wecom::archive::v1::GetMessageRequest request;
    request.set_corp_id(harness->corp_id());
    request.set_msgid(sample->msgid);
    wecom::archive::v1::GetMessageResponse response;
    ASSERT_TRUE(stub->GetMessage(&context, request, &response).ok());
    EXPECT_EQ(response.message().seq(), sample->seq);
    EXPECT_EQ(response.message().message().original_json(), sample->plaintext);
  }

  // ListMessages pages through a conversation in time order.
  {
    wecom::archive::v1::GetMessageRequest get;
    get.set_corp_id(harness->corp_id());
    get.set_msgid(corpus.Message(0)->msgid);
    wecom::archive::v1::GetMessageResponse first;
    grpc::ClientContext get_context;
    ASSERT_TRUE(stub->GetMessage(&get_context, get, &first).ok());
    const std::string conversation = first.message().message().conversation_id();
    ASSERT_FALSE(conversation.empty());
    std::vector<ArchivedMessage> listed;
    std::string token;
    do {
      grpc::ClientContext context;
      wecom::archive::v1::ListMessagesRequest request;
      request.set_corp_id(harness->corp_id());
      request.set_conversation_id(conversation);
      request.set_page_size(3);
      request.set_page_token(token);
      wecom::archive::v1::ListMessagesResponse response;
      ASSERT_TRUE(stub->ListMessages(&context, request, &response).ok());
      for (const auto& m : response.messages()) listed.push_back(m);
      token = response.next_page_token();
    } while (!token.empty());
    ASSERT_FALSE(listed.empty());
    for (size_t i = 0; i < listed.size(); ++i) {
      EXPECT_EQ(listed[i].message().conversation_id(), conversation);
      if (i > 0) {
        EXPECT_LE(listed[i - 1].message().msgtime(), listed[i].message().msgtime());
      }
    }
  }

  // GetCorpStatus.
  {
    grpc::ClientContext context;
    wecom::archive::v1::GetCorpStatusRequest request;
    request.set_corp_id(harness->corp_id());
    wecom::archive::v1::GetCorpStatusResponse response;
    ASSERT_TRUE(stub->GetCorpStatus(&context, request, &response).ok());
    EXPECT_EQ(response.cursor_seq(), corpus.SeqAt(corpus.base_size() - 1));
    EXPECT_EQ(response.archived_count(), corpus.base_size());
    EXPECT_EQ(response.undecryptable_count(), 0u);
    EXPECT_THAT(response.key_versions(), ::testing::ElementsAre(1u));
  }

  // GetRobotInfo and GetGroupChat through the WeCom API emulator.
  ASSERT_FALSE(corpus.robots().empty());
  ASSERT_FALSE(corpus.rooms().empty());
  {
    grpc::ClientContext context;
    wecom::archive::v1::GetRobotInfoRequest request;
    request.set_corp_id(harness->corp_id());
    request.set_robot_id(corpus.robots()[0].robot_id);
    wecom::archive::v1::GetRobotInfoResponse response;
    grpc::Status status = stub->GetRobotInfo(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.name(), corpus.robots()[0].name);
    EXPECT_EQ(response.creator_userid(), corpus.robots()[0].creator_userid);
  }
  {
    grpc::ClientContext context;
    wecom::archive::v1::GetGroupChatRequest request;
    request.set_corp_id(harness->corp_id());
    request.set_roomid(corpus.rooms()[0].roomid);
    wecom::archive::v1::GetGroupChatResponse response;
    grpc::Status status = stub->GetGroupChat(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.roomname(), corpus.rooms()[0].roomname);
    EXPECT_EQ(response.members_size(), static_cast<int>(corpus.rooms()[0].members.size()));
  }

  // GetMediaChunk: a file of several pieces, reassembled byte for byte.
  std::optional<emulator::MediaFile> large;
  for (size_t i = 0; i < corpus.base_size() && !large; ++i) {
    for (const emulator::MediaFile& file : corpus.MediaOf(i)) {
      if (file.size > 2 * 524288) {
        large = file;
        break;
      }
    }
  }
  ASSERT_TRUE(large.has_value()) << "the corpus has no file of three pieces";
  std::string assembled;
  std::string index;
  int pieces = 0;
  while (true) {
    grpc::ClientContext context;
    wecom::archive::v1::GetMediaChunkRequest request;
    request.set_corp_id(harness->corp_id());
    request.set_sdkfileid(large->sdkfileid);
    request.set_indexbuf(index);
    wecom::archive::v1::GetMediaChunkResponse response;
    grpc::Status status = stub->GetMediaChunk(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_LE(response.data().size(), 524288u);
    assembled += response.data();
    ++pieces;
    if (response.is_finish()) break;
    EXPECT_TRUE(absl::StartsWith(response.outindexbuf(), "Range:bytes=")) << response.outindexbuf();
    index = response.outindexbuf();
    ASSERT_LT(pieces, 1000);
  }
  EXPECT_EQ(pieces, static_cast<int>((large->size + 524287) / 524288));
  absl::StatusOr<std::string> expected_bytes = corpus.MediaBytes(*large, 0, large->size);
  ASSERT_THAT(expected_bytes, IsOk());
  EXPECT_TRUE(assembled == *expected_bytes);
}

TEST(ArchiveEndToEnd, KillDashNineMidPullLeavesNoGapAndNoDuplicate) {
  ArchiveHarnessOptions options;
  options.traffic.message_count = 1500;
  options.traffic.seed = 13;
  options.faults.latency_ms = 20;  // slow pulls, so the kill lands mid-pull
  options.pull_limit = 40;
  auto harness = StartHarness(options);
  ASSERT_NE(harness, nullptr);
  const emulator::Corpus& corpus = harness->corpus();
  {
    auto stub = harness->Stub();
    StreamCall call(stub.get(), FromStart(harness->corp_id()));
    ASSERT_EQ(ReadMessages(call.events.get(), 200).size(), 200u);
  }
  harness->StopArchive(SIGKILL);
  ASSERT_THAT(harness->StartArchive(), IsOk());

  auto stub = harness->Stub();
  StreamCall call(stub.get(), FromStart(harness->corp_id()));
  std::vector<StreamEvent> events = ReadMessages(call.events.get(), corpus.base_size());
  EXPECT_EQ(SeqsOf(events), CorpusSeqs(corpus));
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].position(), i + 1) << "stream positions have a gap or a repeat";
  }
  grpc::ClientContext context;
  wecom::archive::v1::GetCorpStatusRequest request;
  request.set_corp_id(harness->corp_id());
  wecom::archive::v1::GetCorpStatusResponse status;
  ASSERT_TRUE(stub->GetCorpStatus(&context, request, &status).ok());
  EXPECT_EQ(status.archived_count(), corpus.base_size());
}

TEST(ArchiveEndToEnd, TransientSdkErrorsAreRetried) {
  ArchiveHarnessOptions options;
  options.traffic.message_count = 400;
  options.traffic.seed = 14;
  options.faults.transient_error_rate = 0.4;
  options.pull_limit = 25;
  auto harness = StartHarness(options);
  ASSERT_NE(harness, nullptr);
  auto stub = harness->Stub();
  StreamCall call(stub.get(), FromStart(harness->corp_id()));
  std::vector<StreamEvent> events = ReadMessages(call.events.get(), harness->corpus().base_size());
  EXPECT_EQ(SeqsOf(events), CorpusSeqs(harness->corpus()));
  const std::string metrics = harness->MetricsText();
  EXPECT_THAT(metrics, HasSubstr("archive_pull_calls_total{"));
  EXPECT_TRUE(absl::StrContains(metrics, "errcode=\"10001\"") ||
              absl::StrContains(metrics, "errcode=\"10002\"") ||
              absl::StrContains(metrics, "errcode=\"10003\""))
      << metrics;
}

TEST(ArchiveEndToEnd, UnknownKeyVersionIsKeptThenRecoveredAfterSighup) {
  ArchiveHarnessOptions options;
  options.traffic.message_count = 300;
  options.traffic.seed = 15;
  options.key_versions = {1, 2};
  options.loaded_key_versions = {1};
  // Version 2 takes over in the middle of the corpus (seqs do not depend on keys).
  emulator::Corpus probe(options.traffic);
  options.traffic.key_versions = {{1, 1}, {probe.SeqAt(probe.base_size() / 2), 2}};
  auto harness = StartHarness(options);
  ASSERT_NE(harness, nullptr);
  const emulator::Corpus& corpus = harness->corpus();
  auto stub = harness->Stub();

  StreamCall call(stub.get(), FromStart(harness->corp_id()));
  std::vector<StreamEvent> events = ReadMessages(call.events.get(), corpus.base_size());
  ASSERT_EQ(SeqsOf(events), CorpusSeqs(corpus));
  absl::flat_hash_set<uint64_t> undecryptable;
  for (const auto& e : events) {
    if (e.message().publickey_ver() == 2) {
      EXPECT_EQ(e.message().status(), wecom::archive::v1::DECRYPT_STATUS_UNDECRYPTABLE);
      EXPECT_EQ(e.message().failure(), wecom::archive::v1::FAILURE_REASON_UNKNOWN_KEY_VERSION);
      EXPECT_FALSE(e.message().envelope().encrypt_chat_msg().empty());
      undecryptable.insert(e.message().seq());
    } else {
      EXPECT_EQ(e.message().status(), wecom::archive::v1::DECRYPT_STATUS_DECRYPTED);
    }
  }
  ASSERT_FALSE(undecryptable.empty());
  ASSERT_LT(undecryptable.size(), corpus.base_size());

  ASSERT_THAT(harness->InstallPrivateKey(2), IsOk());
  harness->ReloadKeys();
  // The open stream now receives each of them once more, decrypted.
  std::vector<StreamEvent> recovered = ReadMessages(call.events.get(), undecryptable.size());
  ASSERT_EQ(recovered.size(), undecryptable.size());
  for (const auto& e : recovered) {
    EXPECT_EQ(e.kind(), StreamEvent::KIND_RECOVERED);
    EXPECT_EQ(e.message().status(), wecom::archive::v1::DECRYPT_STATUS_DECRYPTED);
    EXPECT_TRUE(undecryptable.erase(e.message().seq())) << "unexpected seq " << e.message().seq();
  }
  EXPECT_TRUE(undecryptable.empty());

  // A new stream sees every message once, decrypted, and no recovery events.
  StreamCall fresh(stub.get(), FromStart(harness->corp_id()));
  std::vector<StreamEvent> replay;
  StreamEvent event;
  while (fresh.events->Next(&event) && event.kind() != StreamEvent::KIND_CAUGHT_UP) {
    replay.push_back(event);
  }
  EXPECT_EQ(SeqsOf(replay), CorpusSeqs(corpus));
  for (const auto& e : replay) {
    EXPECT_EQ(e.kind(), StreamEvent::KIND_ARCHIVED);
    EXPECT_EQ(e.message().status(), wecom::archive::v1::DECRYPT_STATUS_DECRYPTED);
  }
}

// Polls the archive's /metrics until it has `line`; the deadline only turns a
// hang into a failure.
bool AwaitMetricLine(const ArchiveHarness& harness, const std::string& line) {
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (!absl::StrContains(harness.MetricsText(), line)) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return true;
}

// A reload that would drop a loaded key is refused (old messages still need
// it); the corp keeps its keys, and the gauge the alert watches says so until
// a reload succeeds.
TEST(ArchiveEndToEnd, ARefusedKeyReloadShowsInItsGaugeUntilOneSucceeds) {
  ArchiveHarnessOptions options;
  options.traffic.message_count = 20;
  auto harness = StartHarness(options);
  ASSERT_NE(harness, nullptr);
  const std::string gauge =
      absl::StrCat("archive_keys_last_reload_successful{corp=\"", harness->corp_id(), "\"} ");
  ASSERT_TRUE(AwaitMetricLine(*harness, gauge + "1"));
  const std::string key = absl::StrCat(harness->dir(), "/keys/1.pem");
  const std::string aside = absl::StrCat(harness->dir(), "/1.pem.aside");
  ASSERT_EQ(std::rename(key.c_str(), aside.c_str()), 0);
  harness->ReloadKeys();
  EXPECT_TRUE(AwaitMetricLine(*harness, gauge + "0"));
  EXPECT_TRUE(AwaitMetricLine(
      *harness, absl::StrCat("archive_key_versions{corp=\"", harness->corp_id(), "\"} 1")));
  ASSERT_EQ(std::rename(aside.c_str(), key.c_str()), 0);
  harness->ReloadKeys();
  EXPECT_TRUE(AwaitMetricLine(*harness, gauge + "1"));
}

TEST(ArchiveEndToEnd, DurableConsumerResumesAfterItsAck) {
  ArchiveHarnessOptions options;
  options.traffic.message_count = 300;
  options.traffic.seed = 16;
  auto harness = StartHarness(options);
  ASSERT_NE(harness, nullptr);
  const emulator::Corpus& corpus = harness->corpus();
  auto stub = harness->Stub();
  StreamMessagesRequest request;
  request.set_corp_id(harness->corp_id());
  request.set_consumer("crm-sync.1");
  uint64_t acked = 0;
  {
    StreamCall call(stub.get(), request);
    std::vector<StreamEvent> first = ReadMessages(call.events.get(), 120);
    ASSERT_EQ(first.size(), 120u);
    acked = first[99].position();
    grpc::ClientContext context;
    wecom::archive::v1::AckMessagesRequest ack;
    ack.set_corp_id(harness->corp_id());
    ack.set_consumer("crm-sync.1");
    ack.set_position(acked);
    wecom::archive::v1::AckMessagesResponse response;
    ASSERT_TRUE(stub->AckMessages(&context, ack, &response).ok());
    EXPECT_EQ(response.position(), acked);
  }
  // Survives a restart of the service, too. SIGTERM is a clean exit: in the
  // sanitizer build a leaked SDK buffer or any other leak makes it non-zero.
  const int exit_status = harness->StopArchive(SIGTERM);
  EXPECT_TRUE(WIFEXITED(exit_status) && WEXITSTATUS(exit_status) == 0) << exit_status;
  ASSERT_THAT(harness->StartArchive(), IsOk());
  stub = harness->Stub();
  StreamCall resumed(stub.get(), request);
  std::vector<StreamEvent> next = ReadMessages(resumed.events.get(), 1);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].position(), acked + 1);
  EXPECT_EQ(next[0].message().seq(), corpus.SeqAt(100));
}

TEST(ArchiveEndToEnd, StreamFiltersByMsgtypeConversationAndSender) {
  ArchiveHarnessOptions options;
  options.traffic.message_count = 400;
  options.traffic.seed = 17;
  auto harness = StartHarness(options);
  ASSERT_NE(harness, nullptr);
  const emulator::Corpus& corpus = harness->corpus();
  auto stub = harness->Stub();
  // Everything first, to know what each filter should keep.
  std::vector<StreamEvent> all;
  {
    StreamCall call(stub.get(), FromStart(harness->corp_id()));
    all = ReadMessages(call.events.get(), corpus.base_size());
    ASSERT_EQ(all.size(), corpus.base_size());
  }
  const ArchivedMessage& sample = all[all.size() / 3].message();
  struct Case {
    std::string name;
    std::function<void(StreamMessagesRequest*)> set;
    std::function<bool(const ArchivedMessage&)> keeps;
  };
  const std::vector<Case> cases = {
      {"msgtypes",
       [](StreamMessagesRequest* r) {
         r->add_msgtypes("image");
         r->add_msgtypes("file");
       },
       [](const ArchivedMessage& m) {
         return m.message().msgtype() == "image" || m.message().msgtype() == "file";
       }},
      {"conversation_id",
       [&](StreamMessagesRequest* r) {
         r->set_conversation_id(sample.message().conversation_id());
       },
       [&](const ArchivedMessage& m) {
         return m.message().conversation_id() == sample.message().conversation_id();
       }},
      {"sender", [&](StreamMessagesRequest* r) { r->set_sender(sample.message().from()); },
       [&](const ArchivedMessage& m) { return m.message().from() == sample.message().from(); }},
  };
  for (const Case& c : cases) {
    std::vector<uint64_t> expected;
    for (const auto& e : all) {
      if (c.keeps(e.message())) expected.push_back(e.message().seq());
    }
    ASSERT_FALSE(expected.empty()) << c.name;
    ASSERT_LT(expected.size(), all.size()) << c.name;
    StreamMessagesRequest request = FromStart(harness->corp_id());
    c.set(&request);
    StreamCall call(stub.get(), request);
    std::vector<StreamEvent> filtered = ReadMessages(call.events.get(), expected.size());
    EXPECT_EQ(SeqsOf(filtered), expected) << c.name;
    // Nothing more is stored for this filter: the next event is the catch-up marker.
    StreamEvent next;
    ASSERT_TRUE(call.events->Next(&next)) << c.name;
    EXPECT_EQ(next.kind(), StreamEvent::KIND_CAUGHT_UP) << c.name;
  }
}

TEST(ArchiveEndToEnd, SeveralCorpsInOneProcessKeepTheirArchivesApart) {
  ArchiveHarnessOptions options;
  options.traffic.message_count = 250;
  options.traffic.seed = 18;
  options.extra_corps = 2;
  auto harness = StartHarness(options);
  ASSERT_NE(harness, nullptr);
  auto stub = harness->Stub();
  std::set<std::string> msgids_seen;
  for (size_t corp = 0; corp < 3; ++corp) {
    const emulator::Corpus& corpus = harness->corpus(corp);
    StreamCall call(stub.get(), FromStart(harness->corp_id(corp)));
    std::vector<StreamEvent> events = ReadMessages(call.events.get(), corpus.base_size());
    ASSERT_EQ(events.size(), corpus.base_size()) << harness->corp_id(corp);
    for (size_t i = 0; i < events.size(); ++i) {
      const ArchivedMessage& archived = events[i].message();
      EXPECT_EQ(archived.corp_id(), harness->corp_id(corp));
      EXPECT_EQ(archived.msgid(), corpus.Message(i)->msgid);
      EXPECT_EQ(archived.status(), wecom::archive::v1::DECRYPT_STATUS_DECRYPTED);
      EXPECT_TRUE(msgids_seen.insert(archived.msgid()).second)
          << archived.msgid() << " appears in two corps";
    }
    grpc::ClientContext context;
    wecom::archive::v1::GetCorpStatusRequest request;
    request.set_corp_id(harness->corp_id(corp));
    wecom::archive::v1::GetCorpStatusResponse status;
    ASSERT_TRUE(stub->GetCorpStatus(&context, request, &status).ok());
    EXPECT_EQ(status.archived_count(), corpus.base_size());
    EXPECT_EQ(status.cursor_seq(), corpus.SeqAt(corpus.base_size() - 1));
  }
}

// A wait status of a process that exited with `code`.
::testing::Matcher<int> WithExitStatus(int code) {
  return ::testing::Truly(
      [code](int status) { return WIFEXITED(status) && WEXITSTATUS(status) == code; });
}

// Two pods of one StatefulSet: each pulls and serves exactly the corps the
// shard map gives its ordinal, and names the owner of any other.
TEST(ArchiveEndToEnd, ShardedPodsServeOnlyTheCorpsOfTheirOrdinal) {
  ArchiveHarnessOptions options;
  options.traffic.message_count = 120;
  options.traffic.seed = 19;
  options.extra_corps = 1;
  options.shard_map = {0, 1};
  for (int ordinal : {1, 0}) {
    SCOPED_TRACE(absl::StrCat("pod ordinal ", ordinal));
    options.shard_ordinal = ordinal;
    // Pod N at 127.0.N.1 (all of 127/8 is loopback), as at its DNS name.
    options.listen_host = absl::StrCat("127.0.", ordinal, ".1");
    // A fresh data directory per pod, as each pod has its own volume.
    auto harness = StartHarness(options);
    ASSERT_NE(harness, nullptr);
    auto stub = harness->Stub();
    const size_t mine = static_cast<size_t>(ordinal);
    const size_t other = 1 - mine;
    const emulator::Corpus& corpus = harness->corpus(mine);
    StreamCall call(stub.get(), FromStart(harness->corp_id(mine)));
    std::vector<StreamEvent> events = ReadMessages(call.events.get(), corpus.base_size());
    EXPECT_EQ(SeqsOf(events), CorpusSeqs(corpus));

    grpc::ClientContext context;
    wecom::archive::v1::GetCorpStatusRequest request;
    request.set_corp_id(harness->corp_id(other));
    wecom::archive::v1::GetCorpStatusResponse response;
    const grpc::Status refused = stub->GetCorpStatus(&context, request, &response);
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_THAT(refused.error_message(), HasSubstr(absl::StrCat("ordinal ", other)));
    StreamCall other_stream(stub.get(), FromStart(harness->corp_id(other)));
    EXPECT_EQ(other_stream.Finish().error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    // The other corp was never pulled here: no series of this pod names it.
    const std::string metrics = harness->MetricsText();
    EXPECT_THAT(metrics, HasSubstr(absl::StrCat("corp=\"", harness->corp_id(mine), "\"")));
    EXPECT_THAT(metrics, Not(HasSubstr(absl::StrCat("corp=\"", harness->corp_id(other), "\""))));

    // wecomctl routes by the map: to this pod for its corp, and for the other
    // corp to the other ordinal's address. Returns the exit status, the first
    // stdout line and stderr.
    const std::string cli_stderr = harness->dir() + "/wecomctl.stderr";
    auto wecomctl = [&](std::vector<std::string> args) {
      std::vector<std::string> argv = {WECOMCTL_BIN, "--token-file", harness->dir() + "/token"};
      argv.insert(argv.end(), args.begin(), args.end());
      std::remove(cli_stderr.c_str());
      absl::StatusOr<std::unique_ptr<ChildProcess>> cli =
          ChildProcess::Start(std::move(argv), {}, cli_stderr);
      EXPECT_THAT(cli, IsOk());
      if (!cli.ok()) return std::make_tuple(-1, std::string(), std::string());
      absl::StatusOr<std::string> line = (*cli)->ReadLine();
      const int status = (*cli)->Wait();
      std::ifstream err(cli_stderr);
      std::string err_text((std::istreambuf_iterator<char>(err)), std::istreambuf_iterator<char>());
      return std::make_tuple(status, line.ok() ? *line : std::string(), err_text);
    };
    const std::string routed = absl::StrCat("127.0.{ordinal}.1:", harness->grpc_port());
    auto status_of = [&](size_t corp) {
      return wecomctl({"--target", routed, "--shard-map", harness->shard_map_path(), "archive",
                       "status", "--corp", harness->corp_id(corp)});
    };
    const auto [mine_status, mine_line, mine_err] = status_of(mine);
    EXPECT_EQ(mine_status, 0) << mine_err;
    EXPECT_THAT(mine_line, HasSubstr(absl::StrCat("\"archived_count\":\"", corpus.base_size())));
    const auto [other_status, other_line, other_err] = status_of(other);
    EXPECT_NE(other_status, 0);
    EXPECT_THAT(other_err, HasSubstr(absl::StrCat("127.0.", other, ".1:")));
    // A corp the map does not place, and {ordinal} without a map, are refused
    // before any call.
    EXPECT_THAT(wecomctl({"--target", routed, "--shard-map", harness->shard_map_path(), "archive",
                          "status", "--corp", "wwnotinthemap"}),
                ::testing::FieldsAre(WithExitStatus(2), "", HasSubstr("not in the shard map")));
    EXPECT_THAT(
        wecomctl({"--target", routed, "archive", "status", "--corp", harness->corp_id(mine)}),
        ::testing::FieldsAre(WithExitStatus(2), "", HasSubstr("--shard-map")));
  }
}

// A configured corp the shard map does not place would be pulled by no pod:
// the archive refuses to start, naming it.
TEST(ArchiveEndToEnd, ACorpMissingFromTheShardMapStopsTheStart) {
  ArchiveHarnessOptions options;
  options.traffic.message_count = 10;
  options.extra_corps = 1;
  options.shard_map = {0};
  options.capture_archive_stderr = true;
  absl::StatusOr<std::unique_ptr<ArchiveHarness>> harness = ArchiveHarness::Create(options);
  ASSERT_THAT(harness, IsOk());
  EXPECT_THAT((*harness)->StartArchive(), Not(IsOk()));
  EXPECT_THAT((*harness)->ArchiveStderr(),
              AllOf(HasSubstr("archive_config_invalid"), HasSubstr("no ordinal"),
                    HasSubstr((*harness)->corp_id(1))));
}

// Each bad request fails with INVALID_ARGUMENT (or NOT_FOUND) naming the field.
TEST(ArchiveEndToEnd, BadArgumentsAreRejectedNamingTheField) {
  ArchiveHarnessOptions options;
  options.traffic.message_count = 50;
  auto harness = StartHarness(options);
  ASSERT_NE(harness, nullptr);
  auto stub = harness->Stub();
  const std::string corp = harness->corp_id();
  namespace v1 = wecom::archive::v1;
  using Stub = v1::ArchiveService::Stub;
  using Call = UnaryCall;
  auto unary = [&](auto method, const std::string& text) {
    return TextFormatCall(stub.get(), method, corp, text);
  };
  struct Case {
    std::string name;
    Call call;
    grpc::StatusCode code;
    std::string field;
  };
  constexpr auto kInvalid = grpc::StatusCode::INVALID_ARGUMENT;
  const std::vector<Case> cases = {
      {"status without corp", unary(&Stub::GetCorpStatus, ""), kInvalid, "corp_id"},
      {"status of an unknown corp", unary(&Stub::GetCorpStatus, "corp_id: 'wwnosuchcorp'"),
       grpc::StatusCode::NOT_FOUND, "corp_id"},
      {"message without msgid", unary(&Stub::GetMessage, "corp_id: '$corp'"), kInvalid, "msgid"},
      {"unknown msgid", unary(&Stub::GetMessage, "corp_id: '$corp' msgid: 'no-such-msgid'"),
       grpc::StatusCode::NOT_FOUND, "no-such-msgid"},
      {"page too large",
       unary(&Stub::ListMessages, "corp_id: '$corp' conversation_id: 'a|b' page_size: 5000"),
       kInvalid, "page_size"},
      {"garbage page token",
       unary(&Stub::ListMessages,
             "corp_id: '$corp' conversation_id: 'a|b' page_token: '%%garbage%%'"),
       kInvalid, "page_token"},
      {"robot id of a customer",
       unary(&Stub::GetRobotInfo, "corp_id: '$corp' robot_id: 'wmNotARobot'"), kInvalid,
       "robot_id"},
      {"media chunk without sdkfileid", unary(&Stub::GetMediaChunk, "corp_id: '$corp'"), kInvalid,
       "sdkfileid"},
      {"ack with a bad consumer name",
       unary(&Stub::AckMessages, "corp_id: '$corp' consumer: 'bad consumer name!' position: 1"),
       kInvalid, "consumer"},
      {"stream with an empty consumer",
       [&](grpc::ClientContext* c) {
         StreamMessagesRequest r;
         r.set_corp_id(corp);
         r.set_consumer("");
         auto reader = stub->StreamMessages(c, r);
         StreamMessagesResponse response;
         while (reader->Read(&response)) {
         }
         return reader->Finish();
       },
       kInvalid, "consumer"},
  };
  for (const Case& c : cases) {
    grpc::ClientContext context;
    const grpc::Status status = c.call(&context);
    EXPECT_EQ(status.error_code(), c.code) << c.name << ": " << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr(c.field)) << c.name;
  }
  // Unknown sdkfileid: the SDK's 10005 comes back as NOT_FOUND with the vendor error.
  {
    grpc::ClientContext c;
    v1::GetMediaChunkRequest r;
    r.set_corp_id(corp);
    r.set_sdkfileid("bm90LWEtcmVhbC1zZGtmaWxlaWQ=");
    v1::GetMediaChunkResponse out;
    grpc::Status status = stub->GetMediaChunk(&c, r, &out);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << status.error_message();
    std::optional<wecom::common::v1::VendorError> vendor = VendorErrorFromTrailers(c);
    ASSERT_TRUE(vendor.has_value());
    EXPECT_EQ(vendor->code(), 10005);
  }
  EXPECT_THAT(harness->MetricsText(),
              HasSubstr("archive_rejected_requests_total{field=\"page_size\""));
}

TEST(ArchiveEndToEnd, CallsWithoutTheTokenAreRefused) {
  ArchiveHarnessOptions options;
  options.traffic.message_count = 20;
  auto harness = StartHarness(options);
  ASSERT_NE(harness, nullptr);
  auto stub = harness->Stub(/*with_token=*/false);
  grpc::ClientContext context;
  wecom::archive::v1::GetCorpStatusRequest request;
  request.set_corp_id(harness->corp_id());
  wecom::archive::v1::GetCorpStatusResponse response;
  EXPECT_EQ(stub->GetCorpStatus(&context, request, &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

// The emulated corp's server is reachable only through this proxy, which asks
// for this password; the archive passes what its config says to every SDK call.
constexpr char kProxy[] = "socks5://127.0.0.1:1080";
constexpr char kProxyPasswd[] = "archive:proxy-pass-e2e-5c1d";

// A small corp behind kProxy, with the archive logging everything to a file
// the test reads.
ArchiveHarnessOptions ProxiedCorp(uint64_t seed) {
  ArchiveHarnessOptions options;
  options.traffic.message_count = 40;
  options.traffic.seed = seed;
  options.network.required_proxy = kProxy;
  options.network.required_proxy_passwd = kProxyPasswd;
  options.archive_log_level = "debug";
  options.capture_archive_stderr = true;
  return options;
}

// GetCorpStatus once the puller has recorded an error, checking that the
// error is the SDK's network error and that nothing was archived. The
// deadline only turns a hang into a failure.
wecom::archive::v1::GetCorpStatusResponse StatusAfterNetworkError(
    wecom::archive::v1::ArchiveService::Stub* stub, const std::string& corp) {
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  wecom::archive::v1::GetCorpStatusResponse status = CorpStatus(stub, corp);
  while (status.last_error().empty() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
    status = CorpStatus(stub, corp);
  }
  EXPECT_THAT(status.last_error(), HasSubstr("finance-sdk error 10001"));
  EXPECT_EQ(status.archived_count(), 0u);
  EXPECT_EQ(status.cursor_seq(), 0u);
  // Nothing to replay: the stream is caught up at once.
  StreamCall call(stub, FromStart(corp));
  StreamEvent first;
  EXPECT_TRUE(call.events->Next(&first));
  EXPECT_EQ(first.kind(), StreamEvent::KIND_CAUGHT_UP);
  return status;
}

emulator::MediaFile FirstMediaFile(const emulator::Corpus& corpus) {
  for (size_t i = 0; i < corpus.base_size(); ++i) {
    for (const emulator::MediaFile& file : corpus.MediaOf(i)) return file;
  }
  ADD_FAILURE() << "the corpus has no media";
  return {};
}

// GetMediaChunk for the first piece of `file`; `context` keeps the trailers.
grpc::Status FirstMediaChunk(wecom::archive::v1::ArchiveService::Stub* stub,
                             const std::string& corp, const emulator::MediaFile& file,
                             grpc::ClientContext* context,
                             wecom::archive::v1::GetMediaChunkResponse* response) {
  wecom::archive::v1::GetMediaChunkRequest request;
  request.set_corp_id(corp);
  request.set_sdkfileid(file.sdkfileid);
  return stub->GetMediaChunk(context, request, response);
}

TEST(ArchiveEndToEnd, ConfiguredProxyAndCredentialsReachTheSdk) {
  ArchiveHarnessOptions options = ProxiedCorp(19);
  options.archive_proxy = kProxy;
  options.archive_proxy_credentials = kProxyPasswd;
  auto harness = StartHarness(options);
  ASSERT_NE(harness, nullptr);
  const emulator::Corpus& corpus = harness->corpus();
  auto stub = harness->Stub();
  {
    StreamCall call(stub.get(), FromStart(harness->corp_id()));
    EXPECT_EQ(SeqsOf(ReadMessages(call.events.get(), corpus.base_size())), CorpusSeqs(corpus));
  }
  const wecom::archive::v1::GetCorpStatusResponse status =
      CorpStatus(stub.get(), harness->corp_id());
  EXPECT_EQ(status.archived_count(), corpus.base_size());
  EXPECT_EQ(status.last_error(), "");

  // GetMediaData goes through the same proxy.
  const emulator::MediaFile file = FirstMediaFile(corpus);
  grpc::ClientContext context;
  wecom::archive::v1::GetMediaChunkResponse chunk;
  const grpc::Status fetched =
      FirstMediaChunk(stub.get(), harness->corp_id(), file, &context, &chunk);
  ASSERT_TRUE(fetched.ok()) << fetched.error_message();
  const absl::StatusOr<std::string> expected =
      corpus.MediaBytes(file, 0, std::min<uint64_t>(file.size, 524288));
  ASSERT_THAT(expected, IsOk());
  EXPECT_TRUE(chunk.data() == *expected);

  EXPECT_THAT(harness->ArchiveStderr(), Not(HasSubstr(kProxyPasswd)));
}

TEST(ArchiveEndToEnd, WithoutTheProxyOrItsPasswordNothingIsArchived) {
  struct Case {
    std::string name;
    std::string proxy;
    std::string credentials;
  };
  const std::vector<Case> cases = {
      {"no proxy", "", ""},
      {"the proxy without credentials", kProxy, ""},
      {"the proxy with a wrong password", kProxy, "archive:not-the-pass-91b0"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ArchiveHarnessOptions options = ProxiedCorp(20);
    options.archive_proxy = c.proxy;
    options.archive_proxy_credentials = c.credentials;
    auto harness = StartHarness(options);
    ASSERT_NE(harness, nullptr);
    auto stub = harness->Stub();
    const wecom::archive::v1::GetCorpStatusResponse status =
        StatusAfterNetworkError(stub.get(), harness->corp_id());

    grpc::ClientContext context;
    wecom::archive::v1::GetMediaChunkResponse chunk;
    const grpc::Status media = FirstMediaChunk(stub.get(), harness->corp_id(),
                                               FirstMediaFile(harness->corpus()), &context, &chunk);
    EXPECT_EQ(media.error_code(), grpc::StatusCode::UNAVAILABLE) << media.error_message();
    const std::optional<wecom::common::v1::VendorError> vendor = VendorErrorFromTrailers(context);
    ASSERT_TRUE(vendor.has_value());
    EXPECT_EQ(vendor->code(), 10001);

    // Neither the right password nor the one configured leaks; the pull
    // errors were logged, so the captured stderr is the archive's log.
    const std::string logs = harness->ArchiveStderr();
    EXPECT_THAT(logs, HasSubstr("10001"));
    for (const std::string& secret : {std::string(kProxyPasswd), c.credentials}) {
      if (secret.empty()) continue;
      EXPECT_THAT(status.last_error(), Not(HasSubstr(secret)));
      EXPECT_THAT(media.error_message(), Not(HasSubstr(secret)));
      EXPECT_THAT(logs, Not(HasSubstr(secret)));
    }
  }
}

// The emulated server takes 1.5 s per call: a 1 s pull.timeout makes every
// pull fail with the SDK's 10001, a 3 s one lets them through.
TEST(ArchiveEndToEnd, PullTimeoutReachesTheSdk) {
  ArchiveHarnessOptions options;
  options.traffic.message_count = 20;
  options.traffic.seed = 21;
  options.faults.latency_ms = 1500;
  options.archive_pull_timeout = absl::Seconds(1);
  {
    auto harness = StartHarness(options);
    ASSERT_NE(harness, nullptr);
    StatusAfterNetworkError(harness->Stub().get(), harness->corp_id());
  }
  options.archive_pull_timeout = absl::Seconds(3);
  auto harness = StartHarness(options);
  ASSERT_NE(harness, nullptr);
  auto stub = harness->Stub();
  StreamCall call(stub.get(), FromStart(harness->corp_id()));
  EXPECT_EQ(SeqsOf(ReadMessages(call.events.get(), harness->corpus().base_size())),
            CorpusSeqs(harness->corpus()));
}

}  // namespace
}  // namespace wecom::testing
