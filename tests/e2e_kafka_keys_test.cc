// Keys in Kafka mode (issue 9) on librdkafka's mock cluster: the same main
// path as e2e_keys_test.cc through `ledger --kafka B ...` and a running
// processor. The key never leaves the client: each CLI signs its batch, the
// processor verifies it. A production ledger from `init --root-key`, its
// registry loaded level by level in signed batches, an admission and its
// approval signed by their operators; the registrar's impersonation of her
// approver, her self-registered approver and an unsigned request refused;
// `verify` re-checks every signature over the events topic.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/e2e_support.h"
#include "tests/kafka_e2e.h"
#include "tests/keys_e2e.h"

namespace xueji::e2e {
namespace {

TEST_CASE("kafka: a production ledger with keys, the impersonation refused",
          "[kafka][keys]") {
  TempDir tmp("xueji-kafka-keys");
  MockKafka mock(tmp.path(), 1, 6);
  INFO(mock.Logs());
  REQUIRE(!mock.bootstrap().empty());
  KafkaDeployment kafka(mock, tmp.path(), kEndOfTerm);
  auto p1 = kafka.StartProcessor("p1");
  const KeyFiles root = Keygen(tmp.Sub("root.pem"));
  const KeyFiles fj = Keygen(tmp.Sub("fj.pem"));
  const KeyFiles approver = Keygen(tmp.Sub("appr-sm.pem"));
  const KeyFiles registrar = Keygen(tmp.Sub("reg-sm.pem"));
  WriteFile(tmp.path() / "root.pub", root.public_key + "\n");
  RunResult init = kafka.Run({"init", "--root-key", tmp.Sub("root.pub")});
  INFO("init: " << init.out << init.err << Tail(p1->Stderr()));
  REQUIRE(init.exit_code == 0);

  int files = 0;
  auto file_of = [&](const std::vector<std::string>& lines) {
    std::string text;
    for (const std::string& line : lines) text += line + "\n";
    const std::string f = tmp.Sub("in-" + std::to_string(++files) + ".jsonl");
    WriteFile(f, text);
    return f;
  };
  auto load = [&](const KeyFiles* key, const std::vector<std::string>& lines) {
    std::vector<std::string> args;
    if (key != nullptr) args = {"--key", key->file};
    args.insert(args.end(), {"registry", "load", file_of(lines)});
    return kafka.Run(args);
  };
  auto submit = [&](const KeyFiles* key,
                    const std::vector<std::string>& lines) {
    std::vector<std::string> args;
    if (key != nullptr) args = {"--key", key->file};
    args.insert(args.end(), {"submit", file_of(lines)});
    return kafka.Run(args);
  };

  CheckOnlyResult(
      load(&root, {OperatorLine("fj", "OFFICER", "35", fj.public_key)}),
      xueji::v1::APPLIED);
  RunResult siming = load(
      &fj,
      {OperatorLine("appr-sm", "APPROVER", "350203", approver.public_key),
       R"({"kindergarten":{"code":"350203001","name":"思明区鹭岛幼儿园",)"
       R"("county":"350203"}})",
       OperatorLine("reg-sm", "REGISTRAR", "350203001", registrar.public_key)});
  INFO("siming: " << siming.out << siming.err);
  REQUIRE(siming.exit_code == 0);

  CheckOnlyResult(submit(&registrar, {AdmitLine("kadm-1", 7)}),
                  xueji::v1::PENDING_APPROVAL);
  // The registrar approves her own admission as her approver: refused.
  CheckOnlyResult(
      submit(&registrar,
             {R"({"requestId":"kimp-1","actor":"appr-sm","approve":)"
              R"({"requestId":"kadm-1"}})"}),
      xueji::v1::REJECTED, xueji::v1::NOT_AUTHENTICATED);
  // Her self-registered approver, signed by her or unsigned: refused.
  const std::string rogue =
      R"({"operator":{"id":"rogue","role":"APPROVER","org":"350203"}})";
  CheckOnlyResult(load(&registrar, {rogue}), xueji::v1::REJECTED,
                  xueji::v1::NOT_AUTHORIZED);
  CheckOnlyResult(load(nullptr, {rogue}), xueji::v1::REJECTED,
                  xueji::v1::NOT_AUTHENTICATED);
  // Unsigned requests are refused on a production ledger.
  CheckOnlyResult(
      submit(nullptr, {R"({"requestId":"kun-1","actor":"appr-sm","approve":)"
                       R"({"requestId":"kadm-1"}})"}),
      xueji::v1::REJECTED, xueji::v1::NOT_AUTHENTICATED);
  // Her approver's signed approval is applied.
  CheckOnlyResult(
      submit(&approver,
             {R"({"requestId":"kok-1","approve":{"requestId":"kadm-1"}})"}),
      xueji::v1::APPLIED);

  RunResult verified = kafka.Run({"verify"});
  INFO("verify: " << verified.out << verified.err);
  CHECK(verified.exit_code == 0);
  CHECK(verified.out.find("signatures intact") != std::string::npos);
  CHECK(ParseVerify(verified.out).intact);
  p1->Terminate();
}

}  // namespace
}  // namespace xueji::e2e
