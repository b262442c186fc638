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
// `data_path` (empty: none) is the program's data file (.ptd), where it keeps weights stored
// outside the .pte (a tied token table stored once, manifest components.<name>.data).
std::unique_ptr<Module> load_program(const std::string& path, const std::vector<std::string>& methods,
                                     const std::string& data_path = "");

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

// This process's peak resident memory in MB (VmHWM, kept across phase_peak_rss_mb's resets),
// as runtime/kernels.py peak_rss_mb.
double peak_rss_mb();

// The peak since the previous call (or the start), MB, and the start of the next phase: Linux
// resets VmHWM to the current RSS when "5" is written to /proc/self/clear_refs (proc(5)), as
// runtime/kernels.py phase_peak_rss_mb does. Where that fails every phase reports the peak so far.
double phase_peak_rss_mb();

// Hands the heap's freed pages back to the system, so that a program freed before the next one
// loads (the vision programs before the LLM) lowers the resident peak and not only the heap's
// free lists; runtime/kernels.py release_freed_memory does the same for the Python pipeline.
void release_freed_memory();

}  // namespace bluev
