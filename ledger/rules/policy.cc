// Policy: national defaults and per-province overrides read from JSON.
#include "ledger/rules/policy.h"

#include <cmath>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "ledger/base/strings.h"
#include "ledger/rules/areas.h"
#include "ledger/base/dates.h"

namespace xueji {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;


absl::Status Invalid(std::string_view where, std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("policy: ", Av(where), ": ", Av(what)));
}

// An integer field in [lo, hi].
absl::Status ReadInt(const Value& value, std::string_view where, int lo, int hi,
                     int* out) {
  if (value.kind_case() != Value::kNumberValue) {
    return Invalid(where, "must be a number");
  }
  double d = value.number_value();
  if (d != std::floor(d) || d < lo || d > hi) {
    return Invalid(where, absl::StrCat("must be a whole number from ", lo,
                                       " to ", hi));
  }
  *out = static_cast<int>(d);
  return absl::OkStatus();
}

// "MM-DD", a day that exists in every year (so not 02-29).
absl::Status ReadCutoff(const Value& value, std::string_view where,
                        Policy* policy) {
  if (value.kind_case() != Value::kStringValue) {
    return Invalid(where, "must be a string \"MM-DD\"");
  }
  absl::StatusOr<absl::CivilDay> day =
      ParseDate(absl::StrCat("2001-", value.string_value()));
  if (!day.ok()) return Invalid(where, "must be a real day \"MM-DD\"");
  policy->primary_entry_cutoff_month = day->month();
  policy->primary_entry_cutoff_day = day->day();
  return absl::OkStatus();
}

// Applies the fields present in `block` (a JSON object) on top of `policy`.
absl::Status ApplyBlock(const Value& block, std::string_view where,
                        Policy* policy) {
  if (block.kind_case() != Value::kStructValue) {
    return Invalid(where, "must be an object");
  }
  for (const auto& [key, value] : block.struct_value().fields()) {
    std::string at = absl::StrCat(Av(where), ".", key);
    absl::Status s;
    if (key == "establishMonths") {
      s = ReadInt(value, at, 0, 120, &policy->establish_months);
    } else if (key == "transferWorkingDays") {
      s = ReadInt(value, at, 0, 1000, &policy->transfer_working_days);
    } else if (key == "approveWorkingDays") {
      s = ReadInt(value, at, 0, 1000, &policy->approve_working_days);
    } else if (key == "admissionMinAgeYears") {
      s = ReadInt(value, at, 0, 10, &policy->admission_min_age_years);
    } else if (key == "primaryEntryAge") {
      s = ReadInt(value, at, 1, 12, &policy->primary_entry_age);
    } else if (key == "primaryEntryCutoff") {
      s = ReadCutoff(value, at, policy);
    } else if (key == "sealAfterMonths") {
      s = ReadInt(value, at, 1, 1200, &policy->seal_after_months);
    } else if (key == "cancelWorkingDays") {
      s = ReadInt(value, at, 0, 1000, &policy->cancel_working_days);
    } else if (key == "temporaryNumberMonths") {
      s = ReadInt(value, at, 1, 120, &policy->temporary_number_months);
    } else {
      return Invalid(at, "unknown key");
    }
    if (!s.ok()) return s;
  }
  if (policy->admission_min_age_years >= policy->primary_entry_age) {
    return Invalid(where,
                   "admissionMinAgeYears must be below primaryEntryAge");
  }
  return absl::OkStatus();
}

}  // namespace

absl::CivilDay Policy::PrimaryEntryDate(absl::CivilDay birth) const {
  bool by_cutoff =
      birth.month() < primary_entry_cutoff_month ||
      (birth.month() == primary_entry_cutoff_month &&
       birth.day() <= primary_entry_cutoff_day);
  absl::civil_year_t year =
      birth.year() + primary_entry_age + (by_cutoff ? 0 : 1);
  return absl::CivilDay(year, 9, 1);
}

absl::StatusOr<PolicyBook> PolicyBook::FromJson(std::string_view json) {
  Struct root;
  auto parsed = google::protobuf::util::JsonStringToMessage(
      std::string(json), &root, google::protobuf::util::JsonParseOptions());
  if (!parsed.ok()) {
    std::string_view msg(parsed.message().data(), parsed.message().size());
    return absl::InvalidArgumentError(
        absl::StrCat("policy: not a JSON object: ", Av(msg)));
  }
  PolicyBook book;
  const auto& fields = root.fields();
  for (const auto& entry : fields) {
    const std::string& key = entry.first;
    if (key != "national" && key != "provinces" && key != "_comment") {
      return Invalid(key, "unknown key (expected national, provinces)");
    }
  }
  if (auto it = fields.find("national"); it != fields.end()) {
    if (absl::Status s = ApplyBlock(it->second, "national", &book.national_);
        !s.ok()) {
      return s;
    }
  }
  auto it = fields.find("provinces");
  if (it == fields.end()) return book;
  if (it->second.kind_case() != Value::kStructValue) {
    return Invalid("provinces", "must be an object keyed by province code");
  }
  for (const auto& [code, block] : it->second.struct_value().fields()) {
    std::string at = absl::StrCat("provinces.", code);
    if (code.size() != 2 || !AreaTable::Default().IsProvince(code)) {
      return Invalid(at, "is not a known 2-digit province code");
    }
    Policy policy = book.national_;
    if (absl::Status s = ApplyBlock(block, at, &policy); !s.ok()) return s;
    book.provinces_.emplace(code, policy);
  }
  return book;
}

absl::StatusOr<PolicyBook> PolicyBook::FromFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("policy: cannot read file ", path));
  }
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<PolicyBook> book = FromJson(text.str());
  if (!book.ok()) {
    return absl::Status(book.status().code(),
                        absl::StrCat(path, ": ", book.status().message()));
  }
  return book;
}

const Policy& PolicyBook::ForCounty(std::string_view county) const {
  if (county.size() >= 2) {
    auto it = provinces_.find(county.substr(0, 2));
    if (it != provinces_.end()) return it->second;
  }
  return national_;
}

}  // namespace xueji
