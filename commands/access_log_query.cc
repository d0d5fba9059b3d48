// ledger access-log: the reads recorded (commands/access_log.h), checked as a
// chain. Auditors and officers read the reads of the operators of their
// region (queries.h, commands/reads.h).
#include <iostream>
#include <map>
#include <memory>

#include "absl/strings/str_cat.h"
#include "commands/access_log.h"
#include "commands/output/lang.h"
#include "commands/output/output.h"
#include "commands/queries.h"
#include "ledger/base/dates.h"
#include "ledger/rules/areas.h"

namespace xueji {
namespace {

// The region an operator acts in, for scoping the access log: a registrar's
// kindergarten's county, else its org. "" when unknown.
std::string RegionOfOperator(const Views& views, const std::string& id,
                             std::map<std::string, std::string>* cache) {
  auto it = cache->find(id);
  if (it != cache->end()) return it->second;
  std::string region;
  auto op = views.Operator(id);
  if (op.ok() && op->has_value()) {
    region = (*op)->org();
    if ((*op)->role() == xueji::v1::REGISTRAR) {
      auto kg = views.Kindergarten(region);
      region = kg.ok() && kg->has_value() ? (*kg)->county() : "";
    }
  }
  return cache->emplace(id, region).first->second;
}

// ledger access-log: the reads recorded, checked as a chain. Auditors and
// officers read the reads of the operators of their region.
int RunAccessLog(const GlobalOptions& g, const std::string& op,
                 const std::string& since_text) {
  auto parsed = TimeOption("--since", since_text);
  if (!parsed.ok()) return Fail(parsed.status());
  const std::optional<absl::Time> since = *parsed;
  auto c = OpenRead(g);
  if (!c.ok()) return Fail(c.status());
  const std::string what =
      absl::StrCat(op.empty() ? "" : "operator " + op,
                   !op.empty() && since.has_value() ? " " : "",
                   since.has_value() ? "since " + since_text : "");
  if (!c->reader.empty()) {
    auto reader = c->views->Operator(c->reader);
    if (!reader.ok()) return Fail(reader.status());
    const auto role = (*reader)->role();
    if (role != xueji::v1::AUDITOR && role != xueji::v1::OFFICER) {
      return c->Refuse("access-log", what, "NOT_AUTHORIZED",
                       absl::InvalidArgumentError(
                           "NOT_AUTHORIZED: the access log is read by "
                           "auditors and officers"));
    }
  }
  auto report = ReadAccessLog(c->access_log);
  if (!report.ok() && !absl::IsNotFound(report.status())) {
    return Fail(report.status());
  }
  AccessLogReport log = report.ok() ? *std::move(report) : AccessLogReport{};
  std::map<std::string, std::string> regions;
  std::vector<const xueji::v1::AccessEntry*> shown;
  for (const auto& e : log.entries) {
    if (!op.empty() && e.operator_() != op) continue;
    if (since.has_value()) {
      auto at = ParseRfc3339(e.at());
      if (at.ok() && *at < *since) continue;
    }
    if (c->limited()) {
      const std::string region =
          RegionOfOperator(*c->views, e.operator_(), &regions);
      if (region.empty() || !AreaTable::InRegion(region, c->scope.region)) {
        continue;
      }
    }
    shown.push_back(&e);
  }
  if (auto s =
          c->Record("access-log", what, static_cast<int64_t>(shown.size()));
      !s.ok())
    return Fail(s);
  if (g.json) {
    xueji::v1::AccessLogView out;
    for (const auto* e : shown) *out.add_entries() = *e;
    out.set_total(static_cast<int64_t>(log.entries.size()));
    out.set_intact(log.breaks.empty());
    for (const AccessLogBreak& b : log.breaks) {
      auto* brk = out.add_breaks();
      brk->set_line(b.line);
      brk->set_seq(b.seq);
      brk->set_problem(b.problem);
    }
    std::cout << ToJsonPretty(out) << "\n";
  } else {
    Table t({Tr("seq"), Tr("at"), Tr("operator"), Tr("command"), Tr("query"),
             Tr("records"), Tr("refused")});
    for (const auto* e : shown) {
      t.Add({absl::StrCat(e->seq()), e->at(), e->operator_(), e->command(),
             e->query(), absl::StrCat(e->records()), e->refused()});
    }
    t.Print(std::cout);
    std::cout << shown.size() << " of " << log.entries.size() << " entries\n";
  }
  for (const std::string& note : log.notes) {
    std::cerr << "ledger: note: access log " << c->access_log << ": " << note
              << "\n";
  }
  if (!log.breaks.empty()) {
    for (const AccessLogBreak& b : log.breaks) {
      std::cerr << "ledger: BREAK in the access log at line " << b.line
                << (b.seq > 0 ? absl::StrCat(" (entry ", b.seq, ")") : "")
                << ": " << b.problem << "\n";
    }
    const AccessLogBreak& first = log.breaks[0];
    return Fail(absl::DataLossError(absl::StrCat(
        "the access log ", c->access_log, " is broken in ", log.breaks.size(),
        " place(s): the first at line ", first.line,
        first.seq > 0 ? absl::StrCat(" (entry ", first.seq, ")") : "", ": ",
        first.problem)));
  }
  if (!g.json) std::cout << "access log chain intact\n";
  return kExitOk;
}

}  // namespace

void AddAccessLogQuery(CLI::App& app, GlobalOptions& g, RunFn& run) {
  auto aop = std::make_shared<std::string>();
  auto since = std::make_shared<std::string>();
  auto access = app.add_subcommand(
      "access-log",
      "Who read what, when (DATA/access.log, or access.log beside --views "
      "DIR): every read of personal data, refused ones included; checks its "
      "hash chain (exit 3 naming the entry where it breaks). For auditors and "
      "officers: the reads of their region's operators.");
  access->add_option("--operator", *aop, "only this operator's reads");
  access->add_option("--since", *since, "RFC 3339 time: only reads from then");
  access->add_flag("--json", g.json, "JSON instead of a table");
  access->callback([&g, &run, aop, since] {
    run = [&g, aop, since] { return RunAccessLog(g, *aop, *since); };
  });
}

}  // namespace xueji
