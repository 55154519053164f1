// SPDX-License-Identifier: LGPL-2.1-or-later
// A gtest fixture for tests through the real PC/SC stack: one pcscd for the test suite, virtual card
// processes per test, every process stopped by its PID and the readers empty again after each test.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "akis/error.hpp"
#include "cards.hpp"
#include "expect.hpp"
#include "processes.hpp"

namespace akis::test {

class PcscTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pcscd_ = new Pcscd(temp_dir()); }
  static void TearDownTestSuite() {
    delete pcscd_;
    pcscd_ = nullptr;
  }
  void TearDown() override {
    cards_.clear();  // stops every card process by PID
    wait_for_card(Pcscd::kReader0, false);
    wait_for_card(Pcscd::kReader1, false);
  }

  // Writes a fresh copy of a card and inserts it into the reader on `port` (35963 or 35964).
  std::string insert(Variant v, int port = 35963, const std::vector<std::string>& extra = {}) {
    return insert_state(card_state(v), port, extra);
  }
  std::string insert_state(const vcard::CardState& state, int port = 35963, const std::vector<std::string>& extra = {}) {
    static int n = 0;
    std::string path = temp_dir() + "/card" + std::to_string(++n) + ".json";
    vcard::save_atomically(state, path);
    cards_.push_back(std::make_unique<VirtualCardProcess>(path, port, extra));
    wait_for_card(port == 35963 ? Pcscd::kReader0 : Pcscd::kReader1, true);
    return path;
  }

  static inline Pcscd* pcscd_ = nullptr;
  std::vector<std::unique_ptr<VirtualCardProcess>> cards_;
};

}  // namespace akis::test
