// SPDX-License-Identifier: LGPL-2.1-or-later
// Helpers of the sign dialog's PDF test: a one-page A4 PDF written by Qt (QPdfWriter); its first page rendered
// by pdf_raster.hpp.
#pragma once

#include <QPainter>
#include <QPdfWriter>
#include <string>

#include "pdf_raster.hpp"

namespace akis::test {

inline void write_a4_pdf(const QString& path, const QString& text) {
  QPdfWriter w(path);
  w.setPageSize(QPageSize(QPageSize::A4));
  w.setTitle(text);
  QPainter p(&w);
  p.drawText(QRect(0, 0, w.width(), w.height() / 4), Qt::AlignCenter, text);
}

}  // namespace akis::test
