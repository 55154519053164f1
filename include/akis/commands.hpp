// The AKİS command set (docs/card-protocol.md has one row per command with its source).
#pragma once

#include <optional>
#include <vector>

#include "akis/channel.hpp"

namespace akis {

// The proprietary security byte under tag 90 of the FCI (OpenSC's former AKİS driver).
namespace fci_security {
constexpr std::uint8_t kEncrypted = 0x01, kValid = 0x02, kPinNeeded = 0x04, kNewPin = 0x08, kRead = 0x10,
                       kWrite = 0x20, kOneWrongPin = 0x40, kLastTry = 0x80;
}

struct FileInfo {
  std::uint16_t fid = 0;
  bool is_df = false;
  std::size_t size = 0;            // EF size (tag 80), 0 for DFs
  std::uint8_t security = 0;       // tag 90
  Bytes df_name;                   // tag 84
};
FileInfo parse_fci(ByteView fci);  // throws CardError(Malformed)

struct ListedFile {
  std::uint16_t fid = 0;
  bool is_df = false;
};

struct PinStatus {
  bool verified = false;
  bool blocked = false;
  int tries_left = -1;  // -1 when the card does not say
};

enum class LifeCycle { Admin, User, Other };

class AkisCommands {
 public:
  explicit AkisCommands(Channel& ch) : ch_(ch) {}

  FileInfo select_df(std::uint16_t fid);
  FileInfo select_ef(std::uint16_t fid);
  // Path from the MF, without the MF's own 3F00 (ISO 7816-4 P1=08). A leading 3F00 is dropped.
  FileInfo select_path(ByteView path);
  FileInfo select_name(ByteView df_name);
  // Reads `len` bytes from `offset` of the current EF in chunks the card accepts.
  Bytes read_binary(std::size_t offset, std::size_t len);
  // Reads a whole EF whose size the FCI gave.
  Bytes read_file(const FileInfo& fi) { return read_binary(0, fi.size); }
  void update_binary(std::size_t offset, ByteView data);

  // PIN references are the card's (0x81 user PIN, 0x82 PUK in our profile).
  void verify(std::uint8_t ref, const Secret& pin);
  PinStatus pin_status(std::uint8_t ref);  // VERIFY without data: never spends a try
  void change_pin(std::uint8_t ref, const Secret& old_pin, const Secret& new_pin);
  void unblock_with_puk(std::uint8_t ref, const Secret& puk, const Secret& new_pin);
  // RESET RETRY COUNTER with the new PIN only: after the issuer's EXTERNAL AUTHENTICATE opened it,
  // or after the PUK was verified (PKCS#11 C_Login(CKU_SO) + C_InitPIN, so the PUK is never kept).
  void unblock_authorised(std::uint8_t ref, const Secret& new_pin);

  void select_key(std::uint8_t key_ref);           // MSE 00 22 C3 ref
  Bytes compute_signature(ByteView input);         // PSO 00 2A 9E 9A
  Bytes decipher(ByteView cryptogram);             // PSO 00 2A 80 86
  Bytes get_challenge(std::size_t len = 8);
  void external_authenticate(std::uint8_t key_ref, ByteView cryptogram);

  Bytes serial_number();            // GET DATA 01 06, bytes 55..66
  LifeCycle life_cycle();           // GET DATA 01 04, byte 6
  std::vector<ListedFile> list_files();
  void logout();
  // Transparent EF in the current DF (it becomes the current EF), and its deletion.
  void create_ef(std::uint16_t fid);
  void delete_ef(std::uint16_t fid);

  Channel& channel() { return ch_; }

 private:
  FileInfo select(std::uint8_t p1, ByteView data, const char* what);
  Channel& ch_;
};

}  // namespace akis
