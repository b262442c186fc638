// A read-only memory map of a whole file (the static layout's token table): pages come from the
// page cache on demand instead of a heap copy, as ExecuTorch's mmap loader does for the programs.
#pragma once

#include <cstddef>
#include <string>

namespace bluev {

class MappedFile {
 public:
  explicit MappedFile(const std::string& path);  // BadInput naming the file when it cannot be mapped
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const void* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  void* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace bluev
