// SPDX-License-Identifier: LGPL-2.1-or-later
/* A host program as applications are written (no library of the project linked in): loads the module with dlopen, logs in, signs, forks a
 * child that leaves with exit() without calling C_Initialize (so every static destructor runs in it),
 * then signs again. Usage: fork_host MODULE PIN OUT_PREFIX. Writes OUT_PREFIX.sig (the second signature),
 * OUT_PREFIX.cert (the certificate's DER) and OUT_PREFIX.data; exits 0 when both signatures were made. */
#include <dlfcn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <p11-kit/pkcs11.h>

static CK_FUNCTION_LIST_PTR f;
static CK_UTF8CHAR_PTR utf8(char* s) { return reinterpret_cast<CK_UTF8CHAR_PTR>(s); }

static CK_OBJECT_HANDLE first(CK_SESSION_HANDLE h, CK_OBJECT_CLASS cls) {
  CK_ATTRIBUTE t = {CKA_CLASS, &cls, sizeof cls};  // NOLINT
  CK_OBJECT_HANDLE o = CK_INVALID_HANDLE;
  CK_ULONG n = 0;
  f->C_FindObjectsInit(h, &t, 1);
  f->C_FindObjects(h, &o, 1, &n);
  f->C_FindObjectsFinal(h);
  return n ? o : CK_INVALID_HANDLE;
}

static CK_RV sign(CK_SESSION_HANDLE h, const char* data, unsigned char* sig, CK_ULONG* len) {
  CK_MECHANISM m = {CKM_SHA256_RSA_PKCS, nullptr, 0};
  CK_RV rv = f->C_SignInit(h, &m, first(h, CKO_PRIVATE_KEY));
  if (rv != CKR_OK) return rv;
  std::vector<CK_BYTE> in(data, data + std::strlen(data));
  return f->C_Sign(h, in.data(), in.size(), sig, len);
}

static void write_file(const char* prefix, const char* ext, const void* p, size_t n) {
  char path[4096];
  std::snprintf(path, sizeof path, "%s.%s", prefix, ext);
  std::FILE* out = std::fopen(path, "wb");
  if (out) {
    std::fwrite(p, 1, n, out);
    std::fclose(out);
  }
}

int main(int argc, char** argv) {
  if (argc != 4) return 64;
  void* lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!lib) return 65;
  auto get = reinterpret_cast<CK_RV (*)(CK_FUNCTION_LIST_PTR_PTR)>(dlsym(lib, "C_GetFunctionList"));
  if (!get || get(&f) != CKR_OK || f->C_Initialize(nullptr) != CKR_OK) return 66;
  CK_SLOT_ID slot;
  CK_ULONG n = 1;
  CK_SESSION_HANDLE h;
  if (f->C_GetSlotList(CK_TRUE, &slot, &n) != CKR_OK || n != 1) return 67;
  if (f->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &h) != CKR_OK) return 68;
  if (f->C_Login(h, CKU_USER, utf8(argv[2]), std::strlen(argv[2])) != CKR_OK) return 69;
  const char* data = "fork: imzalanacak belge";
  unsigned char sig[512];
  CK_ULONG len = sizeof sig;
  if (sign(h, data, sig, &len) != CKR_OK) return 70;
  pid_t pid = fork();
  if (pid == 0) std::exit(0);
  int status = 0;
  waitpid(pid, &status, 0);
  len = sizeof sig;
  CK_RV rv = sign(h, data, sig, &len);
  if (rv != CKR_OK) {
    std::fprintf(stderr, "second signature: 0x%lx\n", static_cast<unsigned long>(rv));
    return 71;
  }
  write_file(argv[3], "sig", sig, len);
  write_file(argv[3], "data", data, std::strlen(data));
  CK_OBJECT_HANDLE cert = first(h, CKO_CERTIFICATE);
  CK_ATTRIBUTE a = {CKA_VALUE, nullptr, 0};
  if (f->C_GetAttributeValue(h, cert, &a, 1) != CKR_OK) return 72;
  std::vector<unsigned char> der(a.ulValueLen);
  a.pValue = der.data();
  f->C_GetAttributeValue(h, cert, &a, 1);
  write_file(argv[3], "cert", der.data(), der.size());
  f->C_Logout(h);
  f->C_Finalize(NULL);
  return 0;
}
