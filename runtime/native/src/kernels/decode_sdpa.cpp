// llama::custom_sdpa.out's decode step beside ExecuTorch's own kernel: one-row calls through
// decode_attention, every other call through the kernel already registered (ExecuTorch's). In
// the host's Python runtime (libbluev_host_kernels.so, which bluev.runtime.kernels loads after
// ExecuTorch's libcustom_ops_aot_lib.so) and in bluev-runner on an ExecuTorch source build (the
// NDK route, which links ExecuTorch's custom_ops); the wheel builds' reference custom_sdpa calls
// decode_attention itself.
//
// ExecuTorch refuses a second kernel under an existing name and key, but a call resolves to the
// kernel whose key matches its tensors' dtypes and dim orders before the keyless fallback one,
// which is how ExecuTorch's own kernels are registered. This one carries the key of float32
// contiguous q, k, v and out: what the LLM programs pass (a mask would add a tensor, and such a
// call keeps ExecuTorch's kernel).
#include "kernels/contiguous.h"
#include "kernels/keyless_kernel.h"
#include "kernels/decode_attention.h"

#include <executorch/runtime/kernel/kernel_includes.h>
#include <executorch/runtime/kernel/operator_registry.h>

#include <atomic>
#include <cmath>
#include <cstdint>

namespace bluev::kernels {
namespace {

using executorch::aten::ScalarType;
using executorch::aten::Tensor;
using executorch::runtime::Error;
using executorch::runtime::EValue;
using executorch::runtime::Kernel;
using executorch::runtime::KernelKey;
using executorch::runtime::KernelRuntimeContext;
using executorch::runtime::Span;

constexpr const char* kOp = "llama::custom_sdpa.out";
// custom_sdpa.out(q, k, v, start_pos, attn_mask?, dropout_p, is_causal, scale?, *, out), then
// the value it returns (out again): a boxed kernel's stack carries both.
constexpr size_t kArgs = 10;
// Float32 (ScalarType 6), dim order 0,1,2,3, for the stack's tensors: q, k, v, out, returned.
constexpr const char* kFloatContiguous = "v1/6;0,1,2,3|6;0,1,2,3|6;0,1,2,3|6;0,1,2,3|6;0,1,2,3";

std::atomic<uint64_t> decode_calls{0};

DecodeShape shape(const Tensor& q, const Tensor& k) { return {q.size(0), q.size(2), k.size(2), q.size(3), k.size(1)}; }

// A call decode_attention takes: one causal query row, no mask, shapes that agree.
// Anything else (including malformed calls, whose errors ExecuTorch's kernel reports) is not.
bool decode_step(Span<EValue*> stack) {
  if (stack.size() != kArgs || !stack[0]->isTensor() || !stack[1]->isTensor() || !stack[2]->isTensor() ||
      !stack[3]->isInt() || !stack[4]->isNone() || !stack[6]->isBool() || !stack[6]->toBool() ||
      !(stack[7]->isNone() || stack[7]->isDouble()) || !stack[8]->isTensor()) {
    return false;
  }
  const Tensor& q = stack[0]->toTensor();
  const Tensor& k = stack[1]->toTensor();
  const Tensor& v = stack[2]->toTensor();
  const int64_t pos = stack[3]->toInt();
  if (q.dim() != 4 || k.dim() != 4 || v.dim() != 4 || q.size(1) != 1) return false;
  if (q.scalar_type() != ScalarType::Float || k.scalar_type() != ScalarType::Float ||
      v.scalar_type() != ScalarType::Float) {
    return false;
  }
  if (k.size(0) != q.size(0) || v.size(0) != q.size(0) || k.size(3) != q.size(3) || v.size(3) != q.size(3) ||
      k.size(1) != v.size(1) || k.size(2) != v.size(2) || k.size(2) == 0 || q.size(2) % k.size(2) != 0) {
    return false;
  }
  return pos >= 0 && pos < k.size(1) && contiguous(q) && contiguous(k) && contiguous(v) &&
         decode_attention_fits(shape(q, k));
}

void custom_sdpa(KernelRuntimeContext& ctx, Span<EValue*> stack) {
  if (!decode_step(stack)) {
    static const executorch::runtime::OpFunction keyless = keyless_kernel(kOp);
    call_keyless_kernel(keyless, kOp, "only the decode step is bluev's; load ExecuTorch's libcustom_ops_aot_lib first", ctx, stack);
    return;
  }
  const Tensor& q = stack[0]->toTensor();
  const Tensor& k = stack[1]->toTensor();
  Tensor& out = stack[8]->toTensor();
  ET_KERNEL_CHECK(ctx, executorch::runtime::resize_tensor(out, q.sizes()) == Error::Ok, InvalidArgument, );
  ET_KERNEL_CHECK(ctx, out.scalar_type() == ScalarType::Float && contiguous(out), InvalidArgument, );
  const float scale = stack[7]->isNone() ? float(1.0 / std::sqrt(double(q.size(3)))) : float(stack[7]->toDouble());
  decode_attention(shape(q, k), q.const_data_ptr<float>(),
                   k.const_data_ptr<float>(), stack[2]->toTensor().const_data_ptr<float>(), stack[3]->toInt(), scale,
                   out.mutable_data_ptr<float>());
  decode_calls.fetch_add(1, std::memory_order_relaxed);
}

const Error registered = executorch::runtime::register_kernel(Kernel(kOp, KernelKey(kFloatContiguous), custom_sdpa));

}  // namespace
}  // namespace bluev::kernels

// For bluev.runtime.kernels (ctypes): whether the registration took (0: Error::Ok) and how many decode
// steps this kernel has run (the benchmark states which attention a run used).
extern "C" __attribute__((visibility("default"))) int bluev_host_kernels_status() { return int(bluev::kernels::registered); }
extern "C" __attribute__((visibility("default"))) uint64_t bluev_decode_attention_calls() { return bluev::kernels::decode_calls.load(); }
