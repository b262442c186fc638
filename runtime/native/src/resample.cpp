#include "resample.h"

#include <cmath>

namespace bluev {
namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;

double bicubic(double x) {
  constexpr double a = -0.5;
  if (x < 0.0) x = -x;
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

// For each output pixel along one axis: first input index, count, fixed-point weights.
struct Coeffs {
  int ksize = 0;
  std::vector<int> first, count;
  std::vector<int32_t> weights;  // out_size * ksize
};

Coeffs coefficients(int in_size, int out_size) {
  // The box is (0, in_size) as floats, as Image.resize passes it.
  const double scale = double(float(in_size) - 0.0f) / out_size;
  const double filterscale = scale < 1.0 ? 1.0 : scale;
  const double support = 2.0 * filterscale;
  Coeffs c;
  c.ksize = int(std::ceil(support)) * 2 + 1;
  c.first.resize(out_size);
  c.count.resize(out_size);
  c.weights.assign(size_t(out_size) * c.ksize, 0);
  std::vector<double> k(c.ksize);
  const double inv = 1.0 / filterscale;
  for (int xx = 0; xx < out_size; ++xx) {
    double center = (xx + 0.5) * scale;
    int xmin = int(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    int xmax = int(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    double ww = 0.0;
    for (int x = 0; x < xmax; ++x) {
      k[x] = bicubic((x + xmin - center + 0.5) * inv);
      ww += k[x];
    }
    for (int x = 0; x < c.ksize; ++x) {
      double w = x < xmax ? (ww != 0.0 ? k[x] / ww : k[x]) : 0.0;
      c.weights[size_t(xx) * c.ksize + x] =
          int32_t(w < 0 ? -0.5 + w * (1 << kPrecisionBits) : 0.5 + w * (1 << kPrecisionBits));
    }
    c.first[xx] = xmin;
    c.count[xx] = xmax;
  }
  return c;
}

inline uint8_t clip8(int v) {
  v >>= kPrecisionBits;
  return uint8_t(v < 0 ? 0 : v > 255 ? 255 : v);
}

// Rows [row0, row0 + rows) of `in`, resampled along x.
RgbImage horizontal(const RgbImage& in, int out_w, int row0, int rows, const Coeffs& c) {
  RgbImage out(out_w, rows);
  for (int y = 0; y < rows; ++y) {
    const uint8_t* s = in.row(row0 + y);
    uint8_t* o = out.row(y);
    for (int xx = 0; xx < out_w; ++xx) {
      const int32_t* k = &c.weights[size_t(xx) * c.ksize];
      int r = 1 << (kPrecisionBits - 1), g = r, b = r;
      const uint8_t* p = s + size_t(c.first[xx]) * 3;
      for (int x = 0; x < c.count[xx]; ++x) {
        r += p[3 * x] * k[x];
        g += p[3 * x + 1] * k[x];
        b += p[3 * x + 2] * k[x];
      }
      o[3 * xx] = clip8(r);
      o[3 * xx + 1] = clip8(g);
      o[3 * xx + 2] = clip8(b);
    }
  }
  return out;
}

RgbImage vertical(const RgbImage& in, int out_h, int row_shift, const Coeffs& c) {
  RgbImage out(in.width, out_h);
  for (int yy = 0; yy < out_h; ++yy) {
    const int32_t* k = &c.weights[size_t(yy) * c.ksize];
    const int first = c.first[yy] - row_shift;
    uint8_t* o = out.row(yy);
    for (int xx = 0; xx < in.width; ++xx) {
      int r = 1 << (kPrecisionBits - 1), g = r, b = r;
      for (int y = 0; y < c.count[yy]; ++y) {
        const uint8_t* p = in.row(first + y) + size_t(xx) * 3;
        r += p[0] * k[y];
        g += p[1] * k[y];
        b += p[2] * k[y];
      }
      o[3 * xx] = clip8(r);
      o[3 * xx + 1] = clip8(g);
      o[3 * xx + 2] = clip8(b);
    }
  }
  return out;
}

}  // namespace

RgbImage resize_bicubic(const RgbImage& in, int out_w, int out_h) {
  if (out_w == in.width && out_h == in.height) return in;  // Image.resize returns a copy
  const bool need_h = out_w != in.width;
  const bool need_v = out_h != in.height;
  // Pillow 13: when the height shrinks by more than twice as many pixels as the width, the
  // vertical pass goes first (fewer rows for the horizontal one). The order changes results.
  const int dh = in.height - out_h, dw = in.width - out_w;
  const bool horizontal_first = !(dh > 0 && dh > dw * 2);
  Coeffs vc = coefficients(in.height, out_h);
  if (!need_h) return vertical(in, out_h, 0, vc);
  Coeffs hc = coefficients(in.width, out_w);
  if (!horizontal_first) {
    RgbImage tmp = need_v ? vertical(in, out_h, 0, vc) : in;
    return horizontal(tmp, out_w, 0, tmp.height, hc);
  }
  // Only the rows the vertical pass reads go through the horizontal one.
  const int row_first = vc.first[0];
  const int row_last = vc.first[out_h - 1] + vc.count[out_h - 1];
  RgbImage tmp = horizontal(in, out_w, row_first, row_last - row_first, hc);
  if (!need_v) return tmp;
  return vertical(tmp, out_h, row_first, vc);
}

}  // namespace bluev
