// SPDX-License-Identifier: LGPL-2.1-or-later
// The login registry (pkcs11/login_registry.*, private_dir.hpp) through the built module and the real pcscd: the
// card is logged out when the last live process logs out, however the others ended. What each test checks is the
// virtual card's own state (its user PIN verified or not, read by another PC/SC connection) and the registry's
// files: a killed process's entry, an entry whose PID was reused, and directories the module must not trust.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "akis/card.hpp"
#include "akis/pcsc.hpp"
#include "loaded_module.hpp"

using namespace akis;
using namespace akis::test;
namespace fs = std::filesystem;

namespace {

// Field 22 of /proc/<pid>/stat (start time in clock ticks since boot), read here independently of the module.
std::string start_time(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream rest(all.substr(all.rfind(')') + 1));
  std::string field;
  for (int i = 3; i <= 22 && rest >> field; ++i)
    if (i == 22) return field;
  return {};
}
std::string entry_name(pid_t pid) { return std::to_string(pid) + "-" + start_time(pid); }

bool card_verified() {
  auto ctx = std::make_shared<pcsc::Context>();
  Card card(std::make_unique<pcsc::PcscTransport>(ctx, Pcscd::kReader0));
  return card.pin_status(*card.profile().user_pin()).verified;
}

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  EXPECT_EQ(st.st_uid, ::geteuid()) << p;
  return st.st_mode;
}

// The per-card directory under `root` holding `entry` ("" when none does).
fs::path dir_holding(const fs::path& root, const std::string& entry) {
  std::error_code ec;
  for (auto& d : fs::directory_iterator(root, ec))
    if (fs::exists(d.path() / entry)) return d.path();
  return {};
}

std::size_t entries(const fs::path& dir) {
  std::error_code ec;
  std::size_t n = 0;
  for ([[maybe_unused]] auto& e : fs::directory_iterator(dir, ec)) ++n;
  return n;
}

void plant(const fs::path& file) { std::ofstream(file).put('\n'); }

// A child process killed with SIGKILL when the test leaves.
struct Child {
  pid_t pid = -1;
  ~Child() { kill_now(); }
  void kill_now() {
    if (pid <= 0) return;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    pid = -1;
  }
};

// A live process that is not a PKCS#11 application.
void start_sleeper(Child& c) {
  c.pid = ::fork();
  if (c.pid == 0) {
    ::pause();
    ::_exit(0);
  }
  ASSERT_GT(c.pid, 0);
  while (start_time(c.pid).empty()) ::usleep(1000);
}

class LoginRegistry : public LoadedModule {
 protected:
  void SetUp() override {
    LoadedModule::SetUp();
    const char* x = std::getenv("XDG_RUNTIME_DIR");
    saved_runtime_ = x ? x : "";
  }
  void TearDown() override {
    LoadedModule::TearDown();
    if (saved_runtime_.empty()) ::unsetenv("XDG_RUNTIME_DIR");
    else ::setenv("XDG_RUNTIME_DIR", saved_runtime_.c_str(), 1);
  }
  CK_RV login_again(CK_SESSION_HANDLE h) {
    return f_->C_Login(h, CKU_USER, reinterpret_cast<CK_UTF8CHAR*>(const_cast<char*>("123456")), 6);
  }
  fs::path registry_root() { return fs::path(saved_runtime_) / "akis-logins"; }
  std::string saved_runtime_;
};

// A process logged in and was killed (no C_Logout, no C_Finalize): its entry is stale, and the last live process's
// C_Logout logs the card out. A liveness check that believed the entry would leave the PIN verified for anyone.
TEST_F(LoginRegistry, KilledProcessDoesNotKeepTheCardLoggedIn) {
  ASSERT_FALSE(saved_runtime_.empty());
  insert(Variant::Pre2011);
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  Child other;
  other.pid = ::fork();  // before our C_Initialize: the child is a fresh application of its own
  if (other.pid == 0) {
    ::close(ready[0]);
    char ok = '0';
    CK_SLOT_ID slots[8];
    CK_ULONG n = 8;
    CK_SESSION_HANDLE h = 0;
    if (f_->C_Initialize(nullptr) == CKR_OK && f_->C_GetSlotList(CK_TRUE, slots, &n) == CKR_OK && n >= 1 &&
        f_->C_OpenSession(slots[0], CKF_SERIAL_SESSION, nullptr, nullptr, &h) == CKR_OK &&
        f_->C_Login(h, CKU_USER, reinterpret_cast<CK_UTF8CHAR*>(const_cast<char*>("123456")), 6) == CKR_OK)
      ok = '1';
    (void)!::write(ready[1], &ok, 1);
    ::pause();
    ::_exit(0);
  }
  ASSERT_GT(other.pid, 0);
  ::close(ready[1]);
  pollfd p{ready[0], POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 30000), 1) << "the other process did not log in within 30 s";
  char ok = 0;
  ASSERT_EQ(::read(ready[0], &ok, 1), 1);
  ::close(ready[0]);
  ASSERT_EQ(ok, '1') << "the other process could not log in";
  const std::string theirs = entry_name(other.pid);
  const fs::path dir = dir_holding(registry_root(), theirs);
  ASSERT_FALSE(dir.empty()) << "no registry entry " << theirs << " under " << registry_root();

  ASSERT_EQ(f_->C_Initialize(nullptr), CKR_OK);
  CK_SESSION_HANDLE h = login_session();
  EXPECT_TRUE(fs::exists(dir / entry_name(::getpid())));
  other.kill_now();  // SIGKILL: no C_Logout, no C_Finalize, no destructor
  EXPECT_TRUE(fs::exists(dir / theirs));  // left behind
  EXPECT_TRUE(card_verified());
  ASSERT_EQ(f_->C_Logout(h), CKR_OK);
  EXPECT_FALSE(card_verified()) << "a killed process's entry kept the card logged in";
  EXPECT_EQ(entries(dir), 0u);  // the stale entry went with ours
}

// Entries are "<pid>-<start time>": a live process counts as logged in only with its own start time; the same PID
// with another start time is another program that got a reused PID (a kill(pid, 0) check would believe it).
TEST_F(LoginRegistry, EntryCountsOnlyWithItsProcessStartTime) {
  insert(Variant::Pre2011);
  ASSERT_EQ(f_->C_Initialize(nullptr), CKR_OK);
  CK_SESSION_HANDLE h = login_session();
  const fs::path dir = dir_holding(registry_root(), entry_name(::getpid()));
  ASSERT_FALSE(dir.empty()) << "no entry of ours under " << registry_root();
  EXPECT_EQ(mode_of(dir / entry_name(::getpid())) & 07777, 0600u);
  Child live;
  start_sleeper(live);
  ASSERT_FALSE(HasFatalFailure());

  // The live process with its own start time: honoured, the card stays logged in for it.
  const fs::path right = dir / entry_name(live.pid);
  plant(right);
  ASSERT_EQ(f_->C_Logout(h), CKR_OK);
  EXPECT_TRUE(card_verified()) << "a live process's entry was not honoured";
  EXPECT_TRUE(fs::exists(right));
  EXPECT_FALSE(fs::exists(dir / entry_name(::getpid())));

  // The same live PID with another start time: stale.
  fs::remove(right);
  ASSERT_EQ(login_again(h), CKR_OK);
  const fs::path reused =
      dir / (std::to_string(live.pid) + "-" + std::to_string(std::stoull(start_time(live.pid)) + 1));
  plant(reused);
  ASSERT_EQ(f_->C_Logout(h), CKR_OK);
  EXPECT_FALSE(card_verified()) << "an entry of a reused PID kept the card logged in";
  EXPECT_FALSE(fs::exists(reused));
}

// $XDG_RUNTIME_DIR open to others (0755) or not this user's is not used: the entries go to the 0700 per-user
// directory under /tmp, whose owner and mode are verified. A registry directory that is a symbolic link or open to
// others is refused: nothing is written through it and nothing in it is believed (the card is logged out).
TEST_F(LoginRegistry, OnlyPrivateDirectoriesAreUsed) {
  ASSERT_FALSE(saved_runtime_.empty());
  insert(Variant::Pre2011);
  const fs::path open_runtime = temp_dir() + "/runtime-0755", foreign_runtime = temp_dir() + "/runtime-foreign";
  fs::create_directories(open_runtime);
  fs::create_directories(foreign_runtime);
  ASSERT_EQ(::chmod(open_runtime.c_str(), 0755), 0);
  ASSERT_EQ(::chmod(foreign_runtime.c_str(), 0700), 0);
  const bool root = ::geteuid() == 0;
  if (root) {
    ASSERT_EQ(::chown(foreign_runtime.c_str(), 4321, 4321), 0);
  }
  const fs::path fallback = "/tmp/akis-logins-" + std::to_string(::geteuid());
  const std::string ours = entry_name(::getpid());

  ::setenv("XDG_RUNTIME_DIR", open_runtime.c_str(), 1);
  ASSERT_EQ(f_->C_Initialize(nullptr), CKR_OK);
  CK_SESSION_HANDLE h = login_session();
  EXPECT_FALSE(fs::exists(open_runtime / "akis-logins"));
  const fs::path card_dir = dir_holding(fallback, ours);
  ASSERT_FALSE(card_dir.empty()) << "no entry of ours under " << fallback;
  EXPECT_EQ(mode_of(fallback) & 07777, 0700u);
  EXPECT_TRUE(S_ISDIR(mode_of(fallback)));
  EXPECT_EQ(mode_of(card_dir) & 07777, 0700u);
  EXPECT_TRUE(S_ISREG(mode_of(card_dir / ours)));
  EXPECT_EQ(mode_of(card_dir / ours) & 07777, 0600u);
  ASSERT_EQ(f_->C_Logout(h), CKR_OK);
  EXPECT_FALSE(fs::exists(card_dir / ours));
  EXPECT_FALSE(card_verified());

  if (root) {  // another user's runtime directory, though 0700
    ::setenv("XDG_RUNTIME_DIR", foreign_runtime.c_str(), 1);
    ASSERT_EQ(login_again(h), CKR_OK);
    EXPECT_FALSE(fs::exists(foreign_runtime / "akis-logins"));
    EXPECT_TRUE(fs::exists(card_dir / ours));
    ASSERT_EQ(f_->C_Logout(h), CKR_OK);
  }

  // The runtime directory is fine, but its registry directory is a link to (or is) a directory holding the entry
  // of a live process: refused, so our C_Logout logs the card out and nothing of ours appears there.
  ::setenv("XDG_RUNTIME_DIR", saved_runtime_.c_str(), 1);
  Child live;
  start_sleeper(live);
  ASSERT_FALSE(HasFatalFailure());
  const fs::path elsewhere = temp_dir() + "/elsewhere", serial = card_dir.filename();
  for (bool link : {true, false}) {
    SCOPED_TRACE(link ? "symbolic link" : "mode 0755");
    std::error_code ec;
    fs::remove_all(registry_root(), ec);
    fs::remove_all(elsewhere, ec);
    const fs::path target = link ? elsewhere : registry_root();
    ASSERT_TRUE(fs::create_directories(target / serial));
    ASSERT_EQ(::chmod(target.c_str(), link ? 0700 : 0755), 0);
    ASSERT_EQ(::chmod((target / serial).c_str(), 0700), 0);
    if (link) fs::create_directory_symlink(elsewhere, registry_root());
    plant(target / serial / entry_name(live.pid));
    ASSERT_EQ(login_again(h), CKR_OK);
    EXPECT_FALSE(fs::exists(target / serial / ours)) << "written through an untrusted directory";
    EXPECT_FALSE(fs::exists(card_dir / ours));  // no fallback either: the registry is unavailable
    ASSERT_EQ(f_->C_Logout(h), CKR_OK);
    EXPECT_FALSE(card_verified()) << "an entry in an untrusted directory kept the card logged in";
    EXPECT_TRUE(fs::exists(target / serial / entry_name(live.pid)));  // left alone
  }
  std::error_code ec;
  fs::remove_all(registry_root(), ec);
}

}  // namespace
