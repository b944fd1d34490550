#include <string>

#include "absl/strings/str_cat.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/archive/parse/message_parser.h"
#include "tests/archive/parse/seed_examples.h"

namespace wecom::archive {
namespace {

using ::testing::AllOf;
using ::testing::DoubleEq;
using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::IsEmpty;
using ::testing::Matcher;
using ::testing::Property;
using ::testing::SizeIs;
using ::testing::StartsWith;
using ::wecom::archive::testing::SeedExample;
using ::wecom::archive::testing::SeedExampleNames;
using ::wecom::archive::v1::ChatMessage;
using ::wecom::archive::v1::ChatRecordItem;
using ::wecom::archive::v1::MediaRef;
using ::wecom::archive::v1::MixedItem;
using ::wecom::archive::v1::Quote;
using ::wecom::testing::IsOk;
using ::wecom::testing::StatusIs;

constexpr char kImageSdkFileId[] =
    "CtYBMzA2OTAyMDEwMjA0NjIzMDYwMDIwMTAwMDIwNGI3ZmU0MDZlMDIwMzBmNTliMTAyMDQ1YzliNTQ3NzAyMDQ1YzM3M2"
    "NiYzA0MjQ2NjM0MzgzNTM0NjEzNTY1MmQzNDYxMzQzODJkMzQzMTYxNjEyZDM5NjEzOTM2MmQ2MTM2NjQ2NDY0NjUzMDY2"
    "NjE2NjM1MzcwMjAxMDAwMjAzMDExNTQwMDQxMDUwZGU4ZTVhZThmZmU0ZjFkZjdhOTM4NDFmNzE5OTNhMDIwMTAyMDIwMT"
    "AwMDQwMBI4TkRkZk1UWTRPRGcxTVRBek1ETXlORFF6TWw4eE9UUTVOamN6TkRZMlh6RTFORGN4TWpNNU1ERT0aIGEwNGQw"
    "YWUyM2JlYzQ3NzQ5MjZhNWZjMjk0ZTEyNTkz";

ChatMessage ParseOk(std::string_view json) {
  absl::StatusOr<ChatMessage> message = ParseChatMessage(json);
  EXPECT_THAT(message, IsOk()) << json;
  return message.ok() ? *std::move(message) : ChatMessage();
}

ChatMessage ParseSeed(std::string_view name) { return ParseOk(SeedExample(name)); }

absl::Status ParseStatus(std::string_view json) { return ParseChatMessage(json).status(); }

Matcher<const MediaRef&> MediaIs(std::string kind, std::string ext, uint64_t size,
                                 Matcher<const std::string&> sdkfileid) {
  return AllOf(Property(&MediaRef::kind, kind), Property(&MediaRef::ext, ext),
               Property(&MediaRef::size, size), Property(&MediaRef::sdkfileid, sdkfileid));
}

TEST(ParseChatMessageTest, EverySeedMessageParsesToItsContent) {
  for (const std::string& name : SeedExampleNames()) {
    // Not whole messages: the GetChatData answer and a bare item list.
    if (name == "chatdata_envelope" || name == "chatrecord_item") continue;
    SCOPED_TRACE(name);
    const std::string json = SeedExample(name);
    const ChatMessage message = ParseOk(json);
    EXPECT_NE(message.content_case(), ChatMessage::CONTENT_NOT_SET);
    EXPECT_FALSE(message.msgid().empty());
    EXPECT_EQ(message.original_json(), json);
  }
}

TEST(ParseChatMessageTest, Text) {
  const ChatMessage message = ParseSeed("text");
  EXPECT_EQ(message.msgid(), "CAQQluDa4QUY0On2rYSAgAMgzPrShAE=");
  EXPECT_EQ(message.action(), "send");
  EXPECT_EQ(message.from(), "XuJinSheng");
  EXPECT_THAT(message.tolist(), ElementsAre("icefog"));
  EXPECT_EQ(message.roomid(), "");
  EXPECT_EQ(message.msgtime(), 1547087894783);
  EXPECT_EQ(message.msgtype(), "text");
  ASSERT_TRUE(message.has_text());
  EXPECT_EQ(message.text().content(), "test");
  EXPECT_FALSE(message.text().has_quote());
  EXPECT_EQ(message.conversation_id(), "XuJinSheng|icefog");
  EXPECT_EQ(message.sender_kind(), v1::SENDER_KIND_INTERNAL);
  EXPECT_FALSE(message.external());
  EXPECT_FALSE(message.updown_stream());
  EXPECT_THAT(message.media(), IsEmpty());
}

TEST(ParseChatMessageTest, TextQuoteFromTheSeed) {
  const ChatMessage message = ParseSeed("text_quote");
  EXPECT_EQ(message.text().content(), "这是一条引用/回复消息：\nnick\n666\n------\n@nick777");
  ASSERT_TRUE(message.text().has_quote());
  const Quote& quote = message.text().quote();
  EXPECT_EQ(quote.style(), Quote::STYLE_ARCHIVE);
  EXPECT_EQ(quote.user(), "nick");
  EXPECT_EQ(quote.quoted(), "666");
  EXPECT_EQ(quote.reply(), "@nick777");
  EXPECT_EQ(quote.language(), "zh");
}

TEST(ParseChatMessageTest, QuoteIsDerivedNotRead) {
  const ChatMessage plain = ParseOk(
      R"({"msgid":"q1","msgtype":"text","text":{"content":"plain","quote":"from the vendor"}})");
  EXPECT_EQ(plain.text().content(), "plain");
  EXPECT_FALSE(plain.text().has_quote());

  const ChatMessage wechat = ParseOk(
      R"({"msgid":"q2","msgtype":"text","text":{"content":"「张三：几点？」\n- - - - - - - - - - - - - - -\n十点"}})");
  EXPECT_EQ(wechat.text().quote().style(), Quote::STYLE_WECHAT);
  EXPECT_EQ(wechat.text().quote().user(), "张三");
  EXPECT_EQ(wechat.text().quote().reply(), "十点");
}

TEST(ParseChatMessageTest, Image) {
  const ChatMessage message = ParseSeed("image");
  EXPECT_EQ(message.msgtime(), 0);
  ASSERT_TRUE(message.has_image());
  EXPECT_EQ(message.image().md5sum(), "50de8e5ae8ffe4f1df7a93841f71993a");
  EXPECT_EQ(message.image().filesize(), 70961u);
  EXPECT_EQ(message.image().sdkfileid(), kImageSdkFileId);
  ASSERT_THAT(message.media(), ElementsAre(MediaIs("image", "jpg", 70961, kImageSdkFileId)));
  EXPECT_EQ(message.media(0).md5sum(), "50de8e5ae8ffe4f1df7a93841f71993a");
  EXPECT_EQ(message.media(0).filename(), "");
}

TEST(ParseChatMessageTest, Revoke) {
  const ChatMessage message = ParseSeed("revoke");
  EXPECT_EQ(message.action(), "recall");
  EXPECT_EQ(message.revoke().pre_msgid(), "14822339130656386894_1603875600");
  EXPECT_EQ(message.conversation_id(), "kenshin|wmUu0zBgAALV7ZymkcMyxvbTe8YdWxxA");
}

TEST(ParseChatMessageTest, AgreeAndDisagreeReadTheirOwnTimeKey) {
  const ChatMessage agree = ParseSeed("agree");
  ASSERT_TRUE(agree.has_agree());
  EXPECT_EQ(agree.agree().userid(), "wmGAgeDQAAvQeaTqWwkMTxGMkvI7OOuQ");
  EXPECT_EQ(agree.agree().time(), 1603875826656);

  const ChatMessage disagree = ParseSeed("disagree");
  ASSERT_TRUE(disagree.has_disagree());
  EXPECT_EQ(disagree.disagree().userid(), "wmErxtDgAA9AW32YyyuYRimKr7D1KWlw");
  EXPECT_EQ(disagree.disagree().time(), 1603875944122);
}

TEST(ParseChatMessageTest, Voice) {
  const ChatMessage message = ParseSeed("voice");
  ASSERT_TRUE(message.has_voice());
  EXPECT_EQ(message.voice().md5sum(), "9db09c7fa627c9e53f17736c786a74d5");
  EXPECT_EQ(message.voice().voice_size(), 6810u);
  EXPECT_EQ(message.voice().play_length(), 10u);
  EXPECT_THAT(message.voice().sdkfileid(), StartsWith("kcyZjZqOXhETGYxajB2Zkp5"));
  EXPECT_THAT(message.media(),
              ElementsAre(MediaIs("voice", "amr", 6810, EndsWith("NzU3NDY0NzY3NTY4NjY="))));
}

TEST(ParseChatMessageTest, Video) {
  const ChatMessage message = ParseSeed("video");
  EXPECT_EQ(message.video().md5sum(), "d06fc80c01d6fbffcca3b229ba41eac6");
  EXPECT_EQ(message.video().filesize(), 15169724u);
  EXPECT_EQ(message.video().play_length(), 108u);
  EXPECT_THAT(message.media(),
              ElementsAre(MediaIs("video", "mp4", 15169724, StartsWith("MzAzMjYxMzAzNTYzMzgz"))));
}

TEST(ParseChatMessageTest, Card) {
  const ChatMessage message = ParseSeed("card");
  EXPECT_EQ(message.card().corpname(), "微信联系人");
  EXPECT_EQ(message.card().userid(), "wmGAgeDQAAGjFmfnP7A3j2JxQDdLNhSw");
}

TEST(ParseChatMessageTest, Location) {
  const ChatMessage message = ParseSeed("location");
  ASSERT_TRUE(message.has_location());
  EXPECT_THAT(message.location().longitude(), DoubleEq(116.586285899));
  EXPECT_THAT(message.location().latitude(), DoubleEq(39.911125799));
  EXPECT_EQ(message.location().address(), "北京市xxx区xxx路xxx大厦x座");
  EXPECT_EQ(message.location().title(), "xxx管理中心");
  EXPECT_EQ(message.location().zoom(), 15u);
}

TEST(ParseChatMessageTest, Emotion) {
  const ChatMessage message = ParseSeed("emotion");
  EXPECT_EQ(message.emotion().type(), 1u);
  EXPECT_EQ(message.emotion().width(), 290u);
  EXPECT_EQ(message.emotion().height(), 290u);
  EXPECT_EQ(message.emotion().imagesize(), 962604u);
  EXPECT_EQ(message.emotion().md5sum(), "94c2b0bba52cc456cb8221b248096612");
  EXPECT_THAT(message.media(),
              ElementsAre(MediaIs("emotion", "gif", 962604, StartsWith("4eE1ESTVNalE1"))));
}

TEST(ParseChatMessageTest, PngEmotionIsStoredAsPng) {
  const ChatMessage message =
      ParseOk(R"({"msgid":"e2","msgtype":"emotion","emotion":{"type":2,"sdkfileid":"png-id"}})");
  EXPECT_THAT(message.media(), ElementsAre(MediaIs("emotion", "png", 0, "png-id")));
}

TEST(ParseChatMessageTest, File) {
  const ChatMessage message = ParseSeed("file");
  EXPECT_EQ(message.file().md5sum(), "18e93fc2ea884df23b3d2d3b8667b9f0");
  EXPECT_EQ(message.file().filename(), "资料.docx");
  EXPECT_EQ(message.file().fileext(), "docx");
  EXPECT_EQ(message.file().filesize(), 18181u);
  ASSERT_THAT(message.media(),
              ElementsAre(MediaIs("file", "docx", 18181, StartsWith("E4ODRkZjIzYjNk"))));
  EXPECT_EQ(message.media(0).filename(), "资料.docx");
  EXPECT_EQ(message.media(0).md5sum(), "18e93fc2ea884df23b3d2d3b8667b9f0");
}

TEST(ParseChatMessageTest, LinkAndWeapp) {
  const ChatMessage link = ParseSeed("link");
  EXPECT_EQ(link.link().title(), "邀请你加入群聊");
  EXPECT_EQ(link.link().description(), "技术支持群，进入可查看详情");
  EXPECT_EQ(link.link().link_url(),
            "https://work.weixin.qq.com/wework_admin/external_room/join/exceed?vcode=xxx");
  EXPECT_EQ(link.link().image_url(), "https://wework.qpic.cn/wwpic/xxx/0");

  const ChatMessage weapp = ParseSeed("weapp");
  EXPECT_EQ(weapp.weapp().title(), "开始聊天前请仔细阅读服务须知事项");
  EXPECT_EQ(weapp.weapp().username(), "xxx@app");
  EXPECT_EQ(weapp.weapp().displayname(), "服务须知");
}

TEST(ParseChatMessageTest, ChatRecordItemsAreTyped) {
  const ChatMessage message = ParseSeed("chatrecord");
  ASSERT_TRUE(message.has_chatrecord());
  EXPECT_EQ(message.chatrecord().title(), "群聊");
  ASSERT_THAT(message.chatrecord().item(), SizeIs(2));
  const ChatRecordItem& first = message.chatrecord().item(0);
  EXPECT_EQ(first.type(), "ChatRecordText");
  EXPECT_EQ(first.msgtime(), 1603875610);
  EXPECT_EQ(first.content(), R"({"content":"test"})");
  EXPECT_FALSE(first.from_chatroom());
  ASSERT_EQ(first.parsed_case(), ChatRecordItem::kText);
  EXPECT_EQ(first.text().content(), "test");
  EXPECT_EQ(message.chatrecord().item(1).msgtime(), 1603875620);
  EXPECT_EQ(message.chatrecord().item(1).text().content(), "test2");
}

TEST(ParseChatMessageTest, SeedChatRecordItemListParses) {
  const ChatMessage message =
      ParseOk(absl::StrCat(R"({"msgid":"r1","msgtype":"chatrecord","chatrecord":{)",
                           SeedExample("chatrecord_item"), "}}"));
  ASSERT_THAT(message.chatrecord().item(), SizeIs(2));
  EXPECT_EQ(message.chatrecord().item(0).text().content(), "test");
  EXPECT_EQ(message.chatrecord().item(1).text().content(), "test2");
}

TEST(ParseChatMessageTest, ChatRecordOfEveryItemTypeWithMedia) {
  const ChatMessage message = ParseOk(R"({"msgid":"r2","action":"send","from":"ken",
    "tolist":["icef"],"msgtime":1603875657905,"msgtype":"chatrecord","chatrecord":{"title":"t",
    "item":[
      {"type":"ChatRecordImage","msgtime":1,"content":"{\"md5sum\":\"m1\",\"filesize\":11,\"sdkfileid\":\"img\"}","from_chatroom":true},
      {"type":"ChatRecordFile","msgtime":2,"content":"{\"filename\":\"a.PDF\",\"fileext\":\"\",\"filesize\":\"22\",\"sdkfileid\":\"doc\"}"},
      {"type":"ChatRecordVideo","msgtime":3,"content":"{\"filesize\":33,\"play_length\":4,\"sdkfileid\":\"vid\"}"},
      {"type":"ChatRecordLink","msgtime":4,"content":"{\"title\":\"L\",\"link_url\":\"https://x\"}"},
      {"type":"ChatRecordLocation","msgtime":5,"content":"{\"longitude\":\"116.5\",\"latitude\":39.9}"},
      {"type":"ChatRecordMixed","msgtime":6,"content":"{\"item\":[{\"type\":\"ChatRecordText\",\"content\":\"{\\\"content\\\":\\\"hi\\\"}\"},{\"type\":\"ChatRecordImage\",\"content\":\"{\\\"sdkfileid\\\":\\\"mixed-img\\\"}\"}]}"},
      {"type":"ChatRecordSticker","msgtime":7,"content":"{\"whatever\":1}"}
    ]}})");
  ASSERT_THAT(message.chatrecord().item(), SizeIs(7));
  const auto& items = message.chatrecord().item();
  EXPECT_EQ(items[0].parsed_case(), ChatRecordItem::kImage);
  EXPECT_EQ(items[0].image().md5sum(), "m1");
  EXPECT_TRUE(items[0].from_chatroom());
  EXPECT_EQ(items[1].parsed_case(), ChatRecordItem::kFile);
  EXPECT_EQ(items[1].file().filesize(), 22u);
  EXPECT_EQ(items[2].parsed_case(), ChatRecordItem::kVideo);
  EXPECT_EQ(items[2].video().play_length(), 4u);
  EXPECT_EQ(items[3].parsed_case(), ChatRecordItem::kLink);
  EXPECT_EQ(items[3].link().link_url(), "https://x");
  EXPECT_EQ(items[4].parsed_case(), ChatRecordItem::kLocation);
  EXPECT_THAT(items[4].location().longitude(), DoubleEq(116.5));
  EXPECT_EQ(items[5].parsed_case(), ChatRecordItem::kMixed);
  ASSERT_THAT(items[5].mixed().item(), SizeIs(2));
  EXPECT_EQ(items[5].mixed().item(0).text().content(), "hi");
  EXPECT_EQ(items[5].mixed().item(1).image().sdkfileid(), "mixed-img");
  // A type without a typed form keeps what the vendor sent.
  EXPECT_EQ(items[6].type(), "ChatRecordSticker");
  EXPECT_EQ(items[6].content(), R"({"whatever":1})");
  EXPECT_EQ(items[6].parsed_case(), ChatRecordItem::PARSED_NOT_SET);

  EXPECT_THAT(
      message.media(),
      ElementsAre(MediaIs("image", "jpg", 11, "img"), MediaIs("file", "PDF", 22, "doc"),
                  MediaIs("video", "mp4", 33, "vid"), MediaIs("image", "jpg", 0, "mixed-img")));
  EXPECT_EQ(message.media(1).filename(), "a.PDF");
}

TEST(ParseChatMessageTest, TodoAndVote) {
  const ChatMessage todo = ParseSeed("todo");
  ASSERT_TRUE(todo.has_todo());
  EXPECT_EQ(todo.todo().title(), "测试待办");
  EXPECT_EQ(todo.todo().content(), "下周一前提交周报");

  const ChatMessage vote = ParseSeed("vote");
  ASSERT_TRUE(vote.has_vote());
  EXPECT_EQ(vote.vote().votetitle(), "团建去哪里");
  EXPECT_THAT(vote.vote().voteitem(), ElementsAre("爬山", "露营"));
  EXPECT_EQ(vote.vote().votetype(), 101u);
  EXPECT_EQ(vote.vote().voteid(), "2405293423");
}

TEST(ParseChatMessageTest, Collect) {
  const ChatMessage message = ParseSeed("collect");
  EXPECT_EQ(message.conversation_id(), "wrjc7bDwYAOAhf9quEwRRxyyoMm0QAAA");
  EXPECT_THAT(message.tolist(), ElementsAre("XuJinSheng", "15108264797"));
  const v1::Collect& collect = message.collect();
  EXPECT_EQ(collect.room_name(), "这是一个群");
  EXPECT_EQ(collect.creator(), "nick");
  EXPECT_EQ(collect.create_time(), "2019-12-11 11:21:22");
  EXPECT_EQ(collect.title(), "这是填表title");
  ASSERT_THAT(collect.details(), SizeIs(4));
  EXPECT_EQ(collect.details(0).id(), 1u);
  EXPECT_EQ(collect.details(0).ques(), "表项1，文本");
  EXPECT_EQ(collect.details(0).type(), "Text");
  EXPECT_EQ(collect.details(3).id(), 4u);
  EXPECT_EQ(collect.details(3).type(), "Time");
}

TEST(ParseChatMessageTest, RedpacketAndExternalRedpacket) {
  const ChatMessage redpacket = ParseSeed("redpacket");
  ASSERT_TRUE(redpacket.has_redpacket());
  EXPECT_EQ(redpacket.redpacket().type(), 1u);
  EXPECT_EQ(redpacket.redpacket().wish(), "恭喜发财，大吉大利");
  EXPECT_EQ(redpacket.redpacket().totalcnt(), 1u);
  EXPECT_EQ(redpacket.redpacket().totalamount(), 3000u);

  const ChatMessage external = ParseSeed("external_redpacket");
  ASSERT_TRUE(external.has_external_redpacket());
  EXPECT_EQ(external.external_redpacket().totalcnt(), 2u);
  EXPECT_EQ(external.external_redpacket().totalamount(), 20u);
  EXPECT_EQ(external.sender_kind(), v1::SENDER_KIND_EXTERNAL);
  EXPECT_EQ(external.conversation_id(), "wrJ7ijBwAAG1vly_DzVI72Ghc-PtA5Dw");
}

TEST(ParseChatMessageTest, Meeting) {
  const ChatMessage message = ParseSeed("meeting");
  EXPECT_EQ(message.meeting().topic(), "夕会");
  EXPECT_EQ(message.meeting().starttime(), 1603877400);
  EXPECT_EQ(message.meeting().endtime(), 1603881000);
  EXPECT_EQ(message.meeting().address(), "");
  EXPECT_EQ(message.meeting().meetingid(), 1210342560u);
  EXPECT_EQ(message.conversation_id(), "wr2vOpDgAAN4zVWKbS");
}

TEST(ParseChatMessageTest, MeetingNotificationUnderInfo) {
  const ChatMessage message = ParseSeed("meeting_notification");
  EXPECT_EQ(message.msgid(), "14158408185591086566_1700815962253");
  EXPECT_EQ(message.msgtime(), 1700815958880);
  ASSERT_TRUE(message.has_meeting_notification());
  EXPECT_EQ(message.meeting_notification().meeting_id(), 6072773153468854000u);
  EXPECT_EQ(message.meeting_notification().notification_type(), 2u);
  EXPECT_EQ(message.meeting_notification().content(), "yinhuiyou的快速会议 已结束");
  EXPECT_EQ(message.conversation_id(), "18510382533|DuDuDu");
}

TEST(ParseChatMessageTest, Switch) {
  const ChatMessage message = ParseSeed("switch");
  EXPECT_EQ(message.msgid(), "125289002219525886280");
  EXPECT_EQ(message.action(), "switch");
  EXPECT_EQ(message.msgtype(), "switch");
  EXPECT_EQ(message.msgtime(), 1554119421840);
  ASSERT_TRUE(message.has_switch_log());
  EXPECT_EQ(message.switch_log().time(), 1554119421840);
  EXPECT_EQ(message.switch_log().user(), "XuJinSheng");
  EXPECT_EQ(message.conversation_id(), "");
  EXPECT_EQ(message.sender_kind(), v1::SENDER_KIND_UNSPECIFIED);
}

TEST(ParseChatMessageTest, DocmsgMarkdownAndNews) {
  const ChatMessage doc = ParseSeed("docmsg");
  ASSERT_TRUE(doc.has_docmsg());
  EXPECT_EQ(doc.docmsg().title(), "测试&演示客户");
  EXPECT_EQ(doc.docmsg().doc_creator(), "test");
  EXPECT_EQ(doc.docmsg().link_url(), "https://doc.weixin.qq.com/txdoc/excel?docid=xxx");

  const ChatMessage markdown = ParseSeed("markdown");
  ASSERT_TRUE(markdown.has_markdown());
  EXPECT_EQ(markdown.markdown().content(), "请前往系统查看，谢谢。");

  const ChatMessage news = ParseSeed("news");
  ASSERT_THAT(news.news().item(), SizeIs(1));
  EXPECT_EQ(news.news().item(0).title(), "service ");
  EXPECT_EQ(news.news().item(0).description(), "test");
  EXPECT_EQ(news.news().item(0).url(), "https://xxx");
  EXPECT_EQ(news.news().item(0).picurl(), "https://www.qq.com/xxx.jpg");
}

TEST(ParseChatMessageTest, Calendar) {
  const ChatMessage message = ParseSeed("calendar");
  EXPECT_EQ(message.calendar().title(), "xxx业绩复盘会");
  EXPECT_EQ(message.calendar().creatorname(), "test");
  EXPECT_THAT(message.calendar().attendeename(), ElementsAre("aaa", "bbb"));
  EXPECT_EQ(message.calendar().starttime(), 1603882800);
  EXPECT_EQ(message.calendar().endtime(), 1603886400);
}

TEST(ParseChatMessageTest, MixedItemsAreTyped) {
  const ChatMessage message = ParseSeed("mixed");
  EXPECT_EQ(message.conversation_id(), "wr_tZ2BwAAUwHpYMwy9cIWqnlU3Hzqfg");
  ASSERT_THAT(message.mixed().item(), SizeIs(2));
  const MixedItem& text = message.mixed().item(0);
  EXPECT_EQ(text.type(), "text");
  ASSERT_EQ(text.parsed_case(), MixedItem::kText);
  EXPECT_EQ(text.text().content(), "你好[微笑]\n");
  const MixedItem& image = message.mixed().item(1);
  EXPECT_EQ(image.type(), "image");
  ASSERT_EQ(image.parsed_case(), MixedItem::kImage);
  EXPECT_EQ(image.image().md5sum(), "368b6c18c82e6441bfd89b343e9d2429");
  EXPECT_EQ(image.image().filesize(), 13177u);
  EXPECT_THAT(image.image().sdkfileid(),
              StartsWith("CtYBMzA2OTAyMDEwMjA0NjIzMDYwMDIwMTAwMDWwNDVm"));
  EXPECT_THAT(image.image().sdkfileid(), EndsWith("M2MxZDRmZjhhMjEwY2M0NDQzZGUXOTEy"));
  EXPECT_THAT(message.media(),
              ElementsAre(MediaIs("image", "jpg", 13177, image.image().sdkfileid())));
}

TEST(ParseChatMessageTest, MixedItemOfUnknownTypeKeepsTypeAndContent) {
  const ChatMessage message = ParseOk(R"({"msgid":"x2","msgtype":"mixed","mixed":{"item":[
      {"type":"hologram","content":"{\"a\":1}"},
      {"type":"voice","content":"{\"voice_size\":\"12\",\"sdkfileid\":\"v\"}"}]}})");
  ASSERT_THAT(message.mixed().item(), SizeIs(2));
  EXPECT_EQ(message.mixed().item(0).type(), "hologram");
  EXPECT_EQ(message.mixed().item(0).content(), R"({"a":1})");
  EXPECT_EQ(message.mixed().item(0).parsed_case(), MixedItem::PARSED_NOT_SET);
  EXPECT_EQ(message.mixed().item(1).voice().voice_size(), 12u);
  EXPECT_THAT(message.media(), ElementsAre(MediaIs("voice", "amr", 12, "v")));
}

TEST(ParseChatMessageTest, MeetingVoiceCall) {
  const ChatMessage message = ParseSeed("meeting_voice_call");
  ASSERT_TRUE(message.has_meeting_voice_call());
  const v1::MeetingVoiceCall& call = message.meeting_voice_call();
  EXPECT_EQ(call.voiceid(), "grb8a4c48a3c094a70982c518d55e40557");
  EXPECT_EQ(call.endtime(), 1594197635);
  EXPECT_THAT(call.sdkfileid(), StartsWith("CpsBKjAqd0xhb2JWRUJl"));
  ASSERT_THAT(call.demofiledata(), SizeIs(1));
  EXPECT_EQ(call.demofiledata(0).filename(), "65eb1cdd3e7a3c1740ecd74220b6c627.docx");
  EXPECT_EQ(call.demofiledata(0).demooperator(), "wo137MCgAAYW6pIiKKrDe5SlzEhSgwbA");
  EXPECT_EQ(call.demofiledata(0).starttime(), 1594197599);
  EXPECT_EQ(call.demofiledata(0).endtime(), 1594197609);
  ASSERT_THAT(call.sharescreendata(), SizeIs(1));
  EXPECT_EQ(call.sharescreendata(0).share(), "wo137MCgAAYW6pIiKKrDe5SlzEhSgwbA");
  EXPECT_EQ(call.sharescreendata(0).starttime(), 1594197624);
  // No roomid at all: a one-to-one conversation (here with oneself).
  EXPECT_EQ(message.roomid(), "");
  EXPECT_EQ(message.conversation_id(),
            "wo137MCgAAYW6pIiKKrDe5SlzEhSgwbA|wo137MCgAAYW6pIiKKrDe5SlzEhSgwbA");
  EXPECT_THAT(message.media(),
              ElementsAre(MediaIs("meeting_voice_call", "bin", 0, call.sdkfileid())));
}

TEST(ParseChatMessageTest, VoipDocShare) {
  const ChatMessage message = ParseSeed("voip_doc_share");
  ASSERT_TRUE(message.has_voip_doc_share());
  const v1::VoipDocShare& share = message.voip_doc_share();
  EXPECT_EQ(share.voipid(), "gr2751c98b19300571f8afb3b74514bd32");
  EXPECT_EQ(share.filename(), "欢迎使用微盘.pdf.pdf");
  EXPECT_EQ(share.md5sum(), "ff893900f24e55e216e617a40e5c4648");
  EXPECT_EQ(share.filesize(), 4400654u);
  ASSERT_THAT(message.media(),
              ElementsAre(MediaIs("voip_doc_share", "pdf", 4400654, share.sdkfileid())));
  EXPECT_EQ(message.media(0).filename(), "欢迎使用微盘.pdf.pdf");
}

TEST(ParseChatMessageTest, SphfeedIsExternal) {
  const ChatMessage message = ParseSeed("sphfeed");
  EXPECT_EQ(message.sphfeed().feed_type(), 4u);
  EXPECT_EQ(message.sphfeed().sph_name(), "云游天地旅行家");
  EXPECT_EQ(message.sphfeed().feed_desc(),
            "瑞士丨盖尔默缆车，名副其实的过山车~\n\n#旅行#风景#热门");
  EXPECT_TRUE(message.external());
  EXPECT_FALSE(message.updown_stream());
}

TEST(ParseChatMessageTest, VoiptextUnderInfo) {
  const ChatMessage message = ParseSeed("voiptext");
  ASSERT_TRUE(message.has_voiptext());
  EXPECT_EQ(message.voiptext().callduration(), 9u);
  EXPECT_EQ(message.voiptext().invitetype(), 2u);
  EXPECT_EQ(message.conversation_id(), "WoBeiQi...|icef");
}

TEST(ParseChatMessageTest, QydiskfileUnderInfoIsExternal) {
  const ChatMessage message = ParseSeed("qydiskfile");
  ASSERT_TRUE(message.has_qydiskfile());
  EXPECT_EQ(message.qydiskfile().filename(), ".sys.log");
  EXPECT_TRUE(message.external());
  // Prefixes are case-sensitive: "Wo…" is not an external_userid.
  EXPECT_EQ(message.sender_kind(), v1::SENDER_KIND_INTERNAL);
  EXPECT_THAT(message.media(), IsEmpty());
}

TEST(ParseChatMessageTest, SenderKindFollowsTheIdPrefix) {
  const auto sender_kind = [](const std::string& from) {
    return ParseOk(absl::StrCat(R"({"msgid":"s","msgtype":"text","from":")", from, R"("})"))
        .sender_kind();
  };
  EXPECT_EQ(sender_kind("wbjc7bDwAAJVylUKpSA3Z5U11tDO4AAA"), v1::SENDER_KIND_ROBOT);
  EXPECT_EQ(sender_kind("wo137MCgAAYW6pIiKKrDe5SlzEhSgwbA"), v1::SENDER_KIND_EXTERNAL);
  EXPECT_EQ(sender_kind("wmErxtDgAA9AW32YyyuYRimKr7D1KWlw"), v1::SENDER_KIND_EXTERNAL);
  EXPECT_EQ(sender_kind("kenshin"), v1::SENDER_KIND_INTERNAL);
  EXPECT_EQ(sender_kind(""), v1::SENDER_KIND_UNSPECIFIED);
  EXPECT_EQ(ParseSeed("disagree").sender_kind(), v1::SENDER_KIND_EXTERNAL);
  EXPECT_EQ(ParseSeed("meeting_voice_call").sender_kind(), v1::SENDER_KIND_EXTERNAL);
}

TEST(ParseChatMessageTest, BothDirectionsOfAChatShareAConversation) {
  const ChatMessage there =
      ParseOk(R"({"msgid":"a","msgtype":"text","from":"kenshin","tolist":["wmX"],"roomid":""})");
  const ChatMessage back =
      ParseOk(R"({"msgid":"b","msgtype":"text","from":"wmX","tolist":["kenshin"]})");
  EXPECT_EQ(there.conversation_id(), "kenshin|wmX");
  EXPECT_EQ(back.conversation_id(), "kenshin|wmX");
}

TEST(ParseChatMessageTest, UpdownStreamSuffix) {
  const ChatMessage message =
      ParseOk(R"({"msgid":"123_1603875615_updown_stream","msgtype":"text","text":{}})");
  EXPECT_TRUE(message.updown_stream());
  EXPECT_FALSE(message.external());
}

TEST(ParseChatMessageTest, UnknownMsgtypeKeepsTheCommonFields) {
  const std::string json = R"({"msgid":"u1","action":"send","from":"a","tolist":["b"],"msgtime":5,)"
                           R"("msgtype":"hologram","hologram":{"sdkfileid":"x"}})";
  const ChatMessage message = ParseOk(json);
  EXPECT_EQ(message.msgtype(), "hologram");
  EXPECT_EQ(message.content_case(), ChatMessage::CONTENT_NOT_SET);
  EXPECT_EQ(message.msgtime(), 5);
  EXPECT_EQ(message.conversation_id(), "a|b");
  EXPECT_THAT(message.media(), IsEmpty());
  EXPECT_EQ(message.original_json(), json);
}

TEST(ParseChatMessageTest, ToleratesNumbersAsStringsAndFloats) {
  const ChatMessage from_string =
      ParseOk(R"({"msgid":"n1","msgtime":"1700815958880","msgtype":"meeting_notification",)"
              R"("info":{"meeting_id":"6072773153468854000","notification_type":"1"}})");
  EXPECT_EQ(from_string.msgtime(), 1700815958880);
  EXPECT_EQ(from_string.meeting_notification().meeting_id(), 6072773153468854000u);
  EXPECT_EQ(from_string.meeting_notification().notification_type(), 1u);

  const ChatMessage from_float =
      ParseOk(R"({"msgid":"n2","msgtime":1.700815958880e12,"msgtype":"meeting_notification",)"
              R"("info":{"meeting_id":6.072773153468854e18,"notification_type":2.0}})");
  EXPECT_EQ(from_float.msgtime(), 1700815958880);
  // The nearest double to the vendor's value, exactly.
  EXPECT_EQ(from_float.meeting_notification().meeting_id(), 6072773153468854272u);
  EXPECT_EQ(from_float.meeting_notification().notification_type(), 2u);

  const ChatMessage empty_string = ParseOk(
      R"({"msgid":"n3","msgtype":"meeting","meeting":{"topic":"q","endtime":"","meetingid":7}})");
  EXPECT_EQ(empty_string.meeting().endtime(), 0);
  EXPECT_EQ(empty_string.meeting().meetingid(), 7u);

  const ChatMessage numeric_id =
      ParseOk(R"({"msgid":"n4","msgtype":"card","card":{"userid":15108264797}})");
  EXPECT_EQ(numeric_id.card().userid(), "15108264797");
}

TEST(ParseChatMessageTest, AbsentFieldsTakeDefaults) {
  const ChatMessage message = ParseOk(R"({"msgid":"d1","msgtype":"image","from":"a"})");
  ASSERT_TRUE(message.has_image());
  EXPECT_EQ(message.image().filesize(), 0u);
  EXPECT_EQ(message.image().sdkfileid(), "");
  EXPECT_EQ(message.action(), "");
  EXPECT_EQ(message.conversation_id(), "a");
  // No sdkfileid, nothing to fetch.
  EXPECT_THAT(message.media(), IsEmpty());
}

TEST(ParseChatMessageTest, RejectsInvalidJson) {
  EXPECT_THAT(ParseStatus(R"({"msgid":"x",)"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "decrypted message is not valid JSON: expected a string at byte 13"));
  EXPECT_THAT(ParseStatus(""),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "decrypted message is not valid JSON: unexpected end at byte 0"));
}

TEST(ParseChatMessageTest, RejectsANonObject) {
  EXPECT_THAT(ParseStatus(R"(["msgid"])"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "decrypted message must be a JSON object, got array"));
}

TEST(ParseChatMessageTest, RejectsAMissingMsgid) {
  EXPECT_THAT(ParseStatus(R"({"action":"send","msgtype":"text","text":{"content":"x"}})"),
              StatusIs(absl::StatusCode::kInvalidArgument, "decrypted message has no msgid"));
  EXPECT_THAT(ParseStatus(R"({"msgid":"","action":"switch","time":1})"),
              StatusIs(absl::StatusCode::kInvalidArgument, "decrypted message has no msgid"));
}

TEST(ParseChatMessageTest, NamesAWronglyTypedField) {
  EXPECT_THAT(ParseStatus(R"({"msgid":{},"msgtype":"text"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, "msgid must be a string, got object"));
  EXPECT_THAT(ParseStatus(R"({"msgid":"w","tolist":"icef"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, "tolist must be an array, got string"));
  EXPECT_THAT(
      ParseStatus(R"({"msgid":"w","tolist":["a",["b"]]})"),
      StatusIs(absl::StatusCode::kInvalidArgument, "tolist[1] must be a string, got array"));
  EXPECT_THAT(ParseStatus(R"({"msgid":"w","msgtime":"yesterday"})"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       R"(msgtime must be a number, got the string "yesterday")"));
  EXPECT_THAT(ParseStatus(R"({"msgid":"w","msgtype":"image","image":"x"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, "image must be an object, got string"));
  EXPECT_THAT(
      ParseStatus(R"({"msgid":"w","msgtype":"image","image":{"filesize":[1]}})"),
      StatusIs(absl::StatusCode::kInvalidArgument, "image.filesize must be a number, got array"));
  EXPECT_THAT(ParseStatus(R"({"msgid":"w","msgtype":"image","image":{"filesize":-1}})"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "image.filesize is out of range for uint64: -1"));
  EXPECT_THAT(ParseStatus(R"({"msgid":"w","msgtype":"voice","voice":{"play_length":4294967296}})"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "voice.play_length is out of range for uint32: 4294967296"));
  EXPECT_THAT(ParseStatus(R"({"msgid":"w","msgtype":"chatrecord","chatrecord":{"item":[{},
                 {"type":"ChatRecordText","from_chatroom":"maybe"}]}})"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "chatrecord.item[1].from_chatroom must be a boolean, got string"));
  EXPECT_THAT(ParseStatus(R"({"msgid":"w","msgtype":"agree","agree":{"agree_time":true}})"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "agree.agree_time must be a number, got boolean"));
}

TEST(ParseChatMessageTest, NamesAMalformedItemContent) {
  EXPECT_THAT(ParseStatus(R"({"msgid":"w","msgtype":"mixed","mixed":{"item":[
          {"type":"text","content":"{\"content\":\"ok\"}"},{"type":"image","content":"{oops"}]}})"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "mixed.item[1].content is not valid JSON: expected a string at byte 1"));
  EXPECT_THAT(ParseStatus(R"({"msgid":"w","msgtype":"mixed","mixed":{"item":[
          {"type":"image","content":"{\"filesize\":\"big\"}"}]}})"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       R"(mixed.item[0].content.filesize must be a number, got the string "big")"));
}

}  // namespace
}  // namespace wecom::archive
