// SPDX-License-Identifier: LGPL-2.1-or-later
// `akis probe [--reader R] [--report FILE] [--record FILE] [--json]`: read-only diagnostics of the card in a
// reader, any card (probe.cpp does the work; docs/field-evidence.md says what a holder sends).
#include <fstream>
#include <iostream>

#include "akis/error.hpp"
#include "akis/sanitise.hpp"
#include "cli.hpp"
#include "probe.hpp"

namespace akis::cli {

using nlohmann::json;

std::string probe_text(const json& r) {
  std::ostringstream out;
  const json& atr = r["atr"];
  out << msg(M::ProbeReader, r.value("reader", "")) << "\n";
  out << msg(M::ProbeAtr, atr.value("hex", ""), atr["family"].is_null() ? msg(M::ProbeAtrUnknown) : r.value("family", ""),
             atr.value("recognised_by", ""))
      << "\n";
  const json& app = r["application"];
  out << (app.value("found", false) ? msg(M::ProbeApp, app.value("how", "")) : msg(M::ProbeNoApp)) << "\n";
  if (r.contains("profile") && r["profile"].contains("pins")) {
    const json& p = r["profile"];
    out << msg(M::ProbeObjects, p["certificates"].size(), p["private_keys"].size(), p["public_keys"].size(),
               p["skipped"].size())
        << "\n";
    for (auto& s : p["skipped"]) out << "  - " << s.get<std::string>() << "\n";
  }
  if (r.contains("counters"))
    for (auto& c : r["counters"])
      out << (c.value("read", false) ? msg(M::ProbeCounter, c.value("label", ""), c.value("tries_left", -1))
                                     : msg(M::ProbeCounterNotRead, c.value("label", ""), c.value("why_not", "")))
          << "\n";
  std::size_t commands = 0;
  for (auto& s : r["steps"]) commands += s.contains("command");
  out << msg(M::ProbeCommands, commands) << "\n";
  out << msg(M::ProbeVerdict, r["verdict"].value("result", ""), r["verdict"].value("reason", "")) << "\n";
  return out.str();
}

int cmd_probe(const Options& o, const std::string& report, const std::string& record) {
  try {
    auto ctx = std::make_shared<pcsc::Context>();
    auto states = ctx->states();
    if (states.empty()) throw Failure(kNoReader, msg(M::ErrNoReader));
    const pcsc::ReaderState* chosen = nullptr;
    bool matched = false;
    for (auto& st : states) {
      if (!o.reader.empty() && st.name != o.reader && st.name.find(o.reader) == std::string::npos) continue;
      matched = true;
      if (st.present && !st.mute && !chosen) chosen = &st;
    }
    if (!matched) throw Failure(kNoReader, msg(M::ErrReaderNotFound, o.reader));
    if (!chosen) throw Failure(kNoCard, msg(M::ErrNoCard));
    ProbeResult res = run_probe(std::make_unique<pcsc::PcscTransport>(ctx, chosen->name));
    if (!report.empty()) write_file(report, json_text(res.report) + "\n");
    if (!record.empty()) write_file(record, res.recording.text());
    std::cout << (o.json ? json_text(res.report) + "\n" : probe_text(res.report));
    if (!report.empty()) std::cerr << msg(M::ProbeReportWritten, report) << "\n";
    if (!record.empty()) std::cerr << msg(M::ProbeRecordWritten, record) << "\n";
  } catch (const CardError& e) {
    fail_with(e);
  }
  return kOk;
}

int cmd_probe_sanitise(const std::string& in, const std::string& out) {
  SanitiseSummary sum;
  std::string text;
  try {
    text = "# sanitised with akis probe --sanitise: synthetic holder data, certificates re-issued by a test key\n" +
           sanitise(read_recording(in), &sum).text();
  } catch (const std::invalid_argument& e) {
    throw Failure(kUsage, msg(M::ErrSanitise, in, e.what()));
  }
  write_file(out, text);
  std::cerr << msg(M::ProbeSanitised, out, sum.certificates, sum.values) << "\n";
  return kOk;
}

}  // namespace akis::cli
