// The one error type a user sees: bad input (artifacts, image, prompt, options).
// main() prints it as one line, "bluev-runner: error: <what>", and exits with code 2.
#pragma once

#include <stdexcept>
#include <string>

namespace bluev {

struct BadInput : std::runtime_error {
  explicit BadInput(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace bluev
