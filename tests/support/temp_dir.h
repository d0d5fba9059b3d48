// TempDir: a fresh, uniquely named (mkdtemp) directory under the system temp
// dir for one test, removed with everything in it when the TempDir goes away
// (unless $XUEJI_KEEP_TEST_DIRS is set).
#ifndef XUEJI_TESTS_SUPPORT_TEMP_DIR_H_
#define XUEJI_TESTS_SUPPORT_TEMP_DIR_H_

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace xueji {

class TempDir {
 public:
  explicit TempDir(const std::string& tag = "xueji-test") {
    std::string pattern =
        (std::filesystem::temp_directory_path() / (tag + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      std::abort();  // no temporary directory: nothing can be tested
    }
    path_ = pattern;
  }
  // Kept when $XUEJI_KEEP_TEST_DIRS is set (to read a failed test's logs).
  ~TempDir() {
    if (std::getenv("XUEJI_KEEP_TEST_DIRS") != nullptr) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // A path inside the directory (not created).
  std::string Sub(const std::string& name) const {
    return (path_ / name).string();
  }

 private:
  std::filesystem::path path_;
};

}  // namespace xueji

#endif  // XUEJI_TESTS_SUPPORT_TEMP_DIR_H_
