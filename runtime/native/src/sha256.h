// SHA-256 of a file, hex: the manifest's per-file hash.
#pragma once

#include <cstdint>
#include <string>

namespace bluev {

// Throws BadInput when the file cannot be read.
std::string sha256_file(const std::string& path);
std::string sha256_hex(const uint8_t* data, size_t size);

}  // namespace bluev
