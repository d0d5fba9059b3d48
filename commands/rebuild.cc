#include "commands/rebuild.h"

#include <fcntl.h>
#include <stdio.h>

#include <cerrno>
#include <filesystem>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "commands/output/lang.h"
#include "commands/output/output.h"
#include "commands/session.h"

namespace xueji {

namespace fs = std::filesystem;

// Builds fresh views of `log` at `dir` (removed first); returns their digest.
// The rows fold in memory and go to the store as sorted files
// (CatchUpOptions::fold_in_memory): nothing else writes a store being built.
absl::StatusOr<std::string> BuildViews(EventLog& log, const std::string& dir,
                                       const CatchUpOptions& catch_up,
                                       int64_t* applied, bool gaps_allowed) {
  CatchUpOptions options = catch_up;
  options.fold_in_memory = true;
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

absl::StatusOr<std::string> DigestOfStore(const std::string& dir,
                                          bool content) {
  if (!fs::exists(dir)) {
    return absl::NotFoundError(absl::StrCat("no views store at ", dir));
  }
  ViewsOptions options;
  options.secondary = true;
  options.create_if_missing = false;
  auto views = Views::Open(dir, options);
  if (!views.ok()) return views.status();
  return content ? (*views)->ContentDigest() : (*views)->Digest();
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

xueji::v1::VerifyReport VerifyReportOf(const VerifyReport& chains,
                                       const std::vector<int64_t>& heads) {
  xueji::v1::VerifyReport out;
  for (size_t p = 0; p < chains.head_hashes.size(); ++p) {
    auto* partition = out.add_partitions();
    partition->set_partition(static_cast<int32_t>(p));
    partition->set_events(p < heads.size() ? heads[p] : -1);
    partition->set_head_hash(chains.head_hashes[p]);
  }
  out.set_events_checked(chains.events_checked);
  for (const ChainBreak& b : chains.breaks) {
    auto* brk = out.add_breaks();
    brk->set_partition(b.partition);
    brk->set_offset(b.offset);
    brk->set_problem(b.problem);
  }
  return out;
}

void PrintVerifyReport(const xueji::v1::VerifyReport& report, bool json) {
  if (json) {
    std::cout << ToJsonPretty(report) << "\n";
    return;
  }
  if (report.partitions_size() > 0 || report.events_checked() > 0) {
    Table t({Tr("partition"), Tr("events"), Tr("head hash (SHA-256)")});
    for (const auto& p : report.partitions()) {
      t.Add({absl::StrCat(p.partition()),
             p.events() < 0 ? "?" : absl::StrCat(p.events()), p.head_hash()});
    }
    t.Print(std::cout);
    std::cout << report.events_checked() << " " << Tr("events checked") << "\n";
  }
  for (const auto& b : report.breaks()) {
    std::cout << "BREAK at partition " << b.partition() << " offset "
              << b.offset() << ": " << b.problem() << "\n";
  }
  if (report.has_signatures()) {
    const auto& s = report.signatures();
    for (const std::string& problem : s.problems()) {
      std::cout << "SIGNATURE at " << problem << "\n";
    }
    std::cout << s.batches_checked() << " signed batches checked ("
              << s.signed_events() << " signed events)\n";
    if (s.problems().empty()) std::cout << "signatures intact\n";
  }
  if (report.has_digest()) {
    const auto& d = report.digest();
    std::cout << "digest " << d.file() << ", taken at " << d.taken_at()
              << (d.signer().empty() ? "" : " by " + d.signer()) << ":\n";
    for (const std::string& line : d.matched()) {
      std::cout << "  " << line << "\n";
    }
    if (d.problems().empty()) {
      std::cout << "the log still holds the history the digest anchored\n";
    }
    for (const std::string& problem : d.problems()) {
      std::cout << "DIGEST MISMATCH: " << problem << "\n";
    }
  }
  for (const std::string& problem : report.damage()) {
    std::cout << "DAMAGE: " << problem << "\n";
  }
  if (!report.intact()) return;
  std::cout << Tr("hash chains intact") << "\n";
  if (!report.has_views() || !report.views().identical()) return;
  const auto& v = report.views();
  std::cout << "views identical to a rebuild from the log (" << v.events()
            << " events)\n";
  if (!v.until().empty()) {
    std::cout << "views are as of " << v.until()
              << " (`ledger replay --until`): " << v.behind()
              << " later event(s) not in them\n";
  } else if (v.behind() > 0) {
    std::cout << "views are " << v.behind()
              << " event(s) behind the log; the next ledger command catches "
                 "them up\n";
  }
}

}  // namespace xueji
