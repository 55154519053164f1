// SPDX-License-Identifier: LGPL-2.1-or-later
// The unlock service's request handling (tools/unlockd/service.cpp): a whole HTTP request from the input,
// parsed by cpp-httplib and routed to the service's handlers, without sockets or TLS. The store holds one
// account ("ayse" / "parola"), one enrolled card, one verification code and one portal session, so the
// paths past the checks are reachable (the seeds know them).
#include <httplib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "crypto.hpp"
#include "service.hpp"

using namespace akis;

namespace {

constexpr const char* kServerSecret = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr const char* kCode = "123456789012345";
constexpr const char* kSerial = "0102030405060708090A0B0C";
constexpr const char* kSession = "5e55105e55105e55105e55105e55105e55105e55105e55105e55105e55105e55";

class MemoryServer final : public httplib::Server {
 public:
  std::string handle(const std::string& request) {
    httplib::detail::BufferStream strm;
    strm.write(request.data(), request.size());
    bool closed = false;
    process_request(strm, true, closed, [](httplib::Request& req) { req.remote_addr = "192.0.2.7"; });
    return strm.get_buffer().substr(request.size());
  }
};

MemoryServer* g_server = nullptr;

// A fixed card key instead of the issuer token: the fuzz target exercises request handling, not the HSM.
struct FixedKeys final : unlockd::CardKeys {
  Bytes cryptogram(ByteView serial, ByteView challenge) override {
    Bytes msg(challenge.begin(), challenge.end());
    append(msg, serial);
    return unlockd::hmac_sha256(Bytes(32, 0x33), msg);
  }
};

void setup() {
  namespace fs = std::filesystem;
  fs::path base = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
  static const std::string dir = (base / ("akis-fuzz-unlockd-" + std::to_string(::getpid()))).string();
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::atexit([] { std::error_code ec; fs::remove_all(dir, ec); });
  std::ofstream(dir + "/server-secret.hex") << kServerSecret << "\n";
  unlockd::ServiceOptions o;
  o.data_dir = dir;
  o.max_failures_per_address = 1 << 30;  // rate limits would close every path after a few inputs
  o.max_failures_per_card = 1 << 30;
  o.max_login_failures_per_user = 1 << 30;
  o.max_codes_per_account = 1 << 30;
  auto server = std::make_unique<MemoryServer>();
  g_server = server.get();
  static unlockd::Service service(o, std::move(server), std::make_unique<FixedKeys>());
  auto& store = service.store();
  Bytes salt(16, 0x5A);
  auto account = store.add_account("ayse", "AYŞE GÜL YILDIRIM", unlockd::password_hash("parola", salt), salt);
  store.enrol_card({kSerial, account, "active"});
  store.enrol_card({"0C0B0A090807060504030201", account, "revoked"});
  std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
  store.add_code(account, unlockd::hmac_sha256(from_hex(kServerSecret), to_bytes(kCode)), now, now + 1000000);
  store.add_session(unlockd::sha256(to_bytes(kSession)), account, now + 1000000);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  setup();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string response = g_server->handle(std::string(reinterpret_cast<const char*>(data), size));
  // Every answer to an API path is JSON with a status the service chose (never a 500).
  if (response.rfind("HTTP/1.1 500", 0) == 0) __builtin_trap();
  return 0;
}
