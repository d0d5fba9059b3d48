// The streams of `ledger gen`, in the order a day's requests are written:
// admissions, approvals, conversions, transfers, edits, deferrals, leaves,
// duplicate admissions, graduations, then the verification passes (which
// therefore see the state at the end of their day).
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "commands/gen_internal.h"
#include "ledger/base/dates.h"

namespace xueji::gen::internal {
namespace {

std::string Id(std::string_view prefix, const ChildPlan& p) {
  return absl::StrCat(std::string(prefix), "-", p.index);
}

// Optional date if `cond`.
std::optional<CivilDay> If(bool cond, const std::optional<CivilDay>& day) {
  return cond ? day : std::nullopt;
}

}  // namespace

void Generator::BuildStreams() {
  AddChildStreams();
  for (int z = 0; z < m_.years(); ++z) AddYearStreams(z);
  for (int z = 0; z < m_.years(); ++z) {
    AddVerification(z, false);
    AddVerification(z, true);
  }
}

ChildEmit Generator::ApprovalOf(std::string id, std::string request) {
  return [this, id = std::move(id), request = std::move(request)](
             const ChildPlan& p, CivilDay day) {
    Approve(Id(id, p), p.county, day, Id(request, p));
  };
}

void Generator::AddChildStreams() {
  const int64_t n = m_.children();
  auto add = [&](std::string name, int64_t begin, int64_t end, ChildDate date,
                 ChildEmit emit) {
    streams_.push_back(std::make_unique<ChildStream>(
        std::move(name), m_, begin, end, std::move(date), std::move(emit)));
  };
  auto cohort = [&](std::string name, ChildDate date, ChildEmit emit) {
    for (int y = 0; y < m_.years(); ++y) {
      add(absl::StrCat(name, "-", y), m_.CohortBegin(y), m_.CohortBegin(y + 1),
          date, emit);
    }
  };
  cohort(
      "admit", [](const ChildPlan& p) { return p.admit; },
      [this](const ChildPlan& p, CivilDay day) {
        if (p.plant == Plant::kBadCheck) {
          Admit(Id("typo", p), p, p.kg, day, true);
          Expect("INVALID_ID_NUMBER", false, p.plant, m_.FirstNumber(p),
                 m_.KgCode(p.kg), Id("typo", p));
        }
        Admit(Id("adm", p), p, p.kg, day, false);
        ++t_->by_id_type[IdTypeName(p.kind)];
        PlantedAtAdmission(p);
      });
  add(
      "twin-admit", 0, n, [](const ChildPlan& p) { return p.twin_admit; },
      [this](const ChildPlan& p, CivilDay day) {
        int64_t kg = m_.NextKg(p.kg);
        Admit(Id("pd", p), p, kg, day, false);
        Expect("PROBABLE_DUPLICATE", true, p.plant, m_.TwinNumber(p),
               m_.KgCode(kg));
      });
  ChildEmit approve = ApprovalOf("apv", "adm");
  cohort(
      "approve",
      [](const ChildPlan& p) { return If(p.plant != Plant::kLate, p.approve); },
      approve);
  cohort(
      "late-approve",
      [](const ChildPlan& p) { return If(p.plant == Plant::kLate, p.approve); },
      approve);
  add(
      "twin-approve", 0, n, [](const ChildPlan& p) { return p.twin_approve; },
      ApprovalOf("pda", "pd"));
  cohort(
      "convert", [](const ChildPlan& p) { return p.convert; },
      [this](const ChildPlan& p, CivilDay day) {
        OnStudent(Id("cnv", p), m_.Registrar(p.kg), day, "convertNumber",
                  m_.FirstNumber(p),
                  absl::StrCat(",\"idType\":\"RESIDENT_ID\",\"idNumber\":",
                               Q(m_.ConversionId(p))));
      });
  cohort(
      "convert-approve", [](const ChildPlan& p) { return p.convert_approve; },
      ApprovalOf("cva", "cnv"));
}

// Issue 10: the parent applying for a transfer, edit, deferral or leave
// (由父母或者其他监护人提出申请): one synthetic adult resident ID.
constexpr char kApplicant[] =
    ",\"applicant\":{\"name\":\"王芳\",\"relation\":\"MOTHER\","
    "\"idType\":\"RESIDENT_ID\",\"idNumber\":\"350502199001011248\"}";

void Generator::AddYearStreams(int z) {
  const int64_t n = m_.children();
  const int last = m_.years() - 1;
  auto add = [&](std::string name, ChildDate date, ChildEmit emit) {
    streams_.push_back(std::make_unique<ChildStream>(absl::StrCat(name, "-", z),
                                                     m_, 0, n, std::move(date),
                                                     std::move(emit)));
  };
  auto moving = [z, last](const ChildPlan& p) {
    return (p.cls == ChildClass::kTransfer && p.class_year == z) ||
           (p.plant == Plant::kStuck && z == last);
  };
  // The `date` of the children whose change (`cls`) falls in year z.
  auto of_class = [z](ChildClass cls,
                      std::optional<CivilDay> ChildPlan::*date) -> ChildDate {
    return [z, cls, date](const ChildPlan& p) {
      return If(p.cls == cls && p.class_year == z, p.*date);
    };
  };
  add(
      "transfer-out",
      [moving](const ChildPlan& p) { return If(moving(p), p.transfer_out); },
      [this](const ChildPlan& p, CivilDay day) {
        OnStudent(Id("tro", p), m_.Registrar(p.kg), day, "transferOut",
                  m_.NumberOn(p, day),
                  absl::StrCat(",\"toKindergarten\":",
                               Q(m_.KgCode(m_.NextKg(p.kg))), kApplicant));
        if (p.plant == Plant::kStuck) PlantedStuck(p);
      });
  add(
      "transfer-approve",
      [moving](const ChildPlan& p) {
        return If(moving(p), p.transfer_approve);
      },
      ApprovalOf("tra", "tro"));
  add(
      "transfer-in",
      [moving](const ChildPlan& p) { return If(moving(p), p.transfer_in); },
      [this](const ChildPlan& p, CivilDay day) {
        OnStudent(Id("tri", p), m_.Registrar(m_.NextKg(p.kg)), day,
                  "transferIn", m_.NumberOn(p, day), "");
      });
  add("edit", of_class(ChildClass::kEdit, &ChildPlan::edit),
      [this](const ChildPlan& p, CivilDay day) {
        OnStudent(Id("edt", p), m_.Registrar(p.kg), day, "editKeyInfo",
                  m_.NumberOn(p, day),
                  absl::StrCat(",\"child\":", ChildJson(p, true, false),
                               ",\"evidence\":\"户口簿姓名更正\"", kApplicant));
      });
  add("edit-approve", of_class(ChildClass::kEdit, &ChildPlan::edit_approve),
      ApprovalOf("eda", "edt"));
  add("defer", of_class(ChildClass::kDefer, &ChildPlan::defer),
      [this](const ChildPlan& p, CivilDay day) {
        OnStudent(
            Id("dfr", p), m_.Registrar(p.kg), day, "defer", m_.NumberOn(p, day),
            absl::StrCat(",\"untilDate\":", Q(FormatDate(p.defer_until)),
                         ",\"evidence\":\"医院发育评估证明\"", kApplicant));
      });
  add("defer-approve", of_class(ChildClass::kDefer, &ChildPlan::defer_approve),
      ApprovalOf("dfa", "dfr"));
  add("leave", of_class(ChildClass::kLeave, &ChildPlan::leave),
      [this](const ChildPlan& p, CivilDay day) {
        OnStudent(Id("lve", p), m_.Registrar(p.kg), day, "leave",
                  m_.NumberOn(p, day),
                  absl::StrCat(",\"reason\":\"随父母迁居\"", kApplicant));
      });
  add(
      "duplicate",
      [z](const ChildPlan& p) { return If(p.cohort == z, p.duplicate); },
      [this](const ChildPlan& p, CivilDay day) {
        int64_t kg = m_.NextKg(p.kg);
        Admit(Id("dup", p), p, kg, day, false);
        Expect("DUPLICATE_REGISTRATION", false, p.plant, m_.NumberOn(p, day),
               m_.KgCode(kg), Id("dup", p));
      });
  const int graduation_year = m_.start_year() + z + 1;
  add(
      "graduate",
      [graduation_year](const ChildPlan& p) {
        return If(p.graduate && p.graduate->year() == graduation_year,
                  p.graduate);
      },
      [this](const ChildPlan& p, CivilDay day) {
        bool moved = p.transfer_in && *p.transfer_in <= day;
        OnStudent(Id("grd", p), m_.Registrar(moved ? m_.NextKg(p.kg) : p.kg),
                  day, "graduate", m_.NumberOn(p, day), "");
      });
}

void Generator::AddVerification(int z, bool spring) {
  const YearWindows& w = m_.Year(z);
  const std::vector<CivilDay>* days =
      spring ? &w.spring_verify : &w.autumn_verify;
  const int64_t kgs = m_.kindergartens();
  std::string name =
      absl::StrCat(spring ? "verify-spring-" : "verify-autumn-", z);
  streams_.push_back(std::make_unique<IndexStream>(
      name, 0, kgs,
      [days, kgs](int64_t k) {
        size_t at =
            static_cast<size_t>(static_cast<__int128>(k) *
                                static_cast<__int128>(days->size()) / kgs);
        return (*days)[std::min(at, days->size() - 1)];
      },
      [this, z, spring](int64_t k, CivilDay day) {
        Verify(z, spring, k, day, false);
      }));
  CivilDay spot = spring ? w.spring_spot : w.autumn_spot;
  const int64_t per_county = m_.kgs_per_county();
  streams_.push_back(std::make_unique<IndexStream>(
      "spot-" + name, 0, m_.counties(), [spot](int64_t) { return spot; },
      [this, z, spring, per_county](int64_t c, CivilDay day) {
        Verify(z, spring, c * per_county, day, true);
      }));
}

// The present list of kindergarten k at the end of `day`: its own children
// and those of the previous kindergarten of the county (transfers and
// probable-duplicate twins arrive from there). A spot check is the county
// approver's, after all registrars of the term: refused since a term is
// verified once (issue 10), it plants that rejection.
void Generator::Verify(int z, bool spring, int64_t k, CivilDay day, bool spot) {
  const bool final_term = spring && z == m_.years() - 1;
  const int64_t kgs = m_.kindergartens();
  const int64_t prev = m_.PrevKg(k);
  std::vector<std::string> present;
  for (int y = 0; y <= z; ++y) {
    const int64_t end = m_.CohortBegin(y + 1);
    for (int pass = 0; pass < (prev == k ? 1 : 2); ++pass) {
      const int64_t source = pass == 0 ? k : prev;
      for (int64_t i = m_.CohortBegin(y) + source; i < end; i += kgs) {
        ChildPlan p = m_.Child(i);
        if (m_.PresentAt(p, day) == k) {
          if (final_term && p.plant == Plant::kMissing) {
            if (!spot) {
              Expect("PHANTOM", true, p.plant, m_.NumberOn(p, m_.as_of()),
                     m_.KgCode(k));
            }
          } else {
            present.push_back(m_.NumberOn(p, day));
          }
        }
        if (p.twin_admit && *p.twin_admit <= day && m_.NextKg(p.kg) == k) {
          present.push_back(m_.TwinNumber(p));
        }
      }
    }
  }
  std::string term = spring ? absl::StrCat(m_.start_year() + z + 1, "-spring")
                            : absl::StrCat(m_.start_year() + z, "-autumn");
  std::string id =
      absl::StrCat(spot ? "vsp-" : "ver-", term, "-", m_.KgCode(k));
  std::string actor = spot ? m_.Approver(m_.CountyOfKg(k)) : m_.Registrar(k);
  if (spot) {
    // The kindergarten verified this term already: the county's second
    // verification is refused (one a term, Art. 17 ¶3; docs/design.md).
    Expect("TERM_ALREADY_VERIFIED", false, Plant::kNone, "", m_.KgCode(k), id);
  }
  std::string list =
      present.empty()
          ? ""
          : absl::StrCat("\"", absl::StrJoin(present, "\",\""), "\"");
  Request(id, actor, day, "verify",
          absl::StrCat("\"kindergarten\":", Q(m_.KgCode(k)), ",\"term\":",
                       Q(term), ",\"presentStudentNos\":[", list, "]"));
}

}  // namespace xueji::gen::internal
