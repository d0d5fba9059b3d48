#include "projections/deidentify.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "ledger/base/sha256.h"
#include "ledger/rules/export_fields.h"

namespace xueji {

using xueji::v1::ExportFile;
using xueji::v1::ExportRow;

namespace {

constexpr size_t kMinSecretBytes = 16;

std::string YearMonth(const std::string& date) {
  return date.size() >= 7 ? date.substr(0, 7) : std::string();
}

// The row of `source` with only `fields` set (no pseudonym).
ExportRow KeyOf(const std::vector<std::string>& fields,
                const ExportSource& source) {
  const xueji::v1::RecordState& record = source.record;
  ExportRow row;
  for (const std::string& field : fields) {
    if (field == "birthMonth") {
      row.set_birth_month(YearMonth(record.child().birth_date()));
    } else if (field == "gender") {
      row.set_gender(record.child().gender());
    } else if (field == "kindergarten") {
      row.set_kindergarten(record.kindergarten());
    } else if (field == "county") {
      row.set_county(source.county);
    } else if (field == "status") {
      row.set_status(record.status());
    } else if (field == "entryMonth") {
      row.set_entry_month(YearMonth(record.entry_date()));
    }
  }
  return row;
}

// A total order on keys (every field, set or not).
auto Tie(const ExportRow& r) {
  return std::make_tuple(r.county(), r.kindergarten(), r.birth_month(),
                         static_cast<int>(r.gender()),
                         static_cast<int>(r.status()), r.entry_month());
}

struct KeyLess {
  bool operator()(const ExportRow& a, const ExportRow& b) const {
    return Tie(a) < Tie(b);
  }
};

}  // namespace

std::string Pseudonym(std::string_view secret, std::string_view subject) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(subject.data()),
           subject.size(), mac, &length) == nullptr) {
    return "";
  }
  return HexEncode(std::string_view(reinterpret_cast<const char*>(mac), length))
      .substr(0, 32);
}

bool IsExportable(const xueji::v1::RecordState& record) {
  return record.status() != xueji::v1::PENDING &&
         record.status() != xueji::v1::RECORD_STATUS_UNSPECIFIED &&
         !record.admission_rejected();
}

absl::StatusOr<ExportFile> Deidentify(
    const ExportSpec& spec, const std::vector<ExportSource>& sources) {
  if (spec.fields.empty()) {
    return absl::InvalidArgumentError("an export names at least one field");
  }
  for (const std::string& field : spec.fields) {
    if (!IsExportField(field)) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown export field \"", field, "\""));
    }
  }
  if (spec.secret.size() < kMinSecretBytes) {
    return absl::InvalidArgumentError(
        "the export's pseudonym key is shorter than 16 bytes");
  }
  if (spec.min_cell < 1) {
    return absl::InvalidArgumentError("min_cell must be at least 1");
  }
  std::map<ExportRow, std::vector<const ExportSource*>, KeyLess> cells;
  for (const ExportSource& source : sources) {
    if (source.record.subject().empty()) {  // every pseudonym would be one
      return absl::InternalError("an export record without its subject");
    }
    cells[KeyOf(spec.fields, source)].push_back(&source);
  }
  ExportFile file;
  file.set_min_cell(spec.min_cell);
  for (const auto& [key, members] : cells) {
    if (static_cast<int64_t>(members.size()) < spec.min_cell) {
      file.set_suppressed_cells(file.suppressed_cells() + 1);
      continue;
    }
    xueji::v1::ExportCell* cell = file.add_cells();
    *cell->mutable_key() = key;
    cell->set_count(static_cast<int64_t>(members.size()));
    for (const ExportSource* member : members) {
      ExportRow* row = file.add_rows();
      *row = key;
      row->set_pseudonym(Pseudonym(spec.secret, member->record.subject()));
    }
  }
  // Rows in pseudonym order: their order says nothing of the records'.
  std::sort(file.mutable_rows()->begin(), file.mutable_rows()->end(),
            [](const ExportRow& a, const ExportRow& b) {
              return a.pseudonym() < b.pseudonym();
            });
  return file;
}

}  // namespace xueji
