// llama::custom_quantized_sdpa.out beside ExecuTorch's own kernel: the LLM programs' int8-cache
// attention (export/llm.py, int8_cache_attention) through int8_attention, every other call
// through the kernel already registered (ExecuTorch's). Loaded as decode_sdpa.cpp is (the host's
// libbluev_host_kernels.so; bluev-runner on an ExecuTorch source build), and it coexists with
// ExecuTorch's kernel the same way: it carries the kernel key of the tensors those programs
// pass, which a call's lookup prefers to the keyless kernel.
#include "kernels/contiguous.h"
#include "kernels/keyless_kernel.h"
#include "kernels/int8_attention.h"

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

constexpr const char* kOp = "llama::custom_quantized_sdpa.out";
// custom_quantized_sdpa.out(q, k, v, start_pos, attn_mask?, drpout_p, is_causal, scale?,
// q_zero_points?, q_scales?, k_zero_points?, k_scales?, v_zero_points?, v_scales?,
// is_seq_at_dim_2, *, out), then the value it returns (out again).
constexpr size_t kArgs = 17;
enum Arg : size_t {
  kQ = 0, kK, kV, kStartPos, kMask, kDropout, kCausal, kScale,
  kQZeros, kQScales, kKZeros, kKScales, kVZeros, kVScales, kSeqAtDim2, kOut,
};
// The key's tensors in stack order (the absent mask is none): q, k, v int8 (ScalarType 1,
// Char); then zero points int8 and scales float32 (6) for q, k and v; out and the returned
// value float32. All in dim order 0,1,2,3.
constexpr const char* kInt8CacheKey =
    "v1/1;0,1,2,3|1;0,1,2,3|1;0,1,2,3|1;0,1,2,3|6;0,1,2,3|1;0,1,2,3|6;0,1,2,3|1;0,1,2,3|6;0,1,2,3|"
    "6;0,1,2,3|6;0,1,2,3";

std::atomic<uint64_t> calls{0};

Int8AttentionShape shape(const Tensor& q, const Tensor& k) {
  return {q.size(0), q.size(1), q.size(2), k.size(2), q.size(3), k.size(1)};
}

// Whether t is a contiguous 4-d tensor of this dtype and these sizes.
bool is(const Tensor& t, ScalarType dtype, int64_t a, int64_t b, int64_t c, int64_t d) {
  return t.dim() == 4 && t.scalar_type() == dtype && t.size(0) == a && t.size(1) == b && t.size(2) == c &&
         t.size(3) == d && contiguous(t);
}

// A call int8_attention takes: causal, no mask, no dropout, sequence at dim 1, int8 q/k/v with
// per-row float scales and int8 zero points, shapes that agree. Anything else (including
// malformed calls, whose errors ExecuTorch's kernel reports) is not.
bool ours(Span<EValue*> stack) {
  if (stack.size() != kArgs) return false;
  for (size_t i : {kQ, kK, kV, kQZeros, kQScales, kKZeros, kKScales, kVZeros, kVScales, kOut}) {
    if (!stack[i]->isTensor()) return false;
  }
  if (!stack[kStartPos]->isInt() || !stack[kMask]->isNone() || !stack[kDropout]->isDouble() ||
      stack[kDropout]->toDouble() != 0.0 || !stack[kCausal]->isBool() || !stack[kCausal]->toBool() ||
      !(stack[kScale]->isNone() || stack[kScale]->isDouble()) || !stack[kSeqAtDim2]->isBool() ||
      stack[kSeqAtDim2]->toBool()) {
    return false;
  }
  const Tensor& q = stack[kQ]->toTensor();
  const Tensor& k = stack[kK]->toTensor();
  if (q.dim() != 4 || k.dim() != 4) return false;
  const int64_t B = q.size(0), S = q.size(1), H = q.size(2), D = q.size(3), T = k.size(1), Hkv = k.size(2);
  const int64_t pos = stack[kStartPos]->toInt();
  constexpr ScalarType I8 = ScalarType::Char, F32 = ScalarType::Float;
  return is(q, I8, B, S, H, D) && is(k, I8, B, T, Hkv, D) && is(stack[kV]->toTensor(), I8, B, T, Hkv, D) &&
         is(stack[kQZeros]->toTensor(), I8, B, S, H, 1) && is(stack[kQScales]->toTensor(), F32, B, S, H, 1) &&
         is(stack[kKZeros]->toTensor(), I8, B, T, Hkv, 1) && is(stack[kKScales]->toTensor(), F32, B, T, Hkv, 1) &&
         is(stack[kVZeros]->toTensor(), I8, B, T, Hkv, 1) && is(stack[kVScales]->toTensor(), F32, B, T, Hkv, 1) &&
         pos >= 0 && pos + S <= T && int8_attention_fits(shape(q, k));
}

void custom_quantized_sdpa(KernelRuntimeContext& ctx, Span<EValue*> stack) {
  if (!ours(stack)) {
    static const executorch::runtime::OpFunction keyless = keyless_kernel(kOp);
    call_keyless_kernel(keyless, kOp, "only the causal unmasked call is bluev's, and ExecuTorch's kernel is not linked", ctx, stack);
    return;
  }
  const Tensor& q = stack[kQ]->toTensor();
  const Tensor& k = stack[kK]->toTensor();
  Tensor& out = stack[kOut]->toTensor();
  ET_KERNEL_CHECK(ctx, executorch::runtime::resize_tensor(out, q.sizes()) == Error::Ok, InvalidArgument, );
  ET_KERNEL_CHECK(ctx, out.scalar_type() == ScalarType::Float && contiguous(out), InvalidArgument, );
  const float scale =
      stack[kScale]->isNone() ? float(1.0 / std::sqrt(double(q.size(3)))) : float(stack[kScale]->toDouble());
  auto i8 = [&](Arg a) { return stack[a]->toTensor().const_data_ptr<int8_t>(); };
  auto f32 = [&](Arg a) { return stack[a]->toTensor().const_data_ptr<float>(); };
  const Int8AttentionInputs in{i8(kQ), f32(kQScales), i8(kQZeros), i8(kK), f32(kKScales),
                               i8(kKZeros), i8(kV), f32(kVScales), i8(kVZeros)};
  int8_attention(shape(q, k), in, stack[kStartPos]->toInt(), scale, out.mutable_data_ptr<float>());
  calls.fetch_add(1, std::memory_order_relaxed);
}

const Error registered = executorch::runtime::register_kernel(Kernel(kOp, KernelKey(kInt8CacheKey), custom_quantized_sdpa));

}  // namespace
}  // namespace bluev::kernels

// For ctypes: whether the registration took (0: Error::Ok) and how many calls this kernel has run.
extern "C" __attribute__((visibility("default"))) int bluev_int8_attention_status() {
  return int(bluev::kernels::registered);
}
extern "C" __attribute__((visibility("default"))) uint64_t bluev_int8_attention_calls() {
  return bluev::kernels::calls.load();
}
