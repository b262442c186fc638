// Pillow's Image.resize(size, BICUBIC) for 8-bit RGB, reproduced exactly: separable
// convolution with the a = -0.5 cubic, support scaled by the reduction factor, coefficients
// in 22-bit fixed point, the two passes in the order Pillow 13 (the version the project installs)
// runs them.
#pragma once

#include "image.h"

namespace bluev {

RgbImage resize_bicubic(const RgbImage& in, int out_w, int out_h);

}  // namespace bluev
