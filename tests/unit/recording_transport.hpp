// SPDX-License-Identifier: LGPL-2.1-or-later
// A transport that records every APDU the card layer sends (unredacted: secrets are test values) and can present
// another ATR than the card behind it (a non-AKİS card with the same files).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "akis/transport.hpp"

namespace akis::test {

class RecordingTransport final : public Transport {
 public:
  explicit RecordingTransport(std::unique_ptr<Transport> inner, std::optional<Bytes> atr = std::nullopt)
      : inner_(std::move(inner)), atr_(std::move(atr)) {}
  Bytes transmit(ByteView apdu) override {
    sent.emplace_back(apdu.begin(), apdu.end());
    return inner_->transmit(apdu);
  }
  Bytes atr() const override { return atr_ ? *atr_ : inner_->atr(); }
  std::string name() const override { return inner_->name(); }
  void reconnect(bool reset) override { inner_->reconnect(reset); }

  // APDUs as upper-case hex without spaces, e.g. "0020008106313233343536".
  std::vector<std::string> hex() const {
    std::vector<std::string> out;
    for (auto& a : sent) out.push_back(to_hex(a));
    return out;
  }
  std::size_t count_prefix(const std::string& prefix) const {
    std::size_t n = 0;
    for (auto& h : hex()) n += h.rfind(prefix, 0) == 0;
    return n;
  }
  std::vector<Bytes> sent;

 private:
  std::unique_ptr<Transport> inner_;
  std::optional<Bytes> atr_;
};

}  // namespace akis::test
