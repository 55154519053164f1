// SPDX-License-Identifier: LGPL-2.1-or-later
// PAdES made by `akis sign` on a PDF written by podofo here, checked by poppler's pdfsig and `akis verify`;
// a changed byte of the signed range fails both.
#include <podofo/podofo.h>

#include "sign_fixture.hpp"

using namespace akis::test;

namespace {

std::string make_pdf(const std::string& path) {
  PoDoFo::PdfMemDocument doc;
  doc.CreatePage(PoDoFo::PdfPage::CreateStandardPageSize(PoDoFo::ePdfPageSize_A4));
  doc.GetInfo()->SetTitle(PoDoFo::PdfString("Dilekce 2026"));
  doc.Write(path.c_str());
  return path;
}

TEST_F(SignTest, PadesVerifiesWithPdfsigAndAChangedByteFails) {
  std::string pdf = make_pdf(dir() + "/dilekce.pdf");
  auto r = akis("sign '" + pdf + "'");
  ASSERT_EQ(r.rc, 0) << r.out;
  std::string signed_pdf = dir() + "/dilekce.signed.pdf";
  // An incremental update: the original file is the start of the signed one.
  std::string original = read(pdf), signed_bytes = read(signed_pdf);
  ASSERT_GT(signed_bytes.size(), original.size());
  EXPECT_EQ(signed_bytes.compare(0, original.size(), original), 0);
  EXPECT_TRUE(has(signed_bytes, "/ETSI.CAdES.detached"));
  auto p = sh("pdfsig '" + signed_pdf + "'");
  EXPECT_TRUE(has(p.out, "Signature Validation: Signature is Valid.")) << p.out;
  EXPECT_TRUE(has(p.out, "AYŞE GÜL YILDIRIM")) << p.out;
  EXPECT_TRUE(has(p.out, "ETSI.CAdES.detached")) << p.out;
  auto a = akis("verify --ca '" + ca_cert_path() + "' '" + signed_pdf + "'");
  EXPECT_EQ(a.rc, 0) << a.out;
  EXPECT_TRUE(has(a.out, "Format: PAdES")) << a.out;

  // One changed byte inside the first signed range (the title of the original document).
  auto at = signed_bytes.find("Dilekce 2026");
  ASSERT_NE(at, std::string::npos);
  flip(signed_pdf, static_cast<long>(at));
  auto bad = sh("pdfsig '" + signed_pdf + "'");
  EXPECT_FALSE(has(bad.out, "Signature is Valid.")) << bad.out;
  EXPECT_EQ(akis("verify --ca '" + ca_cert_path() + "' '" + signed_pdf + "'").rc, 30);
}

}  // namespace
