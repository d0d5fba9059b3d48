#include "tests/damage.h"

#include <algorithm>
#include <fstream>
#include <system_error>

namespace xueji::e2e {

namespace fs = std::filesystem;

bool FlipBit(const fs::path& path, uint64_t offset, int bit) {
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  if (!file) return false;
  file.seekg(static_cast<std::streamoff>(offset));
  char byte = 0;
  if (!file.get(byte)) return false;
  byte = static_cast<char>(byte ^ (1 << (bit & 7)));
  file.seekp(static_cast<std::streamoff>(offset));
  file.put(byte);
  file.flush();
  return static_cast<bool>(file);
}

bool TruncateFile(const fs::path& path, uint64_t size) {
  std::error_code ec;
  fs::resize_file(path, size, ec);
  return !ec;
}

bool CopyTree(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::copy(from, to, fs::copy_options::recursive, ec);
  return !ec;
}

std::vector<fs::path> NonEmptyFiles(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& entry : fs::recursive_directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.file_size() > 0) {
      out.push_back(entry.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<fs::path> FilesEndingWith(const fs::path& dir,
                                      const std::string& suffix) {
  std::vector<fs::path> out;
  for (const fs::path& file : NonEmptyFiles(dir)) {
    const std::string name = file.filename().string();
    if (name.size() >= suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      out.push_back(file);
    }
  }
  return out;
}

}  // namespace xueji::e2e
