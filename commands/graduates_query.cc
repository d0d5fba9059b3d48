// ledger graduates --year YYYY [--region CODE] --out FILE: the 升学 hand-over
// (Art. 10, 13). The graduates of a year (records GRADUATED by a Graduated
// event dated in that year), one xueji.v1.GraduateRecord per line (protobuf
// JSON) in a new file of mode 0600 the primary-school register imports
// (docs/design.md, "Hand-over to primary school"). A read like the others
// (commands/reads.h): limited to the reader's region (--as), recorded in the
// access log before the file is written.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "commands/output/output.h"
#include "commands/queries.h"

namespace xueji {
namespace {

int RunGraduates(const GlobalOptions& g, const std::string& year_text,
                 const std::string& region, const std::string& out) {
  int year = 0;
  if (year_text.size() != 4 || !absl::SimpleAtoi(year_text, &year) ||
      year < 1900) {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("--year ", year_text, ": not a year YYYY")));
  }
  if (out.empty()) {
    return Fail(absl::InvalidArgumentError("--out FILE is required"));
  }
  auto q = OpenRead(g);
  if (!q.ok()) return Fail(q.status());
  const std::string what = absl::StrCat(
      "region ", region.empty() ? "(own)" : region, " graduated in ", year);
  int exit = kExitOk;
  auto scoped = ReportRegion(*q, "graduates", what, region, &exit);
  if (!scoped.has_value()) return exit;
  auto graduates = q->views->Graduates(year, *scoped, q->scope.kindergarten);
  if (!graduates.ok()) return Fail(graduates.status());
  std::string text;
  for (const xueji::v1::GraduateRecord& graduate : *graduates) {
    absl::StrAppend(&text, ToJsonLine(graduate), "\n");
  }
  if (auto s =
          q->Record("graduates", what, static_cast<int64_t>(graduates->size()));
      !s.ok()) {
    return Fail(s);
  }
  // A hand-over file is never overwritten.
  if (absl::Status s = WriteNewFile(
          out, text,
          absl::FailedPreconditionError(absl::StrCat(
              "--out ", out,
              " exists: choose another name (never overwritten)")));
      !s.ok()) {
    return Fail(s);
  }
  std::cout << graduates->size() << " graduate(s) of " << year << " written to "
            << out << " (xueji.v1.GraduateRecord, one per line)\n";
  return kExitOk;
}

}  // namespace

void AddGraduatesQuery(CLI::App& app, GlobalOptions& g, RunFn& run) {
  auto year = std::make_shared<std::string>();
  auto region = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto graduates = app.add_subcommand(
      "graduates",
      "升学 hand-over (Art. 13): the graduates of a year (records GRADUATED "
      "that year) as a file the primary-school register takes, one "
      "xueji.v1.GraduateRecord per line (protobuf JSON), a new file of mode "
      "0600. Limited to the reader's region (--as); recorded in the access "
      "log.");
  graduates->add_option("--year", *year, "the graduation year, YYYY")
      ->required();
  graduates->add_option(
      "--region", *region,
      "GB/T 2260 prefix within the reader's region: 2, 4 or 6 digits");
  graduates->add_option("--out", *out, "the file to write (must not exist)")
      ->required();
  graduates->callback([&g, &run, year, region, out] {
    run = [&g, year, region, out] {
      return RunGraduates(g, *year, *region, *out);
    };
  });
}

}  // namespace xueji
