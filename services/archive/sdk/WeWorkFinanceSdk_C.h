// The Finance SDK's C ABI (libWeWorkFinanceSdk_C.so), as the vendor's
// WeWorkFinanceSdk_C.h declares it. The archive service dlopens the library and
// resolves these symbols; emulators/finance-sdk implements the same header.
//
// Error codes returned by the functions that return int:
//   10000 parameter error          10006 decrypt failure
//   10001 network error            10007 no private key for the key version
//   10002 data parse failure       10008 error parsing encrypt_key
//   10003 system failure           10009 IP not allowed
//   10004 key error (encryption)   10010 data expired
//   10005 bad fileid               10011 certificate error
#ifndef WEWORK_FINANCE_SDK_C_H_
#define WEWORK_FINANCE_SDK_C_H_

#ifdef __cplusplus
extern "C" {
#endif

typedef struct WeWorkFinanceSdk_t WeWorkFinanceSdk_t;

typedef struct Slice_t {
  char* buf;
  int len;
} Slice_t;

typedef struct MediaData {
  char* outindexbuf;
  int out_len;
  char* data;
  int data_len;
  int is_finish;
} MediaData_t;

WeWorkFinanceSdk_t* NewSdk();
int Init(WeWorkFinanceSdk_t* sdk, const char* corpid, const char* secret);
int GetChatData(WeWorkFinanceSdk_t* sdk, unsigned long long seq, unsigned int limit,
                const char* proxy, const char* passwd, int timeout, Slice_t* chatDatas);
int DecryptData(const char* encrypt_key, const char* encrypt_msg, Slice_t* msg);
int GetMediaData(WeWorkFinanceSdk_t* sdk, const char* indexbuf, const char* sdkFileid,
                 const char* proxy, const char* passwd, int timeout, MediaData_t* media_data);
void DestroySdk(WeWorkFinanceSdk_t* sdk);

Slice_t* NewSlice();
void FreeSlice(Slice_t* slice);
char* GetContentFromSlice(Slice_t* slice);
int GetSliceLen(Slice_t* slice);

MediaData_t* NewMediaData();
void FreeMediaData(MediaData_t* media_data);
char* GetOutIndexBuf(MediaData_t* media_data);
char* GetData(MediaData_t* media_data);
int GetIndexLen(MediaData_t* media_data);
int GetDataLen(MediaData_t* media_data);
int IsMediaDataFinish(MediaData_t* media_data);

#ifdef __cplusplus
}
#endif

#endif  // WEWORK_FINANCE_SDK_C_H_
