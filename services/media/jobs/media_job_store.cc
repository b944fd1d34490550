#include "services/media/jobs/media_job_store.h"

#include <string_view>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "common/storage/rocksdb_status.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "rocksdb/write_batch.h"

namespace wecom::media {
namespace {

using v1::MediaJob;
using v1::MediaState;

// Keys. Ids are length-prefixed so that one corp's keys never run into
// another's, whatever characters the vendor's ids hold.
//   j <corp> <sdkfileid>          -> MediaJob
//   s <corp> <state> <sdkfileid>  -> ""        (index by state)
//   b <sha256>                    -> size, 8 bytes big-endian
constexpr char kJobTag = 'j';
constexpr char kStateTag = 's';
constexpr char kBlobTag = 'b';
constexpr char kPageTokenVersion = 1;

std::string CorpPrefix(char tag, std::string_view corp_id) {
  std::string key(1, tag);
  key.push_back(static_cast<char>(corp_id.size()));
  key.append(corp_id);
  return key;
}

std::string JobKey(std::string_view corp_id, std::string_view sdkfileid) {
  return CorpPrefix(kJobTag, corp_id).append(sdkfileid);
}

std::string StatePrefix(std::string_view corp_id, MediaState state) {
  std::string key = CorpPrefix(kStateTag, corp_id);
  key.push_back(static_cast<char>(state));
  return key;
}

std::string StateKey(const MediaJob& job) {
  return StatePrefix(job.corp_id(), job.state()).append(job.sdkfileid());
}

std::string BlobKey(std::string_view sha256) { return std::string(1, kBlobTag).append(sha256); }

std::string EncodeSize(uint64_t size) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i, size >>= 8) out[i] = static_cast<char>(size & 0xff);
  return out;
}

uint64_t DecodeSize(std::string_view in) {
  uint64_t size = 0;
  for (unsigned char c : in) size = (size << 8) | c;
  return size;
}

std::string_view View(const rocksdb::Slice& slice) { return {slice.data(), slice.size()}; }

absl::StatusOr<MediaJob> ParseJob(std::string_view bytes, std::string_view key) {
  MediaJob job;
  if (!job.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError(
        absl::StrCat("a stored media job does not parse (key of ", key.size(), " bytes)"));
  }
  return job;
}

std::string EncodePageToken(std::string_view last_sdkfileid) {
  return absl::WebSafeBase64Escape(
      absl::StrCat(absl::string_view(&kPageTokenVersion, 1),
                   absl::string_view(last_sdkfileid.data(), last_sdkfileid.size())));
}

absl::StatusOr<std::string> DecodePageToken(const std::string& token) {
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw) || raw.size() < 2 || raw[0] != kPageTokenVersion) {
    return absl::InvalidArgumentError("page_token: malformed");
  }
  return raw.substr(1);
}

rocksdb::WriteOptions Synced() {
  rocksdb::WriteOptions options;
  options.sync = true;
  return options;
}

}  // namespace

absl::StatusOr<std::unique_ptr<MediaJobStore>> MediaJobStore::Open(const std::string& path) {
  if (path.empty()) return absl::InvalidArgumentError("the media job store path is empty");
  rocksdb::Options options;
  options.create_if_missing = true;
  options.keep_log_file_num = 10;
  rocksdb::DB* db = nullptr;
  RETURN_IF_ERROR(FromRocks(rocksdb::DB::Open(options, path, &db),
                            absl::StrCat("opening the media job store at ", path)));
  std::unique_ptr<MediaJobStore> store(new MediaJobStore(std::unique_ptr<rocksdb::DB>(db)));
  RETURN_IF_ERROR(store->LoadTotals());
  return store;
}

MediaJobStore::MediaJobStore(std::unique_ptr<rocksdb::DB> db) : db_(std::move(db)) {}

MediaJobStore::~MediaJobStore() = default;

absl::Status MediaJobStore::LoadTotals() {
  absl::MutexLock lock(&mu_);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(std::string(1, kJobTag)); it->Valid() && it->key()[0] == kJobTag; it->Next()) {
    ASSIGN_OR_RETURN(MediaJob job, ParseJob(View(it->value()), View(it->key())));
    ++counts_[{job.corp_id(), job.state()}];
  }
  for (it->Seek(std::string(1, kBlobTag)); it->Valid() && it->key()[0] == kBlobTag; it->Next()) {
    ++blob_count_;
    blob_bytes_ += DecodeSize(View(it->value()));
  }
  return FromRocks(it->status(), "reading the media job store");
}

absl::StatusOr<std::optional<MediaJob>> MediaJobStore::Find(const std::string& corp_id,
                                                            const std::string& sdkfileid) const {
  const std::string key = JobKey(corp_id, sdkfileid);
  std::string value;
  rocksdb::Status status = db_->Get(rocksdb::ReadOptions(), key, &value);
  if (status.IsNotFound()) return std::nullopt;
  RETURN_IF_ERROR(FromRocks(status, "reading a media job"));
  ASSIGN_OR_RETURN(MediaJob job, ParseJob(value, key));
  return job;
}

absl::StatusOr<std::vector<std::pair<MediaJob, bool>>> MediaJobStore::CreateIfAbsent(
    std::vector<MediaJob> jobs) {
  absl::MutexLock lock(&mu_);
  std::vector<std::pair<MediaJob, bool>> out;
  out.reserve(jobs.size());
  rocksdb::WriteBatch batch;
  JobCounts added;
  for (MediaJob& job : jobs) {
    ASSIGN_OR_RETURN(std::optional<MediaJob> stored, Find(job.corp_id(), job.sdkfileid()));
    // A job repeated within this call is created once too.
    if (!stored.has_value()) {
      for (const auto& [earlier, created] : out) {
        if (created && earlier.corp_id() == job.corp_id() &&
            earlier.sdkfileid() == job.sdkfileid()) {
          stored = earlier;
          break;
        }
      }
    }
    if (stored.has_value()) {
      out.emplace_back(*std::move(stored), false);
      continue;
    }
    batch.Put(JobKey(job.corp_id(), job.sdkfileid()), job.SerializeAsString());
    batch.Put(StateKey(job), "");
    ++added[{job.corp_id(), job.state()}];
    out.emplace_back(std::move(job), true);
  }
  if (batch.Count() > 0) {
    RETURN_IF_ERROR(FromRocks(db_->Write(Synced(), &batch), "storing media jobs"));
  }
  for (const auto& [key, n] : added) counts_[key] += n;
  return out;
}

absl::StatusOr<MediaJob> MediaJobStore::Get(const std::string& corp_id,
                                            const std::string& sdkfileid) const {
  absl::ReaderMutexLock lock(&mu_);
  ASSIGN_OR_RETURN(std::optional<MediaJob> job, Find(corp_id, sdkfileid));
  if (!job.has_value()) {
    return absl::NotFoundError(absl::StrCat("no media job for sdkfileid ", sdkfileid.substr(0, 24),
                                            "… in corp ", corp_id));
  }
  return *std::move(job);
}

absl::Status MediaJobStore::Update(const MediaJob& job, Durability durability) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(std::optional<MediaJob> old, Find(job.corp_id(), job.sdkfileid()));
  if (!old.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("updating a media job that does not exist (corp ", job.corp_id(), ")"));
  }
  rocksdb::WriteBatch batch;
  batch.Delete(StateKey(*old));
  batch.Put(StateKey(job), "");
  batch.Put(JobKey(job.corp_id(), job.sdkfileid()), job.SerializeAsString());
  bool new_blob = false;
  if (job.state() == v1::MEDIA_STATE_DONE) {
    std::string ignored;
    rocksdb::Status found = db_->Get(rocksdb::ReadOptions(), BlobKey(job.sha256()), &ignored);
    if (!found.IsNotFound()) RETURN_IF_ERROR(FromRocks(found, "reading a blob record"));
    new_blob = found.IsNotFound();
    if (new_blob) batch.Put(BlobKey(job.sha256()), EncodeSize(job.size()));
  }
  rocksdb::WriteOptions options = Synced();
  options.sync = durability == Durability::kSynced;
  RETURN_IF_ERROR(FromRocks(db_->Write(options, &batch), "storing a media job"));
  --counts_[{old->corp_id(), old->state()}];
  ++counts_[{job.corp_id(), job.state()}];
  if (new_blob) {
    ++blob_count_;
    blob_bytes_ += job.size();
  }
  return absl::OkStatus();
}

absl::StatusOr<JobPage> MediaJobStore::ListJobs(const std::string& corp_id, MediaState state,
                                                size_t page_size,
                                                const std::string& page_token) const {
  if (page_size == 0) return absl::InvalidArgumentError("page_size must be positive");
  const bool by_state = state != v1::MEDIA_STATE_UNSPECIFIED;
  const std::string prefix = by_state ? StatePrefix(corp_id, state) : CorpPrefix(kJobTag, corp_id);
  std::string start = prefix;
  if (!page_token.empty()) {
    ASSIGN_OR_RETURN(std::string last, DecodePageToken(page_token));
    start = prefix + last;
    start.push_back('\0');  // the first key after the last one returned
  }
  absl::ReaderMutexLock lock(&mu_);
  JobPage page;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(start); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    const std::string sdkfileid(View(it->key()).substr(prefix.size()));
    if (page.jobs.size() == page_size) {
      page.next_page_token = EncodePageToken(page.jobs.back().sdkfileid());
      break;
    }
    if (by_state) {
      ASSIGN_OR_RETURN(std::optional<MediaJob> job, Find(corp_id, sdkfileid));
      if (!job.has_value()) {
        return absl::DataLossError("the media state index refers to a missing job");
      }
      page.jobs.push_back(*std::move(job));
    } else {
      ASSIGN_OR_RETURN(MediaJob job, ParseJob(View(it->value()), View(it->key())));
      page.jobs.push_back(std::move(job));
    }
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "listing media jobs"));
  return page;
}

absl::Status MediaJobStore::ForEachInState(MediaState state,
                                           absl::FunctionRef<void(const MediaJob&)> visit) const {
  std::vector<MediaJob> jobs;
  {
    absl::ReaderMutexLock lock(&mu_);
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    for (it->Seek(std::string(1, kJobTag)); it->Valid() && it->key()[0] == kJobTag; it->Next()) {
      ASSIGN_OR_RETURN(MediaJob job, ParseJob(View(it->value()), View(it->key())));
      if (job.state() == state) jobs.push_back(std::move(job));
    }
    RETURN_IF_ERROR(FromRocks(it->status(), "reading media jobs"));
  }
  for (const MediaJob& job : jobs) visit(job);
  return absl::OkStatus();
}

JobCounts MediaJobStore::Counts() const {
  absl::ReaderMutexLock lock(&mu_);
  return counts_;
}

uint64_t MediaJobStore::BlobCount() const {
  absl::ReaderMutexLock lock(&mu_);
  return blob_count_;
}

uint64_t MediaJobStore::BlobBytes() const {
  absl::ReaderMutexLock lock(&mu_);
  return blob_bytes_;
}

}  // namespace wecom::media
