// bluev-runner: answer one prompt (and picture) with a bluev artifact set, natively.
#include <chrono>
#include <cstdio>
#include <exception>
#include <iostream>

#include "errors.h"
#include "et_util.h"
#include "generate.h"
#include "manifest.h"
#include "options.h"

namespace {

void progress(bool on, const std::string& what) {
  if (on) std::fprintf(stderr, "bluev-runner: %s\n", what.c_str());
}

int run(const bluev::Options& o) {
  auto t0 = std::chrono::steady_clock::now();
  bluev::configure_logging(o.verbose);
  bluev::set_threads(o.threads);
  bluev::Manifest m = bluev::read_manifest(o.artifacts, o.verify);
  // One picture and its answer, as `bluev run` does: the ViT and the LLM never share memory.
  const bool after_image = !o.request.image.empty() && !o.preload_llm;
  bluev::Runner runner(m, after_image ? bluev::LoadOrder::kLlmAfterImage : bluev::LoadOrder::kPreload);
  runner.check(o.request);
  auto loaded = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  progress(o.verbose, "loaded " + m.preset + " artifacts in " + std::to_string(int(loaded)) + " ms");
  for (int i = 0; i < o.warmup; ++i) {
    runner.generate(o.request, nullptr);
    progress(o.verbose, "warm-up run " + std::to_string(i + 1) + " done");
  }
  std::vector<bluev::Stats> stats;
  bluev::Generation last;
  for (int i = 0; i < o.runs; ++i) {
    const bool stream = i == o.runs - 1;  // the answer is printed once, by the last run
    last = runner.generate(o.request, [&](const std::string& piece) {
      if (stream) {
        std::fwrite(piece.data(), 1, piece.size(), stdout);
        std::fflush(stdout);
      }
    });
    stats.push_back(last.stats);
  }
  std::fputc('\n', stdout);
  if (o.stats_json) {
    nlohmann::json j = bluev::summarise(stats);
    if (o.token_ids) j["token_ids"] = last.token_ids;
    std::fprintf(stdout, "%s\n", j.dump().c_str());
  }
  std::fflush(stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    bluev::Options o = bluev::parse_options(argc, argv);
    if (o.help) {
      std::fputs(bluev::usage(), stdout);
      return 0;
    }
    return run(o);
  } catch (const bluev::BadInput& e) {
    std::fprintf(stderr, "bluev-runner: error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bluev-runner: internal error: %s\n", e.what());
    return 1;
  }
}
