// bluev's reference kernel for llama::update_cache.out, registered with ExecuTorch's kernel
// registry. The executorch wheels carry ExecuTorch's own kernel only in a library that needs
// libtorch and Python; an ExecuTorch source build has it, and then this file is not linked
// (CMake option BLUEV_LLAMA_KERNELS).
//
// Semantics (extension/llm/custom_ops/op_update_cache.cpp): value [B, S, H, D] is copied into
// cache [B, max_seq, H, D] at positions start_pos .. start_pos + S - 1, for every batch row;
// the out tensor is a placeholder and is returned untouched.
#include "kernels/contiguous.h"

#include <executorch/extension/kernel_util/make_boxed_from_unboxed_functor.h>
#include <executorch/runtime/kernel/kernel_includes.h>

#include <cstring>

namespace bluev::kernels {

using executorch::aten::Tensor;
using executorch::runtime::Error;
using executorch::runtime::KernelRuntimeContext;

namespace {

bool valid(const Tensor& value, const Tensor& cache, int64_t start_pos) {
  ET_CHECK_OR_RETURN_FALSE(value.dim() == 4 && cache.dim() == 4, "update_cache: value and cache must be 4-D");
  ET_CHECK_OR_RETURN_FALSE(value.scalar_type() == cache.scalar_type(), "update_cache: dtype mismatch");
  ET_CHECK_OR_RETURN_FALSE(value.size(0) == cache.size(0) && value.size(2) == cache.size(2) &&
                               value.size(3) == cache.size(3),
                           "update_cache: value [B, S, H, D] does not fit cache [B, T, H, D]");
  ET_CHECK_OR_RETURN_FALSE(start_pos >= 0 && start_pos + value.size(1) <= cache.size(1),
                           "update_cache: positions %" PRId64 "..%" PRId64 " are past the cache (%" PRId64 ")",
                           start_pos, start_pos + int64_t(value.size(1)), int64_t(cache.size(1)));
  ET_CHECK_OR_RETURN_FALSE(contiguous(value) && contiguous(cache), "update_cache: tensors must be contiguous");
  return true;
}

}  // namespace

Tensor& update_cache_out(KernelRuntimeContext& ctx, const Tensor& value, Tensor& cache, const int64_t start_pos,
                         Tensor& out) {
  ET_KERNEL_CHECK(ctx, valid(value, cache, start_pos), InvalidArgument, out);
  const size_t elem = value.element_size();
  const size_t row = size_t(value.size(2)) * value.size(3) * elem;  // one position: H * D
  const size_t value_batch = row * value.size(1), cache_batch = row * cache.size(1);
  const auto* src = static_cast<const uint8_t*>(value.const_data_ptr());
  auto* dst = static_cast<uint8_t*>(cache.mutable_data_ptr());
  for (int64_t b = 0; b < value.size(0); ++b) {
    std::memcpy(dst + b * cache_batch + size_t(start_pos) * row, src + b * value_batch, value_batch);
  }
  return out;
}

}  // namespace bluev::kernels

EXECUTORCH_LIBRARY(llama, "update_cache.out", bluev::kernels::update_cache_out);
