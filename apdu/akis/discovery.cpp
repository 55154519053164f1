// SPDX-License-Identifier: LGPL-2.1-or-later
// Finding the PKCS#15 application and the files its directory names, the ways real cards allow:
// by DF name, by full AID, through EF.DIR, by path 3F00/5015 (the family row gives the order), and paths that are
// absolute, relative to the application, or written without their 3F00.
#include <algorithm>

#include "akis/commands.hpp"
#include "akis/error.hpp"
#include "akis/tlv.hpp"
#include "akis/trace.hpp"

namespace akis {

namespace {
// Answers that mean "not this way": the next discovery step is tried. Anything else (removal, reset, secure
// messaging, a selected DF whose FCI is malformed) goes up.
bool absent(const CardError& e) {
  switch (e.code()) {
    case Err::FileNotFound:
    case Err::WrongParameters:
    case Err::NotSupported:
    case Err::ReferenceNotFound:
    case Err::WrongData:
    case Err::WrongLength:
    case Err::ConditionsNotSatisfied:
    case Err::SecurityStatus:
    case Err::CardError: return true;
    default: return false;
  }
}

const Bytes kMfApp = {0x3F, 0x00, 0x50, 0x15};

// EF.DIR (ISO 7816-4 8.2.1.1): application templates 61 { 4F AID, 50 label, 51 path }.
struct DirEntry {
  Bytes aid, path;
};
std::vector<DirEntry> parse_ef_dir(ByteView data) {
  std::vector<DirEntry> out;
  for (auto& t : parse_tlvs(data)) {
    if (t.tag != 0x61) continue;
    DirEntry d;
    if (auto a = t.find(0x4F)) d.aid = a->bytes();
    if (auto p = t.find(0x51)) d.path = p->bytes();
    if (!d.aid.empty() || (!d.path.empty() && d.path.size() % 2 == 0)) out.push_back(std::move(d));
  }
  // The PKCS#15 application first when it says so; the others after it.
  std::stable_partition(out.begin(), out.end(), [](const DirEntry& d) {
    return d.aid == kPkcs15Aid || (d.aid.size() >= kPkcs15DfName.size() &&
                                   std::equal(kPkcs15DfName.begin(), kPkcs15DfName.end(),
                                              d.aid.end() - static_cast<std::ptrdiff_t>(kPkcs15DfName.size())));
  });
  return out;
}
}  // namespace

std::optional<Application> AkisCommands::find_application() {
  if (app_searched_) return app_;
  for (std::size_t i = 0; i < family_->discovery_steps && !app_; ++i) {
    Discovery step = family_->discovery[i];
    try {
      switch (step) {
        case Discovery::DfName:
          select_name(kPkcs15DfName);
          app_ = Application{step, kPkcs15DfName, {}};
          break;
        case Discovery::FullAid:
          select_name(kPkcs15Aid);
          app_ = Application{step, kPkcs15Aid, {}};
          break;
        case Discovery::EfDir: {
          select_df(0x3F00);
          FileInfo dir_fi = select_ef(0x2F00);
          Bytes dir = dir_fi.records ? read_records() : read_file(dir_fi);  // ISO allows both structures
          for (auto& d : parse_ef_dir(dir)) {
            if (!d.aid.empty()) {  // by its AID first, then by its path
              try {
                select_name(d.aid);
                app_ = Application{step, d.aid, d.path};
                break;
              } catch (const CardError& e) {
                if (!absent(e)) throw;
              }
            }
            if (!d.path.empty() && d.path.size() % 2 == 0) {
              try {
                select_path(d.path);
                app_ = Application{step, {}, d.path};
                break;
              } catch (const CardError& e) {
                if (!absent(e)) throw;
              }
            }
          }
          break;
        }
        case Discovery::MfPath:
          select_path(kMfApp);
          app_ = Application{step, {}, kMfApp};
          break;
      }
    } catch (const CardError& e) {
      if (!absent(e)) throw;
      trace::note(std::string("PKCS#15 application not found by ") + to_string(step) + ": " + e.what());
    }
  }
  app_searched_ = true;  // only once an answer was had for every step: a removal mid-way searches again
  if (app_) {
    in_app_ = true;
    trace::note(std::string("PKCS#15 application found by ") + to_string(app_->how));
  }
  return app_;
}

FileInfo AkisCommands::select_application() {
  if (!app_searched_) {
    find_application();
    if (app_) return FileInfo{};  // just selected by the search
  }
  if (!app_) throw CardError(Err::FileNotFound, "the card has no PKCS#15 application");
  if (in_app_) return FileInfo{};  // already the current DF in this transaction
  FileInfo fi = app_->df_name.empty() ? select_path(app_->path) : select_name(app_->df_name);
  in_app_ = true;
  return fi;
}

FileInfo AkisCommands::select_object(ByteView path) {
  if (path.empty()) throw CardError(Err::FileNotFound, "PKCS#15: empty path");
  if (path.size() % 2) throw CardError(Err::InvalidArgument, "PKCS#15: odd path length");
  if (path.size() >= 2 && path[0] == 0x3F && path[1] == 0x00) return select_path(path);
  if (path.size() == 2) {  // a file of the application DF
    if (!in_app_) select_application();
    return select_ef(be16(path));  // the current DF stays the application
  }
  // Several FIDs without 3F00: from the MF (how many cards write them), else relative to the application.
  try {
    return select_path(path);
  } catch (const CardError& e) {
    if (e.code() != Err::FileNotFound) throw;
  }
  select_application();
  for (std::size_t i = 0; i + 2 < path.size(); i += 2) select_df(be16(path, i));
  return select_ef(be16(path, path.size() - 2));
}

}  // namespace akis
