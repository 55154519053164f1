// SPDX-License-Identifier: LGPL-2.1-or-later
// Data objects on the card (PKCS#15 DODF) as token objects: loaded on first use, written through the card
// layer (Card::add_data_object and friends), which orders its commands so a failure leaves the DODF consistent.
#include "errors.hpp"
#include "log.hpp"
#include "token.hpp"

namespace akis::p11 {

void Token::load_data_objects() {
  std::lock_guard g(data_mutex_);
  if (data_loaded_ || !has_dodf()) return;
  std::vector<std::string> skipped;
  auto found = io_retrying([&](Card& c) {
    skipped.clear();
    return c.read_data_objects(skipped);
  });
  for (auto& line : skipped)
    log::info("slot %lu: PKCS#15 object left out: %s", static_cast<unsigned long>(slot_), line.c_str());
  std::lock_guard lock(objects_mutex_);
  for (auto& d : found) {
    if (d.info.is_private || !d.value) {  // the card's access rules for them are not known
      log::info("slot %lu: private data object '%s' left out", static_cast<unsigned long>(slot_), d.info.label.c_str());
      continue;
    }
    Object o = data_object(d.info, *d.value);
    o.handle = next_handle_++;
    objects_.push_back(std::move(o));
  }
  data_loaded_ = true;
}

CK_OBJECT_HANDLE Token::add_data_object(const DataObjectInfo& info, ByteView value) {
  load_data_objects();  // the ones already there get their handles first
  std::lock_guard g(data_mutex_);
  DataObjectInfo written = io([&](Card& c) { return c.add_data_object(info, value); });
  log::info("slot %lu: data object '%s' written to %s", static_cast<unsigned long>(slot_), written.label.c_str(),
            to_hex(written.path).c_str());
  Object o = data_object(written, value);
  std::lock_guard lock(objects_mutex_);
  o.handle = next_handle_++;
  objects_.push_back(std::move(o));
  return objects_.back().handle;
}

namespace {
const DataObjectInfo& described(const Object* o) {
  if (!o || !o->card_data) throw Rv{CKR_OBJECT_HANDLE_INVALID};
  return *o->card_data;
}
}  // namespace

void Token::remove_data_object(CK_OBJECT_HANDLE h) {
  std::lock_guard g(data_mutex_);
  const DataObjectInfo info = described(object(h));
  io([&](Card& c) { c.remove_data_object(info); });
  std::lock_guard lock(objects_mutex_);
  retire_locked(h);
}

void Token::update_data_object(CK_OBJECT_HANDLE h, const DataObjectInfo& info, std::optional<ByteView> value) {
  std::lock_guard g(data_mutex_);
  const Object* cur = object(h);
  const DataObjectInfo old = described(cur);
  const Bytes old_value = *cur->get(CKA_VALUE);
  DataObjectInfo now = io([&](Card& c) { return c.update_data_object(old, info, value); });
  Object o = data_object(now, value ? *value : ByteView(old_value));
  o.handle = h;
  std::lock_guard lock(objects_mutex_);
  retire_locked(h);  // replaced whole: a reader holds the old version or the new
  objects_.push_back(std::move(o));
}

}  // namespace akis::p11
