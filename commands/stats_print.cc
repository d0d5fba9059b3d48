// `ledger stats` printed as tables or CSV: see stats_print.h. Moved from
// report_queries.cc, which reads the view (issue 8).
#include "commands/stats_print.h"

#include <iostream>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "commands/output/lang.h"
#include "commands/output/output.h"
#include "commands/queries.h"

namespace xueji {
namespace {

void PrintCounts(
    const std::string& title,
    const google::protobuf::RepeatedPtrField<xueji::v1::CountRow>& rows) {
  if (rows.empty()) return;
  std::cout << "\n" << title << "\n";
  Table t({Tr("key"), Tr("count")});
  for (const auto& row : rows) {
    xueji::v1::RecordStatus status;  // by status: the status's own name
    const bool is_status = xueji::v1::RecordStatus_Parse(row.key(), &status);
    t.Add({is_status ? StatusName(status) : row.key(),
           absl::StrCat(row.count())});
  }
  t.Print(std::cout);
}

// The flows of a period, in the order the tables and CSV list them.
std::vector<std::pair<std::string, int64_t>> FlowCounts(
    const xueji::v1::StatsFlows& f) {
  return {{"admissions", f.admissions()},
          {"transfersIn", f.transfers_in()},
          {"transfersOut", f.transfers_out()},
          {"leaves", f.leaves()},
          {"graduations", f.graduations()},
          {"deferrals", f.deferrals()},
          {"cancellations", f.cancellations()},
          {"rejectedAdmissions", f.rejected_admissions()}};
}

const char* FlowTitle(const std::string& name) {
  static const std::map<std::string, std::string>* titles =
      new std::map<std::string, std::string>{
          {"admissions", "admissions"},
          {"transfersIn", "transfers in"},
          {"transfersOut", "transfers out"},
          {"leaves", "leaves"},
          {"graduations", "graduations"},
          {"deferrals", "deferrals"},
          {"cancellations", "cancellations"},
          {"rejectedAdmissions", "rejected admissions"}};
  return titles->at(name).c_str();
}

std::string Percent(double rate) {
  return absl::StrFormat("%.1f%%", rate * 100);
}

std::string GroupKeyName(const std::string& by, const std::string& key) {
  if (by != "gender") return key;
  xueji::v1::Gender gender;
  return xueji::v1::Gender_Parse(key, &gender) ? GenderName(gender) : key;
}

}  // namespace

void PrintStatsCsv(const xueji::v1::Stats& stats) {
  // One value per row: the group (a Stats field, a flow, a measure) and its
  // key ("" for a total; with --by, the group's key).
  std::vector<std::vector<std::string>> rows = {
      {"liveRecords", "", absl::StrCat(stats.live_records())}};
  auto add = [&](const char* group, const auto& counts) {
    for (const auto& row : counts) {
      rows.push_back({group, row.key(), absl::StrCat(row.count())});
    }
  };
  add("byCounty", stats.by_county());
  add("byKindergarten", stats.by_kindergarten());
  add("byStatus", stats.by_status());
  add("byAge", stats.by_age());
  add("byGender", stats.by_gender());
  if (!stats.from().empty()) {
    for (const auto& [name, n] : FlowCounts(stats.flows())) {
      rows.push_back({name, "", absl::StrCat(n)});
    }
  }
  rows.push_back({"problemRecords", "", absl::StrCat(stats.problem_records())});
  rows.push_back(
      {"problemRate", "", absl::StrFormat("%.4f", stats.problem_rate())});
  add("anomaliesByKind", stats.anomalies_by_kind());
  auto approvals = [&](const std::string& key,
                       const xueji::v1::StatsApprovals& a) {
    rows.push_back({"approvalsDecided", key, absl::StrCat(a.decided())});
    rows.push_back({"approvalsRejected", key, absl::StrCat(a.rejected())});
    rows.push_back({"approvalsLate", key, absl::StrCat(a.decided_late())});
    rows.push_back({"approvalMeanWorkingDays", key,
                    absl::StrFormat("%.2f", a.mean_working_days())});
    rows.push_back(
        {"approvalMaxWorkingDays", key, absl::StrCat(a.max_working_days())});
    rows.push_back({"approvalsWaiting", key, absl::StrCat(a.waiting())});
    rows.push_back(
        {"approvalsWaitingOverdue", key, absl::StrCat(a.waiting_overdue())});
  };
  approvals("", stats.approvals());
  const bool places = stats.by() == "kindergarten" || stats.by() == "county";
  for (const auto& group : stats.groups()) {
    const std::string prefix = "by_" + stats.by() + ".";
    rows.push_back({prefix + "liveRecords", group.key(),
                    absl::StrCat(group.live_records())});
    for (const auto& row : group.by_status()) {
      rows.push_back({prefix + "status." + row.key(), group.key(),
                      absl::StrCat(row.count())});
    }
    if (!stats.from().empty()) {
      for (const auto& [name, n] : FlowCounts(group.flows())) {
        rows.push_back({prefix + name, group.key(), absl::StrCat(n)});
      }
    }
    if (places) {
      rows.push_back({prefix + "problemRecords", group.key(),
                      absl::StrCat(group.problem_records())});
      rows.push_back({prefix + "problemRate", group.key(),
                      absl::StrFormat("%.4f", group.problem_rate())});
      rows.push_back({prefix + "approvalsDecided", group.key(),
                      absl::StrCat(group.approvals().decided())});
      rows.push_back({prefix + "approvalsLate", group.key(),
                      absl::StrCat(group.approvals().decided_late())});
      rows.push_back({prefix + "approvalsWaitingOverdue", group.key(),
                      absl::StrCat(group.approvals().waiting_overdue())});
    }
  }
  PrintCsv({"group", "key", "count"}, rows);
}

void PrintStatsTable(const xueji::v1::Stats& stats) {
  const bool period = !stats.from().empty();
  if (period) {
    std::cout << "\n"
              << Tr("flows") << " " << stats.from() << " " << Tr("to") << " "
              << stats.to() << "\n";
  }
  if (!stats.by().empty()) {
    const bool places = stats.by() == "kindergarten" || stats.by() == "county";
    std::vector<std::string> header = {Tr(stats.by()), Tr("live")};
    if (period) {
      for (const auto& [name, n] : FlowCounts(stats.flows())) {
        header.push_back(Tr(FlowTitle(name)));
      }
    }
    if (places) {
      header.push_back(Tr("problem records"));
      header.push_back(Tr("rate"));
      header.push_back(Tr("approvals (late)"));
    }
    Table t(header);
    for (const auto& group : stats.groups()) {
      std::vector<std::string> row = {GroupKeyName(stats.by(), group.key()),
                                      absl::StrCat(group.live_records())};
      if (period) {
        for (const auto& [name, n] : FlowCounts(group.flows())) {
          row.push_back(absl::StrCat(n));
        }
      }
      if (places) {
        row.push_back(absl::StrCat(group.problem_records()));
        row.push_back(Percent(group.problem_rate()));
        row.push_back(absl::StrCat(group.approvals().decided(), " (",
                                   group.approvals().decided_late(), ")"));
      }
      t.Add(row);
    }
    std::cout << "\n" << Tr("by " + stats.by()) << "\n";
    t.Print(std::cout);
    if (period) {
      Table flows({Tr("flow"), Tr("count")});
      for (const auto& [name, n] : FlowCounts(stats.flows())) {
        flows.Add({Tr(FlowTitle(name)), absl::StrCat(n)});
      }
      std::cout << "\n" << Tr("total") << "\n";
      flows.Print(std::cout);
    }
  } else {
    if (period) {
      Table flows({Tr("flow"), Tr("count")});
      for (const auto& [name, n] : FlowCounts(stats.flows())) {
        flows.Add({Tr(FlowTitle(name)), absl::StrCat(n)});
      }
      flows.Print(std::cout);
    }
    PrintCounts(Tr("by county"), stats.by_county());
    PrintCounts(Tr("by kindergarten"), stats.by_kindergarten());
    PrintCounts(Tr("by status (all records)"), stats.by_status());
    PrintCounts(Tr("by age (years)"), stats.by_age());
    if (!stats.by_gender().empty()) {
      std::cout << "\n" << Tr("by gender") << "\n";
      Table t({Tr("key"), Tr("count")});
      for (const auto& row : stats.by_gender()) {
        t.Add({GroupKeyName("gender", row.key()), absl::StrCat(row.count())});
      }
      t.Print(std::cout);
    }
  }
  // "label: value" in English, "标签：值" in Chinese.
  const std::string colon = Chinese() ? "：" : ": ";
  const std::string open = Chinese() ? "（" : " (",
                    close = Chinese() ? "）" : ")";
  const std::string comma = Chinese() ? "，" : ", ";
  std::cout << "\n"
            << Tr("problem records") << colon << stats.problem_records() << open
            << (Chinese() ? "占在籍学籍 " + Percent(stats.problem_rate())
                          : Percent(stats.problem_rate()) + " of live records")
            << close << "\n";
  for (const auto& row : stats.anomalies_by_kind()) {
    xueji::v1::Anomaly::Kind kind;
    xueji::v1::Anomaly::Kind_Parse(row.key(), &kind);
    std::cout << "  " << AnomalyKindName(kind) << colon << row.count() << "\n";
  }
  const auto& a = stats.approvals();
  std::cout << Tr("approvals decided") << (period ? Tr(" in the period") : "")
            << colon << a.decided() << open << Tr("rejected") << " "
            << a.rejected() << comma << Tr("late") << " " << a.decided_late()
            << close << comma << Tr("working days mean") << " "
            << absl::StrFormat("%.1f", a.mean_working_days()) << comma
            << Tr("max") << " " << a.max_working_days() << "\n";
  std::cout << Tr("waiting for approval") << colon << a.waiting() << open
            << Tr("overdue now") << " " << a.waiting_overdue() << close << "\n";
}

}  // namespace xueji
