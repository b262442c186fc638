// Thin helpers over ExecuTorch's Module API: load with one-line errors, tensors in and out.
#pragma once

#include <executorch/extension/module/module.h>
#include <executorch/extension/tensor/tensor.h>

#include <memory>
#include <string>
#include <vector>

namespace bluev {

using executorch::extension::Module;
using executorch::extension::TensorPtr;
using executorch::runtime::EValue;

// A program with the named methods loaded; BadInput naming the file when ExecuTorch refuses.
std::unique_ptr<Module> load_program(const std::string& path, const std::vector<std::string>& methods);

// Runs one method; BadInput naming the file and method on failure.
std::vector<EValue> run_method(Module& m, const std::string& path, const std::string& method,
                               const std::vector<EValue>& inputs);

// The first output as floats (copied out of the method's memory).
std::vector<float> float_output(const std::vector<EValue>& outputs, const std::string& what);

// ExecuTorch's shared thread pool (XNNPACK and our kernels); n <= 0 keeps the default.
void set_threads(int n);

// ExecuTorch's log lines on stderr: errors only, or everything with verbose (its info lines,
// such as the CPU probe of the thread pool, would break the one-line error contract).
void configure_logging(bool verbose);

// VmHWM of this process in MB, as runtime/pipeline.py peak_rss_mb.
double peak_rss_mb();

}  // namespace bluev
