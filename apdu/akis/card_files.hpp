// SPDX-License-Identifier: LGPL-2.1-or-later
// The card layer's file writes, shared by certificates (card.cpp) and data objects (card_data.cpp): a new EF next
// to a directory file, an entry appended to a directory, a directory rewritten. Each leaves the card's directory
// as it was when a command fails (docs/card-protocol.md, rows CREATE EF and DELETE FILE).
#pragma once

#include <cstdint>

#include "akis/commands.hpp"

namespace akis::card_files {

// Where new EFs go: certificates 2F10..2F3F, data objects 2F40..2F7F (LIST FILES names EFs 2Fxx).
constexpr std::uint16_t kCertFirst = 0x2F10, kCertEnd = 0x2F40, kDataFirst = 0x2F40, kDataEnd = 0x2F80;

// Selects the DF that holds the file at `path` (the application for a bare FID).
void select_parent(AkisCommands& c, const Bytes& path);
// A free FID in [first, end) in the current DF: LIST FILES where the family has it, else SELECT; 0 when none.
std::uint16_t free_fid(AkisCommands& c, std::uint16_t first, std::uint16_t end);
// CREATE EF in the DF of `beside` (a directory file's path) with `content`; returns the new file's path in the
// directory's own form (its DF's path + FID). A failed write deletes the new EF again (best effort).
// CardError(MemoryFailure) when no FID of the range is free.
Bytes write_new_file(AkisCommands& c, const Bytes& beside, std::uint16_t first, std::uint16_t end, ByteView content);
// After `why` stopped a write: deletes the new EF at `path` again, unless `why` is fatal (best effort, noted in
// the trace when it fails).
void undo_new_file(AkisCommands& c, const Bytes& path, const CardError& why);
// DELETE FILE of the EF at `path` (its DF selected first).
void delete_file(AkisCommands& c, const Bytes& path);
// Appends `entry` after the last object of the directory file at `path`. If a later piece of a multi-command
// write fails, the bytes already written are overwritten with 00 (padding) again, so the directory parses as
// before.
void append_entry(AkisCommands& c, const Bytes& path, ByteView entry);
// Rewrites the directory file at `path` with `content` (padded with 00 to its old used length).
void rewrite(AkisCommands& c, const Bytes& path, Bytes content, std::size_t old_used);
// Card errors after which no more commands can be sent in this transaction (no cleanup is tried).
bool fatal(const CardError& e);

}  // namespace akis::card_files
