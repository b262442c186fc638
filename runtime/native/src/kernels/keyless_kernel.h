// The other half of a keyed kernel (decode_sdpa.cpp, quantized_sdpa.cpp): bluev's kernel takes
// the calls it was written for and hands every other one to the kernel registered under the same
// name without a key (ExecuTorch's own), where one is linked.
#pragma once

#include <executorch/runtime/kernel/kernel_includes.h>
#include <executorch/runtime/kernel/operator_registry.h>

namespace bluev::kernels {

// `op`'s keyless kernel, or nullptr where none is linked. Looked up once by each caller (a
// static): the lookup searches the registry by name.
inline executorch::runtime::OpFunction keyless_kernel(const char* op) {
  // No tensor metadata: the lookup returns the keyless kernel, never bluev's keyed one.
  const auto found = executorch::runtime::get_op_function_from_registry(op);
  return found.ok() ? found.get() : nullptr;
}

// Runs `keyless` on the call, or fails it (OperatorMissing, logging `why`) where it is nullptr.
inline void call_keyless_kernel(executorch::runtime::OpFunction keyless, const char* op, const char* why,
                                executorch::runtime::KernelRuntimeContext& ctx,
                                executorch::runtime::Span<executorch::runtime::EValue*> stack) {
  if (keyless == nullptr) {
    ET_LOG(Error, "%s: %s", op, why);
    ctx.fail(executorch::runtime::Error::OperatorMissing);
    return;
  }
  keyless(ctx, stack);
}

}  // namespace bluev::kernels
