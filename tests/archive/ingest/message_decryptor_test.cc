// What MessageDecryptor keeps of entries it cannot decrypt. (Successful
// decryption runs through the real SDK emulator in the integration tests.)
#include "services/archive/ingest/message_decryptor.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace wecom::archive {
namespace {

TEST(MessageDecryptorTest, AMalformedEntryIsKeptWithWhatIsWrong) {
  KeyRing keys;
  MessageDecryptor decryptor(&keys, /*sdk=*/nullptr);  // never reached for a malformed entry
  EncryptedChatData data;
  data.seq = 42;
  data.publickey_ver = 1;
  data.encrypt_chat_msg = "ciphertext";
  data.malformed = "chatdata[3].msgid is missing";

  v1::ArchivedMessage archived = decryptor.Decrypt("ww1", data);
  EXPECT_EQ(archived.seq(), 42u);
  EXPECT_EQ(archived.msgid(), "malformed-seq-42");
  EXPECT_EQ(archived.status(), v1::DECRYPT_STATUS_UNDECRYPTABLE);
  EXPECT_EQ(archived.failure(), v1::FAILURE_REASON_BAD_ENVELOPE);
  EXPECT_EQ(archived.failure_detail(), "chatdata[3].msgid is missing");
  EXPECT_EQ(archived.envelope().encrypt_chat_msg(), "ciphertext");
  // No key reload can fix it, so recovery leaves it alone.
  EXPECT_FALSE(decryptor.Retry(&archived));
  EXPECT_FALSE(decryptor.KeyArrivedSince(archived));
}

TEST(MessageDecryptorTest, AMissingKeyVersionIsKeptRawAndNamed) {
  KeyRing keys;
  MessageDecryptor decryptor(&keys, /*sdk=*/nullptr);  // the key lookup fails first
  EncryptedChatData data;
  data.seq = 7;
  data.msgid = "m7";
  data.publickey_ver = 3;
  data.encrypt_random_key = "a2V5";
  data.encrypt_chat_msg = "ciphertext";

  v1::ArchivedMessage archived = decryptor.Decrypt("ww1", data);
  EXPECT_EQ(archived.msgid(), "m7");
  EXPECT_EQ(archived.failure(), v1::FAILURE_REASON_UNKNOWN_KEY_VERSION);
  EXPECT_THAT(archived.failure_detail(), ::testing::HasSubstr("3"));
  EXPECT_EQ(archived.envelope().encrypt_random_key(), "a2V5");
  EXPECT_FALSE(decryptor.KeyArrivedSince(archived));
}

}  // namespace
}  // namespace wecom::archive
