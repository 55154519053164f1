// SPDX-License-Identifier: LGPL-2.1-or-later
// The PKCS#11 module against a recorded card: one reader whose card answers from a recording (ReplayTransport).
#pragma once

#include <memory>

#include "akis/recording.hpp"
#include "backend.hpp"

namespace akis::test {

inline constexpr const char* kReplayReader = "Replay Reader 00 00";
// The recording the next module initialisation plays back, in keyed mode.
void set_replay_recording(const Recording& rec);
std::unique_ptr<p11::Backend> make_replay_backend();

}  // namespace akis::test
