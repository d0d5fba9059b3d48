#include "tests/keys_e2e.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <ctime>

#include "tests/e2e_support.h"
#include "tests/support/process.h"

namespace xueji::e2e {

using namespace ::xueji::testing;  // NOLINT: the tests' own support library

KeyFiles Keygen(const std::string& file) {
  KeyFiles key;
  key.file = file;
  RunOptions options;
  options.unset_env = {"LEDGER_DATA", "LEDGER_KEY"};
  RunResult r = RunLedger({"keygen", "--out", file}, options);
  INFO("keygen: " << r.err);
  REQUIRE(r.exit_code == 0);
  key.public_key = r.out.substr(0, r.out.find('\n'));
  REQUIRE(key.public_key.size() == 44);
  const size_t at = r.err.find("ed25519:");
  REQUIRE(at != std::string::npos);
  key.key_id = r.err.substr(at, r.err.find(' ', at) - at);
  return key;
}

std::string BoyId(int seq, std::string* birth_date) {
  std::time_t t = std::time(nullptr);
  std::tm utc;
  gmtime_r(&t, &utc);
  const int year = utc.tm_year + 1900 - 4;
  char birth[9], date[11];
  std::snprintf(birth, sizeof birth, "%04d0314", year);
  std::snprintf(date, sizeof date, "%04d-03-14", year);
  *birth_date = date;
  return SyntheticResidentId(birth, seq * 2 + 1);  // odd: a boy
}

std::string AdmitLine(const std::string& request_id, int seq,
                      std::string* id_number) {
  std::string birth;
  const std::string id = BoyId(seq, &birth);
  if (id_number != nullptr) *id_number = id;
  return R"({"requestId":")" + request_id +
         R"(","admit":{"kindergarten":"350203001","child":{"name":"测试儿童",)"
         R"("gender":"MALE","birthDate":")" +
         birth + R"(","idType":"RESIDENT_ID","idNumber":")" + id + R"("}}})";
}

std::string OperatorLine(const std::string& id, const std::string& role,
                         const std::string& org,
                         const std::string& public_key) {
  std::string line = R"({"operator":{"id":")" + id + R"(","role":")" + role +
                     R"(","org":")" + org + R"(")";
  if (!public_key.empty()) line += R"(,"publicKey":")" + public_key + R"(")";
  return line + "}}";
}

}  // namespace xueji::e2e
