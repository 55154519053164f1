// SPDX-License-Identifier: LGPL-2.1-or-later
// The command sequences of the channel target (fuzz_channel.cpp). The corpus generator runs the same
// operations against the virtual card and records its answers, so a seed is a real card's conversation.
#pragma once

#include "akis/commands.hpp"
#include "akis/error.hpp"
#include "akis/profile.hpp"

namespace akis::fuzz {

constexpr std::uint8_t kChannelOps = 21;

// Runs operation `op`; card errors are the card's answer and are returned to the caller as exceptions.
// Traps when the command layer hands back something its contract rules out.
inline void run_channel_op(AkisCommands& c, std::uint8_t op) {
  static const Bytes kOdf = {0x3F, 0x00, 0x50, 0x15, 0x50, 0x31};
  static const Bytes kTokenInfo = {0x50, 0x15, 0x50, 0x32};
  const Secret pin("123456"), new_pin("654321");
  switch (op % kChannelOps) {
    case 0: (void)c.select_name(kPkcs15DfName); break;
    case 1: (void)c.read_file(c.select_ef(0x5031)); break;
    case 2: (void)c.read_file(c.select_path(kTokenInfo)); break;
    case 3: {
      Bytes b = c.read_binary(0, 600);
      if (b.size() > 600) __builtin_trap();
      break;
    }
    case 4: (void)c.read_binary(0x7F00, 0x200); break;
    case 5:
      if (c.serial_number().size() != 12) __builtin_trap();
      break;
    case 6: (void)c.life_cycle(); break;
    case 7: (void)c.list_files(); break;
    case 8: (void)c.pin_status(0x81); break;
    case 9: c.verify(0x81, pin); break;
    case 10: c.change_pin(0x81, pin, new_pin); break;
    case 11:
      c.select_key(0x01);
      (void)c.compute_signature(Bytes(51, 0x30));
      break;
    case 12:
      c.select_key(0x01);
      (void)c.decipher(Bytes(256, 0x01));  // 257 data bytes: sent in two chained parts
      break;
    case 13:
      if (c.get_challenge(8).size() != 8) __builtin_trap();
      break;
    case 14: c.update_binary(0, Bytes(300, 0xA5)); break;
    case 15: c.logout(); break;
    case 16: (void)has_esign_application(c); break;
    case 17: (void)c.read_file(c.select_path(kOdf)); break;
    case 18:
      (void)c.select_ef(0x2F00);
      (void)c.read_records();  // EF.DIR as a record file
      break;
    case 19: (void)c.find_application(); break;
    case 20: (void)c.select_object(kTokenInfo); break;
  }
}

}  // namespace akis::fuzz
