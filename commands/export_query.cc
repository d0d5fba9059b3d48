// ledger export --request REQUEST_ID --out FILE: the de-identified export of
// an approved `export` request (issue 10, item 5; Art. 22 数据使用权限;
// docs/design.md, "De-identified export (Art. 22)").
//
// Only the operator who requested it runs it (--as / --key, like every
// read): the approval is for that operator's stated purpose and region
// ("谁批准、谁负责" names the approver; the requester answers for the use).
// Refused, with the refusal in the access log and exit 1: no such export
// request, another operator, not approved yet, rejected, or a region the
// requester may no longer read. An existing --out is never overwritten
// (exit 2, nothing recorded). Otherwise the run is recorded in the access
// log (who, which request, how many rows) before the file is written: one
// xueji.v1.ExportFile (protobuf JSON), mode 0600, fsynced.
//
// The pseudonym key is 32 bytes from OpenSSL's RAND_bytes, drawn for this
// run and never stored or printed: each run's pseudonyms are unlinkable to
// any other run's (projections/deidentify.h).
#include <openssl/rand.h>
#include <sys/stat.h>

#include <iostream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "commands/output/output.h"
#include "commands/queries.h"
#include "ledger/base/dates.h"
#include "projections/deidentify.h"

namespace xueji {
namespace {

// The request and its decision, from the audit view's events of the request.
struct ExportAsked {
  std::optional<xueji::v1::Event> requested;  // ExportRequested
  std::optional<xueji::v1::Event> decided;    // ExportApproved / Rejected
};

absl::StatusOr<ExportAsked> FindExport(const Views& views,
                                       const std::string& request_id) {
  auto events = views.HistoryOfRequest(request_id);
  if (!events.ok()) return events.status();
  ExportAsked asked;
  for (const StoredEvent& stored : *events) {
    const xueji::v1::Event& e = stored.event;
    if (e.has_export_requested() && e.request_id() == request_id) {
      asked.requested = e;
    } else if ((e.has_export_approved() || e.has_export_rejected()) &&
               e.correlation_id() == request_id) {
      asked.decided = e;
    }
  }
  return asked;
}

int Refused(const ReadContext& c, const std::string& what,
            const std::string& code, const std::string& message) {
  c.Refuse("export", what, code, absl::PermissionDeniedError(message));
  return kExitRejected;
}

int RunExport(const GlobalOptions& g, const std::string& request_id,
              const std::string& out) {
  if (request_id.empty()) {
    return Fail(absl::InvalidArgumentError("--request REQUEST_ID is required"));
  }
  if (out.empty()) {
    return Fail(absl::InvalidArgumentError("--out FILE is required"));
  }
  struct stat st;
  if (lstat(out.c_str(), &st) == 0) {
    return Fail(absl::FailedPreconditionError(absl::StrCat(
        "--out ", out, " exists: choose another name (never overwritten)")));
  }
  auto q = OpenRead(g);
  if (!q.ok()) return Fail(q.status());
  const std::string what = absl::StrCat("export request ", request_id);
  auto asked = FindExport(*q->views, request_id);
  if (!asked.ok()) return Fail(asked.status());
  if (!asked->requested.has_value()) {
    return Refused(*q, what, "UNKNOWN_REQUEST",
                   absl::StrCat("no export request ", request_id,
                                " (submit {\"export\":{...}} first)"));
  }
  const xueji::v1::Event& requested = *asked->requested;
  const xueji::v1::ExportRequested& ask = requested.export_requested();
  const std::string& requester = requested.actor().operator_id();
  if (q->reader.empty() || q->reader != requester) {
    return Refused(
        *q, what, "NOT_AUTHORIZED",
        absl::StrCat("export request ", request_id, " was made by ", requester,
                     ": only its requester runs it (--as / --key); the "
                     "approval is for that operator's purpose and region"));
  }
  if (!asked->decided.has_value()) {
    return Refused(
        *q, what, "NOT_APPROVED",
        absl::StrCat("export request ", request_id,
                     " is not approved yet: it awaits an officer of ",
                     ask.approver_region() == "00"
                         ? std::string("the national level")
                         : absl::StrCat("province ", ask.approver_region()),
                     " (approve {\"requestId\":\"", request_id, "\"})"));
  }
  const xueji::v1::Event& decided = *asked->decided;
  if (decided.has_export_rejected()) {
    return Refused(
        *q, what, "REJECTED",
        absl::StrCat("export request ", request_id, " was rejected by ",
                     decided.actor().operator_id(), " on ",
                     decided.business_date(), ": ",
                     decided.export_rejected().reason()));
  }
  // The requester's region today (an operator may have been re-filed).
  auto region = NarrowRegion(q->scope, ask.region());
  if (!region.ok()) {
    return Refused(*q, what, "NOT_AUTHORIZED",
                   std::string(region.status().message()));
  }
  auto now = CommandNow();
  if (!now.ok()) return Fail(now.status());
  auto policies = q->views->Policies();
  if (!policies.ok()) return Fail(policies.status());
  // The threshold in force today for the requester's region.
  const PolicyBook book = policies->InForce(BeijingDay(*now));
  const int min_cell = book.ForCounty(requested.actor().org()).export_min_cell;

  std::vector<ExportSource> sources;
  auto kgs = q->views->Kindergartens(*region);
  if (!kgs.ok()) return Fail(kgs.status());
  for (const xueji::v1::KindergartenState& kg : *kgs) {
    auto records = q->views->RecordsAtKindergarten(kg.code(), true);
    if (!records.ok()) return Fail(records.status());
    for (xueji::v1::RecordState& record : *records) {
      if (!IsExportable(record)) continue;
      sources.push_back(ExportSource{std::move(record), kg.county()});
    }
  }
  ExportSpec spec;
  spec.fields.assign(ask.fields().begin(), ask.fields().end());
  spec.min_cell = min_cell;
  spec.secret.resize(32);
  if (RAND_bytes(reinterpret_cast<unsigned char*>(spec.secret.data()),
                 static_cast<int>(spec.secret.size())) != 1) {
    return Fail(absl::UnavailableError(
        "no random bytes for the export's pseudonym key (OpenSSL RAND_bytes)"));
  }
  auto file = Deidentify(spec, sources);
  spec.secret.assign(spec.secret.size(), '\0');  // never kept
  if (!file.ok()) return Fail(file.status());
  file->set_request_id(request_id);
  file->set_purpose(ask.purpose());
  file->set_region(ask.region());
  *file->mutable_fields() = ask.fields();
  file->set_requested_by(requester);
  file->set_approved_by(decided.actor().operator_id());
  file->set_approved_on(decided.business_date());
  file->set_generated_at(FormatRfc3339(*now));

  const std::string recorded =
      absl::StrCat(what, " region ", ask.region(), " fields ",
                   absl::StrJoin(ask.fields(), ","), " approved by ",
                   decided.actor().operator_id(), ": ", file->rows_size(),
                   " row(s), ", file->suppressed_cells(), " cell(s) below ",
                   spec.min_cell, " suppressed");
  if (auto s = q->Record("export", recorded, file->rows_size()); !s.ok()) {
    return Fail(s);
  }
  if (absl::Status s = WriteNewFile(
          out, ToJsonLine(*file) + "\n",
          absl::FailedPreconditionError(absl::StrCat(
              "--out ", out,
              " exists: choose another name (never overwritten)")));
      !s.ok()) {
    return Fail(s);
  }
  std::cout << file->rows_size() << " row(s) in " << file->cells_size()
            << " cell(s) written to " << out << " (xueji.v1.ExportFile); "
            << file->suppressed_cells() << " cell(s) of fewer than "
            << spec.min_cell << " children suppressed\n";
  return kExitOk;
}

}  // namespace

void AddExportQuery(CLI::App& app, GlobalOptions& g, RunFn& run) {
  auto request = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto command = app.add_subcommand(
      "export",
      "De-identified export (Art. 22): writes the data of an approved export "
      "request (submit {\"export\":{purpose, region, fields}}, approved by "
      "the level above) as one xueji.v1.ExportFile (protobuf JSON), a new "
      "file of mode 0600: pseudonyms instead of names and numbers, dates as "
      "year-month, cells of fewer than exportMinCell children suppressed. "
      "Only the operator who requested it runs it (--as / --key); recorded "
      "in the access log.");
  command->add_option("--request", *request, "the approved export request's id")
      ->required();
  command->add_option("--out", *out, "the file to write (must not exist)")
      ->required();
  command->callback([&g, &run, request, out] {
    run = [&g, request, out] { return RunExport(g, *request, *out); };
  });
}

}  // namespace xueji
