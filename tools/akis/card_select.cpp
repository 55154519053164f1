// SPDX-License-Identifier: LGPL-2.1-or-later
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "akis/error.hpp"
#include "cli.hpp"

namespace akis::cli {

[[noreturn]] void fail_with(const CardError& e) {
  switch (e.code()) {
    case Err::NoService: throw Failure(kNoService, msg(M::ErrNoService));
    case Err::NoReader: throw Failure(kNoReader, msg(M::ErrNoReader));
    case Err::NoCard: throw Failure(kNoCard, msg(M::ErrNoCard));
    case Err::CardRemoved: throw Failure(kCardRemoved, msg(M::ErrCardRemoved));
    case Err::PinBlocked: throw Failure(kBlocked, msg(M::PinIsBlocked));
    default: throw Failure(kCardError, msg(M::ErrCard, e.what()));
  }
}

// The family as the holder reads it: the card's name is written AKİS, with the dotted capital İ (the ASCII
// "AKIS" of to_string stays in --json output, for scripts).
std::string family_name(const AtrInfo& a) {
  std::string f = a.family == AtrFamily::Unknown ? std::string("?") : std::string(to_string(a.family));
  if (f.rfind("AKIS", 0) == 0) f.replace(0, 4, "AK\xC4\xB0S");
  return a.version.empty() ? f : f + " (" + a.version + ")";
}

OpenedCard open_card(const Options& o) {
  OpenedCard out;
  try {
    out.ctx = std::make_shared<pcsc::Context>();
    auto states = out.ctx->states();
    if (states.empty()) throw Failure(kNoReader, msg(M::ErrNoReader));
    std::vector<pcsc::ReaderState> candidates;
    for (auto& st : states)
      if (o.reader.empty() || st.name == o.reader || st.name.find(o.reader) != std::string::npos)
        candidates.push_back(st);
    if (candidates.empty()) throw Failure(kNoReader, msg(M::ErrReaderNotFound, o.reader));
    bool any_card = false;
    std::string unknown;
    for (auto& st : candidates) {
      if (!st.present) continue;
      any_card = true;
      try {
        auto card = std::make_unique<Card>(std::make_unique<pcsc::PcscTransport>(out.ctx, st.name));
        bool esign = card->locked([](AkisCommands& c) { return has_esign_application(c); });
        if (!esign) {
          unknown = st.name;
          continue;
        }
        out.card = std::move(card);
        return out;
      } catch (const CardError& e) {
        if (e.code() == Err::NoCard || e.code() == Err::CardRemoved) continue;
        if (e.code() == Err::NotSupported || e.code() == Err::WrongParameters) {
          unknown = st.name;
          continue;
        }
        throw;
      }
    }
    if (!unknown.empty()) throw Failure(kUnknownCard, msg(M::ErrUnknownCard, unknown));
    if (!any_card) throw Failure(kNoCard, msg(M::ErrNoCard));
    throw Failure(kCardRemoved, msg(M::ErrCardRemoved));
  } catch (const CardError& e) {
    fail_with(e);
  }
}

// Why no secret came, in words: each way of running out has its own message.
[[noreturn]] void no_secret(const SecretInput& in, const char* what, const char* env) {
  switch (in.end()) {
    case InputEnd::TerminalEof: throw Failure(kDeclined, msg(M::ErrSecretEof, what));
    case InputEnd::FdNotOpen: throw Failure(kUsage, msg(M::ErrFdNotOpen, in.fd()));
    case InputEnd::FdEnded: throw Failure(kUsage, msg(M::ErrFdEnded, in.fd(), what, in.lines_read() + 1));
    case InputEnd::TooLong: throw Failure(kBadInput, msg(M::ErrSecretTooLong, what, SecretInput::kMaxLength));
    default: throw Failure(kUsage, msg(M::ErrNoSecretSource, what, env));
  }
}

Secret read_secret(SecretInput& in, M prompt, const char* env, const char* what) {
  auto s = in.read(msg(prompt), env);
  if (!s) no_secret(in, what, env);
  return std::move(*s);
}

Secret read_new_pin(SecretInput& in, const PinInfo& pin) {
  auto first = in.read(msg(M::PromptNewPin, pin.min_length, pin.max_length), "AKIS_NEW_PIN");
  if (!first) no_secret(in, "PIN", "AKIS_NEW_PIN");
  if (pin_format(pin, *first) != PinFormat::Ok)
    throw Failure(kBadInput, msg(M::ErrPinPolicy, pin.min_length, pin.max_length));
  auto again = in.read(msg(M::PromptNewPinAgain), "AKIS_NEW_PIN");
  if (!again) no_secret(in, "PIN", "AKIS_NEW_PIN");
  const bool same = first->size() == again->size() &&
                    std::equal(first->bytes().begin(), first->bytes().end(), again->bytes().begin());
  if (!same) throw Failure(kBadInput, msg(M::ErrPinMismatch));
  return std::move(*first);
}

void write_file(const std::string& path, std::string_view data) {
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  bool ok = f && std::fwrite(data.data(), 1, data.size(), f) == data.size();
  int err = errno;
  if (f && std::fclose(f) != 0 && ok) {
    ok = false;
    err = errno;
  }
  if (ok && std::rename(tmp.c_str(), path.c_str()) != 0) {
    ok = false;
    err = errno;
  }
  if (!ok) {
    if (f) std::remove(tmp.c_str());
    throw Failure(kUsage, msg(M::ErrWrite, path, std::strerror(err)));
  }
}

}  // namespace akis::cli
