// Registry lines, an admission and synthetic resident IDs for the tests that
// feed a RequestProcessor or a decider (processor, signed-batch, Kafka
// projector and decide tests), instead of a copy of the same builders in each.
// Synthetic identities only. Test-only and header-only: it needs the generated
// protos and ledger/rules/identity.h, not xueji_test_support.
//
// Thread-safety: pure functions.
#ifndef XUEJI_TESTS_SUPPORT_REQUESTS_H_
#define XUEJI_TESTS_SUPPORT_REQUESTS_H_

#include <cstdio>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "ledger/rules/identity.h"
#include "xueji/v1/requests.pb.h"

namespace xueji::testing {

// A valid 18-character number: area + birth (YYYYMMDD) + 3-digit sequence
// (odd = male) + MOD 11-2 check character.
inline std::string ResidentId(std::string_view area, std::string_view birth,
                              int seq) {
  char digits[4];
  std::snprintf(digits, sizeof digits, "%03d", seq);
  std::string first17 = std::string(area) + std::string(birth) + digits;
  return first17 + Mod112CheckChar(first17);
}

// The registry line of kindergarten `code` ("幼儿园<code>") in `county`.
inline xueji::v1::RegistryLine KindergartenLine(const std::string& code,
                                                const std::string& county) {
  xueji::v1::RegistryLine line;
  line.mutable_kindergarten()->set_code(code);
  line.mutable_kindergarten()->set_name(absl::StrCat("幼儿园", code));
  line.mutable_kindergarten()->set_county(county);
  return line;
}

// The registry line of operator `id`, with `public_key` unless empty.
inline xueji::v1::RegistryLine OperatorLine(
    const std::string& id, xueji::v1::Role role, const std::string& org,
    const std::string& public_key = "") {
  xueji::v1::RegistryLine line;
  line.mutable_operator_()->set_id(id);
  line.mutable_operator_()->set_role(role);
  line.mutable_operator_()->set_org(org);
  if (!public_key.empty()) line.mutable_operator_()->set_public_key(public_key);
  return line;
}

// Request `id` by `actor` (none when empty: a signed batch's signer) admitting
// 测试儿童, a boy born 2021-05-06 with resident ID `id_number`, to
// `kindergarten` on 2025-09-01.
inline xueji::v1::Request Admission(const std::string& id,
                                    const std::string& actor,
                                    const std::string& kindergarten,
                                    const std::string& id_number) {
  xueji::v1::Request r;
  r.set_request_id(id);
  if (!actor.empty()) r.set_actor(actor);
  r.set_occurred_on("2025-09-01");
  auto* admit = r.mutable_admit();
  admit->set_kindergarten(kindergarten);
  admit->set_entry_date("2025-09-01");
  auto* child = admit->mutable_child();
  child->set_name("测试儿童");
  child->set_gender(xueji::v1::MALE);
  child->set_birth_date("2021-05-06");
  child->set_id_type(xueji::v1::RESIDENT_ID);
  child->set_id_number(id_number);
  return r;
}

}  // namespace xueji::testing

#endif  // XUEJI_TESTS_SUPPORT_REQUESTS_H_
