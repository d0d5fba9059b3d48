// Jurisdiction (Art. 5, 22): who may act for, approve for, and read what.
// One owner for both directions: the deciders ask MayActFor/MayApproveFor
// before changing a record; the queries ask ReadScopeOf/MayRead/NarrowRegion
// before printing one.
//
//   REGISTRAR  org = kindergarten code: acts for and reads that kindergarten
//   APPROVER   org = 6-digit county code: approves for and reads its county
//   OFFICER    org = region prefix (2/4/6 digits, "00" national): reads it
//   AUDITOR    org = region prefix: reads it
//
// Thread-safety: pure functions.
#ifndef XUEJI_LEDGER_RULES_JURISDICTION_H_
#define XUEJI_LEDGER_RULES_JURISDICTION_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "xueji/v1/state.pb.h"

namespace xueji {

// "operator role APPROVER of organisation "350502"": for NOT_AUTHORIZED
// messages.
std::string RoleOrg(const xueji::v1::OperatorState& op);

// nullopt when `op` is the registrar of kindergarten `kg`; else why not.
std::optional<std::string> MayActFor(const xueji::v1::OperatorState& op,
                                     std::string_view kg);
// nullopt when `op` is the approver of `kg`'s county; else why not.
std::optional<std::string> MayApproveFor(
    const xueji::v1::OperatorState& op, const xueji::v1::KindergartenState& kg);

// nullopt when `op` may set the policy of `region` ("00" national, or a
// province): a national OFFICER (org "00" or "") for any region, a province's
// OFFICER for its own province (Art. 26); else why not.
std::optional<std::string> MaySetPolicy(const xueji::v1::OperatorState& op,
                                        std::string_view region);
// The registry is governed by the five levels (Art. 5, 19, 21;
// docs/accountability.md, "The registry is governed"):
//   a kindergarten, or a REGISTRAR of it: the APPROVER of its county, or an
//     OFFICER whose region contains the county;
//   an APPROVER of county C: an OFFICER whose region strictly contains C;
//   an OFFICER or AUDITOR of region R: an OFFICER whose region strictly
//     contains R (the national officer, org "00", registers provinces').
// Regions are "" or "00" (national), 2, 4 or 6 digits.
bool RegionContains(std::string_view outer, std::string_view inner,
                    bool strictly);
// nullopt when `actor` may register, change or seal what lies at `region`
// with `role` (ROLE_UNSPECIFIED: a kindergarten; for a REGISTRAR and a
// kindergarten, `region` is the kindergarten's county); else why not.
std::optional<std::string> MayGovern(const xueji::v1::OperatorState& actor,
                                     xueji::v1::Role role,
                                     std::string_view region);

// Issue 10, item 5 (Art. 22 数据使用权限; docs/design.md, "De-identified
// export (Art. 22)"). An export is requested by a county's APPROVER or a
// city's or province's OFFICER for a region within its own, and approved by
// the level above: an OFFICER of the province containing a county or a city,
// the national OFFICER (org "00") for a province. The region whose officers
// approve exports `requester` asks for; PermissionDenied (the message names
// the role and organisation) for a registrar or an auditor (they do not
// release data) and for the national level (there is none above it).
absl::StatusOr<std::string> ExportApproverRegion(
    const xueji::v1::OperatorState& requester);
// nullopt when `op` may approve an export whose approver region is
// `approver_region` (an OFFICER of exactly that region); else why not.
std::optional<std::string> MayApproveExport(const xueji::v1::OperatorState& op,
                                            std::string_view approver_region);

// What an operator may read: a region ("" = everything) and, for a
// registrar, only its kindergarten.
struct ReadScope {
  std::string region;
  std::string kindergarten;
};
// `registrar_kg` is the registrar's kindergarten (nullptr when unknown, or
// for other roles). No operator: everything.
ReadScope ReadScopeOf(const xueji::v1::OperatorState* op,
                      const xueji::v1::KindergartenState* registrar_kg);
// May a reader with `scope` read what belongs to kindergarten `kg`?
bool MayRead(const ReadScope& scope, const xueji::v1::KindergartenState& kg);
// The region a query over `requested` ("" = the reader's whole scope) may
// cover; InvalidArgument("NOT_AUTHORIZED: ...") when it reaches outside.
absl::StatusOr<std::string> NarrowRegion(const ReadScope& scope,
                                         const std::string& requested);

}  // namespace xueji

#endif  // XUEJI_LEDGER_RULES_JURISDICTION_H_
