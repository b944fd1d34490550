// QuntoolPlatform: RobotPlatform over the quntool openAPI (seed 003), with
// sends over MQTT for the accounts configured so.
//
// quntool does not paginate its lists: ListContacts, ListGroups and
// ListGroupMembers return everything and ignore page_size/page_token.
// SearchContactsByLabels pages with PageIndex/PageSize; its page tokens are
// the next page's index.
#pragma once

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "services/robot-gateway/platform/robot_platform.h"
#include "services/robot-gateway/quntool/quntool_api.h"
#include "services/robot-gateway/quntool/quntool_mqtt_channel.h"

namespace wecom::robot {

struct QuntoolPlatformOptions {
  // The MQTT channel, or null when none is configured (every send is HTTP).
  QuntoolMqttChannel* mqtt = nullptr;
  // Accounts (wxIds) whose sends go over `mqtt`: the kinds MQTT carries
  // (text, roomAt, image, file, gif, video, personCard, link, miniProgram,
  // videoNum) with `id` = OutgoingMessage.send_id; voice, quote and saved
  // items still go over HTTP.
  absl::flat_hash_set<std::string> mqtt_wx_ids;
  // How long an MQTT send waits for the server's msgId.
  absl::Duration mqtt_timeout = absl::Seconds(10);
  // The platform records no metrics itself: the channel records the MQTT
  // sends (MosquittoQuntoolChannelOptions::metrics), QuntoolApi the HTTP calls.
};

class QuntoolPlatform final : public RobotPlatform {
 public:
  // `api` and the options' pointers must outlive the platform.
  QuntoolPlatform(QuntoolApi* api, QuntoolPlatformOptions options = {});

  v1::Vendor vendor() const override { return v1::VENDOR_QUNTOOL; }

  // Accounts. ListAccounts leaves out containers still logging in (they have
  // no wxId yet, so no account id); their progress arrives as LoginEvents.
  absl::StatusOr<std::vector<v1::Account>> ListAccounts(
      const v1::ListAccountsRequest& request) override;
  absl::StatusOr<v1::ListOperatorsResponse> ListOperators(
      const v1::ListOperatorsRequest& request) override;
  absl::StatusOr<v1::StartLoginResponse> StartLogin(const v1::StartLoginRequest& request) override;
  absl::StatusOr<v1::VerifyLoginResponse> VerifyLogin(
      const v1::VerifyLoginRequest& request) override;
  // NOT_FOUND naming the first account quntool does not know.
  absl::Status ControlAccounts(AccountControl control,
                               const std::vector<AccountRef>& accounts) override;
  absl::StatusOr<v1::ListAccountResourcesResponse> ListAccountResources(
      const v1::ListAccountResourcesRequest& request) override;

  // Messaging. A gif over 5 MB goes as a file; when size_bytes is 0 its size
  // comes from a HEAD request, and when that fails it goes as a gif.
  absl::StatusOr<std::string> SendMessage(const OutgoingMessage& message) override;
  v1::SendTransport TransportFor(const AccountRef& account) const override;
  absl::StatusOr<v1::UploadFileResponse> UploadFile(const AccountRef& account,
                                                    const std::string& file_name,
                                                    const std::string& bytes) override;
  absl::StatusOr<v1::ListSavedMiniProgramsResponse> ListSavedMiniPrograms(
      const AccountRef& account) override;
  absl::StatusOr<v1::ListSavedVideoNumsResponse> ListSavedVideoNums(
      const AccountRef& account) override;
  absl::Status ConfirmBatchMessages(const AccountRef& account) override;

  // Contacts. UpdateContact makes one call per field set (remark,
  // description, phones, in that order) and stops at the first failure.
  absl::StatusOr<v1::ListContactsResponse> ListContacts(
      const AccountRef& account, const v1::ListContactsRequest& request) override;
  absl::StatusOr<v1::GetContactsResponse> GetContacts(
      const AccountRef& account, const v1::GetContactsRequest& request) override;
  absl::StatusOr<v1::GetContactDetailsResponse> GetContactDetails(
      const AccountRef& account, const v1::GetContactDetailsRequest& request) override;
  absl::Status UpdateContact(const AccountRef& account,
                             const v1::UpdateContactRequest& request) override;
  absl::Status RemoveContact(const AccountRef& account,
                             const v1::RemoveContactRequest& request) override;
  absl::StatusOr<v1::SearchContactResponse> SearchContact(
      const AccountRef& account, const v1::SearchContactRequest& request) override;
  absl::StatusOr<v1::AddContactResponse> AddContact(const AccountRef& account,
                                                    const v1::AddContactRequest& request) override;
  absl::StatusOr<v1::ConvertContactIdResponse> ConvertContactId(
      const AccountRef& account, const v1::ConvertContactIdRequest& request) override;
  absl::StatusOr<v1::GetContactRelationResponse> GetContactRelation(
      const AccountRef& account, const v1::GetContactRelationRequest& request) override;

  // Groups. ListGroupMembers also reads /group/list to mark the owner.
  absl::StatusOr<v1::CreateGroupResponse> CreateGroup(
      const AccountRef& account, const v1::CreateGroupRequest& request) override;
  absl::StatusOr<v1::ListGroupsResponse> ListGroups(const AccountRef& account,
                                                    const v1::ListGroupsRequest& request) override;
  absl::Status RenameGroup(const AccountRef& account,
                           const v1::RenameGroupRequest& request) override;
  absl::StatusOr<v1::ListGroupMembersResponse> ListGroupMembers(
      const AccountRef& account, const v1::ListGroupMembersRequest& request) override;
  absl::Status AddGroupMembers(const AccountRef& account,
                               const v1::AddGroupMembersRequest& request) override;
  absl::Status RemoveGroupMembers(const AccountRef& account,
                                  const v1::RemoveGroupMembersRequest& request) override;
  absl::Status AddGroupMemberAsContact(const AccountRef& account,
                                       const v1::AddGroupMemberAsContactRequest& request) override;
  absl::Status PublishGroupNotice(const AccountRef& account,
                                  const v1::PublishGroupNoticeRequest& request) override;
  absl::StatusOr<v1::ConvertGroupIdResponse> ConvertGroupId(
      const AccountRef& account, const v1::ConvertGroupIdRequest& request) override;

  // Labels.
  absl::StatusOr<v1::ListLabelsResponse> ListLabels(const AccountRef& account) override;
  absl::Status SetContactLabels(const AccountRef& account,
                                const v1::SetContactLabelsRequest& request) override;
  absl::StatusOr<v1::ListContactLabelsResponse> ListContactLabels(
      const AccountRef& account, const v1::ListContactLabelsRequest& request) override;
  absl::StatusOr<v1::SearchContactsByLabelsResponse> SearchContactsByLabels(
      const std::vector<AccountRef>& accounts,
      const v1::SearchContactsByLabelsRequest& request) override;
  absl::StatusOr<v1::ListLabelContactsResponse> ListLabelContacts(
      const AccountRef& account, const v1::ListLabelContactsRequest& request) override;

 private:
  bool SendsOverMqtt(const AccountRef& account) const;
  // Whether a gif must go as a file (over 5 MB).
  bool GifTooLarge(const v1::MediaContent& gif);
  absl::StatusOr<std::string> SendOverMqtt(nlohmann::json message);
  // The data of a call that answers a list (null reads as empty), or
  // INTERNAL "malformed response".
  absl::StatusOr<nlohmann::json> CallForList(absl::string_view method, absl::string_view path,
                                             const nlohmann::json& params);
  // The data of a call that answers an object, or INTERNAL.
  absl::StatusOr<nlohmann::json> CallForObject(absl::string_view method, absl::string_view path,
                                               const nlohmann::json& params);
  // A call whose data is of no interest.
  absl::Status CallForNothing(absl::string_view method, absl::string_view path,
                              const nlohmann::json& params);

  QuntoolApi* const api_;
  const QuntoolPlatformOptions options_;
};

}  // namespace wecom::robot
