// De-identified export (Art. 22 数据使用权限; issue 10, item 5) through the
// real binary on a production ledger with real keys: 思明区's approver asks
// for an export of its county, the province's officer approves it, and
// `ledger export` writes the file: no name or document number, pseudonyms
// that differ between runs, the run in the access log. Refused: before the
// approval, an approval by the same level or by the requester, a region
// outside the requester's, another operator running it, an existing --out.
//
// A production ledger runs on the system clock: see keys_e2e.h.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "tests/e2e_support.h"
#include "tests/keys_e2e.h"

namespace xueji::e2e {
namespace {

namespace fs = std::filesystem;

constexpr char kPurpose[] = "学前教育资源规划研究";

// root -> Fujian's officer -> 思明区 (350203) and 湖里区 (350206) approvers,
// kindergarten 350203001 and its registrar; six boys enrolled there.
struct ExportLedger {
  ExportLedger() : ledger(TestLedger::Uninitialised{}) {
    root = Keygen(ledger.tmp().Sub("root.pem"));
    fj = Keygen(ledger.tmp().Sub("fj.pem"));
    siming = Keygen(ledger.tmp().Sub("appr-sm.pem"));
    huli = Keygen(ledger.tmp().Sub("appr-hl.pem"));
    registrar = Keygen(ledger.tmp().Sub("reg-sm.pem"));
    const std::string pub = ledger.tmp().Sub("root.pub");
    WriteFile(pub, root.public_key + "\n");
    RunResult init = ledger.Run({"init", "--root-key", pub});
    INFO("init: " << init.out << init.err);
    REQUIRE(init.exit_code == 0);
    Load(root, {OperatorLine("fj", "OFFICER", "35", fj.public_key)});
    Load(fj,
         {OperatorLine("appr-sm", "APPROVER", "350203", siming.public_key),
          OperatorLine("appr-hl", "APPROVER", "350206", huli.public_key),
          R"({"kindergarten":{"code":"350203001","name":"思明区鹭岛幼儿园",)"
          R"("county":"350203"}})",
          OperatorLine("reg-sm", "REGISTRAR", "350203001",
                       registrar.public_key)});
    std::vector<std::string> admissions, approvals;
    for (int seq = 0; seq < 6; ++seq) {
      const std::string id = "adm-" + std::to_string(seq);
      std::string number;
      admissions.push_back(AdmitLine(id, seq, &number));
      id_numbers.push_back(number);
      approvals.push_back(R"({"requestId":"ok-)" + std::to_string(seq) +
                          R"(","approve":{"requestId":")" + id + R"("}})");
    }
    REQUIRE(Submit(registrar, admissions).exit_code == 0);
    REQUIRE(Submit(siming, approvals).exit_code == 0);
  }
  void Load(const KeyFiles& key, const std::vector<std::string>& lines) {
    RunResult r = ledger.Run({"--key", key.file, "registry", "load",
                              ledger.WriteLines(lines, "registry.jsonl")});
    INFO("registry load: " << r.out << r.err);
    REQUIRE(r.exit_code == 0);
  }
  RunResult Submit(const KeyFiles& key, const std::vector<std::string>& lines) {
    return ledger.Run({"--key", key.file, "submit",
                       ledger.WriteLines(lines, "requests.jsonl")});
  }
  // One request's answer.
  xueji::v1::Result SubmitOne(const KeyFiles& key, const std::string& line) {
    return OnlyResultOf(Submit(key, {line}));
  }
  RunResult Export(const KeyFiles& key, const std::string& request_id,
                   const std::string& out) {
    return ledger.Run(
        {"--key", key.file, "export", "--request", request_id, "--out", out});
  }
  TestLedger ledger;
  KeyFiles root, fj, siming, huli, registrar;
  std::vector<std::string> id_numbers;
};

std::string ExportLine(const std::string& request_id,
                       const std::string& region) {
  return R"({"requestId":")" + request_id + R"(","export":{"purpose":")" +
         kPurpose + R"(","region":")" + region +
         R"(","fields":["birthMonth","gender","kindergarten"]}})";
}

std::string ApproveLine(const std::string& request_id,
                        const std::string& approved) {
  return R"({"requestId":")" + request_id + R"(","approve":{"requestId":")" +
         approved + R"("}})";
}

xueji::v1::ExportFile ReadExport(const std::string& path) {
  xueji::v1::ExportFile file;
  REQUIRE(ParseJson(ReadFile(path), &file) == "");
  return file;
}

TEST_CASE(
    "Art. 22: an export requested by a county, approved by its province, "
    "written by its requester without names or numbers",
    "[e2e][export]") {
  ExportLedger l;
  const TestLedger& ledger = l.ledger;
  const std::string out = ledger.tmp().Sub("export.json");

  xueji::v1::Result asked =
      l.SubmitOne(l.siming, ExportLine("exp-1", "350203"));
  REQUIRE(asked.status() == xueji::v1::PENDING_APPROVAL);

  // Not approved yet: refused, nothing written.
  RunResult early = l.Export(l.siming, "exp-1", out);
  INFO(early.out << early.err);
  CHECK(early.exit_code == 1);
  CHECK_THAT(early.err, Catch::Contains("not approved yet"));
  CHECK_THAT(early.err, Catch::Contains("province 35"));
  CHECK_FALSE(fs::exists(out));

  // The same level (another county's approver) and the requester itself may
  // not approve it.
  CheckOnlyResult(l.Submit(l.huli, {ApproveLine("ap-hl", "exp-1")}),
                  xueji::v1::REJECTED, xueji::v1::NOT_AUTHORIZED);
  xueji::v1::Result own = l.SubmitOne(l.siming, ApproveLine("ap-sm", "exp-1"));
  CHECK(own.code() == xueji::v1::NOT_AUTHORIZED);
  CHECK(l.Export(l.siming, "exp-1", out).exit_code == 1);
  CHECK_FALSE(fs::exists(out));

  // A region outside the requester's is refused at the request.
  CheckOnlyResult(l.Submit(l.siming, {ExportLine("exp-2", "350206")}),
                  xueji::v1::REJECTED, xueji::v1::NOT_AUTHORIZED);

  // The province approves.
  xueji::v1::Result approved = l.SubmitOne(l.fj, ApproveLine("ap-fj", "exp-1"));
  REQUIRE(approved.status() == xueji::v1::APPLIED);

  // Another operator may not run it, not even the approver.
  for (const KeyFiles* other : {&l.huli, &l.fj, &l.registrar}) {
    RunResult wrong = l.Export(*other, "exp-1", out);
    INFO(wrong.err);
    CHECK(wrong.exit_code == 1);
    CHECK_THAT(wrong.err, Catch::Contains("only its requester"));
  }
  CHECK_FALSE(fs::exists(out));

  // The requester runs it.
  RunResult written = l.Export(l.siming, "exp-1", out);
  INFO(written.out << written.err);
  REQUIRE(written.exit_code == 0);
  CHECK_THAT(written.out, Catch::Contains("6 row(s) in 1 cell(s)"));
  struct stat st;
  REQUIRE(stat(out.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  const std::string text = ReadFile(out);
  for (const std::string& id : l.id_numbers) {
    CHECK(text.find(id) == std::string::npos);
    CHECK(text.find("G" + id) == std::string::npos);
  }
  CHECK(text.find("测试儿童") == std::string::npos);
  xueji::v1::ExportFile file = ReadExport(out);
  CHECK(file.request_id() == "exp-1");
  CHECK(file.purpose() == kPurpose);
  CHECK(file.region() == "350203");
  CHECK(file.requested_by() == "appr-sm");
  CHECK(file.approved_by() == "fj");
  CHECK(file.min_cell() == 5);
  REQUIRE(file.cells_size() == 1);
  CHECK(file.cells(0).count() == 6);
  CHECK(file.cells(0).key().kindergarten() == "350203001");
  CHECK(file.cells(0).key().gender() == xueji::v1::MALE);
  CHECK(file.cells(0).key().birth_month().size() == 7);  // YYYY-MM
  REQUIRE(file.rows_size() == 6);
  std::set<std::string> first;
  for (const auto& row : file.rows()) {
    CHECK(row.pseudonym().size() == 32);
    CHECK(row.county().empty());  // not asked for
    first.insert(row.pseudonym());
  }
  CHECK(first.size() == 6);

  // An existing --out is never overwritten.
  RunResult again = l.Export(l.siming, "exp-1", out);
  CHECK(again.exit_code == 2);
  CHECK_THAT(again.err, Catch::Contains("exists"));
  CHECK(ReadFile(out) == text);

  // Another run: the same cells, pseudonyms unlinkable to the first run's.
  const std::string out2 = ledger.tmp().Sub("export-2.json");
  REQUIRE(l.Export(l.siming, "exp-1", out2).exit_code == 0);
  xueji::v1::ExportFile second = ReadExport(out2);
  REQUIRE(second.rows_size() == 6);
  for (const auto& row : second.rows()) {
    CHECK(first.count(row.pseudonym()) == 0);
  }

  // The runs and the refusals are in the access log.
  const std::string log = ReadFile(fs::path(ledger.data_dir()) / "access.log");
  CHECK_THAT(log, Catch::Contains("export request exp-1 region 350203"));
  CHECK_THAT(log, Catch::Contains("NOT_APPROVED"));
  CHECK_THAT(log, Catch::Contains("NOT_AUTHORIZED"));
}

TEST_CASE("Art. 22: a rejected or unknown export request is never written",
          "[e2e][export]") {
  ExportLedger l;
  const std::string out = l.ledger.tmp().Sub("export.json");
  RunResult unknown = l.Export(l.siming, "exp-none", out);
  CHECK(unknown.exit_code == 1);
  CHECK_THAT(unknown.err, Catch::Contains("no export request exp-none"));
  REQUIRE(l.SubmitOne(l.siming, ExportLine("exp-9", "350203")).status() ==
          xueji::v1::PENDING_APPROVAL);
  const std::string reject =
      R"({"requestId":"rj-9","reject":{"requestId":"exp-9","reason":"用途不明"}})";
  REQUIRE(l.SubmitOne(l.fj, reject).status() == xueji::v1::APPLIED);
  RunResult rejected = l.Export(l.siming, "exp-9", out);
  CHECK(rejected.exit_code == 1);
  CHECK_THAT(rejected.err, Catch::Contains("rejected by fj"));
  CHECK_FALSE(fs::exists(out));
}

}  // namespace
}  // namespace xueji::e2e
