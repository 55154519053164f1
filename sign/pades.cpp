// SPDX-License-Identifier: LGPL-2.1-or-later
// PAdES baseline B with podofo 0.9.8 (incremental update, invisible or visible signature field) and the reading of a PDF
// signature's /ByteRange and /Contents for verification.
#include "akis/sign/pades.hpp"

#include <podofo/podofo.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "akis/sign/cades.hpp"

namespace akis::sign {

namespace {

constexpr std::size_t kReserved = 20000;  // bytes for the CMS (certificate, CAdES attributes, a timestamp)

struct TempFile {
  std::string path;
  TempFile() {
    const char* dir = std::getenv("TMPDIR");
    std::string tmpl = std::string(dir && *dir ? dir : "/tmp") + "/akis-pades-XXXXXX";
    int fd = ::mkstemp(tmpl.data());
    if (fd < 0) throw std::runtime_error("cannot create a temporary file");
    ::close(fd);
    path = tmpl;
  }
  ~TempFile() { std::remove(path.c_str()); }
};

Bytes read_file(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The visible box: a frame and the lines in DejaVu Sans (an embedded subset, Identity-H: Turkish letters), else
// Helvetica; the font size fits the lines into the box.
void draw_appearance(PoDoFo::PdfMemDocument& doc, PoDoFo::PdfXObject& xobj, const VisibleSignature& v) {
  using namespace PoDoFo;
  PdfFont* font = nullptr;
  try {
    font = doc.CreateFontSubset("DejaVu Sans", false, false, false, PdfEncodingFactory::GlobalIdentityEncodingInstance());
  } catch (const PdfError&) {
  }
  if (!font) font = doc.CreateFont("Helvetica");
  if (!font) throw std::runtime_error("no font for the visible signature");
  std::vector<PdfString> lines;
  for (auto& l : v.lines) lines.emplace_back(reinterpret_cast<const pdf_utf8*>(l.c_str()));
  const double pad = 4;
  const auto n = static_cast<double>(std::max<std::size_t>(lines.size(), 1));
  double size = std::min(12.0, (v.h - 2 * pad) / (n * 1.25));
  for (; size > 3; size -= 0.5) {
    font->SetFontSize(static_cast<float>(size));
    double widest = 0;
    for (auto& l : lines) widest = std::max(widest, font->GetFontMetrics()->StringWidth(l));
    if (widest <= v.w - 2 * pad) break;
  }
  font->SetFontSize(static_cast<float>(size));
  PdfPainter p;
  p.SetPage(&xobj);
  p.SetStrokingColor(0.1, 0.2, 0.5);
  p.SetStrokeWidth(1);
  p.Rectangle(0.5, 0.5, v.w - 1, v.h - 1);
  p.Stroke();
  p.SetColor(0.1, 0.2, 0.5);
  p.SetFont(font);
  double y = v.h - pad - size;
  for (auto& l : lines) {
    p.DrawText(pad, y, l);
    y -= size * 1.25;
  }
  p.FinishPage();
}

Bytes sign_pdf(EVP_PKEY* key, ByteView cert_der, ByteView pdf, const PadesOptions& o) {
  using namespace PoDoFo;
  PdfMemDocument doc;
  doc.LoadFromBuffer(reinterpret_cast<const char*>(pdf.data()), static_cast<long>(pdf.size()), true);
  if (doc.GetPageCount() < 1) throw std::runtime_error("the PDF has no page");
  TempFile tmp;
  {
    PdfOutputDevice out(tmp.path.c_str(), true);
    PdfSignOutputDevice signer(&out);
    signer.SetSignatureSize(kReserved);

    PdfAcroForm* form = doc.GetAcroForm(true, ePdfAcroFormDefaultAppearance_None);
    form->GetObject()->GetDictionary().AddKey(PdfName("SigFlags"), PdfObject(static_cast<pdf_int64>(3)));
    const VisibleSignature* v = o.visible ? &*o.visible : nullptr;
    if (v && (v->page < 1 || v->page > doc.GetPageCount()))
      throw std::invalid_argument("the document has no page " + std::to_string(v->page));
    PdfPage* page = doc.GetPage(v ? v->page - 1 : 0);
    if (v) {
      PdfRect box = page->GetMediaBox();
      if (v->w <= 0 || v->h <= 0 || v->x < box.GetLeft() || v->y < box.GetBottom() ||
          v->x + v->w > box.GetLeft() + box.GetWidth() || v->y + v->h > box.GetBottom() + box.GetHeight())
        throw std::invalid_argument("the box is not inside the page (" + std::to_string(box.GetWidth()) + " x " +
                                    std::to_string(box.GetHeight()) + " points)");
    }
    PdfAnnotation* widget = page->CreateAnnotation(ePdfAnnotation_Widget, v ? PdfRect(v->x, v->y, v->w, v->h) : PdfRect(0, 0, 0, 0));
    widget->SetFlags(static_cast<EPdfAnnotationFlags>(ePdfAnnotationFlags_Print));
    PdfSignatureField field(widget, form, &doc);
    field.SetFieldName(PdfString("akis-signature-" + std::to_string(std::time(nullptr))));
    field.SetSignatureDate(PdfDate());
    field.SetSignatureCreator(PdfName("akis"));
    std::unique_ptr<PdfXObject> appearance;
    if (v) {
      appearance = std::make_unique<PdfXObject>(PdfRect(0, 0, v->w, v->h), &doc);
      draw_appearance(doc, *appearance, *v);
      field.SetAppearanceStream(appearance.get());
    }
    field.SetSignature(*signer.GetSignatureBeacon());
    PdfObject* sig = field.GetSignatureObject();
    if (!sig) throw std::runtime_error("podofo made no signature dictionary");
    sig->GetDictionary().AddKey(PdfName("SubFilter"), PdfName("ETSI.CAdES.detached"));
    doc.WriteUpdate(&signer, true);
    if (!signer.HasSignaturePosition()) throw std::runtime_error("the signature placeholder was not written");
    signer.AdjustByteRange();
    signer.Seek(0);
    Bytes covered;
    char buf[65536];
    std::size_t n;
    while ((n = signer.ReadForSignature(buf, sizeof buf)) > 0) covered.insert(covered.end(), buf, buf + n);
    CadesOptions co;
    co.detached = true;
    co.tsa_url = o.tsa_url;
    Bytes cms = cades_sign(key, cert_der, covered, co);
    if (cms.size() > kReserved) throw std::runtime_error("the signature is larger than the space reserved for it");
    signer.SetSignature(PdfData(reinterpret_cast<const char*>(cms.data()), cms.size()));
    signer.Flush();
  }  // the devices close the file
  return read_file(tmp.path);
}

long number_at(ByteView b, std::size_t& i) {
  while (i < b.size() && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t')) ++i;
  if (i >= b.size() || b[i] < '0' || b[i] > '9') throw std::runtime_error("malformed /ByteRange");
  long v = 0;
  while (i < b.size() && b[i] >= '0' && b[i] <= '9') {
    v = v * 10 + (b[i] - '0');
    if (v > (1L << 40)) throw std::runtime_error("malformed /ByteRange");
    ++i;
  }
  return v;
}

std::size_t rfind(ByteView b, const std::string& s) {
  if (b.size() < s.size()) return std::string::npos;
  for (std::size_t i = b.size() - s.size() + 1; i-- > 0;)
    if (std::equal(s.begin(), s.end(), b.begin() + static_cast<long>(i))) return i;
  return std::string::npos;
}

}  // namespace

Bytes pades_sign(EVP_PKEY* key, ByteView cert_der, ByteView pdf, const PadesOptions& o) {
  try {
    return sign_pdf(key, cert_der, pdf, o);
  } catch (const PoDoFo::PdfError& e) {
    const char* m = PoDoFo::PdfError::ErrorMessage(e.GetError());
    throw std::runtime_error(std::string("PDF: ") + (m ? m : "podofo error " + std::to_string(e.GetError())));
  }
}

PdfSignature pades_extract(ByteView pdf) {
  std::size_t at = rfind(pdf, "/ByteRange");
  if (at == std::string::npos) throw std::runtime_error("the PDF has no signature");
  std::size_t i = at + 10;
  while (i < pdf.size() && pdf[i] != '[') ++i;
  ++i;
  long r[4];
  for (long& v : r) v = number_at(pdf, i);
  const auto size = static_cast<long>(pdf.size());
  if (r[0] != 0 || r[1] < 2 || r[2] < r[1] + 2 || r[2] + r[3] > size)
    throw std::runtime_error("the /ByteRange does not fit the file");
  PdfSignature s;
  s.signed_bytes.assign(pdf.begin(), pdf.begin() + r[1]);
  s.signed_bytes.insert(s.signed_bytes.end(), pdf.begin() + r[2], pdf.begin() + r[2] + r[3]);
  s.covers_whole_file = r[2] + r[3] == size;
  if (pdf[static_cast<std::size_t>(r[1])] != '<' || pdf[static_cast<std::size_t>(r[2] - 1)] != '>')
    throw std::runtime_error("the gap of the /ByteRange is not the /Contents string");
  std::string hex(pdf.begin() + r[1] + 1, pdf.begin() + r[2] - 1);
  if (hex.size() % 2) throw std::runtime_error("odd /Contents");
  s.cms = from_hex(hex);
  std::size_t sf = rfind(pdf, "/SubFilter");
  if (sf != std::string::npos) {
    std::size_t j = sf + 10;
    while (j < pdf.size() && pdf[j] == ' ') ++j;
    std::size_t k = j + 1;
    while (k < pdf.size() && pdf[k] > ' ' && pdf[k] != '/' && pdf[k] != '>') ++k;
    s.sub_filter.assign(pdf.begin() + static_cast<long>(j) + 1, pdf.begin() + static_cast<long>(k));
  }
  return s;
}

}  // namespace akis::sign
