// YjiyunPlatform: RobotPlatform over yjiyun (seed 001). Lists come from the
// HTTP API (YjiyunApi), paged by pageNum/pageSize (page tokens are page
// numbers; page_size 0 is yjiyun's default of 20, at most 100 are asked for),
// conversations by time, their messages by offset and label searches by
// account (tokens of their own).
// Sends and actions go over the socket.io channel (YjiyunChannel), or its
// /wxworkapi/bridge while the socket is down.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/time/clock.h"
#include "services/robot-gateway/platform/robot_platform.h"
#include "services/robot-gateway/yjiyun/yjiyun_api.h"
#include "services/robot-gateway/yjiyun/yjiyun_channel.h"

namespace wecom::robot {

class YjiyunPlatform final : public RobotPlatform {
 public:
  // How long the robot's labels (ids for erasing, names for the label
  // filters) and robot/list (for an unknown robotKey) are taken as they were.
  static constexpr absl::Duration kLabelCacheAge = absl::Seconds(30);
  static constexpr absl::Duration kRobotListAge = absl::Seconds(10);

  // `api` and `channel` must outlive the platform. `clock` ages the robot
  // and label caches; RealClock when null.
  YjiyunPlatform(YjiyunApi* api, YjiyunChannel* channel, Clock* clock = nullptr);

  v1::Vendor vendor() const override { return v1::VENDOR_YJIYUN; }

  // Accounts: the robots of the gateway's yjiyun account (robot/list);
  // operator_id filters by clientCode.
  absl::StatusOr<std::vector<v1::Account>> ListAccounts(
      const v1::ListAccountsRequest& request) override;

  // Accounts: robot.info.modify with the fields set; its answer.
  absl::StatusOr<v1::AccountProfile> UpdateAccountProfile(
      const AccountRef& account, const v1::UpdateAccountProfileRequest& request) override;

  // Messaging: text (with @ of group members; yjiyun has no @all), image,
  // link, file and video; other kinds are UNIMPLEMENTED. The messageId is
  // derived from the send_id (kGatewayMessageIdPrefix and its digits), so
  // the echo names the send even when the answer was lost; the vendor
  // message id returned is that messageId.
  absl::StatusOr<std::string> SendMessage(const OutgoingMessage& message) override;
  v1::SendTransport TransportFor(const AccountRef& account) const override;
  // robot.message.forward (msgSvrID as a number).
  absl::Status ForwardMessage(const AccountRef& account,
                              const v1::ForwardMessageRequest& request) override;
  // /wxworkapi/multiple/task/save (JSON); targets all customers or all
  // groups (mixed: INVALID_ARGUMENT).
  absl::Status CreateMassSendTask(const AccountRef& account,
                                  const v1::CreateMassSendTaskRequest& request) override;
  // /wxworkapi/chat/list, paged by lastMsgActive (ChatCursor in the .cc).
  absl::StatusOr<v1::ListConversationsResponse> ListConversations(
      const AccountRef& account, const v1::ListConversationsRequest& request) override;
  // /wxworkapi/chat/message by offset, each item as the stream's event. The
  // first page pins the end time, so messages arriving while the client
  // pages do not shift the later pages.
  absl::StatusOr<v1::ListConversationMessagesResponse> ListConversationMessages(
      const AccountRef& account, const v1::ListConversationMessagesRequest& request) override;
  // /wxworkapi/unreadmsg/clean.
  absl::Status MarkConversationRead(const AccountRef& account,
                                    const v1::MarkConversationReadRequest& request) override;

  // Contacts: the robot's customers (external/user/list). yjiyun lists no
  // colleagues: CONTACT_KIND_INTERNAL is UNIMPLEMENTED. GetContacts asks
  // robot.contacts.inquiry (unknown ids are left out).
  absl::StatusOr<v1::ListContactsResponse> ListContacts(
      const AccountRef& account, const v1::ListContactsRequest& request) override;
  absl::StatusOr<v1::GetContactsResponse> GetContacts(
      const AccountRef& account, const v1::GetContactsRequest& request) override;
  // robot.cust.remarks.modify (realRemarks, remarks); yjiyun keeps no phones
  // of customers: phones set is UNIMPLEMENTED.
  absl::Status UpdateContact(const AccountRef& account,
                             const v1::UpdateContactRequest& request) override;
  // robot.phone.contact.add, by phone only (user_id alone is UNIMPLEMENTED).
  absl::StatusOr<v1::AddContactResponse> AddContact(const AccountRef& account,
                                                    const v1::AddContactRequest& request) override;
  // robot.accept.friend.request.
  absl::Status AcceptFriendRequest(const AccountRef& account,
                                   const v1::AcceptFriendRequestRequest& request) override;
  // /wxworkapi/contact/sync (syncType the scope's number).
  absl::Status SyncContacts(const AccountRef& account,
                            const v1::SyncContactsRequest& request) override;

  // Groups: group/list (groups the robot is or was in; Group.active tells)
  // and group/member/list (removed members are left out).
  absl::StatusOr<v1::ListGroupsResponse> ListGroups(const AccountRef& account,
                                                    const v1::ListGroupsRequest& request) override;
  absl::StatusOr<v1::ListGroupMembersResponse> ListGroupMembers(
      const AccountRef& account, const v1::ListGroupMembersRequest& request) override;
  // The group actions: robot.create.group (answers the new group's id),
  // robot.modify.group.name, robot.invite.friends.join.group,
  // robot.kick.group.member, robot.set.group.announcement (for everyone).
  absl::StatusOr<v1::CreateGroupResponse> CreateGroup(
      const AccountRef& account, const v1::CreateGroupRequest& request) override;
  absl::Status RenameGroup(const AccountRef& account,
                           const v1::RenameGroupRequest& request) override;
  absl::Status AddGroupMembers(const AccountRef& account,
                               const v1::AddGroupMembersRequest& request) override;
  absl::Status RemoveGroupMembers(const AccountRef& account,
                                  const v1::RemoveGroupMembersRequest& request) override;
  absl::Status PublishGroupNotice(const AccountRef& account,
                                  const v1::PublishGroupNoticeRequest& request) override;
  // robot.conv.admins and robot.conv.modify.admins (opcode 1 add, 2 remove).
  absl::StatusOr<v1::ListGroupAdminsResponse> ListGroupAdmins(
      const AccountRef& account, const v1::ListGroupAdminsRequest& request) override;
  absl::Status ChangeGroupAdmins(const AccountRef& account, bool add,
                                 const v1::ChangeGroupAdminsRequest& request) override;
  // /wxworkapi/grouptag/list/download: one robot's conversationIds, or the
  // robots' groups by the filters.
  absl::StatusOr<v1::ExportGroupsResponse> ExportGroups(
      const std::vector<AccountRef>& accounts, const v1::ExportGroupsRequest& request) override;
  // /wxworkapi/group/setting/duplicate (JSON); targets of one account are
  // merged into its one chatroom entry.
  absl::Status CopyGroupSettings(const AccountRef& template_account,
                                 const std::vector<AccountRef>& targets,
                                 const v1::CopyGroupSettingsRequest& request) override;

  // Labels: robot.tags.sync lists the corp's and the robot's labels;
  // SetContactLabels is robot.cust.tags with every other label erased. yjiyun
  // fails concurrent tagging of one robot, so tag requests are queued per
  // robot (one at a time, in arrival order).
  //
  // The other label RPCs have no endpoint of their own: they ask
  // external/user/list, whose tagList filter takes label NAMES (customers
  // carrying any of them); a label id is turned into its name by the robot's
  // labels, from a tags.sync at most kLabelCacheAge old (fresh when an id
  // asked for is not among them). So labels of one name (in different
  // groups) cannot be told apart: each stands for all of them. Listing the
  // contacts of one lists those carrying any of them, and a contact carrying
  // one is answered all of them by ListContactLabels.
  absl::StatusOr<v1::ListLabelsResponse> ListLabels(const AccountRef& account) override;
  absl::Status SetContactLabels(const AccountRef& account,
                                const v1::SetContactLabelsRequest& request) override;
  // Every customer carrying the label (all pages of external/user/list);
  // NOT_FOUND for an id the robot does not have.
  absl::StatusOr<v1::ListLabelContactsResponse> ListLabelContacts(
      const AccountRef& account, const v1::ListLabelContactsRequest& request) override;
  // Customers carrying any of the labels, one account after another in the
  // order of account_ids (a repeated account once). A page holds one
  // account's customers, so it may be short with more to follow (and the
  // last may be empty); page tokens are "<index in account_ids>/<pageNum>".
  // Ids an account lacks match none of its customers; the first page is
  // NOT_FOUND for an id no account has. yjiyun tells nothing of the last
  // chat: those fields are left empty.
  absl::StatusOr<v1::SearchContactsByLabelsResponse> SearchContactsByLabels(
      const std::vector<AccountRef>& accounts,
      const v1::SearchContactsByLabelsRequest& request) override;
  // Costs one external/user/list call (userId, tagList [name], pageSize 1)
  // per distinct label name of the robot: the contact carries the label when
  // that finds it. user_id must be a yjiyun user id (a number).
  absl::StatusOr<v1::ListContactLabelsResponse> ListContactLabels(
      const AccountRef& account, const v1::ListContactLabelsRequest& request) override;

 private:
  // One page of a paged list call: `params` plus pageNum/pageSize from the
  // request's page token and size. Returns the items and sets the next token.
  absl::StatusOr<nlohmann::json> ListPage(absl::string_view path, nlohmann::json params,
                                          absl::string_view rpc, int32_t page_size,
                                          const std::string& page_token,
                                          std::string* next_page_token);

  // Sends action `type` of the account's robot with `fields` (and a new
  // messageId) over the channel; its answer.
  absl::StatusOr<nlohmann::json> Action(const AccountRef& account, absl::string_view type,
                                        nlohmann::json fields);
  // The mutex that queues the robot's tag requests.
  absl::Mutex& TagQueueOf(const std::string& robot_key) ABSL_LOCKS_EXCLUDED(mu_);
  // The robot's labels, from a tags.sync at most kLabelCacheAge old that
  // answered every id of `wanted`, else from a new one (mu_ is not held
  // across it, so two callers may both sync).
  absl::StatusOr<std::vector<v1::Label>> RobotLabels(const AccountRef& account,
                                                     const std::vector<std::string>& wanted)
      ABSL_LOCKS_EXCLUDED(mu_);

  // The robot's own user id (wxid), which group chatIds start with. An
  // unknown robot asks robot/list again only after kRobotListAge.
  absl::StatusOr<std::string> RobotWxid(const AccountRef& account) ABSL_LOCKS_EXCLUDED(mu_);

  // A conversation as yjiyun names it: chatId ("S:<robot wxid>_R:…" for a
  // group) and chatUser (the group's "R:…", or the other person's user id).
  // INVALID_ARGUMENT when an "S:a_b" id does not name the account's robot.
  struct Chat {
    std::string chat_id;
    std::string chat_user;
  };
  absl::StatusOr<Chat> ChatOf(const AccountRef& account, const std::string& conversation_id);

  YjiyunApi* const api_;
  YjiyunChannel* const channel_;
  Clock* const clock_;
  absl::Mutex mu_;
  // robotKey → wxid, from robot/list, asked for at robots_listed_at_.
  absl::flat_hash_map<std::string, std::string> wxids_ ABSL_GUARDED_BY(mu_);
  absl::Time robots_listed_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  // robotKey → its tag queue (never removed: one per robot).
  absl::flat_hash_map<std::string, std::unique_ptr<absl::Mutex>> tag_queues_ ABSL_GUARDED_BY(mu_);
  // robotKey → its labels as its last tags.sync answered them, and when that
  // was asked for (InfinitePast: to be synced again).
  struct SyncedLabels {
    std::vector<v1::Label> labels;
    absl::Time synced_at = absl::InfinitePast();
  };
  absl::flat_hash_map<std::string, SyncedLabels> labels_ ABSL_GUARDED_BY(mu_);
  // Numbers action messageIds.
  std::atomic<uint64_t> next_action_ = 0;
};

}  // namespace wecom::robot
