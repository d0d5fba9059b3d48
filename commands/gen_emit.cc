// The day-by-day writer of `ledger gen`. See gen_emit.h.
#include "commands/gen_emit.h"

#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "commands/gen_internal.h"
#include "commands/session.h"
#include "ledger/base/dates.h"

namespace xueji::gen::internal {

void Generator::Request(const std::string& id, const std::string& actor,
                        CivilDay day, std::string_view action,
                        const std::string& body) {
  requests_.Line(absl::StrCat("{\"requestId\":", Q(id), ",\"actor\":", Q(actor),
                              ",\"occurredOn\":", Q(FormatDate(day)), ",",
                              Q(action), ":{", body, "}}"));
  ++t_->requests;
  ++t_->by_action[std::string(action)];
}

std::string Generator::ChildJson(const ChildPlan& p, bool edited,
                                 bool typo) const {
  std::string json =
      absl::StrCat("{\"name\":", Q(m_.Name(p, edited)),
                   ",\"gender\":", Q(p.female ? "FEMALE" : "MALE"),
                   ",\"birthDate\":", Q(FormatDate(p.birth)),
                   ",\"idType\":", Q(IdTypeName(p.kind)));
  std::string id = m_.IdNumber(p);
  if (typo) {  // a wrong check character
    const std::string chars = "0123456789X";
    size_t at = chars.find(id.back());
    id.back() = chars[(at + 1 + p.index % 10) % chars.size()];
  }
  if (!id.empty()) absl::StrAppend(&json, ",\"idNumber\":", Q(id));
  return json + "}";
}

void Generator::Admit(const std::string& id, const ChildPlan& p, int64_t kg,
                      CivilDay day, bool typo) {
  Request(id, m_.Registrar(kg), day, "admit",
          absl::StrCat("\"kindergarten\":", Q(m_.KgCode(kg)),
                       ",\"child\":", ChildJson(p, false, typo),
                       ",\"entryDate\":", Q(FormatDate(day))));
}

void Generator::Approve(const std::string& id, int county, CivilDay day,
                        const std::string& target) {
  Request(id, m_.Approver(county), day, "approve",
          absl::StrCat("\"requestId\":", Q(target)));
}

void Generator::OnStudent(const std::string& id, const std::string& actor,
                          CivilDay day, std::string_view action,
                          const std::string& student_no,
                          const std::string& extra) {
  Request(id, actor, day, action,
          absl::StrCat("\"studentNo\":", Q(student_no), extra));
}

void Generator::Expect(std::string_view kind, bool anomaly, Plant problem,
                       const std::string& student_no, const std::string& kg,
                       const std::string& request_id) {
  std::string line = absl::StrCat(
      "{\"kind\":", Q(kind),
      ",\"expect\":", Q(anomaly ? "anomaly" : "rejection"),
      ",\"problem\":", Q(PlantName(problem)), ",\"studentNo\":", Q(student_no),
      ",\"kindergarten\":", Q(kg));
  if (!request_id.empty())
    absl::StrAppend(&line, ",\"requestId\":", Q(request_id));
  planted_.Line(line + "}");
  ++(anomaly ? t_->expected_anomalies : t_->expected_rejections);
}

void Generator::PlantedAtAdmission(const ChildPlan& p) {
  const Policy& policy = m_.policy();
  std::string no = m_.FirstNumber(p), kg = m_.KgCode(p.kg);
  if (p.plant == Plant::kLate) {
    Expect("LATE_ESTABLISHMENT", true, p.plant, no, kg);
  } else if (p.plant == Plant::kNever) {
    CivilDay as_of = m_.as_of();
    if (as_of >
        m_.calendar().AddWorkingDays(p.admit, policy.approve_working_days)) {
      Expect("OVERDUE_APPROVAL", true, p.plant, no, kg);
    }
    if (as_of > AddMonths(p.admit, policy.establish_months)) {
      Expect("LATE_ESTABLISHMENT", true, p.plant, no, kg);
    }
  }
  if (p.plant != Plant::kNone) ++t_->planted[PlantName(p.plant)];
}

void Generator::PlantedStuck(const ChildPlan& p) {
  std::string no = m_.NumberOn(p, m_.as_of()), kg = m_.KgCode(p.kg);
  CivilDay deadline = m_.calendar().AddWorkingDays(
      *p.transfer_approve, m_.policy().transfer_working_days);
  // Approved out, the overdue side is the receiving kindergarten (issue 10,
  // Art. 11: each side within transferWorkingDays).
  if (m_.as_of() > deadline) {
    Expect("OVERDUE_TRANSFER", true, p.plant, no, m_.KgCode(m_.NextKg(p.kg)));
  }
  // Not transferred in within twice the deadline, and not listed at the
  // sending kindergarten's last verification: a phantom either way.
  Expect("PHANTOM", true, p.plant, no, kg);
}

void Generator::WriteRegistry() {
  auto line = [&](const std::string& text) {
    registry_.Line(text);
    ++t_->registry_lines;
  };
  for (int64_t k = 0; k < m_.kindergartens(); ++k) {
    line(absl::StrCat("{\"kindergarten\":{\"code\":", Q(m_.KgCode(k)),
                      ",\"name\":", Q(m_.KgName(k)), ",\"county\":",
                      Q(m_.CountyCode(m_.CountyOfKg(k))), "}}"));
  }
  auto op = [&](const std::string& id, std::string_view role,
                const std::string& org) {
    line(absl::StrCat("{\"operator\":{\"id\":", Q(id), ",\"role\":", Q(role),
                      ",\"org\":", Q(org), "}}"));
    ++t_->operators;
  };
  for (int64_t k = 0; k < m_.kindergartens(); ++k) {
    op(m_.Registrar(k), "REGISTRAR", m_.KgCode(k));
  }
  for (int c = 0; c < m_.counties(); ++c) {
    op(m_.Approver(c), "APPROVER", m_.CountyCode(c));
  }
  // Officers and auditors only read; DORMANT_ACCOUNT leaves them out (reads
  // are not recorded), so they plant nothing.
  for (const std::string& province : m_.Provinces()) {
    for (const char* role : {"OFFICER", "AUDITOR"}) {
      op(absl::StrCat(role[0] == 'O' ? "off-" : "aud-", province), role,
         province);
    }
  }
}

absl::Status Generator::Run(bool progress) {
  std::filesystem::path dir = m_.options().out;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot create ", dir.string(), ": ", ec.message()));
  }
  for (auto [file, name] : {std::pair{&registry_, "registry.jsonl"},
                            std::pair{&requests_, "requests.jsonl"},
                            std::pair{&planted_, "planted.jsonl"}}) {
    if (absl::Status s = file->Open(dir / name); !s.ok()) return s;
  }
  WriteRegistry();
  BuildStreams();
  Progress bar("gen: requests written");
  for (CivilDay day = m_.registry_day() + 1; day <= m_.last_day(); ++day) {
    for (auto& stream : streams_) {
      if (absl::Status s = stream->RunDay(day); !s.ok()) return s;
    }
    if (progress) bar.Update(t_->requests);
  }
  for (auto& stream : streams_) {
    if (absl::Status s = stream->Finish(); !s.ok()) return s;
  }
  if (progress) bar.Done(t_->requests);
  for (OutFile* file : {&registry_, &requests_, &planted_}) {
    if (absl::Status s = file->Close(); !s.ok()) return s;
  }
  return WriteSummary();
}

namespace {

std::string JsonMap(const std::map<std::string, int64_t>& map) {
  std::vector<std::string> parts;
  for (const auto& [key, value] : map) {
    parts.push_back(absl::StrCat("\"", key, "\": ", value));
  }
  return absl::StrCat("{", absl::StrJoin(parts, ", "), "}");
}

std::string Midnight(CivilDay day) {
  return absl::StrCat(FormatDate(day), "T00:00:00Z");
}

}  // namespace

absl::Status Generator::WriteSummary() {
  const GenOptions& o = m_.options();
  std::map<std::string, int64_t> planted;
  for (const auto& [plant, name] : kPlantNames) {
    if (plant != Plant::kNone) planted[name] = 0;
  }
  for (const auto& [k, v] : t_->planted) planted[k] = v;
  std::vector<std::string> fields = {
      "\"generator\": \"ledger gen\"",
      absl::StrCat("\"seed\": ", o.seed),
      absl::StrCat("\"children\": ", o.children),
      absl::StrCat("\"schoolYears\": ", o.school_years),
      absl::StrCat("\"startYear\": ", o.start_year),
      absl::StrCat("\"counties\": ", m_.counties()),
      absl::StrCat("\"kindergartens\": ", m_.kindergartens()),
      absl::StrCat("\"operators\": ", t_->operators),
      absl::StrCat("\"registryLines\": ", t_->registry_lines),
      absl::StrCat("\"registryNow\": \"", Midnight(m_.registry_day()), "\""),
      absl::StrCat("\"submitNow\": \"", Midnight(m_.as_of()), "\""),
      absl::StrCat("\"asOf\": \"", FormatDate(m_.as_of()), "\""),
      absl::StrCat("\"requests\": ", t_->requests),
      absl::StrCat("\"requestsByAction\": ", JsonMap(t_->by_action)),
      absl::StrCat("\"admittedByIdType\": ", JsonMap(t_->by_id_type)),
      absl::StrCat("\"planted\": ", JsonMap(planted)),
      absl::StrCat("\"expectedAnomalies\": ", t_->expected_anomalies),
      absl::StrCat("\"expectedRejections\": ", t_->expected_rejections),
      absl::StrCat("\"rates\": {\"duplicate\": ", o.rate_duplicate,
                   ", \"probableDuplicate\": ", o.rate_probable_duplicate,
                   ", \"missing\": ", o.rate_missing,
                   ", \"stuckTransfer\": ", o.rate_stuck_transfer,
                   ", \"lateApproval\": ", o.rate_late_approval,
                   ", \"badCheckDigit\": ", o.rate_bad_check_digit, "}"),
      "\"files\": {\"registry\": \"registry.jsonl\", \"requests\": "
      "\"requests.jsonl\", \"planted\": \"planted.jsonl\"}",
      "\"howTo\": \"LEDGER_NOW=<registryNow> ledger registry load "
      "registry.jsonl; then each day's requests (by occurredOn) with "
      "LEDGER_NOW=<that day>T17:00:00+08:00 ledger submit, as tools/demo.sh "
      "does (the ledger's clock is the only clock); "
      "LEDGER_NOW=<submitNow> ledger anomalies --json --as-of <asOf>\""};
  OutFile summary;
  if (absl::Status s =
          summary.Open(std::filesystem::path(o.out) / "summary.json");
      !s.ok()) {
    return s;
  }
  summary.Line(absl::StrCat("{\n  ", absl::StrJoin(fields, ",\n  "), "\n}"));
  return summary.Close();
}

}  // namespace xueji::gen::internal

namespace xueji::gen {

absl::Status Generate(const GenModel& model, bool progress, GenTotals* totals) {
  internal::Generator generator(model, totals);
  return generator.Run(progress);
}

}  // namespace xueji::gen
