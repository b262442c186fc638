// Images as the tiler sees them: 8-bit RGB, row-major, 3 bytes a pixel.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bluev {

struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;  // width * height * 3

  RgbImage() = default;
  RgbImage(int w, int h, uint8_t fill = 0) : width(w), height(h), pixels(size_t(w) * h * 3, fill) {}
  uint8_t* row(int y) { return pixels.data() + size_t(y) * width * 3; }
  const uint8_t* row(int y) const { return pixels.data() + size_t(y) * width * 3; }
};

enum class ImageFormat { Jpeg, Png };

// A file read and its header parsed, not yet decoded.
struct ImageFile {
  std::string path;
  ImageFormat format;
  int width = 0;  // as stored, before the EXIF orientation
  int height = 0;
  int orientation = 1;  // EXIF tag 0x0112 (1 = upright)
  std::vector<uint8_t> bytes;

  bool rotated() const { return orientation >= 5 && orientation <= 8; }  // swaps width/height
  int upright_width() const { return rotated() ? height : width; }
  int upright_height() const { return rotated() ? width : height; }
};

// As runtime/image.py DEFAULT_MAX_PIXELS: refused before decoding (decompression-bomb guard).
constexpr int64_t kMaxPixels = 64000000;

// Reads the file and its header; BadInput for a missing, non-JPEG/PNG or oversized file.
ImageFile open_image_file(const std::string& path, int64_t max_pixels = kMaxPixels);

// Decodes to RGB as Pillow does (runtime/image.py to_rgb: alpha on white, 16-bit grey
// scaled, CMYK converted). A JPEG is decoded at the 1/2, 1/4 or 1/8 DCT scale Pillow's
// draft() picks for a requested size of at least need_w x need_h (stored orientation);
// need_w = 0 decodes at full size. BadInput for corrupt or truncated data.
RgbImage decode_rgb(const ImageFile& file, int need_w, int need_h);

// EXIF orientation applied as ImageOps.exif_transpose does.
RgbImage apply_orientation(const RgbImage& img, int orientation);

// EXIF orientation in a TIFF-structured EXIF block (after "Exif\0\0"); 1 when absent.
int exif_orientation(const uint8_t* tiff, size_t size);

}  // namespace bluev
