// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fake_card.hpp"

#include <algorithm>

#include "akis/apdu.hpp"
#include "akis/error.hpp"
#include "input.hpp"

namespace akis::fuzz {

namespace {
Bytes sw(std::uint16_t s, Bytes data = {}) {
  data.push_back(static_cast<std::uint8_t>(s >> 8));
  data.push_back(static_cast<std::uint8_t>(s));
  return data;
}
bool same(ByteView a, ByteView b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }
void record(Bytes& out, char tag, ByteView value) {
  out.push_back(static_cast<std::uint8_t>(tag));
  out.push_back(static_cast<std::uint8_t>(value.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(value.size()));
  append(out, value);
}
}  // namespace

FakeCard FakeCard::parse(ByteView input) {
  FakeCard c;
  Input in(input);
  while (!in.empty()) {
    std::uint8_t tag = in.u8();
    Input v(in.take(in.u16()));
    switch (tag) {
      case 'A': c.atr = Bytes(v.rest().begin(), v.rest().end()); break;
      case 'F': {
        File f;
        f.is_df = v.u8() & 1;
        auto p = v.take(v.u8());
        auto fci = v.take(v.u16());
        auto content = v.rest();
        f.path.assign(p.begin(), p.end());
        f.fci.assign(fci.begin(), fci.end());
        f.content.assign(content.begin(), content.end());
        c.files.push_back(std::move(f));
        break;
      }
      case 'N': {
        auto name = v.take(v.u8());
        auto path = v.rest();
        c.names.emplace_back(Bytes(name.begin(), name.end()), Bytes(path.begin(), path.end()));
        break;
      }
      case 'R': {
        std::uint8_t ins = v.u8(), p1 = v.u8(), p2 = v.u8();
        auto a = v.rest();
        c.answers[{ins, p1, p2}].emplace_back(a.begin(), a.end());
        break;
      }
      case 'L': c.read_limit = v.u8(); break;
      default: break;
    }
  }
  return c;
}

Bytes FakeCard::serialise() const {
  Bytes out;
  record(out, 'A', atr);
  if (read_limit) record(out, 'L', Bytes{static_cast<std::uint8_t>(read_limit)});
  for (auto& f : files) {
    Bytes v{static_cast<std::uint8_t>(f.is_df ? 1 : 0), static_cast<std::uint8_t>(f.path.size())};
    append(v, f.path);
    v.push_back(static_cast<std::uint8_t>(f.fci.size() >> 8));
    v.push_back(static_cast<std::uint8_t>(f.fci.size()));
    append(v, f.fci);
    append(v, f.content);
    record(out, 'F', v);
  }
  for (auto& [name, path] : names) {
    Bytes v{static_cast<std::uint8_t>(name.size())};
    append(v, name);
    append(v, path);
    record(out, 'N', v);
  }
  for (auto& [key, list] : answers)
    for (auto& a : list) {
      Bytes v{std::get<0>(key), std::get<1>(key), std::get<2>(key)};
      append(v, a);
      record(out, 'R', v);
    }
  return out;
}

FakeCard::File* FakeCard::find(ByteView path) {
  for (auto& f : files)
    if (same(f.path, path)) return &f;
  return nullptr;
}

Bytes FakeCard::select(std::uint8_t p1, std::uint8_t p2, ByteView data) {
  const Bytes mf = {0x3F, 0x00};
  std::vector<Bytes> candidates;
  auto under = [](ByteView dir, ByteView rel) {
    Bytes p(dir.begin(), dir.end());
    append(p, rel);
    return p;
  };
  switch (p1) {
    case 0x00:
    case 0x01:
    case 0x02:
      if (data.empty() || same(data, mf)) {
        candidates.push_back(mf);
        break;
      }
      candidates.push_back(under(current_df_, data));
      if (current_df_.size() > 2)  // a sibling of the current DF
        candidates.push_back(under(ByteView(current_df_).first(current_df_.size() - 2), data));
      break;
    case 0x04:
      for (auto& [name, path] : names)
        if (same(name, data)) candidates.push_back(path);
      break;
    case 0x08: candidates.push_back(under(mf, data)); break;
    case 0x09: candidates.push_back(under(current_df_, data)); break;
    default: return sw(0x6A86);
  }
  for (auto& c : candidates) {
    File* f = find(c);
    if (!f) continue;
    if (f->is_df) {
      current_df_ = f->path;
      current_ef_.clear();
    } else {
      current_ef_ = f->path;
      if (f->path.size() >= 2) current_df_.assign(f->path.begin(), f->path.end() - 2);
    }
    if ((p2 & 0x0C) == 0x0C) return sw(0x9000);
    return sw(0x9000, f->fci);
  }
  return sw(0x6A82);
}

Bytes FakeCard::canned(std::uint8_t ins, std::uint8_t p1, std::uint8_t p2, bool* found) {
  for (auto key : {std::tuple{ins, p1, p2}, std::tuple{ins, std::uint8_t{0xFF}, std::uint8_t{0xFF}}}) {
    auto it = answers.find(key);
    if (it == answers.end() || it->second.empty()) continue;
    std::size_t& n = served_[key];
    const Bytes& a = it->second[std::min(n, it->second.size() - 1)];
    ++n;
    *found = true;
    return a;
  }
  *found = false;
  return {};
}

Bytes FakeCard::process(ByteView apdu) {
  auto parsed = parse_command(apdu);
  if (!parsed) return sw(0x6700);
  const Command& c = *parsed;
  if (c.cla & 0x10) return sw(0x9000);  // a chained part
  bool found = false;
  Bytes a = canned(c.ins, c.p1, c.p2, &found);
  if (found) return a;
  switch (c.ins) {
    case 0xA4: return select(c.p1, c.p2, c.data);
    case 0xB0:
    case 0xD6: {
      if (c.p1 & 0x80) return sw(0x6A81);
      File* f = current_ef_.empty() ? nullptr : find(current_ef_);
      if (!f) return sw(0x6986);
      std::size_t off = static_cast<std::size_t>((c.p1 << 8) | c.p2);
      if (c.ins == 0xD6) {
        if (off + c.data.size() > 0x10000) return sw(0x6A84);
        if (f->content.size() < off + c.data.size()) f->content.resize(off + c.data.size());
        std::copy(c.data.begin(), c.data.end(), f->content.begin() + static_cast<std::ptrdiff_t>(off));
        return sw(0x9000);
      }
      if (off > f->content.size()) return sw(0x6B00);
      std::size_t want = c.le.value_or(256);
      if (read_limit) want = std::min(want, read_limit);
      std::size_t n = std::min(want, f->content.size() - off);
      Bytes out(f->content.begin() + static_cast<std::ptrdiff_t>(off),
                f->content.begin() + static_cast<std::ptrdiff_t>(off + n));
      return sw(n < c.le.value_or(256) ? 0x6282 : 0x9000, std::move(out));
    }
    case 0xB2: return sw(0x6A83);  // no record files: READ RECORD finds no record
    case 0x20: return c.data.empty() ? sw(0x63C3) : sw(0x9000);
    case 0x84: return sw(0x9000, Bytes(std::min<std::size_t>(c.le.value_or(8), 256), 0x5A));
    default: return sw(0x9000);
  }
}

Bytes FakeTransport::transmit(ByteView apdu) {
  if (left_ == 0) throw CardError(Err::CardRemoved, "fake card: command budget spent");
  --left_;
  return card_->process(apdu);
}

}  // namespace akis::fuzz
