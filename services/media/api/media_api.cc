#include "services/media/api/media_api.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "services/media/jobs/media_job.h"

namespace wecom::media {
namespace {

constexpr size_t kDownloadPiece = 512 * 1024;
constexpr uint32_t kDefaultPageSize = 100;
constexpr uint32_t kMaxPageSize = 1000;

absl::Status Invalid(absl::string_view field, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

// The field an INVALID_ARGUMENT message names: the text before ": ".
std::string FieldOf(const absl::Status& status) {
  absl::string_view message = status.message();
  return std::string(message.substr(0, message.find(':')));
}

}  // namespace

absl::Status MediaApi::Counted(const std::string& method, absl::Status status) {
  if (absl::IsInvalidArgument(status))
    metrics_->RejectedRequests(method, FieldOf(status)).Increment();
  return status;
}

absl::Status MediaApi::CheckCorp(const std::string& method, const std::string& corp_id) {
  if (corp_id.empty()) return Counted(method, Invalid("corp_id", "required"));
  if (!corps_.contains(corp_id)) return placement_.NotServedHere(corp_id);
  return absl::OkStatus();
}

absl::Status MediaApi::CheckSdkFileId(const std::string& method, const std::string& sdkfileid) {
  if (sdkfileid.empty()) return Counted(method, Invalid("sdkfileid", "required"));
  if (sdkfileid.size() > kMaxSdkFileIdLength) {
    return Counted(method, Invalid("sdkfileid", "longer than 8192 bytes"));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::FetchMediaResponse> MediaApi::FetchMedia(const v1::FetchMediaRequest& request) {
  static const std::string kMethod = "FetchMedia";
  RETURN_IF_ERROR(CheckCorp(kMethod, request.corp_id()));
  absl::StatusOr<v1::MediaJob> job =
      NewMediaJob(request.corp_id(), request.media(), request.msgid());
  if (!job.ok()) return Counted(kMethod, job.status());
  std::vector<v1::MediaJob> jobs;
  jobs.push_back(*std::move(job));
  ASSIGN_OR_RETURN(auto stored, scheduler_->Submit(std::move(jobs)));
  v1::FetchMediaResponse response;
  *response.mutable_job() = std::move(stored.front().first);
  response.set_created(stored.front().second);
  return response;
}

absl::StatusOr<v1::GetMediaResponse> MediaApi::GetMedia(const v1::GetMediaRequest& request) {
  static const std::string kMethod = "GetMedia";
  RETURN_IF_ERROR(CheckCorp(kMethod, request.corp_id()));
  RETURN_IF_ERROR(CheckSdkFileId(kMethod, request.sdkfileid()));
  v1::GetMediaResponse response;
  ASSIGN_OR_RETURN(*response.mutable_job(), jobs_->Get(request.corp_id(), request.sdkfileid()));
  return response;
}

absl::Status MediaApi::DownloadMedia(const v1::DownloadMediaRequest& request,
                                     const DownloadSink& sink) {
  static const std::string kMethod = "DownloadMedia";
  RETURN_IF_ERROR(CheckCorp(kMethod, request.corp_id()));
  RETURN_IF_ERROR(CheckSdkFileId(kMethod, request.sdkfileid()));
  ASSIGN_OR_RETURN(v1::MediaJob job, jobs_->Get(request.corp_id(), request.sdkfileid()));
  if (job.state() != v1::MEDIA_STATE_DONE) {
    return absl::FailedPreconditionError(
        absl::StrCat("the media is ", v1::MediaState_Name(job.state()), ", not yet downloadable"));
  }
  if (request.offset() > job.size()) {
    return absl::OutOfRangeError(
        absl::StrCat("offset: ", request.offset(), " is past the media's size ", job.size()));
  }
  prometheus::Counter& sent = metrics_->DownloadedBytes(request.corp_id());
  v1::DownloadMediaResponse response;
  *response.mutable_job() = job;
  uint64_t offset = request.offset();
  do {
    const uint64_t length = std::min<uint64_t>(kDownloadPiece, job.size() - offset);
    absl::StatusOr<std::string> read = blobs_->Read(job.sha256(), offset, length);
    // A DONE job's blob exists whole: its absence or end is lost data, not an
    // unknown id (NOT_FOUND) nor the client's offset (OUT_OF_RANGE).
    if (absl::IsNotFound(read.status()) || absl::IsOutOfRange(read.status())) {
      return absl::DataLossError(absl::StrCat("the stored blob of a DONE job is missing or short: ",
                                              read.status().message()));
    }
    ASSIGN_OR_RETURN(std::string data, std::move(read));
    if (data.size() != length) {
      return absl::DataLossError(absl::StrCat("the stored blob is shorter than its job says (",
                                              offset + data.size(), " < ", job.size(), ")"));
    }
    response.set_offset(offset);
    response.set_data(std::move(data));
    if (!sink(response)) return absl::OkStatus();
    sent.Increment(static_cast<double>(length));
    offset += length;
    response.clear_job();
  } while (offset < job.size());
  return absl::OkStatus();
}

absl::StatusOr<v1::ListMediaResponse> MediaApi::ListMedia(const v1::ListMediaRequest& request) {
  static const std::string kMethod = "ListMedia";
  RETURN_IF_ERROR(CheckCorp(kMethod, request.corp_id()));
  if (!v1::MediaState_IsValid(request.state())) {
    return Counted(kMethod, Invalid("state", "not a MediaState"));
  }
  if (request.page_size() > kMaxPageSize) {
    return Counted(kMethod, Invalid("page_size", "at most 1000"));
  }
  const uint32_t page_size = request.page_size() == 0 ? kDefaultPageSize : request.page_size();
  absl::StatusOr<JobPage> page =
      jobs_->ListJobs(request.corp_id(), request.state(), page_size, request.page_token());
  if (absl::IsInvalidArgument(page.status())) return Counted(kMethod, page.status());
  if (!page.ok()) return page.status();
  v1::ListMediaResponse response;
  for (v1::MediaJob& job : page->jobs) *response.add_jobs() = std::move(job);
  response.set_next_page_token(std::move(page->next_page_token));
  return response;
}

absl::StatusOr<v1::RetryMediaResponse> MediaApi::RetryMedia(const v1::RetryMediaRequest& request) {
  static const std::string kMethod = "RetryMedia";
  RETURN_IF_ERROR(CheckCorp(kMethod, request.corp_id()));
  RETURN_IF_ERROR(CheckSdkFileId(kMethod, request.sdkfileid()));
  v1::RetryMediaResponse response;
  ASSIGN_OR_RETURN(*response.mutable_job(),
                   scheduler_->Retry(request.corp_id(), request.sdkfileid()));
  return response;
}

}  // namespace wecom::media
