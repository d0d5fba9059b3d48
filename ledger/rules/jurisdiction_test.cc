#include "ledger/rules/jurisdiction.h"

#include <catch2/catch.hpp>

namespace xueji {
namespace {

xueji::v1::OperatorState Op(xueji::v1::Role role, const std::string& org) {
  xueji::v1::OperatorState op;
  op.set_id("op");
  op.set_role(role);
  op.set_org(org);
  return op;
}

xueji::v1::KindergartenState Kg(const std::string& code,
                                const std::string& county) {
  xueji::v1::KindergartenState kg;
  kg.set_code(code);
  kg.set_county(county);
  return kg;
}

TEST_CASE("read scopes: each level reads its own region") {
  const auto siming = Kg("350203001", "350203");
  const auto huli = Kg("350206001", "350206");
  const auto registrar = Op(xueji::v1::REGISTRAR, "350203001");
  const ReadScope reg = ReadScopeOf(&registrar, &siming);
  CHECK(MayRead(reg, siming));
  CHECK_FALSE(MayRead(reg, Kg("350203002", "350203")));
  CHECK_FALSE(MayRead(reg, huli));

  const auto approver = Op(xueji::v1::APPROVER, "350203");
  const ReadScope county = ReadScopeOf(&approver, nullptr);
  CHECK(MayRead(county, siming));
  CHECK_FALSE(MayRead(county, huli));
  CHECK(NarrowRegion(county, "").value() == "350203");
  CHECK_FALSE(NarrowRegion(county, "350206").ok());
  CHECK_FALSE(NarrowRegion(county, "35").ok());
}

TEST_CASE("a national officer (org 00) reads, and narrows to, any region") {
  const auto national = Op(xueji::v1::OFFICER, "00");
  const ReadScope scope = ReadScopeOf(&national, nullptr);
  CHECK(MayRead(scope, Kg("350206001", "350206")));
  CHECK(NarrowRegion(scope, "").value() == "00");
  CHECK(NarrowRegion(scope, "35").value() == "35");
  CHECK(NarrowRegion(scope, "350206").value() == "350206");
}

}  // namespace
}  // namespace xueji
