// Whether an ExecuTorch tensor's elements are laid out row-major without gaps (size-1 dims may
// carry any stride): what bluev's llama kernels index by hand.
#pragma once

#include <executorch/runtime/core/exec_aten/exec_aten.h>

#include <cstdint>

namespace bluev::kernels {

inline bool contiguous(const executorch::aten::Tensor& t) {
  int64_t expect = 1;
  for (int d = int(t.dim()) - 1; d >= 0; --d) {
    if (t.size(d) != 1 && t.strides()[d] != expect) return false;
    expect *= t.size(d);
  }
  return true;
}

}  // namespace bluev::kernels
