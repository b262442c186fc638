// bluev-runner's command line.
#pragma once

#include <string>

#include "generate.h"

namespace bluev {

struct Options {
  std::string artifacts;
  Request request;
  int threads = 0;  // 0: ExecuTorch's default (the cores it finds)
  int warmup = 0;
  int runs = 1;
  bool stats_json = false;
  bool token_ids = false;  // add "token_ids" to the stats object (the tests compare them)
  bool verify = true;
  bool preload_llm = false;  // with an image: LoadOrder::kPreload instead of kLlmAfterImage
  bool verbose = false;
  bool help = false;
};

// Throws BadInput for an unknown option or a bad value.
Options parse_options(int argc, char** argv);
const char* usage();

}  // namespace bluev
