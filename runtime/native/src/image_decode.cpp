// JPEG (libjpeg-turbo) and PNG (libpng) decoding to 8-bit RGB, following Pillow's choices so
// that the tiles match runtime/image.py byte for byte.
// jpeglib.h needs size_t and FILE declared before it.
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

#include <jerror.h>
#include <jpeglib.h>
#include <png.h>

#include "errors.h"
#include "image.h"

namespace bluev {
namespace {

// ---- JPEG -----------------------------------------------------------------------------

struct JpegError {
  jpeg_error_mgr mgr;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  bool truncated;
};

void jpeg_fail(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<JpegError*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  longjmp(err->jump, 1);
}

void jpeg_note(j_common_ptr cinfo, int level) {
  // Pillow refuses a truncated file ("image file is truncated"); libjpeg only warns.
  if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
    reinterpret_cast<JpegError*>(cinfo->err)->truncated = true;
  }
}

struct JpegResult {
  int width = 0, height = 0, orientation = 1;
  std::string error;
};

// Header only (out == nullptr) or a full decode at 1/scale. Plain C style: longjmp must not
// cross C++ destructors.
JpegResult jpeg_run(const std::vector<uint8_t>& bytes, int scale, RgbImage* out) {
  JpegResult r;
  jpeg_decompress_struct cinfo;
  JpegError err;
  err.truncated = false;
  cinfo.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = jpeg_fail;
  err.mgr.emit_message = jpeg_note;
  std::vector<uint8_t>* rows = nullptr;
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&cinfo);
    delete rows;
    r.error = err.message;
    return r;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, bytes.data(), bytes.size());
  jpeg_save_markers(&cinfo, JPEG_APP0 + 1, 0xFFFF);
  jpeg_read_header(&cinfo, TRUE);
  r.width = int(cinfo.image_width);
  r.height = int(cinfo.image_height);
  for (jpeg_saved_marker_ptr m = cinfo.marker_list; m; m = m->next) {
    if (m->marker == JPEG_APP0 + 1 && m->data_length > 6 && std::memcmp(m->data, "Exif\0\0", 6) == 0) {
      r.orientation = exif_orientation(m->data + 6, m->data_length - 6);
      break;  // the first EXIF block, as Pillow
    }
  }
  if (!out) {
    jpeg_destroy_decompress(&cinfo);
    return r;
  }
  // Pillow: grey stays grey, 3 channels come out RGB, 4 channels as inverted (Adobe) CMYK.
  const int comps = cinfo.num_components;
  cinfo.out_color_space = comps == 1 ? JCS_GRAYSCALE : comps == 4 ? JCS_CMYK : JCS_RGB;
  if (scale > 1) {
    cinfo.scale_num = 1;
    cinfo.scale_denom = unsigned(scale);
  }
  jpeg_start_decompress(&cinfo);
  const int w = int(cinfo.output_width), h = int(cinfo.output_height), ch = cinfo.output_components;
  rows = new std::vector<uint8_t>(size_t(w) * ch);
  *out = RgbImage(w, h);
  while (cinfo.output_scanline < cinfo.output_height) {
    int y = int(cinfo.output_scanline);
    JSAMPROW row = rows->data();
    jpeg_read_scanlines(&cinfo, &row, 1);
    uint8_t* o = out->row(y);
    const uint8_t* s = rows->data();
    for (int x = 0; x < w; ++x) {
      if (ch == 1) {
        o[3 * x] = o[3 * x + 1] = o[3 * x + 2] = s[x];
      } else if (ch == 3) {
        std::memcpy(o + 3 * x, s + 3 * x, 3);
      } else {
        // "CMYK;I" (inverted) then Pillow's cmyk2rgb: nk - c * nk / 255, rounded.
        int k = 255 - s[4 * x + 3], nk = 255 - k;
        for (int c = 0; c < 3; ++c) {
          int v = 255 - s[4 * x + c];
          int t = v * nk + 128;
          int mul = ((t >> 8) + t) >> 8;
          int res = nk - mul;
          o[3 * x + c] = uint8_t(res < 0 ? 0 : res > 255 ? 255 : res);
        }
      }
    }
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  delete rows;
  if (err.truncated) r.error = "image file is truncated";
  return r;
}

// Pillow's JpegImageFile.draft(): the largest of 8, 4, 2, 1 that divides no more than the
// integer ratio of the stored size to the requested one.
int draft_scale(int w, int h, int need_w, int need_h) {
  if (need_w <= 0 || need_h <= 0) return 1;
  int scale = std::min(w / need_w, h / need_h);
  for (int s : {8, 4, 2}) {
    if (scale >= s) return s;
  }
  return 1;
}

// ---- PNG ------------------------------------------------------------------------------

struct PngReader {
  const std::vector<uint8_t>* bytes;
  size_t at;
  char message[256];
};

void png_read_mem(png_structp png, png_bytep out, png_size_t n) {
  auto* r = static_cast<PngReader*>(png_get_io_ptr(png));
  if (r->at + n > r->bytes->size()) png_error(png, "image file is truncated");
  std::memcpy(out, r->bytes->data() + r->at, n);
  r->at += n;
}

void png_fail(png_structp png, png_const_charp msg) {
  auto* r = static_cast<PngReader*>(png_get_error_ptr(png));
  std::snprintf(r->message, sizeof(r->message), "%s", msg);
  longjmp(png_jmpbuf(png), 1);
}

void png_warn(png_structp, png_const_charp) {}

// Pillow's alpha_composite of the pixel on opaque white (AlphaComposite.c, 7-bit precision).
uint8_t on_white(int c, int a) {
  if (a == 0) return 255;
  uint32_t blend = 255u * (255 - a);
  uint32_t outa255 = uint32_t(a) * 255 + blend;
  uint32_t coef1 = uint32_t(a) * 255 * 255 * (1 << 7) / outa255;
  uint32_t coef2 = 255 * (1 << 7) - coef1;
  uint32_t t = uint32_t(c) * coef1 + 255u * coef2 + (0x80 << 7);
  return uint8_t(((((t >> 8) + t) >> 8)) >> 7);
}

struct PngResult {
  int width = 0, height = 0, orientation = 1;
  std::string error;
};

PngResult png_run(const std::vector<uint8_t>& bytes, RgbImage* out) {
  PngResult r;
  PngReader reader{&bytes, 0, {0}};
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &reader, png_fail, png_warn);
  png_infop info = png_create_info_struct(png);
  std::vector<uint8_t>* data = nullptr;
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    delete data;
    r.error = reader.message;
    return r;
  }
  png_set_read_fn(png, &reader, png_read_mem);
  png_read_info(png, info);
  png_uint_32 w, h;
  int depth, color, interlace;
  png_get_IHDR(png, info, &w, &h, &depth, &color, &interlace, nullptr, nullptr);
  r.width = int(w);
  r.height = int(h);
#ifdef PNG_eXIf_SUPPORTED
  png_bytep exif = nullptr;
  png_uint_32 exif_size = 0;
  if (png_get_eXIf_1(png, info, &exif_size, &exif) && exif) r.orientation = exif_orientation(exif, exif_size);
#endif
  if (!out) {
    png_destroy_read_struct(&png, &info, nullptr);
    return r;
  }
  // Pillow: palette images become RGBA through the tRNS alpha; 16-bit colour keeps the high
  // byte; 16-bit grey ("I;16") is scaled to 8 bits; grey and RGB ignore tRNS; no gamma.
  const bool grey16 = depth == 16 && color == PNG_COLOR_TYPE_GRAY;
  if (color == PNG_COLOR_TYPE_PALETTE) {
    png_set_palette_to_rgb(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
  }
  if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (depth == 16 && !grey16) png_set_strip_16(png);
  if (grey16) png_set_swap(png);  // host-order 16-bit samples (little-endian hosts)
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  const int ch = png_get_channels(png, info);
  const size_t stride = png_get_rowbytes(png, info);
  data = new std::vector<uint8_t>(stride * h);
  std::vector<png_bytep> rows(h);
  for (png_uint_32 y = 0; y < h; ++y) rows[y] = data->data() + y * stride;
  png_read_image(png, rows.data());
  png_read_end(png, nullptr);
  png_destroy_read_struct(&png, &info, nullptr);
  *out = RgbImage(int(w), int(h));
  for (png_uint_32 y = 0; y < h; ++y) {
    const uint8_t* s = rows[y];
    uint8_t* o = out->row(int(y));
    for (png_uint_32 x = 0; x < w; ++x) {
      uint8_t* p = o + 3 * x;
      if (grey16) {
        uint16_t v;
        std::memcpy(&v, s + 2 * x, 2);
        double g = double(v) / 65535.0 * 255.0 + 0.5;  // runtime/image.py to_rgb, float64
        p[0] = p[1] = p[2] = uint8_t(g < 0 ? 0 : g > 255 ? 255 : g);
      } else if (ch == 1) {
        p[0] = p[1] = p[2] = s[x];
      } else if (ch == 2) {  // grey + alpha
        p[0] = p[1] = p[2] = on_white(s[2 * x], s[2 * x + 1]);
      } else if (ch == 3) {
        std::memcpy(p, s + 3 * x, 3);
      } else {
        for (int c = 0; c < 3; ++c) p[c] = on_white(s[4 * x + c], s[4 * x + 3]);
      }
    }
  }
  delete data;
  return r;
}

bool is_png(const std::vector<uint8_t>& b) { return b.size() >= 8 && png_sig_cmp(b.data(), 0, 8) == 0; }
bool is_jpeg(const std::vector<uint8_t>& b) { return b.size() >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF; }

}  // namespace

ImageFile open_image_file(const std::string& path, int64_t max_pixels) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw BadInput(path + ": no such image file");
  ImageFile f;
  f.path = path;
  f.bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (in.bad()) throw BadInput(path + ": cannot be read");
  std::string error;
  if (is_jpeg(f.bytes)) {
    f.format = ImageFormat::Jpeg;
    JpegResult r = jpeg_run(f.bytes, 1, nullptr);
    f.width = r.width, f.height = r.height, f.orientation = r.orientation, error = r.error;
  } else if (is_png(f.bytes)) {
    f.format = ImageFormat::Png;
    PngResult r = png_run(f.bytes, nullptr);
    f.width = r.width, f.height = r.height, f.orientation = r.orientation, error = r.error;
  } else {
    throw BadInput(path + ": not an image file bluev-runner can read (JPEG or PNG)");
  }
  if (!error.empty()) throw BadInput(path + ": unreadable or truncated image (" + error + ")");
  if (f.width <= 0 || f.height <= 0) throw BadInput(path + ": image has no pixels");
  int64_t pixels = int64_t(f.width) * f.height;
  if (pixels > max_pixels) {
    char msg[160];
    std::snprintf(msg, sizeof(msg), ": %dx%d is %.1f MP, over the %.0f MP cap (decompression-bomb guard)",
                  f.width, f.height, double(pixels) / 1e6, double(max_pixels) / 1e6);
    throw BadInput(path + msg);
  }
  return f;
}

RgbImage decode_rgb(const ImageFile& f, int need_w, int need_h) {
  RgbImage img;
  std::string error;
  if (f.format == ImageFormat::Jpeg) {
    error = jpeg_run(f.bytes, draft_scale(f.width, f.height, need_w, need_h), &img).error;
  } else {
    error = png_run(f.bytes, &img).error;
  }
  if (!error.empty()) throw BadInput(f.path + ": unreadable or truncated image (" + error + ")");
  return img;
}

}  // namespace bluev
