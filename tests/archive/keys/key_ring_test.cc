#include "services/archive/keys/key_ring.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "openssl/bio.h"
#include "openssl/evp.h"
#include "openssl/pem.h"
#include "openssl/rsa.h"
#include "tests/support/rsa_keys.h"

namespace wecom::archive {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::wecom::testing::IsOk;
using ::wecom::testing::IsOkAndHolds;
using ::wecom::testing::MakeRsaKeyPair;
using ::wecom::testing::RsaKeyPem;
using ::wecom::testing::StatusIs;

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

// The PKCS#8 PEM ("BEGIN PRIVATE KEY") of `key`.
std::string Pkcs8Pem(EVP_PKEY* key) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  EXPECT_EQ(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr), 1);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

// What the vendor does: RSA PKCS#1 v1.5 encryption with the public key, base64.
std::string EncryptForKey(const RsaKeyPem& key_pair, const std::string& random_key) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(key_pair.public_spki.data(), static_cast<int>(key_pair.public_spki.size())),
      &BIO_free);
  Pkey key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  EXPECT_NE(key, nullptr);
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new(key.get(), nullptr), &EVP_PKEY_CTX_free);
  EXPECT_EQ(EVP_PKEY_encrypt_init(ctx.get()), 1);
  EXPECT_EQ(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING), 1);
  const auto* in = reinterpret_cast<const unsigned char*>(random_key.data());
  size_t len = 0;
  EXPECT_EQ(EVP_PKEY_encrypt(ctx.get(), nullptr, &len, in, random_key.size()), 1);
  std::string out(len, '\0');
  EXPECT_EQ(EVP_PKEY_encrypt(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len, in,
                             random_key.size()),
            1);
  out.resize(len);
  return absl::Base64Escape(out);
}

class KeyRingTest : public ::testing::Test {
 protected:
  // RSA generation is slow: two 2048-bit keys (the vendor's size) for the suite.
  static void SetUpTestSuite() {
    absl::StatusOr<RsaKeyPem> a = MakeRsaKeyPair(2048);
    absl::StatusOr<RsaKeyPem> b = MakeRsaKeyPair(2048);
    ASSERT_THAT(a, IsOk());
    ASSERT_THAT(b, IsOk());
    key_a_ = new RsaKeyPem(*std::move(a));
    key_b_ = new RsaKeyPem(*std::move(b));
  }
  static void TearDownTestSuite() {
    delete key_a_;
    delete key_b_;
  }
  static const RsaKeyPem* key_a_;
  static const RsaKeyPem* key_b_;
};
const RsaKeyPem* KeyRingTest::key_a_ = nullptr;
const RsaKeyPem* KeyRingTest::key_b_ = nullptr;

TEST_F(KeyRingTest, DecryptsWithPkcs1AndPkcs8Keys) {
  KeyRing ring;
  ASSERT_THAT(ring.Replace({{3, key_a_->private_pkcs1}, {4, key_b_->private_pkcs8}}), IsOk());
  EXPECT_THAT(ring.versions(), ElementsAre(3, 4));
  EXPECT_THAT(ring.DecryptRandomKey(3, EncryptForKey(*key_a_, "random-key-for-v3")),
              IsOkAndHolds("random-key-for-v3"));
  EXPECT_THAT(ring.DecryptRandomKey(4, EncryptForKey(*key_b_, "random-key-for-v4")),
              IsOkAndHolds("random-key-for-v4"));
}

TEST_F(KeyRingTest, UnknownVersionIsNotFound) {
  KeyRing ring;
  ASSERT_THAT(ring.Replace({{3, key_a_->private_pkcs1}}), IsOk());
  EXPECT_THAT(ring.DecryptRandomKey(7, EncryptForKey(*key_a_, "k")),
              StatusIs(absl::StatusCode::kNotFound, "no private key for publickey_ver 7"));
}

TEST_F(KeyRingTest, EmptyRingHasNoVersions) {
  KeyRing ring;
  EXPECT_THAT(ring.versions(), IsEmpty());
  EXPECT_THAT(ring.DecryptRandomKey(1, "AAAA"), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(KeyRingTest, BadBase64IsDataLoss) {
  KeyRing ring;
  ASSERT_THAT(ring.Replace({{3, key_a_->private_pkcs1}}), IsOk());
  EXPECT_THAT(ring.DecryptRandomKey(3, "not base64 !!"),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("base64")));
}

TEST_F(KeyRingTest, UndecryptableCiphertextIsDataLoss) {
  KeyRing ring;
  ASSERT_THAT(ring.Replace({{3, key_a_->private_pkcs1}}), IsOk());
  // Valid base64 but far shorter than a 2048-bit RSA block.
  EXPECT_THAT(ring.DecryptRandomKey(3, absl::Base64Escape("short")),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("decryption")));
}

TEST_F(KeyRingTest, BadPemIsRejectedByVersionWithoutEchoingIt) {
  // Drop one base64 line from the middle of a real key: the DER inside no
  // longer parses, and the remaining lines are key material.
  std::vector<std::string> lines = absl::StrSplit(key_a_->private_pkcs8, '\n');
  ASSERT_GT(lines.size(), 10u);
  lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(lines.size() / 2));
  KeyRing ring;
  const absl::Status status = ring.Replace({{9, absl::StrJoin(lines, "\n")}});
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("publickey_ver 9")));
  for (size_t i = 1; i + 2 < lines.size(); ++i) {
    EXPECT_THAT(std::string(status.message()), Not(HasSubstr(lines[i].substr(0, 12))));
  }

  const absl::Status text_status = ring.Replace(
      {{5, "-----BEGIN PRIVATE KEY-----\nSECRETSECRETSECRET\n-----END PRIVATE KEY-----\n"}});
  EXPECT_THAT(text_status,
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("publickey_ver 5")));
  EXPECT_THAT(std::string(text_status.message()), Not(HasSubstr("SECRET")));
}

TEST_F(KeyRingTest, NonRsaKeyIsRejected) {
  Pkey ec_key(EVP_EC_gen("P-256"));
  ASSERT_NE(ec_key, nullptr);
  KeyRing ring;
  EXPECT_THAT(ring.Replace({{2, Pkcs8Pem(ec_key.get())}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("publickey_ver 2")));
}

TEST_F(KeyRingTest, FailedReplaceKeepsOldKeys) {
  KeyRing ring;
  ASSERT_THAT(ring.Replace({{3, key_a_->private_pkcs1}}), IsOk());
  EXPECT_THAT(ring.Replace({{3, key_b_->private_pkcs1}, {4, "garbage"}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("publickey_ver 4")));
  EXPECT_THAT(ring.versions(), ElementsAre(3));
  // Still key A under version 3, not the good half of the failed replacement.
  EXPECT_THAT(ring.DecryptRandomKey(3, EncryptForKey(*key_a_, "still-a")), IsOkAndHolds("still-a"));
}

TEST_F(KeyRingTest, ReplaceDropsVersionsNotGiven) {
  KeyRing ring;
  ASSERT_THAT(ring.Replace({{3, key_a_->private_pkcs1}}), IsOk());
  ASSERT_THAT(ring.Replace({{4, key_b_->private_pkcs1}}), IsOk());
  EXPECT_THAT(ring.versions(), ElementsAre(4));
  EXPECT_THAT(ring.DecryptRandomKey(3, EncryptForKey(*key_a_, "x")),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(KeyRingTest, ConcurrentDecryptsWhileKeysAreReplaced) {
  KeyRing ring;
  const std::string pem_a = key_a_->private_pkcs1;
  const std::string pem_b = key_b_->private_pkcs8;
  ASSERT_THAT(ring.Replace({{1, pem_a}, {2, pem_b}}), IsOk());
  const std::string cipher_a = EncryptForKey(*key_a_, "key-one");
  const std::string cipher_b = EncryptForKey(*key_b_, "key-two");

  std::atomic<int> failures{0};
  std::atomic<int> decrypting{4};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        const bool use_a = (i + t) % 2 == 0;
        absl::StatusOr<std::string> key =
            ring.DecryptRandomKey(use_a ? 1 : 2, use_a ? cipher_a : cipher_b);
        if (!key.ok() || *key != (use_a ? "key-one" : "key-two")) ++failures;
      }
      --decrypting;
    });
  }
  // Replacing with the same keys must never leave a moment without them.
  int replacements = 0;
  while (decrypting.load() > 0 || replacements == 0) {
    ASSERT_THAT(ring.Replace({{1, pem_a}, {2, pem_b}}), IsOk());
    ++replacements;
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace wecom::archive
