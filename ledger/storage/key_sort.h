// SortByKeyBytes: sorts items by a string key in unsigned byte order (the
// order of the stores' keys, RocksDB's bytewise comparator), for the write-
// outs of FoldKv (fold_kv.h), whose changed rows are sorted before they go to
// a table file.
//
// A multikey quicksort (Bentley and Sedgewick, "Fast algorithms for sorting
// and searching strings", 1997): the items are split three ways on one key
// byte and the middle part goes on at the next byte, so a byte shared by
// many keys (subjects and region codes make long common prefixes) is looked
// at about once per key instead of once per comparison, as std::sort with a
// string comparison does. Not stable; keys are expected to be distinct.
// Recursion goes only into the two smaller parts of each split, so the stack
// holds at most log2(n) frames.
//
// Header only; no state. Thread-compatible: sorts the caller's items only.
#ifndef XUEJI_LEDGER_STORAGE_KEY_SORT_H_
#define XUEJI_LEDGER_STORAGE_KEY_SORT_H_

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <string_view>
#include <utility>

namespace xueji {

namespace key_sort_internal {

// Key byte `depth` as 0..255; -1 past the end (a key sorts before the keys
// it is a prefix of).
inline int ByteAt(std::string_view key, size_t depth) {
  return depth < key.size() ? static_cast<unsigned char>(key[depth]) : -1;
}

inline int MedianOf3(int a, int b, int c) {
  return std::max(std::min(a, b), std::min(std::max(a, b), c));
}

}  // namespace key_sort_internal

// Sorts items[0, n) by key(item) (a std::string_view), all of whose keys
// share their first `depth` bytes.
template <typename T, typename KeyFn>
void SortByKeyBytes(T* items, size_t n, const KeyFn& key, size_t depth = 0) {
  using key_sort_internal::ByteAt;
  while (n > 1) {
    if (n < 12) {  // insertion sort on what is left of the keys
      for (size_t i = 1; i < n; ++i) {
        for (size_t j = i;
             j > 0 && std::string_view(key(items[j])).substr(depth) <
                          std::string_view(key(items[j - 1])).substr(depth);
             --j) {
          std::swap(items[j], items[j - 1]);
        }
      }
      return;
    }
    const int pivot = key_sort_internal::MedianOf3(
        ByteAt(key(items[0]), depth), ByteAt(key(items[n / 2]), depth),
        ByteAt(key(items[n - 1]), depth));
    size_t lt = 0, i = 0, gt = n;  // [0,lt) <, [lt,gt) ==, [gt,n) > pivot
    while (i < gt) {
      const int c = ByteAt(key(items[i]), depth);
      if (c < pivot) {
        std::swap(items[lt++], items[i++]);
      } else if (c > pivot) {
        std::swap(items[i], items[--gt]);
      } else {
        ++i;
      }
    }
    struct Part {
      T* items;
      size_t n;
      size_t depth;
    };
    // Past the end of the keys (pivot -1) the middle part's keys are all
    // equal: nothing is left to sort there.
    Part parts[3] = {{items, lt, depth},
                     {items + lt, pivot < 0 ? 0 : gt - lt, depth + 1},
                     {items + gt, n - gt, depth}};
    std::sort(std::begin(parts), std::end(parts),
              [](const Part& a, const Part& b) { return a.n < b.n; });
    SortByKeyBytes(parts[0].items, parts[0].n, key, parts[0].depth);
    SortByKeyBytes(parts[1].items, parts[1].n, key, parts[1].depth);
    items = parts[2].items;
    n = parts[2].n;
    depth = parts[2].depth;
  }
}

}  // namespace xueji

#endif  // XUEJI_LEDGER_STORAGE_KEY_SORT_H_
