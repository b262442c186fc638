#include "options.h"

#include <cerrno>
#include <cstdlib>

#include "errors.h"

namespace bluev {
namespace {

long to_int(const std::string& flag, const std::string& v, long lo) {
  char* end = nullptr;
  errno = 0;
  long x = std::strtol(v.c_str(), &end, 10);
  if (v.empty() || *end || errno || x < lo) {
    throw BadInput(flag + ": expected an integer >= " + std::to_string(lo) + ", got '" + v + "'");
  }
  return x;
}

double to_double(const std::string& flag, const std::string& v, double lo, double hi) {
  char* end = nullptr;
  double x = std::strtod(v.c_str(), &end);
  if (v.empty() || *end || !(x >= lo && x <= hi)) {
    throw BadInput(flag + ": expected a number in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                   "], got '" + v + "'");
  }
  return x;
}

}  // namespace

const char* usage() {
  return "usage: bluev-runner --artifacts DIR [--image FILE] --prompt TEXT [options]\n"
         "\n"
         "Answers one prompt with a bluev artifact set (bluev export): the answer streams to\n"
         "stdout; errors go to stderr as one line (exit code 2 for bad input).\n"
         "\n"
         "  --artifacts DIR        artifact directory (manifest.json and the files it names)\n"
         "  --image FILE           a JPEG or PNG picture (multimodal artifacts)\n"
         "  --prompt TEXT          the user's question\n"
         "  --max-new-tokens N     tokens to generate at most (128)\n"
         "  --seq-len N            context to use, at most the export's max_seq_len\n"
         "  --threads N            ExecuTorch threads (0: its default, the cores it finds)\n"
         "  --temperature T        0 = greedy (default); > 0 samples\n"
         "  --top-k K, --top-p P   sampling filters (0 / 1 = off)\n"
         "  --seed N               sampling seed\n"
         "  --warmup N             unmeasured runs first (0)\n"
         "  --runs N               measured runs (1); stats then carry medians and \"runs\"\n"
         "  --preload-llm          with --image: load the LLM up front beside the vision programs\n"
         "                         and keep both (TTFT without the LLM's load; steady-state\n"
         "                         timing). Without it the vision programs are freed once the\n"
         "                         picture is encoded and only then is the LLM loaded (lower peak\n"
         "                         memory; llm_load_ms is part of TTFT, and every run repeats it)\n"
         "  --stats-json           after the answer, print the stats as one JSON line on stdout\n"
         "                         (the keys of `bluev run --json` stats)\n"
         "  --token-ids            add the generated \"token_ids\" to the stats\n"
         "  --no-verify            skip the sha256 check of the files the manifest names\n"
         "  --verbose              progress on stderr\n"
         "  --help                 this text\n";
}

Options parse_options(int argc, char** argv) {
  Options o;
  bool have_prompt = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    std::string value;
    size_t eq = a.find('=');
    bool inline_value = a.rfind("--", 0) == 0 && eq != std::string::npos;
    if (inline_value) {
      value = a.substr(eq + 1);
      a = a.substr(0, eq);
    }
    auto next = [&]() -> std::string {
      if (inline_value) return value;
      if (i + 1 >= argc) throw BadInput(a + ": needs a value");
      return argv[++i];
    };
    if (a == "--artifacts") o.artifacts = next();
    else if (a == "--image") o.request.image = next();
    else if (a == "--prompt") o.request.prompt = next(), have_prompt = true;
    else if (a == "--max-new-tokens") o.request.max_new_tokens = int(to_int(a, next(), 0));
    else if (a == "--seq-len") o.request.seq_len = int(to_int(a, next(), 1));
    else if (a == "--threads") o.threads = int(to_int(a, next(), 0));
    else if (a == "--warmup") o.warmup = int(to_int(a, next(), 0));
    else if (a == "--runs") o.runs = int(to_int(a, next(), 1));
    else if (a == "--temperature") o.request.sampler.temperature = to_double(a, next(), 0.0, 100.0);
    else if (a == "--top-k") o.request.sampler.top_k = int(to_int(a, next(), 0));
    else if (a == "--top-p") o.request.sampler.top_p = to_double(a, next(), 1e-9, 1.0);
    else if (a == "--seed") o.request.sampler.seed = uint64_t(to_int(a, next(), 0)), o.request.sampler.seeded = true;
    else if (a == "--stats-json" && !inline_value) o.stats_json = true;
    else if (a == "--token-ids" && !inline_value) o.token_ids = true;
    else if (a == "--no-verify" && !inline_value) o.verify = false;
    else if (a == "--preload-llm" && !inline_value) o.preload_llm = true;
    else if (a == "--verbose" && !inline_value) o.verbose = true;
    else if ((a == "--help" || a == "-h") && !inline_value) o.help = true;
    else throw BadInput(a + ": unknown option (see --help)");
  }
  if (o.help) return o;
  if (o.artifacts.empty()) throw BadInput("--artifacts DIR is required");
  if (!have_prompt) throw BadInput("--prompt TEXT is required");
  return o;
}

}  // namespace bluev
