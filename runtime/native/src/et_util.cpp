#include "et_util.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <malloc.h>
#include <sstream>

#include <executorch/runtime/platform/platform.h>

#include "errors.h"

// The wheels ship no extension/threadpool/threadpool.h, only the library; an ExecuTorch
// source build has the header. These are the two members of its ThreadPool we call.
#if __has_include(<executorch/extension/threadpool/threadpool.h>)
#include <executorch/extension/threadpool/threadpool.h>
#else
namespace executorch::extension::threadpool {
class ThreadPool {
 public:
  bool _unsafe_reset_threadpool(uint32_t num_threads);
  size_t get_thread_count();
};
ThreadPool* get_threadpool();
}  // namespace executorch::extension::threadpool
#endif

namespace bluev {

using executorch::runtime::Error;

namespace {

bool g_verbose_logs = false;

void emit_log(et_timestamp_t, et_pal_log_level_t level, const char* file, const char*, size_t line,
              const char* message, size_t length) {
  if (!g_verbose_logs && level != kError && level != kFatal) return;
  std::fprintf(stderr, "executorch: %c %s:%zu] %.*s\n", char(level), file, line, int(length), message);
}

}  // namespace

void configure_logging(bool verbose) {
  g_verbose_logs = verbose;
  executorch::runtime::register_pal(executorch::runtime::PalImpl::create(emit_log, __FILE__));
}

std::unique_ptr<Module> load_program(const std::string& path, const std::vector<std::string>& methods,
                                     const std::string& data_path) {
  // mmap: weights stay in the page cache instead of a second copy in our heap (the data file's too).
  auto m = data_path.empty() ? std::make_unique<Module>(path, Module::LoadMode::Mmap)
                             : std::make_unique<Module>(path, data_path, Module::LoadMode::Mmap);
  Error err = m->load();
  if (err != Error::Ok) {
    const std::string with = data_path.empty() ? "" : " with its data file " + data_path;
    throw BadInput(path + ": ExecuTorch could not load the program" + with + " (error " +
                   std::to_string(int(err)) + ")");
  }
  for (const std::string& name : methods) {
    err = m->load_method(name);
    if (err != Error::Ok) {
      throw BadInput(path + ": ExecuTorch could not load method '" + name + "' (error " +
                     std::to_string(int(err)) + "; a missing operator is logged above)");
    }
  }
  return m;
}

std::vector<EValue> run_method(Module& m, const std::string& path, const std::string& method,
                               const std::vector<EValue>& inputs) {
  auto result = m.execute(method, inputs);
  if (!result.ok()) {
    throw BadInput(path + ": method '" + method + "' failed (ExecuTorch error " +
                   std::to_string(int(result.error())) + ")");
  }
  return std::move(result.get());
}

std::vector<float> float_output(const std::vector<EValue>& outputs, const std::string& what) {
  if (outputs.empty() || !outputs[0].isTensor()) throw BadInput(what + ": the program returned no tensor");
  const auto& t = outputs[0].toTensor();
  if (t.scalar_type() != executorch::aten::ScalarType::Float) {
    throw BadInput(what + ": expected a float32 output");
  }
  const float* p = t.const_data_ptr<float>();
  return std::vector<float>(p, p + t.numel());
}

void set_threads(int n) {
  if (n > 0) executorch::extension::threadpool::get_threadpool()->_unsafe_reset_threadpool(uint32_t(n));
}

namespace {

double g_earlier_peak_mb = 0.0;  // the process's peak before the last phase_peak_rss_mb reset VmHWM

double vm_hwm_mb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      std::istringstream in(line.substr(6));
      double kb = 0;
      in >> kb;
      return kb / 1024.0;
    }
  }
  return 0.0;
}

}  // namespace

double peak_rss_mb() { return std::max(vm_hwm_mb(), g_earlier_peak_mb); }

double phase_peak_rss_mb() {
  const double phase = vm_hwm_mb();
  const double peak = peak_rss_mb();
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  clear.close();
  if (!clear) return peak;
  g_earlier_peak_mb = peak;
  return phase;
}

void release_freed_memory() {
#if defined(__GLIBC__)
  malloc_trim(0);
#elif defined(M_PURGE)  // Android's bionic
  mallopt(M_PURGE, 0);
#endif
}

}  // namespace bluev
