// SPDX-License-Identifier: LGPL-2.1-or-later
// One pcscd and one virtual card (pre-2011 2.x: an RSA NES key, an RSA encryption key, an EC P-256 NES key) for
// every sign test of the process; `akis` run against them through the built PKCS#11 module.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include "cards.hpp"
#include "host_env.hpp"
#include "processes.hpp"

namespace akis::test {

class SignTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pcscd_ = new Pcscd(temp_dir());
    std::string state = temp_dir() + "/sign-card.json";
    vcard::save_atomically(card_state(Variant::Pre2011), state);
    card_ = new VirtualCardProcess(state, 35963);
    wait_for_card(Pcscd::kReader0, true);
  }
  static void TearDownTestSuite() {
    delete card_;
    delete pcscd_;
    card_ = nullptr;
    pcscd_ = nullptr;
  }

  struct Run {
    int rc;
    std::string out;
  };
  // `akis ARGS` with the PIN in AKIS_PIN (English messages).
  static Run akis(const std::string& args, const std::string& pin = "123456") {
    std::string out;
    int rc = run_command(std::string(AKIS_HOST_ENV) + "LANG=C.UTF-8 AKIS_PKCS11_MODULE='" AKIS_MODULE_PATH "' AKIS_PIN='" +
                             pin + "' '" AKIS_CLI_BIN "' " + args + " </dev/null 2>&1",
                         out);
    return {rc, out};
  }
  static Run sh(const std::string& cmd) {
    std::string out;
    int rc = run_command(cmd + " 2>&1", out);
    return {rc, out};
  }
  static std::string dir() { return temp_dir(); }
  static std::string write(const std::string& name, const std::string& content) {
    std::string p = temp_dir() + "/" + name;
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }
  static std::string read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  // Flips one bit of the byte at `offset` (from the end when negative).
  static void flip(const std::string& path, long offset) {
    std::string s = read(path);
    std::size_t at = offset >= 0 ? static_cast<std::size_t>(offset) : s.size() - static_cast<std::size_t>(-offset);
    s[at] = static_cast<char>(s[at] ^ 0x01);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << s;
  }
  static bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
  // The independent verifiers, with the test CA as the trust anchor unless told otherwise.
  // `openssl cms -verify` of a DER CMS; `extra` adds -content, -out, -signer ...
  static std::string openssl_verify(const std::string& sig, const std::string& extra) {
    return "openssl cms -verify -binary -inform DER -in '" + sig + "' -CAfile '" + ca_cert_path() + "' " + extra;
  }
  // `xmlsec1 --verify`: it finds the XAdES SignedProperties only through --id-attr.
  static int xmlsec_verify(const std::string& file, const std::string& ca, std::string* out = nullptr) {
    std::string o;
    int rc = run_command("xmlsec1 --verify --trusted-pem '" + ca +
                             "' --id-attr:Id 'http://uri.etsi.org/01903/v1.3.2#:SignedProperties' '" + file + "' 2>&1",
                         o);
    if (out) *out = o;
    return rc;
  }

  // A changed byte of the signed content (at its first `marker`) inside an attached CMS: `openssl cms -verify`
  // and `akis verify` (exit 30, INVALID) both refuse it.
  static void expect_changed_content_refused(const std::string& imz, const std::string& marker) {
    const std::string bytes = read(imz);
    auto at = bytes.find(marker);
    ASSERT_NE(at, std::string::npos) << marker;
    flip(imz, static_cast<long>(at));
    EXPECT_NE(sh(openssl_verify(imz, "-out /dev/null")).rc, 0);
    auto bad = akis("verify --ca '" + ca_cert_path() + "' '" + imz + "'");
    EXPECT_EQ(bad.rc, 30) << bad.out;
    EXPECT_TRUE(has(bad.out, "INVALID")) << bad.out;
  }

  static inline Pcscd* pcscd_ = nullptr;
  static inline VirtualCardProcess* card_ = nullptr;
};

}  // namespace akis::test
