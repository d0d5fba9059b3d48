// TempDir: a fresh, uniquely named directory under the system temp dir for
// one test, removed with everything in it when the TempDir goes away.
#ifndef XUEJI_TESTS_TEMP_DIR_H_
#define XUEJI_TESTS_TEMP_DIR_H_

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>

namespace xueji {

class TempDir {
 public:
  explicit TempDir(const std::string& tag = "xueji-test") {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            (tag + "-" + std::to_string(getpid()) + "-" +
             std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string path() const { return path_.string(); }
  // A path inside the directory (not created).
  std::string Sub(const std::string& name) const {
    return (path_ / name).string();
  }

 private:
  std::filesystem::path path_;
};

}  // namespace xueji

#endif  // XUEJI_TESTS_TEMP_DIR_H_
