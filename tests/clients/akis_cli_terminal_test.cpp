// SPDX-License-Identifier: LGPL-2.1-or-later
// `akis` at a terminal (a pseudo-terminal, with a shell around it as a person has): Ctrl-C, Ctrl-D and
// over-long input at a PIN prompt, and the bash completion with reader names that hold spaces.
#include <regex>

#include "akis_cli_fixture.hpp"
#include "pty.hpp"

using namespace akis;
using namespace akis::test;

namespace {

const std::map<std::string, std::string> kEnglish{{"LANG", "C.UTF-8"}, {"LANGUAGE", ""}, {"LC_ALL", ""}};

// `script` run by sh on a pseudo-terminal; $AKIS is the tool.
std::unique_ptr<PtyProcess> on_terminal(const std::string& script) {
  return std::make_unique<PtyProcess>(std::vector<std::string>{"sh", "-c", "AKIS='" + kAkis + "'; " + script},
                                      kEnglish);
}

TEST_F(AkisCli, CtrlCAtAPinPromptGivesTheEchoBack) {
  std::string state = insert(Variant::Pre2011);
  // The shell survives the Ctrl-C (a trap, which the tool does not inherit) and shows the terminal's mode.
  auto p = on_terminal("trap 'echo INTERRUPTED' INT; \"$AKIS\" pin change; stty -a");
  ASSERT_TRUE(p->expect("Current PIN: ")) << p->output();
  p->type("12\x03");
  ASSERT_TRUE(p->expect("INTERRUPTED")) << p->output();
  ASSERT_TRUE(p->expect("speed")) << p->output();  // stty -a's first line
  p->wait();
  std::string modes = p->output().substr(p->output().find("speed"));
  EXPECT_TRUE(std::regex_search(modes, std::regex(R"((^|\s)echo(\s|$))"))) << modes;
  EXPECT_FALSE(std::regex_search(modes, std::regex(R"((^|\s)-echo(\s|$))"))) << modes;
  EXPECT_EQ(pin_of(state, 0x81).tries_left, 3);
}

TEST_F(AkisCli, OverlongPinIsRefusedAndNothingReachesTheShell) {
  std::string state = insert(Variant::Pre2011);
  auto p = on_terminal("\"$AKIS\" pin change; echo \"rc=$?\"; read line; echo \"GOT[$line]\"");
  ASSERT_TRUE(p->expect("Current PIN: ")) << p->output();
  p->type(std::string(70, '1') + "echo LEAKED\n");
  ASSERT_TRUE(p->expect("too long (at most 64 characters)")) << p->output();
  ASSERT_TRUE(p->expect("rc=9")) << p->output();
  p->type("next\n");
  ASSERT_TRUE(p->expect("GOT[")) << p->output();
  EXPECT_TRUE(p->expect("next]")) << p->output();  // the shell read our next line, not the rest of the PIN
  EXPECT_EQ(p->output().find("LEAKED"), std::string::npos) << p->output();
  EXPECT_EQ(pin_of(state, 0x81).tries_left, 3);
}

TEST_F(AkisCli, CtrlDAtAPinPromptHasItsOwnMessage) {
  std::string state = insert(Variant::Pre2011);
  auto p = on_terminal("\"$AKIS\" pin change; echo \"rc=$?\"");
  ASSERT_TRUE(p->expect("Current PIN: ")) << p->output();
  p->type("\x04");
  ASSERT_TRUE(p->expect("No PIN was entered (Ctrl-D)")) << p->output();
  EXPECT_TRUE(p->expect("rc=10")) << p->output();
  EXPECT_EQ(p->output().find("No terminal"), std::string::npos) << p->output();
  EXPECT_EQ(pin_of(state, 0x81).tries_left, 3);
}

// The completion offers the readers' names with their spaces escaped, and completes a partly typed one.
TEST_F(AkisCli, BashCompletionOfReaderNamesWithSpaces) {
  insert(Variant::Pre2011);
  auto complete = [](const std::string& words, int cword) {
    std::string dir = kAkis.substr(0, kAkis.rfind('/'));
    std::string script = "PATH='" + dir + "':$PATH; . '" + std::string(AKIS_COMPLETION) + "'; COMP_WORDS=(" + words +
                         "); COMP_CWORD=" + std::to_string(cword) + "; _akis; printf '<%s>\\n' \"${COMPREPLY[@]}\"";
    std::string out;
    run_command("bash -c \"$(cat <<'EOS'\n" + script + "\nEOS\n)\"", out);
    return out;
  };
  std::string all = complete("akis --reader ''", 2);
  EXPECT_TRUE(has(all, "<Virtual\\ PCD\\ 00\\ 00>")) << all;
  EXPECT_TRUE(has(all, "<Virtual\\ PCD\\ 00\\ 01>")) << all;
  std::string partial = complete("akis info -r 'Virtual\\ PCD\\ 00\\ 0'", 3);
  EXPECT_TRUE(has(partial, "<Virtual\\ PCD\\ 00\\ 01>")) << partial;
  std::string cmds = complete("akis ''", 1);
  EXPECT_TRUE(has(cmds, "<setup>")) << cmds;
}

}  // namespace
