// SPDX-License-Identifier: LGPL-2.1-or-later
// Times the calls applications make all the time (NSS and Firefox call them constantly) on any PKCS#11
// module loaded with dlopen: C_GetSlotList, C_GetSlotInfo, C_GetTokenInfo, C_OpenSession + C_CloseSession.
// Usage: p11_bench MODULE [--no-threads] [--iterations N] [--runs R]
// Prints one line per call: the median over R runs of the mean time per call (ns) in a run of N calls.
// --no-threads passes CKF_LIBRARY_CANT_CREATE_OS_THREADS to C_Initialize (a module then may not start its own
// threads: ours falls back to asking pcscd on every call).
#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <p11-kit/pkcs11.h>

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

double time_per_call(int iterations, int runs, const std::function<CK_RV()>& call, bool& ok) {
  std::vector<double> per_run;
  for (int r = 0; r < runs; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < iterations; ++i)
      if (call() != CKR_OK) ok = false;
    auto ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
    per_run.push_back(ns / iterations);
  }
  return median(per_run);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s MODULE [--no-threads] [--iterations N] [--runs R]\n", argv[0]);
    return 64;
  }
  bool no_threads = false;
  int iterations = 2000, runs = 7;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--no-threads") no_threads = true;
    else if (a == "--iterations" && i + 1 < argc) iterations = std::atoi(argv[++i]);
    else if (a == "--runs" && i + 1 < argc) runs = std::atoi(argv[++i]);
  }
  void* lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    std::fprintf(stderr, "dlopen: %s\n", dlerror());
    return 65;
  }
  auto get = reinterpret_cast<CK_RV (*)(CK_FUNCTION_LIST_PTR_PTR)>(dlsym(lib, "C_GetFunctionList"));
  CK_FUNCTION_LIST_PTR f = nullptr;
  if (!get || get(&f) != CKR_OK) return 66;
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK | (no_threads ? CKF_LIBRARY_CANT_CREATE_OS_THREADS : 0);
  if (f->C_Initialize(&args) != CKR_OK) return 67;
  CK_SLOT_ID slots[8];
  CK_ULONG n = 8;
  if (f->C_GetSlotList(CK_TRUE, slots, &n) != CKR_OK || n == 0) {
    std::fprintf(stderr, "no token\n");
    return 68;
  }
  const CK_SLOT_ID slot = slots[0];
  bool ok = true;
  struct Row {
    const char* name;
    std::function<CK_RV()> call;
  };
  std::vector<Row> rows = {
      {"C_GetSlotList", [&] {
         CK_ULONG count = 8;
         return f->C_GetSlotList(CK_TRUE, slots, &count);
       }},
      {"C_GetSlotInfo", [&] {
         CK_SLOT_INFO si;
         return f->C_GetSlotInfo(slot, &si);
       }},
      {"C_GetTokenInfo", [&] {
         CK_TOKEN_INFO ti;
         return f->C_GetTokenInfo(slot, &ti);
       }},
      {"C_OpenSession+C_CloseSession", [&] {
         CK_SESSION_HANDLE h;
         CK_RV rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &h);
         return rv == CKR_OK ? f->C_CloseSession(h) : rv;
       }},
  };
  for (auto& r : rows) {
    r.call();  // warm up (first token load)
    std::printf("%s\t%.0f\n", r.name, time_per_call(iterations, runs, r.call, ok));
  }
  f->C_Finalize(nullptr);
  if (!ok) std::fprintf(stderr, "some calls failed\n");
  return ok ? 0 : 1;
}
