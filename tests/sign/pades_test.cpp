// SPDX-License-Identifier: LGPL-2.1-or-later
// PAdES made by `akis sign` on a PDF written by podofo here, checked by poppler's pdfsig and `akis verify`;
// a changed byte of the signed range fails both. A visible signature is checked by rendering the page with
// pdftoppm: the pixels change inside its box and nowhere else.
#include <podofo/podofo.h>

#include "pdf_raster.hpp"
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

TEST_F(SignTest, PadesVisibleSignatureIsDrawnInItsBoxAndVerifies) {
  std::string pdf = make_pdf(dir() + "/basvuru.pdf");
  // A 250 x 60 point box whose lower left corner is at (50, 700) on the A4 page (595 x 842 points).
  auto r = akis("sign --visible 1,50,700,250,60 '" + pdf + "'");
  ASSERT_EQ(r.rc, 0) << r.out;
  std::string signed_pdf = dir() + "/basvuru.signed.pdf";
  auto p = sh("pdfsig '" + signed_pdf + "'");
  EXPECT_TRUE(has(p.out, "Signature Validation: Signature is Valid.")) << p.out;
  EXPECT_EQ(akis("verify --ca '" + ca_cert_path() + "' '" + signed_pdf + "'").rc, 0);
  EXPECT_TRUE(has(read(signed_pdf), "DejaVuSans")) << "the Turkish-capable font subset is embedded";

  Raster before = render_first_page(pdf, dir() + "/before"), after = render_first_page(signed_pdf, dir() + "/after");
  ASSERT_GT(before.w, 0);
  ASSERT_EQ(before.w, after.w);
  ASSERT_EQ(before.h, after.h);
  // The box in pixels (y from the top), with one pixel of slack for anti-aliasing at its edges.
  const int x0 = 25, x1 = 150, y0 = (842 - 760) / 2, y1 = (842 - 700) / 2;
  long inside = 0, outside = 0, box = 0;
  for (int y = 0; y < before.h; ++y)
    for (int x = 0; x < before.w; ++x) {
      bool in_box = x >= x0 - 1 && x <= x1 + 1 && y >= y0 - 1 && y <= y1 + 1;
      box += in_box;
      if (before.differs(after, x, y)) ++(in_box ? inside : outside);
    }
  EXPECT_EQ(outside, 0) << "nothing drawn outside the box";
  EXPECT_GT(inside, box / 20) << "the frame and the text change at least 5% of the box (" << inside << " of " << box << ")";

  // A box off the page, and --visible for a format that has no page, are refused before the card is used.
  EXPECT_EQ(akis("sign --visible 1,500,800,250,60 -o '" + dir() + "/x.pdf' '" + pdf + "'").rc, 9);
  EXPECT_EQ(akis("sign --visible 2,50,700,250,60 -o '" + dir() + "/x.pdf' '" + pdf + "'").rc, 9);
  EXPECT_EQ(akis("sign --visible 1,50,700 '" + pdf + "'").rc, 1);
}

}  // namespace
