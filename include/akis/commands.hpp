// SPDX-License-Identifier: LGPL-2.1-or-later
// The AKİS command set (docs/card-protocol.md has one row per command with its source).
#pragma once

#include <optional>
#include <vector>

#include "akis/channel.hpp"
#include "akis/family.hpp"

namespace akis {

// The PKCS#15 application: DF name "PKCS-15" (the tail of the AID) and the full AID (ISO/IEC 7816-15).
extern const Bytes kPkcs15DfName;
extern const Bytes kPkcs15Aid;

// The proprietary security byte under tag 90 of the FCI (OpenSC's former AKİS driver).
namespace fci_security {
constexpr std::uint8_t kEncrypted = 0x01, kValid = 0x02, kPinNeeded = 0x04, kNewPin = 0x08, kRead = 0x10,
                       kWrite = 0x20, kOneWrongPin = 0x40, kLastTry = 0x80;
}

struct FileInfo {
  std::uint16_t fid = 0;
  bool is_df = false;
  bool has_size = false;           // tag 80/81 present: otherwise READ BINARY goes on until the card says "end"
  std::size_t size = 0;            // EF size (tag 80/81), clamped to what READ BINARY can reach; 0 for DFs
  bool has_security = false;       // AKİS's proprietary tag 90 present
  std::uint8_t security = 0;       // tag 90
  Bytes df_name;                   // tag 84
  bool records = false;            // tag 82: a record EF (linear or cyclic), read with READ RECORD
  std::uint8_t sfi = 0;            // tag 88 (ISO 7816-4): short EF identifier 1..30 (value b8-b4); 0: none announced
};
// The highest offset READ BINARY / UPDATE BINARY can name (15-bit offset in P1 P2).
constexpr std::size_t kMaxFileOffset = 0x7FFF;
FileInfo parse_fci(ByteView fci);  // throws CardError(Malformed); tags 80/81 and 90 are optional

struct ListedFile {
  std::uint16_t fid = 0;
  bool is_df = false;
};

struct PinStatus {
  bool verified = false;
  bool blocked = false;
  int tries_left = -1;  // -1 when the card does not say
  bool unknown = false; // no status: the family's VERIFY-without-data is not known to be read-only, or refused
};

// Where the PKCS#15 application was found (apdu/akis/discovery.cpp).
struct Application {
  Discovery how = Discovery::DfName;
  Bytes df_name;  // selected by name when not empty
  Bytes path;     // absolute path from the MF (3F00 ...) when known
};

enum class LifeCycle { Admin, User, Other };

// The card's commands, as the card's family row allows them (include/akis/family.hpp): a card whose ATR is not
// in the AKİS table never gets a class-80 or proprietary command (CardError NotSupported, nothing sent).
class AkisCommands {
 public:
  // The family comes from the transport's ATR.
  explicit AkisCommands(Channel& ch);
  AkisCommands(Channel& ch, const Family& fam) : ch_(ch), family_(&fam) {}

  const Family& family() const { return *family_; }

  FileInfo select_df(std::uint16_t fid);
  FileInfo select_ef(std::uint16_t fid);
  // Path from the MF (ISO 7816-4 P1=08), given with or without the MF's own 3F00. Sent without it (ISO) or with
  // it, whichever the card accepts (the family's row says which to try first; the card's answer is remembered).
  FileInfo select_path(ByteView path);
  FileInfo select_name(ByteView df_name);
  // A PKCS#15 path (ISO/IEC 7816-15): absolute when it starts with 3F00, a file of the application when it is one
  // FID, otherwise relative to the application DF (tried from the MF too: cards write it either way).
  FileInfo select_object(ByteView path);

  // The PKCS#15 application, found once (discovery) and selected again the same way.
  std::optional<Application> find_application();  // nullopt: no PKCS#15 application on this card
  FileInfo select_application();                   // throws CardError(FileNotFound) when there is none
  const std::optional<Application>& application() const { return app_; }
  // Where a cache of this card says the application is, instead of discovery (nothing sent; the next
  // select_application() selects it that way); forget_application() undoes it (discovery runs on the next search).
  void adopt_application(const Application& app) { app_ = app, app_searched_ = true, in_app_ = false; }
  void forget_application() { app_.reset(), app_searched_ = false, in_app_ = false; }
  // Called at the start of every transaction: another program may have moved the current DF in between.
  void transaction_started() { in_app_ = false; }

  // Reads `len` bytes from `offset` of the current EF. Le adapts to the card (67 00, 6C xx); a short answer
  // does not end the read while `len` is not reached, unless the card says "end" (62 82, 6B 00, no data).
  Bytes read_binary(std::size_t offset, std::size_t len);
  // Reads a whole EF: its FCI size, or until the card says "end" when the FCI gives none.
  Bytes read_file(const FileInfo& fi);
  // Up to `len` bytes of the EF with short identifier `sfi` in the current DF, without a SELECT: READ BINARY with
  // P1 = 80|SFI, P2 = 0 (ISO 7816-4; the EF becomes the current EF), then by offset. An answer shorter than asked
  // (or 62 82, or an end-of-file error after the first answer) is the end of the file. Errors of the first READ
  // throw (no such SFI in the current DF, SFIs unknown to the card).
  Bytes read_short_ef(std::uint8_t sfi, std::size_t len);
  // The largest Le READ BINARY uses (learnt from 67 00 and capped answers; 0: not learnt yet), and the same
  // value given back by a cache of this card (ignored outside 1..max_recv; 0 forgets).
  std::size_t read_limit() const { return read_le_; }
  void set_read_limit(std::size_t le) { read_le_ = le <= ch_.max_recv() ? le : 0; }
  void update_binary(std::size_t offset, ByteView data);
  // Every record of the current record EF, concatenated (READ RECORD 00 B2 n 04 until 6A 83).
  Bytes read_records();

  // PIN references are the card's (0x81 user PIN, 0x82 PUK in our profile). Values are sent as given: the
  // Card facade encodes them as the AODF says (encode_pin).
  void verify(std::uint8_t ref, const Secret& pin);
  PinStatus pin_status(std::uint8_t ref);  // VERIFY without data: sent only on families where it is read-only
  void change_pin(std::uint8_t ref, const Secret& old_pin, const Secret& new_pin);
  // RESET RETRY COUNTER 00 2C 02 with the new PIN only: after the issuer's EXTERNAL AUTHENTICATE opened it,
  // or after the PUK was verified (ISO 7816-4; the `akis pin unblock` sequence and C_Login(CKU_SO) + C_InitPIN).
  void unblock_authorised(std::uint8_t ref, const Secret& new_pin);

  void select_key(std::uint8_t key_ref);           // MSE 00 22 C3 ref
  Bytes compute_signature(ByteView input);         // PSO 00 2A 9E 9A
  Bytes decipher(ByteView cryptogram);             // PSO 00 2A 80 86
  Bytes get_challenge(std::size_t len = 8);
  void external_authenticate(std::uint8_t key_ref, ByteView cryptogram);

  Bytes serial_number();            // GET DATA 01 06, bytes 55..66 (NotSupported off the family table)
  LifeCycle life_cycle();           // GET DATA 01 04, byte 6 (NotSupported off the family table)
  std::vector<ListedFile> list_files();
  // LOGOUT 80 1A on families that have it. False when nothing was logged out: not sent (a family without it) or
  // refused as unknown (6D 00 / 6E 00); the card then keeps its security state until it is reset.
  bool logout();
  // Transparent EF in the current DF (it becomes the current EF), and its deletion.
  void create_ef(std::uint16_t fid);
  void delete_ef(std::uint16_t fid);

  Channel& channel() { return ch_; }

 private:
  FileInfo select(std::uint8_t p1, ByteView data, const char* what);
  // transmit + the family's secure-messaging rule + check_sw. A PIN command's own answers 63 00 / 69 84 mean a
  // wrong PIN without counter / a blocked PIN; a VERIFY (or CHANGE) answered 69 82 on a family that may use
  // secure messaging means secure messaging.
  enum class PinCmd { No, Verify, Reset };
  Response send(const Command& c, const char* what, PinCmd kind = PinCmd::No);
  Bytes send_ok(const Command& c, const char* what, PinCmd kind = PinCmd::No);
  static void check_pin_sw(std::uint16_t sw, const char* what);
  void require(bool allowed, const char* what) const;  // the family row gates proprietary commands
  FileInfo select_path_as(ByteView path_without_mf, bool with_mf);
  Bytes read(std::size_t offset, std::size_t len, bool to_end);  // to_end: the length is only an upper bound

  Channel& ch_;
  const Family* family_;
  std::optional<Application> app_;
  bool app_searched_ = false;
  std::optional<bool> path_with_mf_;  // learnt from the card's answers
  std::size_t read_le_ = 0;           // largest Le the card accepted for READ BINARY (0: not learnt yet)
  bool needs_sm_ = false;             // the card answered a plain command with a secure-messaging status
  bool in_app_ = false;               // the application DF is the current DF (in this transaction)
};

}  // namespace akis
