// SortByKeyBytes: the order of std::sort over the same keys compared as
// unsigned bytes, on the key shapes the stores hold and on odd ones.
#include "ledger/storage/key_sort.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace xueji {
namespace {

// Unsigned byte order, as RocksDB's bytewise comparator (std::string's
// compare is char_traits<char>::compare: memcmp, unsigned too).
bool ByteLess(const std::string& a, const std::string& b) {
  return std::lexicographical_compare(
      a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return static_cast<unsigned char>(x) < static_cast<unsigned char>(y);
      });
}

std::vector<std::string> Sorted(std::vector<std::string> keys) {
  SortByKeyBytes(keys.data(), keys.size(),
                 [](const std::string& k) -> std::string_view { return k; });
  return keys;
}

std::vector<std::string> Expected(std::vector<std::string> keys) {
  std::sort(keys.begin(), keys.end(), ByteLess);
  return keys;
}

TEST_CASE("SortByKeyBytes: nothing, one key, and prefixes before longer keys",
          "[key_sort]") {
  CHECK(Sorted({}).empty());
  CHECK(Sorted({"a"}) == std::vector<std::string>{"a"});
  std::vector<std::string> keys = {"ab", "a", "", "abc", "b", "aa", "a\x01"};
  CHECK(Sorted(keys) ==
        std::vector<std::string>{"", "a", "a\x01", "aa", "ab", "abc", "b"});
}

TEST_CASE("SortByKeyBytes: bytes above 0x7F and NUL sort as unsigned",
          "[key_sort]") {
  std::vector<std::string> keys;
  for (int b = 0; b < 256; ++b) {
    keys.push_back(std::string("k") + static_cast<char>(b));
    keys.push_back(std::string("k") + static_cast<char>(b) + '\0');
  }
  std::shuffle(keys.begin(), keys.end(), std::mt19937(7));
  CHECK(Sorted(keys) == Expected(keys));
  CHECK(Sorted(keys).front() == std::string("k\0", 2));
  CHECK(Sorted(keys).back() == std::string("k\xff\0", 3));
}

TEST_CASE("SortByKeyBytes: the stores' key shapes, shuffled, at many sizes",
          "[key_sort]") {
  // Long shared prefixes (subjects, region codes, big-endian counters),
  // binary suffixes, and keys that are prefixes of others.
  std::mt19937 rng(GENERATE(1u, 2u, 3u));
  const size_t n = GENERATE(2, 11, 12, 13, 100, 5000);
  std::set<std::string> distinct;  // distinct keys, as a map's
  std::uniform_int_distribution<int> shape(0, 4), digit(0, 9), byte(0, 255);
  while (distinct.size() < n) {
    std::string key;
    switch (shape(rng)) {
      case 0:
        key = "stu:L35050220210506";
        for (int i = 0; i < 4; ++i) key += static_cast<char>('0' + digit(rng));
        break;
      case 1:
        key = "h/stu:G3505022021";
        for (int i = 0; i < 3; ++i) key += static_cast<char>('0' + digit(rng));
        for (int i = 0; i < 8; ++i) key += static_cast<char>(byte(rng));
        break;
      case 2:
        key = "d/350502/";
        for (int i = 0; i < digit(rng); ++i)
          key += static_cast<char>(byte(rng));
        break;
      case 3:
        key = std::string(1, static_cast<char>(byte(rng)));
        break;
      default:
        key = "C";
        for (int i = 0; i < digit(rng) % 3; ++i) key += '\0';
        break;
    }
    distinct.insert(key);
  }
  std::vector<std::string> keys(distinct.begin(), distinct.end());
  std::shuffle(keys.begin(), keys.end(), rng);
  CHECK(Sorted(keys) == Expected(keys));
}

TEST_CASE(
    "SortByKeyBytes: many keys equal to a long depth, already sorted "
    "or reversed",
    "[key_sort]") {
  std::vector<std::string> keys;
  const std::string common(200, 'x');
  for (int i = 0; i < 20000; ++i) {
    keys.push_back(common + std::to_string(100000 + i));
  }
  CHECK(Sorted(keys) == Expected(keys));
  std::reverse(keys.begin(), keys.end());
  CHECK(Sorted(keys) == Expected(keys));
}

}  // namespace
}  // namespace xueji
