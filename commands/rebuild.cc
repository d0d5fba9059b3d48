#include "commands/rebuild.h"

#include <fcntl.h>
#include <stdio.h>

#include <cerrno>
#include <filesystem>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "commands/session.h"

namespace xueji {

namespace fs = std::filesystem;

// Builds fresh views of `log` at `dir` (removed first); returns their digest.
absl::StatusOr<std::string> BuildViews(EventLog& log, const std::string& dir,
                                       const CatchUpOptions& options,
                                       int64_t* applied,
                                       bool gaps_allowed) {
  if (absl::Status s = Views::Destroy(dir); !s.ok()) return s;
  ViewsOptions views_options;
  views_options.offset_gaps_allowed = gaps_allowed;
  auto views = Views::Open(dir, views_options);
  if (!views.ok()) return views.status();
  Progress progress("replay: events");
  auto n = (*views)->CatchUp(
      log, [&](const CatchUpProgress& p) { progress.Update(p.applied); },
      options);
  if (!n.ok()) return n.status();
  progress.Done(*n);
  *applied = *n;
  return (*views)->Digest();
}

// With renameat2(RENAME_EXCHANGE) the two directories trade places in one
// step (a reader caught in the middle of an open retries). Where the file
// system cannot exchange, two renames.
absl::Status SwapInto(const std::string& fresh, const std::string& target) {
  std::error_code ec;
  if (!fs::exists(target, ec)) {
    fs::rename(fresh, target, ec);
  } else if (::renameat2(AT_FDCWD, fresh.c_str(), AT_FDCWD, target.c_str(),
                         RENAME_EXCHANGE) == 0) {
    fs::remove_all(fresh, ec);  // the old store, now at `fresh`
    return absl::OkStatus();
  } else if (errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP) {
    const std::string old_dir = target + ".old";
    fs::remove_all(old_dir, ec);
    fs::rename(target, old_dir, ec);
    if (!ec) fs::rename(fresh, target, ec);
    if (!ec) fs::remove_all(old_dir, ec);
  } else {
    ec = std::error_code(errno, std::generic_category());
  }
  if (ec) {
    return absl::InternalError(absl::StrCat("cannot swap the rebuilt ", fresh,
                                            " into place: ", ec.message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> DigestOfStore(const std::string& dir) {
  if (!fs::exists(dir)) {
    return absl::NotFoundError(absl::StrCat("no views store at ", dir));
  }
  ViewsOptions options;
  options.secondary = true;
  options.create_if_missing = false;
  auto views = Views::Open(dir, options);
  if (!views.ok()) return views.status();
  return (*views)->Digest();
}

void PrintReplayed(int64_t applied, const std::string& until_text,
                   const std::string& digest,
                   const std::optional<std::string>& before) {
  std::cout << "replayed " << applied << " events"
            << (until_text.empty() ? "" : " up to " + until_text)
            << "; views digest " << digest;
  if (before.has_value() && until_text.empty()) {
    std::cout << (*before == digest ? " (identical to the incremental views)"
                                    : " (DIFFERENT from the previous views)");
  }
  std::cout << "\n";
}

}  // namespace xueji
