// SPDX-License-Identifier: LGPL-2.1-or-later
// The virtual card's file system commands: SELECT and the FCI, READ/UPDATE BINARY, GET DATA, and the
// proprietary LIST FILES, CREATE and DELETE; each shaped by the card's personality (quirks.hpp).
#include "akis/tlv.hpp"
#include "card_util.hpp"
#include "virtual_card.hpp"

namespace akis::vcard {

using namespace detail;

KeyObject* VirtualCard::key_at(ByteView path) {
  if (path.empty()) return nullptr;
  for (auto& k : state_.keys)
    if (same(k.path, path)) return &k;
  return nullptr;
}

// FCI (6F) or FCP (62) template: 83 FID, 80 size (EFs), 82 descriptor, 84 DF name, 90 AKİS security byte.
Bytes VirtualCard::fci(const File& f, bool fcp) const {
  Bytes body;
  append(body, encode_tlv(0x83, ByteView(f.path).last(2)));
  std::uint8_t sec = 0x02;  // valid
  if (f.is_df) {
    body.push_back(0x82), body.push_back(0x01), body.push_back(0x38);
    if (!f.df_name.empty()) append(body, encode_tlv(0x84, f.df_name));
  } else {
    if (b_.fci_size) {
      Bytes size{static_cast<std::uint8_t>(f.data.size() >> 8), static_cast<std::uint8_t>(f.data.size())};
      append(body, encode_tlv(0x80, size));
    }
    body.push_back(0x82), body.push_back(0x01), body.push_back(f.internal ? 0x09 : 0x01);  // internal / working EF
    if (b_.sfi) {  // 88 with b8-b4 = SFI; empty: this EF has none (absent would mean FID bits 5-1, ISO 7816-4)
      body.push_back(0x88);
      if (f.sfi) body.push_back(0x01), body.push_back(static_cast<std::uint8_t>(f.sfi << 3));
      else body.push_back(0x00);
    }
    if (f.read == Access::Pin || f.internal) sec |= 0x04;
    if (f.read != Access::Never) sec |= 0x10;
    if (f.write != Access::Never) sec |= 0x20;
  }
  for (auto& p : state_.pins) {
    if (p.puk_ref.has_value() || p.unblock_key.has_value()) {  // the user PIN
      if (!starts_with(f.path, p.df)) continue;
      if (p.tries_left == p.max_tries - 1) sec |= 0x40;
      if (p.tries_left == 1) sec |= 0x80;
      break;
    }
  }
  if (b_.fci_security) body.push_back(0x90), body.push_back(0x01), body.push_back(sec);
  if (b_.fci_extra_tags) append(body, from_hex("8A01058501" "00A504C1020000"));  // LCS operational, proprietary
  return encode_tlv(fcp ? 0x62 : 0x6F, body);
}

VirtualCard::Reply VirtualCard::select(const Command& c) {
  if (c.p2 != 0x00 && c.p2 != 0x04 && c.p2 != 0x0C) return {{}, SW_WRONG_P1P2};
  File* f = nullptr;
  switch (c.p1) {
    case 0x00:  // DF by FID: the MF (also with no data), a child of the current DF, or a child of the MF
      if (c.data.empty()) {
        f = state_.file(kMf);
        break;
      }
      if (c.data.size() != 2) return {{}, SW_WRONG_DATA};
      if (same(c.data, kMf)) f = state_.file(kMf);
      else if ((f = state_.file(child(current_df_, c.data))) == nullptr) f = state_.file(child(kMf, c.data));
      if (f && !f->is_df) f = nullptr;
      break;
    case 0x02:  // EF by FID in the current DF
      if (c.data.size() != 2) return {{}, SW_WRONG_DATA};
      f = state_.file(child(current_df_, c.data));
      if (f && f->is_df) f = nullptr;
      break;
    case 0x04:  // DF by name; 2x also by the first bytes of a name
      if (c.data.empty()) return {{}, SW_WRONG_DATA};
      for (auto& cand : state_.files) {
        if (!cand.is_df || cand.df_name.empty()) continue;
        if (same(cand.df_name, c.data) || (b_.partial_df_name && starts_with(cand.df_name, c.data))) {
          f = &cand;
          break;
        }
      }
      break;
    case 0x08: {  // path from the MF; ISO leaves 3F00 out, OpenSC's AKİS driver sent it (both accepted)
      if (c.data.empty() || c.data.size() % 2) return {{}, SW_WRONG_DATA};
      ByteView p = c.data;
      if (starts_with(p, kMf)) p = p.subspan(2);
      else if (b_.paths_need_mf) return {{}, SW_NOT_FOUND};
      f = state_.file(child(kMf, p));
      break;
    }
    case 0x09:  // path from the current DF
      if (c.data.empty() || c.data.size() % 2) return {{}, SW_WRONG_DATA};
      f = state_.file(child(current_df_, c.data));
      break;
    default: return {{}, SW_WRONG_P1P2};
  }
  if (!f) return {{}, SW_NOT_FOUND};
  if (f->is_df) {
    current_df_ = f->path;
    current_ef_.clear();
  } else {
    current_df_ = parent_of(f->path);
    current_ef_ = f->path;
  }
  if (c.p2 == 0x0C) return {};
  return {fci(*f, c.p2 == 0x04 || b_.fcp_template), SW_OK};
}

VirtualCard::Reply VirtualCard::read_binary(const Command& c) {
  std::size_t off = static_cast<std::size_t>((c.p1 << 8) | c.p2);
  if (c.p1 & 0x80) {
    // ISO 7816-4: b8 set, b7-b6 00, b5-b1 an SFI of an EF in the current DF, P2 the offset; that EF becomes the
    // current EF. A card without SFIs reads P1-P2 as an offset beyond every file.
    if (!b_.sfi) return {{}, SW_OFFSET};
    const std::uint8_t sfi = c.p1 & 0x1F;
    if ((c.p1 & 0x60) || sfi == 0 || sfi == 0x1F) return {{}, SW_WRONG_P1P2};
    auto it = std::find_if(state_.files.begin(), state_.files.end(), [&](const File& e) {
      return !e.is_df && e.sfi == sfi && e.path.size() == current_df_.size() + 2 && starts_with(e.path, current_df_);
    });
    if (it == state_.files.end()) return {{}, SW_NOT_FOUND};
    current_ef_ = it->path;
    off = c.p2;
  }
  File* f = current_ef_.empty() ? nullptr : state_.file(current_ef_);
  if (!f) return {{}, SW_NO_CURRENT_EF};
  if (!access_ok(f->read, f->pin_ref)) return {{}, SW_SECURITY};
  if (!c.le) return {{}, SW_WRONG_LENGTH};
  if (*c.le > b_.read_le_max) return {{}, SW_WRONG_LENGTH};
  if (off >= f->data.size()) return {{}, SW_OFFSET};
  const std::size_t left = f->data.size() - off;
  std::size_t n = std::min(*c.le, left);
  std::uint16_t sw = SW_OK;
  if (*c.le > left) {
    if (b_.read_6cxx) return {{}, static_cast<std::uint16_t>(0x6C00 | (left & 0xFF))};
    if (b_.read_6282 && left <= std::min(opts_.max_data, b_.max_response)) sw = SW_END_OF_FILE;
  }
  if (b_.read_cap) n = std::min(n, b_.read_cap);
  return {Bytes(f->data.begin() + static_cast<std::ptrdiff_t>(off),
                f->data.begin() + static_cast<std::ptrdiff_t>(off + n)),
          sw};
}

VirtualCard::Reply VirtualCard::update_binary(const Command& c) {
  if (c.p1 & 0x80) return {{}, SW_FUNC_NOT_SUPPORTED};
  File* f = current_ef_.empty() ? nullptr : state_.file(current_ef_);
  if (!f) return {{}, SW_NO_CURRENT_EF};
  if (!access_ok(f->write, f->pin_ref)) return {{}, SW_SECURITY};
  if (c.data.empty()) return {{}, SW_WRONG_LENGTH};
  std::size_t off = static_cast<std::size_t>((c.p1 << 8) | c.p2);
  if (off > f->data.size()) return {{}, SW_OFFSET};
  if (off + c.data.size() > 16384) return {{}, 0x6A84};  // not enough memory space
  if (f->data.size() < off + c.data.size()) f->data.resize(off + c.data.size());
  std::copy(c.data.begin(), c.data.end(), f->data.begin() + static_cast<std::ptrdiff_t>(off));
  dirty_ = true;
  return {};
}

VirtualCard::Reply VirtualCard::get_data(const Command& c) {
  if (b_.get_data == Behaviour::GetData::Refused) return {{}, SW_REF_NOT_FOUND};
  if (b_.get_data == Behaviour::GetData::WrongP1P2) return {{}, SW_WRONG_P1P2};
  if (c.p1 != 0x01) return {{}, SW_REF_NOT_FOUND};
  if (c.p2 == 0x06) {
    Bytes rec(0x4D, 0x00);
    rec[0] = 0x01;
    std::copy(state_.serial.begin(), state_.serial.end(), rec.begin() + 55);
    if (b_.get_data == Behaviour::GetData::Short) rec.resize(40);
    return {std::move(rec), SW_OK};
  }
  if (c.p2 == 0x04) {
    Bytes rec(10, 0x00);
    rec[6] = state_.life_cycle;
    return {std::move(rec), SW_OK};
  }
  return {{}, SW_REF_NOT_FOUND};
}

VirtualCard::Reply VirtualCard::list_files(const Command& c) {
  if (c.p1 || c.p2) return {{}, SW_WRONG_P1P2};
  Bytes out;
  for (auto& f : state_.files) {
    if (f.path.size() != current_df_.size() + 2 || !starts_with(f.path, current_df_)) continue;
    Bytes rec(20, 0x00);
    rec[0] = f.is_df ? 0x3D : 0x2F;
    rec[1] = f.path[f.path.size() - 2];
    rec[2] = f.path[f.path.size() - 1];
    rec[3] = static_cast<std::uint8_t>(f.data.size() >> 8);
    rec[4] = static_cast<std::uint8_t>(f.data.size());
    append(out, rec);
  }
  return {std::move(out), SW_OK};
}

VirtualCard::Reply VirtualCard::create_file(const Command& c) {
  if (c.p1 != 0x80) return {{}, SW_FUNC_NOT_SUPPORTED};  // transparent EFs only
  if (c.data.size() != 2) return {{}, SW_WRONG_DATA};
  const PinObject* user = nullptr;
  for (auto& p : state_.pins)
    if (p.puk_ref || p.unblock_key) user = &p;
  if (!user || !verified_.count(user->ref)) return {{}, SW_SECURITY};
  Bytes path = child(current_df_, c.data);
  if (state_.file(path)) return {{}, SW_FILE_EXISTS};
  File f;
  f.path = path;
  f.read = Access::Always;
  f.write = Access::Pin;
  f.pin_ref = user->ref;
  state_.files.push_back(std::move(f));
  current_ef_ = path;
  dirty_ = true;
  return {};
}

VirtualCard::Reply VirtualCard::delete_file(const Command& c) {
  if (c.p1 != 0x02 && c.p1 != 0x08) return {{}, SW_WRONG_P1P2};  // EF in the current DF, or path (OpenSC)
  if (c.data.size() < 2 || c.data.size() % 2 || (c.p1 == 0x02 && c.data.size() != 2)) return {{}, SW_WRONG_DATA};
  Bytes path;
  if (c.p1 == 0x02) {
    path = child(current_df_, c.data);
  } else {
    ByteView p = c.data;
    if (starts_with(p, kMf)) p = p.subspan(2);
    path = child(kMf, p);
  }
  auto it = std::find_if(state_.files.begin(), state_.files.end(), [&](const File& f) { return same(f.path, path); });
  if (it == state_.files.end() || it->is_df || it->internal) return {{}, SW_NOT_FOUND};
  if (!access_ok(it->write, it->pin_ref)) return {{}, SW_SECURITY};
  state_.files.erase(it);
  if (same(current_ef_, path)) current_ef_.clear();
  dirty_ = true;
  return {};
}

}  // namespace akis::vcard
