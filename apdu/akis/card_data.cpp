// SPDX-License-Identifier: LGPL-2.1-or-later
// Data objects on the card (PKCS#15 DODF): reading, and the writes in the order that keeps the directory
// consistent when a command fails (the same card commands as certificate writes: CREATE EF, UPDATE BINARY,
// DELETE FILE).
#include <algorithm>

#include "akis/card.hpp"
#include "akis/tlv.hpp"
#include "akis/trace.hpp"
#include "card_files.hpp"

namespace akis {

namespace {

bool same_path(const Bytes& a, const Bytes& b) { return a == b; }

// The DODF's objects with the entry for `path` replaced by `replacement` (left out when it is null).
// CardError(FileNotFound) when no entry names `path`.
Bytes replaced(ByteView dodf, const Bytes& path, const Bytes* replacement) {
  Bytes out;
  bool found = false;
  for (auto& e : parse_tlvs(dodf)) {
    std::vector<DataObjectInfo> one;
    try {
      one = parse_dodf(e.whole);
    } catch (const CardError&) {
    }
    if (one.size() == 1 && same_path(one[0].path, path) && !found) {
      found = true;
      if (replacement) append(out, *replacement);
      continue;
    }
    append(out, e.whole);  // every other entry as it was, unknown ones included
  }
  if (!found) throw CardError(Err::FileNotFound, "the data object is no longer listed in the DODF");
  return out;
}

const Bytes& dodf_of(const CardProfile& p, const DataObjectInfo& obj) {
  if (!obj.dodf.empty()) return obj.dodf;
  if (p.dodf_paths.empty()) throw CardError(Err::NotSupported, "the card has no data object directory (DODF)");
  return p.dodf_paths.front();
}

}  // namespace

std::vector<Card::DataObject> Card::read_data_objects(std::vector<std::string>& skipped) {
  const CardProfile& p = profile();
  return locked([&](AkisCommands& c) {
    std::vector<DataObject> out;
    for (auto& path : p.dodf_paths) {
      std::vector<DataObjectInfo> listed;
      try {
        listed = parse_dodf(c.read_file(c.select_object(path)), &skipped);
      } catch (const CardError& e) {
        if (e.code() != Err::FileNotFound && e.code() != Err::Malformed) throw;
        skipped.push_back("DODF " + to_hex(path) + ": " + e.what());
        continue;
      }
      for (auto& info : listed) {
        info.dodf = path;
        DataObject d{info, std::nullopt};
        if (!info.is_private) {
          try {
            d.value = c.read_file(c.select_object(info.path));
          } catch (const CardError& e) {
            if (e.code() != Err::FileNotFound && e.code() != Err::SecurityStatus) throw;
            skipped.push_back("DODF: data object '" + info.label + "' (" + to_hex(info.path) + "): " + e.what());
            continue;
          }
        }
        out.push_back(std::move(d));
      }
    }
    return out;
  });
}

DataObjectInfo Card::add_data_object(DataObjectInfo info, ByteView value) {
  const CardProfile& p = profile();
  return locked([&](AkisCommands& c) {
    info.dodf = dodf_of(p, DataObjectInfo{});
    info.path = card_files::write_new_file(c, info.dodf, card_files::kDataFirst, card_files::kDataEnd, value);
    try {
      card_files::append_entry(c, info.dodf, encode_dodf_entry(info));  // only once the file is written
    } catch (const CardError& e) {
      card_files::undo_new_file(c, info.path, e);
      throw;
    }
    return info;
  });
}

void Card::remove_data_object(const DataObjectInfo& obj) {
  const CardProfile& p = profile();
  if (obj.path.size() < 2) throw CardError(Err::NotSupported, "this data object is not in a file of its own");
  locked([&](AkisCommands& c) {
    const Bytes& dodf_path = dodf_of(p, obj);
    Bytes dodf = c.read_file(c.select_object(dodf_path));
    Bytes kept = replaced(dodf, obj.path, nullptr);
    // The file goes first: a DELETE FILE the card refuses leaves the DODF as it was.
    card_files::delete_file(c, obj.path);
    card_files::rewrite(c, dodf_path, std::move(kept), used_length(dodf));
  });
}

DataObjectInfo Card::update_data_object(const DataObjectInfo& old, DataObjectInfo now,
                                        std::optional<ByteView> value) {
  const CardProfile& p = profile();
  return locked([&](AkisCommands& c) {
    const Bytes& dodf_path = dodf_of(p, old);
    now.dodf = dodf_path;
    now.path = old.path;
    Bytes dodf = c.read_file(c.select_object(dodf_path));
    replaced(dodf, old.path, nullptr);  // still listed: checked before anything is written
    if (value) now.path = card_files::write_new_file(c, dodf_path, card_files::kDataFirst, card_files::kDataEnd, *value);
    try {
      const Bytes entry = encode_dodf_entry(now);
      card_files::rewrite(c, dodf_path, replaced(dodf, old.path, &entry), used_length(dodf));
    } catch (const CardError& e) {
      if (value) card_files::undo_new_file(c, now.path, e);
      throw;
    }
    if (value) {
      try {
        card_files::delete_file(c, old.path);
      } catch (const CardError& e) {
        if (card_files::fatal(e)) throw;
        trace::note("old data object file " + to_hex(old.path) + " left behind: " + e.what());
      }
    }
    return now;
  });
}

}  // namespace akis
