// SPDX-License-Identifier: LGPL-2.1-or-later
// The first page of a PDF rendered by poppler's pdftoppm, to see where a visible signature was drawn (the sign
// tests and the sign dialog's test).
#pragma once

#include <fstream>
#include <string>

#include "processes.hpp"

namespace akis::test {

// The first page at 36 dpi (half a pixel per PDF point) as RGB rows; w == 0 when pdftoppm failed.
struct Raster {
  int w = 0, h = 0;
  std::string rgb;
  bool differs(const Raster& o, int x, int y) const {
    std::size_t i = (static_cast<std::size_t>(y) * static_cast<std::size_t>(w) + static_cast<std::size_t>(x)) * 3;
    return rgb.compare(i, 3, o.rgb, i, 3) != 0;
  }
};

inline Raster render_first_page(const std::string& pdf, const std::string& prefix) {
  std::string out;
  run_command("pdftoppm -r 36 -f 1 -l 1 -singlefile '" + pdf + "' '" + prefix + "' 2>&1", out);
  std::ifstream in(prefix + ".ppm", std::ios::binary);
  std::string magic;
  int maxval = 0;
  Raster r;
  in >> magic >> r.w >> r.h >> maxval;
  in.get();
  if (magic != "P6" || r.w <= 0 || r.h <= 0 || maxval != 255) return {};
  r.rgb.resize(static_cast<std::size_t>(r.w) * static_cast<std::size_t>(r.h) * 3);
  in.read(r.rgb.data(), static_cast<std::streamsize>(r.rgb.size()));
  return r;
}

}  // namespace akis::test
