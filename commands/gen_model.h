// The model behind `ledger gen` (issue 4's workload generator): a synthetic
// region — counties drawn from the GB/T 2260 table, kindergartens, operators —
// and the plan of every child's life cycle (identity, admission, approval,
// conversion, transfer, leave, deferral, key-info edit, graduation, planted
// problems). Every child's plan is a pure function of (seed, child index): no
// child is ever held in memory beyond the one being looked at, so the
// generator streams at any size. The dates of each kind of event are
// non-decreasing in the child index (a per-day schedule), which lets the
// emitter (gen_emit.h) write requests in date order with one cursor per kind.
//
// Identities are built so that the ledger's own numbering is predictable:
// within a (county, cohort) every NONE child has its own birth date, and so
// does every J child, so each temporary (L) and foreign (J) number is sequence
// 1 of its prefix (the planted probable duplicate, admitted later under the
// same prefix, is sequence 2). Resident IDs are (county, birth date, sequence)
// triples that are injective in the child index; names are injective too.
//
// Ownership: GenModel owns its tables (counties, calendar windows); plans are
// values. Thread-safety: immutable after Create; safe to share.
#ifndef XUEJI_COMMANDS_GEN_MODEL_H_
#define XUEJI_COMMANDS_GEN_MODEL_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "ledger/base/enum_text.h"
#include "ledger/rules/calendar.h"
#include "ledger/rules/policy.h"

namespace xueji::gen {

struct GenOptions {
  int64_t children = 0;
  uint64_t seed = 1;
  int school_years = 1;
  int start_year = 2025;
  std::string out = "gen-out";
  // Each a probability per eligible child (see Plant).
  double rate_duplicate = 0.005;
  double rate_probable_duplicate = 0.005;
  double rate_missing = 0.005;
  double rate_stuck_transfer = 0.005;
  double rate_late_approval = 0.005;
  double rate_bad_check_digit = 0.005;
};

enum class IdKind { kResident, kNone, kHkMoTw, kForeign };

// The one life-cycle change a (non-planted) child may have, besides
// admission, approval, number conversion (NONE children), verification and
// graduation.
enum class ChildClass { kNone, kTransfer, kLeave, kDefer, kEdit };

// Planted problems. Planted children have no other change.
enum class Plant {
  kNone,
  kDuplicate,  // a second admission elsewhere -> DUPLICATE_REGISTRATION
  kProbable,   // a NONE twin (same name, gender, birth) -> PROBABLE_DUPLICATE
  kMissing,    // left out of the last verification -> PHANTOM
  kStuck,      // transferred out, never in -> OVERDUE_TRANSFER, PHANTOM
  kLate,       // admission approved after 2 months -> LATE_ESTABLISHMENT
  kNever,      // admission never approved -> OVERDUE_APPROVAL, LATE_...
  kBadCheck,   // first admission attempt with a wrong check digit
};

struct ChildPlan {
  int64_t index = 0;
  int cohort = 0;  // school year of admission
  int64_t kg = 0;  // kindergarten of admission
  int county = 0;
  int64_t local = 0;  // index within (county, cohort)
  IdKind kind = IdKind::kResident;
  int64_t ordinal = 0;  // L or J ordinal within (county, cohort)
  int64_t id_seq = 0;   // resident-ID sequence slot (kResident)
  bool female = false;
  absl::CivilDay birth;
  int primary_year = 0;  // year of the primary entry date (1 September)
  ChildClass cls = ChildClass::kNone;
  int class_year = 0;
  Plant plant = Plant::kNone;

  absl::CivilDay admit;
  // convert: the convertNumber request; convert_approve: the county's
  // approval (issue 10), from which the record has its G number.
  std::optional<absl::CivilDay> approve, convert, convert_approve;
  std::optional<absl::CivilDay> transfer_out, transfer_approve, transfer_in;
  std::optional<absl::CivilDay> leave, defer, defer_approve, edit, edit_approve;
  std::optional<absl::CivilDay> duplicate;  // kDuplicate: the second admission
  std::optional<absl::CivilDay> twin_admit, twin_approve;  // kProbable
  std::optional<absl::CivilDay> graduate;
  absl::CivilDay defer_until;
};

// Working days of the windows of one school year (autumn of start_year + z).
struct YearWindows {
  std::vector<absl::CivilDay> admit, transfer, edit, autumn_verify, leave,
      spring, spring_verify, graduate;
  absl::CivilDay autumn_spot, spring_spot;  // the approvers' spot checks
};

class GenModel {
 public:
  static absl::StatusOr<std::unique_ptr<GenModel>> Create(
      const GenOptions& options);

  const GenOptions& options() const { return options_; }
  int64_t children() const { return options_.children; }
  int years() const { return options_.school_years; }
  int start_year() const { return options_.start_year; }

  // Region.
  int counties() const { return static_cast<int>(counties_.size()); }
  int64_t kindergartens() const { return kgs_; }
  int64_t kgs_per_county() const { return kpc_; }
  const std::string& CountyCode(int c) const { return counties_[c]; }
  int CountyOfKg(int64_t k) const { return static_cast<int>(k / kpc_); }
  std::string KgCode(int64_t k) const;
  std::string KgName(int64_t k) const;
  int64_t NextKg(int64_t k) const;  // next in the same county (wraps)
  int64_t PrevKg(int64_t k) const;
  std::string Registrar(int64_t k) const { return "reg-" + KgCode(k); }
  std::string Approver(int c) const { return "appr-" + counties_[c]; }
  std::vector<std::string> Provinces() const;  // used ones, ascending

  // Children of cohort y are [CohortBegin(y), CohortBegin(y + 1)).
  int64_t CohortBegin(int y) const;
  ChildPlan Child(int64_t i) const;

  std::string Name(const ChildPlan& p, bool edited) const;
  std::string IdNumber(const ChildPlan& p) const;      // "" for NONE
  std::string ConversionId(const ChildPlan& p) const;  // NONE children
  std::string FirstNumber(const ChildPlan& p) const;
  std::string NumberOn(const ChildPlan& p, absl::CivilDay day) const;
  std::string TwinNumber(const ChildPlan& p) const;  // kProbable's twin

  // The kindergarten the child is present at by the end of `day`, if any
  // (admitted, not left, graduated or away in a transfer).
  std::optional<int64_t> PresentAt(const ChildPlan& p,
                                   absl::CivilDay day) const;

  const YearWindows& Year(int z) const { return windows_[z]; }
  absl::CivilDay registry_day() const { return registry_day_; }
  absl::CivilDay as_of() const { return as_of_; }
  absl::CivilDay last_day() const { return as_of_; }
  const WorkingCalendar& calendar() const { return *calendar_; }
  const Policy& policy() const { return policy_; }
  // Working day on or after `day`.
  absl::CivilDay OnOrAfter(absl::CivilDay day) const;

 private:
  explicit GenModel(const GenOptions& options) : options_(options) {}
  absl::Status Init();
  void ChooseCounties();
  void BuildWindows();
  void AssignIdentity(ChildPlan* p) const;
  void ChoosePlant(ChildPlan* p, double u) const;
  void ChooseClass(ChildPlan* p, double u, double u_year) const;
  void PlanDates(ChildPlan* p) const;
  bool Young(const ChildPlan& p) const {
    return p.primary_year >= start_year() + years() + 1;
  }

  GenOptions options_;
  const WorkingCalendar* calendar_ = nullptr;
  Policy policy_;
  std::vector<std::string> counties_;
  int64_t kgs_ = 0, kpc_ = 0;
  int kg_digits_ = 3;
  std::vector<YearWindows> windows_;
  absl::CivilDay registry_day_, as_of_;
  std::vector<std::string> surnames_, given_, given_edit_;
  int name_given_len_ = 2;
  uint64_t name_mult_ = 1, name_space_ = 1;
};

// Every plant with its name as written in planted.jsonl and summary.json.
inline constexpr EnumText<Plant, const char*> kPlantNames[] = {
    {Plant::kNone, "none"},
    {Plant::kDuplicate, "duplicate"},
    {Plant::kProbable, "probable-duplicate"},
    {Plant::kMissing, "missing"},
    {Plant::kStuck, "stuck-transfer"},
    {Plant::kLate, "late-approval"},
    {Plant::kNever, "never-approved"},
    {Plant::kBadCheck, "bad-check-digit"},
};
const char* PlantName(Plant plant);

}  // namespace xueji::gen

#endif  // XUEJI_COMMANDS_GEN_MODEL_H_
