// De-identification of an export (Art. 22 脱敏或匿名化; issue 10, item 5):
// no name, document number or student number in the file; pseudonyms stable
// within one export and different across exports; cells below the threshold
// suppressed with their rows. Synthetic identities only.
#include "projections/deidentify.h"

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "google/protobuf/util/json_util.h"
#include "ledger/rules/identity.h"

namespace xueji {
namespace {

std::string Id(int seq) {
  char digits[12];  // room for any int: three digits for the tests' 1-999
  std::snprintf(digits, sizeof digits, "%03d", seq);
  std::string first17 = std::string("350502") + "20210506" + digits;
  return first17 + Mod112CheckChar(first17);
}

// Child `seq` at `kg`, born 2021-05-06 (boys odd, girls even), ENROLLED.
ExportSource Source(int seq, std::string kg = "QZ-A") {
  ExportSource source;
  xueji::v1::RecordState& record = source.record;
  const std::string id = Id(seq);
  record.set_subject("stu:G" + id);
  record.set_student_no("G" + id);
  record.set_status(xueji::v1::ENROLLED);
  record.set_kindergarten(std::move(kg));
  record.set_entry_date("2024-09-01");
  record.mutable_child()->set_name("测试儿童" + std::to_string(seq));
  record.mutable_child()->set_gender(seq % 2 ? xueji::v1::MALE
                                             : xueji::v1::FEMALE);
  record.mutable_child()->set_birth_date("2021-05-06");
  record.mutable_child()->set_id_type(xueji::v1::RESIDENT_ID);
  record.mutable_child()->set_id_number(id);
  source.county = "350502";
  return source;
}

// Children 1 to `n`, all at QZ-A.
std::vector<ExportSource> Sources(int n) {
  std::vector<ExportSource> sources;
  for (int seq = 1; seq <= n; ++seq) sources.push_back(Source(seq));
  return sources;
}

ExportSpec Spec(std::vector<std::string> fields, int min_cell,
                std::string secret = "0123456789abcdef0123456789abcdef") {
  ExportSpec spec;
  spec.fields = std::move(fields);
  spec.min_cell = min_cell;
  spec.secret = std::move(secret);
  return spec;
}

std::string Json(const google::protobuf::Message& message) {
  std::string out;
  REQUIRE(google::protobuf::util::MessageToJsonString(message, &out).ok());
  return out;
}

TEST_CASE(
    "Art. 22: an export file carries no name, document number, student "
    "number or full birth date",
    "[deidentify]") {
  const std::vector<ExportSource> sources = Sources(12);
  auto file = Deidentify(Spec({"birthMonth", "gender", "kindergarten", "county",
                               "status", "entryMonth"},
                              2),
                         sources);
  REQUIRE(file.ok());
  REQUIRE(file->rows_size() == 12);
  const std::string json = Json(*file);
  for (const ExportSource& source : sources) {
    const auto& record = source.record;
    CHECK(json.find(record.child().name()) == std::string::npos);
    CHECK(json.find(record.child().id_number()) == std::string::npos);
    CHECK(json.find(record.student_no()) == std::string::npos);
    CHECK(json.find(record.child().id_number().substr(0, 14)) ==
          std::string::npos);  // not even the area and birth date part
  }
  CHECK(json.find("2021-05-06") == std::string::npos);
  CHECK(json.find("2024-09-01") == std::string::npos);
  CHECK(file->rows(0).birth_month() == "2021-05");
  CHECK(file->rows(0).entry_month() == "2024-09");
  CHECK(file->rows(0).county() == "350502");
  CHECK(file->rows(0).pseudonym().size() == 32);
}

TEST_CASE(
    "Art. 22: only the fields asked for — pseudonyms stable within an export "
    "and different across exports",
    "[deidentify]") {
  const std::vector<ExportSource> sources = Sources(6);
  auto first = Deidentify(Spec({"gender"}, 1), sources);
  REQUIRE(first.ok());
  REQUIRE(first->rows_size() == 6);
  CHECK(first->rows(0).birth_month().empty());
  CHECK(first->rows(0).kindergarten().empty());
  // Stable within: the same secret gives each child the same pseudonym, and
  // two children never share one.
  std::set<std::string> pseudonyms;
  for (const ExportSource& source : sources) {
    const std::string p =
        Pseudonym(Spec({}, 1).secret, source.record.subject());
    CHECK(Pseudonym(Spec({}, 1).secret, source.record.subject()) == p);
    pseudonyms.insert(p);
  }
  CHECK(pseudonyms.size() == 6);
  std::set<std::string> in_file;
  for (const auto& row : first->rows()) in_file.insert(row.pseudonym());
  CHECK(in_file == pseudonyms);
  // Another export (another secret): no pseudonym in common.
  auto second = Deidentify(
      Spec({"gender"}, 1, "fedcba9876543210fedcba9876543210"), sources);
  REQUIRE(second.ok());
  for (const auto& row : second->rows()) {
    CHECK(in_file.count(row.pseudonym()) == 0);
  }
  // The same export run again over the same records is the same file.
  auto again = Deidentify(Spec({"gender"}, 1), sources);
  REQUIRE(again.ok());
  CHECK(Json(*again) == Json(*first));
}

TEST_CASE(
    "Art. 22: a cell of fewer children than the threshold is suppressed with "
    "its rows — a cell of exactly the threshold is published",
    "[deidentify]") {
  // QZ-A: 5 boys (odd 1..9), 4 girls (even 2..8); QZ-B: 2 boys.
  std::vector<ExportSource> sources = Sources(9);
  sources.push_back(Source(11, "QZ-B"));
  sources.push_back(Source(13, "QZ-B"));
  auto file = Deidentify(Spec({"kindergarten", "gender"}, 5), sources);
  REQUIRE(file.ok());
  REQUIRE(file->cells_size() == 1);
  CHECK(file->cells(0).key().kindergarten() == "QZ-A");
  CHECK(file->cells(0).key().gender() == xueji::v1::MALE);
  CHECK(file->cells(0).count() == 5);
  CHECK(file->suppressed_cells() == 2);  // QZ-A girls (4), QZ-B boys (2)
  CHECK(file->min_cell() == 5);
  REQUIRE(file->rows_size() == 5);
  for (const auto& row : file->rows()) {
    CHECK(row.kindergarten() == "QZ-A");
    CHECK(row.gender() == xueji::v1::MALE);
  }
  // At 4 the girls' cell is published too; QZ-B's 2 boys still are not.
  auto lower = Deidentify(Spec({"kindergarten", "gender"}, 4), sources);
  REQUIRE(lower.ok());
  CHECK(lower->cells_size() == 2);
  CHECK(lower->suppressed_cells() == 1);
  CHECK(lower->rows_size() == 9);
}

TEST_CASE("Art. 22: unknown fields and short keys are refused",
          "[deidentify]") {
  std::vector<ExportSource> sources{Source(1)};
  CHECK(Deidentify(Spec({"name"}, 5), sources).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(Deidentify(Spec({"gender"}, 5, "short"), sources).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(Deidentify(Spec({}, 5), sources).status().code() ==
        absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace xueji
