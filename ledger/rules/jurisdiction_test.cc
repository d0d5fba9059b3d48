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

TEST_CASE("regions in GB/T 2260's six-digit form (issue 10)") {
  const auto province = Op(xueji::v1::OFFICER, "350000");
  const ReadScope scope = ReadScopeOf(&province, nullptr);
  CHECK(scope.region == "35");
  CHECK(MayRead(scope, Kg("350206001", "350206")));
  CHECK_FALSE(MayRead(scope, Kg("110101001", "110101")));
  CHECK(NarrowRegion(scope, "350200").value() == "3502");
  CHECK_FALSE(NarrowRegion(scope, "110000").ok());
  CHECK_FALSE(MaySetPolicy(province, "35").has_value());
  CHECK_FALSE(MaySetPolicy(province, "350000").has_value());
  CHECK(RegionContains("350000", "350502", true));
  CHECK(RegionContains("350500", "350502", true));
  CHECK_FALSE(RegionContains("350500", "350206", false));
  CHECK_FALSE(MayGovern(province, xueji::v1::APPROVER, "350502").has_value());
}

}  // namespace
}  // namespace xueji
