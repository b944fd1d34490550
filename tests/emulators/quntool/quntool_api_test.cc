// The quntool emulator's HTTP API in-process on a real socket: the apikey,
// a representative endpoint of each group with the document's exact shapes,
// and changes that later reads reflect.
#include <string>

#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/emulators/quntool/quntool_test_world.h"

namespace wecom::quntool::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::wecom::testing::IsOk;

std::vector<std::string> Keys(const Json& object) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : object.items()) keys.push_back(key);
  return keys;
}

// {"msg":"","code":0,"data":...}: the data, or a test failure.
Json DataOf(const absl::StatusOr<Json>& answer) {
  EXPECT_THAT(answer, IsOk());
  if (!answer.ok()) return nullptr;
  EXPECT_THAT(Keys(*answer), ElementsAre("msg", "code", "data")) << answer->dump();
  EXPECT_EQ((*answer)["code"], 0) << answer->dump();
  EXPECT_EQ((*answer)["msg"], "") << answer->dump();
  return (*answer)["data"];
}

class QuntoolApiTest : public ::testing::Test {
 protected:
  QuntoolTestWorld world_;
};

TEST_F(QuntoolApiTest, ApikeyIsRequired) {
  for (const std::string& apikey : {std::string(), std::string("wrong")}) {
    int status = 0;
    absl::StatusOr<Json> answer = world_.Call("GET", "/inner/user/list", nullptr, &status, apikey);
    ASSERT_THAT(answer, IsOk());
    EXPECT_EQ(status, kCodeUnauthorized);
    EXPECT_EQ((*answer)["code"], kCodeUnauthorized);
    EXPECT_TRUE((*answer)["data"].is_null());
  }
  int status = 0;
  DataOf(world_.Call("GET", "/inner/user/list", nullptr, &status));
  EXPECT_EQ(status, 200);
}

TEST_F(QuntoolApiTest, AccountListsHaveTheDocumentedShape) {
  const Json accounts = DataOf(world_.Call("GET", "/inner/user/wx/list"));
  ASSERT_EQ(accounts.size(), 2u) << "IsOnline defaults to true";
  EXPECT_THAT(Keys(accounts[0]),
              ElementsAre("hostname", "wxId", "userId", "username", "nickname", "avatar", "corp_id",
                          "corp_name", "mobile", "position", "corp_short_name", "job_name",
                          "account", "acctid", "Status", "QrCode"));
  EXPECT_EQ(accounts[0]["wxId"], kAccountA);
  EXPECT_EQ(accounts[0]["Status"], 0);
  const Json all = DataOf(world_.Call("GET", "/inner/user/wx/list?IsOnline=false"));
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[2]["Status"], 1);

  const Json users = DataOf(world_.Call("GET", "/inner/user/list"));
  ASSERT_EQ(users.size(), 1u);
  EXPECT_THAT(Keys(users[0]), ElementsAre("id", "username", "createdAt", "phone", "avatar",
                                          "Permissions", "IsAdmin", "Remark"));

  const Json memory = DataOf(world_.Call("GET", "/container/memory"));
  ASSERT_EQ(memory.size(), 2u);
  EXPECT_THAT(Keys(memory[0]), ElementsAre("WxId", "UserName", "HostName", "WxPid", "Memory"));
}

TEST_F(QuntoolApiTest, ContainerStopAndStartChangeTheAccountAndLogIn) {
  EXPECT_TRUE(
      DataOf(world_.Call("POST", "/container/stop", {{"hostname", {"40c10a375784"}}})).is_null());
  EXPECT_EQ(DataOf(world_.Call("GET", "/inner/user/wx/list")).size(), 1u);
  absl::StatusOr<Json> send =
      world_.Call("POST", "/msg/text",
                  {{"wxId", kAccountB},
                   {"conversationId", "S:1688850000000002_7881300000000001"},
                   {"content", "hi"}});
  ASSERT_THAT(send, IsOk());
  EXPECT_EQ((*send)["code"], -1);
  EXPECT_EQ((*send)["msg"], "企微不在线");

  DataOf(world_.Call("POST", "/container/start", {{"hostname", {"40c10a375784"}}}));
  EXPECT_EQ(DataOf(world_.Call("GET", "/inner/user/wx/list")).size(), 2u);
  absl::StatusOr<Json> login = world_.webhook().WaitForType("user_login");
  ASSERT_THAT(login, IsOk());
  EXPECT_EQ((*login)["wxid"], kAccountB);
  EXPECT_EQ((*login)["source"], "40c10a375784");
  EXPECT_EQ((*login)["data"]["user_id"], kAccountB);
}

TEST_F(QuntoolApiTest, CreateAndVerifyContainer) {
  const Json created = DataOf(world_.Call("POST", "/container/create", {{"userId", "apps-1"}}));
  EXPECT_THAT(Keys(created), ElementsAre("qrcode", "hostname", "version", "createtime", "wxPid"));
  const Json ok = DataOf(world_.Call(
      "POST", "/container/verify",
      {{"hostname", created["hostname"]}, {"key", "6E16C7042D0A4E83"}, {"code", "386317"}}));
  EXPECT_EQ(ok, (Json{{"errcode", 0}, {"errmsg", "ok"}}));
  const Json wrong = DataOf(world_.Call("POST", "/container/verify",
                                        {{"hostname", created["hostname"]}, {"code", "12"}}));
  EXPECT_LT(wrong["errcode"].get<int>(), 0);
}

TEST_F(QuntoolApiTest, ContactEditsAreReadBack) {
  DataOf(world_.Call("PUT", "/contact/remark",
                     {{"wxId", kAccountA}, {"contactId", kCustomer1}, {"remark", "备注"}}));
  DataOf(world_.Call("PUT", "/contact/desc",
                     {{"wxId", kAccountA}, {"contactId", kCustomer1}, {"desc", "描述"}}));
  DataOf(world_.Call("PUT", "/contact/phone",
                     {{"wxId", kAccountA},
                      {"contactId", kCustomer1},
                      {"phones", {"18268181111", "18268182222"}}}));
  const Json external =
      DataOf(world_.Call("GET", std::string("/contact/external/list?wxId=") + kAccountA));
  ASSERT_EQ(external.size(), 3u);
  EXPECT_THAT(Keys(external[0]),
              ElementsAre("avatar", "conversation_id", "corp_id", "nickname", "position",
                          "realname", "remark", "sex", "user_id", "username", "external_user_id",
                          "is_delete", "delete_time"));
  EXPECT_EQ(external[0]["remark"], "备注");
  EXPECT_EQ(external[0]["conversation_id"], "S:1688850000000001_7881300000000001");
  EXPECT_TRUE(external[0]["delete_time"].is_null());

  const Json info = DataOf(world_.Call(
      "GET", std::string("/contact/extendinfo?wxId=") + kAccountA + "&ContactId=" + kCustomer1));
  EXPECT_EQ(info, (Json{{"corp_remark", ""},
                        {"desc", "描述"},
                        {"phone_list", {"18268181111", "18268182222"}},
                        {"remark", "备注"},
                        {"status", 1},
                        {"user_id", kCustomer1}}));

  const Json inner =
      DataOf(world_.Call("GET", std::string("/contact/inner/list?wxId=") + kAccountA));
  ASSERT_EQ(inner.size(), 1u);
  EXPECT_EQ(inner[0]["user_id"], kColleague);

  DataOf(
      world_.Call("POST", "/contact/remove", {{"wxId", kAccountA}, {"ContactUserId", kCustomer3}}));
  const Json queried = DataOf(
      world_.Call("POST", "/contact/external/query",
                  {{"ContactInfos", {{{"WxId", kAccountA}, {"ContactUserId", kCustomer3}}}}}));
  ASSERT_EQ(queried.size(), 1u);
  EXPECT_EQ(queried[0]["is_delete"], true);
  EXPECT_TRUE(queried[0]["delete_time"].is_string());
}

TEST_F(QuntoolApiTest, IdConversionsStoreTheMappingForTheDbVariants) {
  const Json body = {{"WxId", kAccountA}, {"ContactUserId", kCustomer2}};
  EXPECT_EQ(DataOf(world_.Call("POST", "/contact/externalUserIdFromDb", body)),
            (Json{{"ExternalUserId", ""}}));
  const Json live = DataOf(world_.Call("POST", "/contact/externalUserId", body));
  const std::string wm = live["ExternalUserId"];
  EXPECT_TRUE(wm.starts_with("wm")) << wm;
  EXPECT_EQ(DataOf(world_.Call("POST", "/contact/externalUserIdFromDb", body)), live);
  EXPECT_EQ(DataOf(world_.Call("POST", "/contact/contactUserId",
                               {{"WxId", kAccountA}, {"ExternalUserId", wm}})),
            (Json{{"ContactUserId", kCustomer2}}));
  const Json relation = DataOf(world_.Call(
      "GET", std::string("/contact/relation?wxId=") + kAccountA + "&ExternalUserId=" + wm));
  EXPECT_THAT(Keys(relation),
              ElementsAre("ContactUserId", "ExternalUserId", "CorpId", "CorpIdOrigin", "UnionId",
                          "AddWay", "State", "CreateTime", "AddWayDesc"));
  EXPECT_EQ(relation["ContactUserId"], kCustomer2);

  const Json room = DataOf(
      world_.Call("POST", "/group/externalRoomId", {{"WxId", kAccountA}, {"RoomId", kGroup}}));
  EXPECT_EQ(DataOf(world_.Call("POST", "/group/RoomId",
                               {{"WxId", kAccountA}, {"ExternalRoomId", room["ExternalRoomId"]}})),
            (Json{{"RoomId", kGroup}}));
}

TEST_F(QuntoolApiTest, PhoneSearchFindsStrangers) {
  const Json found = DataOf(world_.Call(
      "GET", std::string("/contact/search?wxId=") + kAccountA + "&keyword=13400000080"));
  ASSERT_EQ(found["datalist"].size(), 1u);
  EXPECT_EQ(found["datalist"][0]["contact_info_wx"]["uin"], "7881299646990001");
  EXPECT_EQ(found["datalist"][0]["openid"], "orFrbsiCQTREoLU5e7KC8vU");
  EXPECT_EQ(found["keyword"], "13400000080");
  DataOf(world_.Call("POST", "/contact/search/add",
                     {{"wxId", kAccountA},
                      {"contactUserId", "7881299646990001"},
                      {"openid", "orFrbsiCQTREoLU5e7KC8vU"},
                      {"wxticket", ""},
                      {"verify", "你好"}}));
}

TEST_F(QuntoolApiTest, GroupChangesAreReadBackAndNotified) {
  const Json created = DataOf(world_.Call(
      "POST", "/group",
      {{"wxId", kAccountA}, {"memberWxIds", std::string(kCustomer1) + "," + kCustomer3}}));
  EXPECT_THAT(Keys(created), ElementsAre("createruin", "createtime", "error_code", "error_message",
                                         "failmem", "msgid", "msgseq", "roomid", "roomname",
                                         "sessionid", "success_add_vidlist"));
  const std::string room = "R:" + created["roomid"].get<std::string>();
  absl::StatusOr<Json> create_callback = world_.webhook().WaitForType("notify_type_room_create");
  ASSERT_THAT(create_callback, IsOk());
  EXPECT_EQ((*create_callback)["data"]["room_conversation_id"], room);
  EXPECT_EQ((*create_callback)["data"]["member_list"].size(), 2u);

  DataOf(world_.Call("PUT", "/group/name",
                     {{"wxId", kAccountA}, {"conversationId", room}, {"name", "PK赛第五场"}}));
  const Json groups = DataOf(world_.Call("GET", std::string("/group/list?wxId=") + kAccountA));
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_THAT(Keys(groups[1]),
              ElementsAre("wx_id", "conversation_id", "create_time", "create_user_id",
                          "is_external", "nickname", "is_admin", "is_creator", "total"));
  EXPECT_EQ(groups[1]["nickname"], "PK赛第五场");
  EXPECT_EQ(groups[1]["total"], 3);
  absl::StatusOr<Json> renamed = world_.webhook().WaitForType("room_name_changed");
  ASSERT_THAT(renamed, IsOk());
  EXPECT_EQ((*renamed)["data"]["room_name"], "PK赛第五场");

  DataOf(world_.Call("POST", "/group/member",
                     {{"wxId", kAccountA}, {"conversationId", room}, {"memberWxIds", kCustomer2}}));
  ASSERT_THAT(world_.webhook().WaitForType("notify_type_room_add_member"), IsOk());
  // DELETE with a JSON body, as the document specifies.
  DataOf(world_.Call("DELETE", "/group/member",
                     {{"wxId", kAccountA}, {"conversationId", room}, {"memberWxIds", kCustomer1}}));
  ASSERT_THAT(world_.webhook().WaitForType("notify_type_room_del_member"), IsOk());
  const Json members = DataOf(world_.Call(
      "GET", std::string("/group/member/list?wxId=") + kAccountA + "&conversationId=" + room));
  EXPECT_EQ(members["total"], 3);
  std::vector<std::string> ids;
  for (const Json& member : members["member_list"]) ids.push_back(member["user_id"]);
  EXPECT_THAT(ids, ElementsAre(kAccountA, kCustomer3, kCustomer2));
  EXPECT_THAT(Keys(members), ElementsAre("conversation_id", "member_list", "page_num", "page_size",
                                         "total", "total_page"));
  EXPECT_TRUE(
      DataOf(world_.Call("POST", "/group/notice",
                         {{"ConversationId", room}, {"Content", "公告"}, {"Wxid", kAccountA}}))
          .is_null());
}

TEST_F(QuntoolApiTest, LabelsAreSetAndSearched) {
  const Json labels = DataOf(world_.Call("GET", std::string("/label/all?wxId=") + kAccountA));
  ASSERT_EQ(labels.size(), 2u);
  EXPECT_THAT(Keys(labels[0]), ElementsAre("corpId", "name", "labelId", "labelGroupId", "dataType",
                                           "labelType", "sortOrder", "business", "createTime"));
  DataOf(world_.Call(
      "POST", "/label/contact/setlabel",
      {{"labelIds", {"L1", "L2"}}, {"contactUserId", kCustomer2}, {"wxId", kAccountA}}));
  EXPECT_EQ(
      DataOf(world_.Call("GET", std::string("/label/contact/labels?wxId=") + kAccountA +
                                    "&contactUserId=" + kCustomer2)),
      (Json{{{"name", "房地产"}, {"label_id", "L1"}}, {{"name", "私域回答"}, {"label_id", "L2"}}}));
  const Json in_l2 =
      DataOf(world_.Call("GET", std::string("/label/contacts?labelId=L2&wxId=") + kAccountA));
  ASSERT_EQ(in_l2.size(), 1u);
  EXPECT_EQ(in_l2[0]["user_id"], kCustomer2);
  const Json searched = DataOf(world_.Call(
      "POST", "/label/contact/search",
      {{"wxids", {kAccountA}}, {"labelIds", {"L1"}}, {"PageIndex", 1}, {"PageSize", 100}}));
  ASSERT_EQ(searched.size(), 2u);
  EXPECT_EQ(searched[0]["user_id"], kCustomer1);
  EXPECT_EQ(searched[0]["wx_id"], kAccountA);
  // An empty list clears the labels.
  DataOf(world_.Call(
      "POST", "/label/contact/setlabel",
      {{"labelIds", Json::array()}, {"contactUserId", kCustomer2}, {"wxId", kAccountA}}));
  EXPECT_TRUE(
      DataOf(world_.Call("GET", std::string("/label/contacts?labelId=L2&wxId=") + kAccountA))
          .empty());
}

TEST_F(QuntoolApiTest, SavedMiniProgramsAndVideoNumbersAreListed) {
  const Json programs = DataOf(world_.Call("GET", "/miniprogram/list"));
  ASSERT_EQ(programs.size(), 1u);
  EXPECT_EQ(programs[0]["id"], 7);
  const Json videos = DataOf(world_.Call("GET", "/videonum/list"));
  ASSERT_EQ(videos.size(), 1u);
  EXPECT_EQ(videos[0]["id"], 20);
}

TEST_F(QuntoolApiTest, UploadedFilesAreServedUnderTheReturnedPath) {
  httplib::Client client("127.0.0.1", world_.port());
  httplib::MultipartFormDataItems items = {{"file", "hello quntool", "发布群控.txt", "text/plain"}};
  httplib::Result result = client.Post("/gnapi/open/file/upload", {{"apikey", kApiKey}}, items);
  ASSERT_TRUE(result);
  const Json answer = Json::parse(result->body);
  const std::string path = DataOf(answer);
  EXPECT_TRUE(path.starts_with("/gnapi/Files/")) << path;
  EXPECT_THAT(path, HasSubstr("发布群控.txt"));
  httplib::Result file = client.Get(path.c_str());
  ASSERT_TRUE(file);
  EXPECT_EQ(file->status, 200);
  EXPECT_EQ(file->body, "hello quntool");
}

}  // namespace
}  // namespace wecom::quntool::testing
