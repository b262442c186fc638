// EXIF orientation: reading tag 0x0112 from IFD0, and ImageOps.exif_transpose's transposes.
#include "image.h"

namespace bluev {

int exif_orientation(const uint8_t* p, size_t n) {
  if (n < 8) return 1;
  bool little = p[0] == 'I' && p[1] == 'I';
  if (!little && !(p[0] == 'M' && p[1] == 'M')) return 1;
  auto u16 = [&](size_t at) -> uint32_t {
    return little ? p[at] | (p[at + 1] << 8) : (p[at] << 8) | p[at + 1];
  };
  auto u32 = [&](size_t at) -> uint32_t {
    return little ? p[at] | (p[at + 1] << 8) | (p[at + 2] << 16) | (uint32_t(p[at + 3]) << 24)
                  : (uint32_t(p[at]) << 24) | (p[at + 1] << 16) | (p[at + 2] << 8) | p[at + 3];
  };
  size_t ifd = u32(4);
  if (ifd + 2 > n) return 1;
  uint32_t count = u16(ifd);
  for (uint32_t i = 0; i < count; ++i) {
    size_t e = ifd + 2 + 12 * size_t(i);
    if (e + 12 > n) return 1;
    if (u16(e) == 0x0112 && u16(e + 2) == 3) {  // SHORT
      uint32_t v = u16(e + 8);
      return v >= 1 && v <= 8 ? int(v) : 1;
    }
  }
  return 1;
}

namespace {

// out(x, y) = in(src_x(x, y), src_y(x, y)) over an output of out_w x out_h.
template <typename Map>
RgbImage remap(const RgbImage& in, int out_w, int out_h, Map map) {
  RgbImage out(out_w, out_h);
  for (int y = 0; y < out_h; ++y) {
    uint8_t* o = out.row(y);
    for (int x = 0; x < out_w; ++x) {
      int sx, sy;
      map(x, y, sx, sy);
      const uint8_t* s = in.row(sy) + size_t(sx) * 3;
      o[3 * x] = s[0];
      o[3 * x + 1] = s[1];
      o[3 * x + 2] = s[2];
    }
  }
  return out;
}

}  // namespace

RgbImage apply_orientation(const RgbImage& in, int orientation) {
  const int w = in.width, h = in.height;
  switch (orientation) {
    case 2:  // FLIP_LEFT_RIGHT
      return remap(in, w, h, [&](int x, int y, int& sx, int& sy) { sx = w - 1 - x, sy = y; });
    case 3:  // ROTATE_180
      return remap(in, w, h, [&](int x, int y, int& sx, int& sy) { sx = w - 1 - x, sy = h - 1 - y; });
    case 4:  // FLIP_TOP_BOTTOM
      return remap(in, w, h, [&](int x, int y, int& sx, int& sy) { sx = x, sy = h - 1 - y; });
    case 5:  // TRANSPOSE
      return remap(in, h, w, [&](int x, int y, int& sx, int& sy) { sx = y, sy = x; });
    case 6:  // ROTATE_270 (90 degrees clockwise)
      return remap(in, h, w, [&](int x, int y, int& sx, int& sy) { sx = y, sy = h - 1 - x; });
    case 7:  // TRANSVERSE
      return remap(in, h, w, [&](int x, int y, int& sx, int& sy) { sx = w - 1 - y, sy = h - 1 - x; });
    case 8:  // ROTATE_90 (90 degrees counter-clockwise)
      return remap(in, h, w, [&](int x, int y, int& sx, int& sy) { sx = w - 1 - y, sy = x; });
    default:
      return in;
  }
}

}  // namespace bluev
