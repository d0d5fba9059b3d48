// Damage done to a ledger's data directory behind its back, for the tests of
// docs/design.md's "Integrity" rules: flipping one bit or truncating a file,
// copying a directory (a backup), listing a store's files; and the request
// the tests submit next.
//
// The ledger must not be running on the directory. Thread-safety: the
// functions touch only the paths they are given.
#ifndef XUEJI_TESTS_DAMAGE_H_
#define XUEJI_TESTS_DAMAGE_H_

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace xueji::e2e {

// A request that depends on the demo term's state (c2 is ENROLLED at
// 350203001): what the tests submit to a damaged ledger, and to a repaired
// one.
inline constexpr char kNextLeave[] =
    R"({"requestId":"next-1","actor":"reg-sm1","occurredOn":"2026-01-05",)"
    R"("leave":{"studentNo":"G350203202011020222","reason":"家长申请",)"
    R"("applicant":{"name":"林妈妈","relation":"MOTHER","idType":"RESIDENT_ID",)"
    R"("idNumber":"350502199001011248"}}})";

// Flips bit `bit` (0-7) of the byte at `offset` of `path`; false if the file
// cannot be read or written or is too short.
bool FlipBit(const std::filesystem::path& path, uint64_t offset, int bit);
// Cuts `path` to `size` bytes.
bool TruncateFile(const std::filesystem::path& path, uint64_t size);
// Copies `from` recursively to `to` (which must not exist).
bool CopyTree(const std::filesystem::path& from,
              const std::filesystem::path& to);
// The regular files under `dir` with at least one byte, in name order.
std::vector<std::filesystem::path> NonEmptyFiles(
    const std::filesystem::path& dir);
// The files of `dir` whose name ends with `suffix` (".log", ".sst"), non-empty
// ones only, in name order.
std::vector<std::filesystem::path> FilesEndingWith(
    const std::filesystem::path& dir, const std::string& suffix);

}  // namespace xueji::e2e

#endif  // XUEJI_TESTS_DAMAGE_H_
