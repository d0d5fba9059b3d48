// Private to the anomaly scans (projections/views.h, Views::Anomalies): the
// Evaluator that gathers the facts of the rows as of a day and applies the
// pure rules (anomaly_rules.h). anomaly_facts.cc holds the scans and folds
// that gather the facts, anomalies.cc the checks and Views::Anomalies. Not a
// public interface.
//
// Ownership: an Evaluator borrows the views, their store and the query for
// one Views::Anomalies call. Thread-safety: one thread at a time.
#ifndef XUEJI_PROJECTIONS_ANOMALIES_INTERNAL_H_
#define XUEJI_PROJECTIONS_ANOMALIES_INTERNAL_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/base/dates.h"
#include "ledger/rules/areas.h"
#include "ledger/storage/kv.h"
#include "projections/anomaly_rules.h"
#include "projections/rows.h"
#include "projections/views.h"

namespace xueji::anomalies_internal {

using views_internal::GetMessage;
using xueji::v1::Anomaly;
using xueji::v1::KindergartenState;
using xueji::v1::RecordState;

// A record as the rules see it: its state and extras, now or as of the day.
struct Snapshot {
  RecordState record;
  views_internal::RecordExtra extra;
};

class Evaluator {
 public:
  Evaluator(const Views& views, const KvStore& kv, const AnomalyQuery& q,
            PolicyBook policy)
      : views_(views),
        kv_(kv),
        q_(q),
        rules_{q.as_of, q.calendar, q.kind},
        as_of_(FormatDate(q.as_of)),
        policy_(std::move(policy)) {}

  absl::StatusOr<std::vector<Anomaly>> Run();

 private:
  bool Everything() const { return q_.region.empty() || q_.region == "00"; }
  bool InRegion(const std::string& county) const {
    return Everything() ||
           (!county.empty() && AreaTable::InRegion(county, q_.region));
  }

  // Views built before the W rows have records but no W rows (the first
  // record's kindergarten is not among them): the past, the sightings and
  // the other-document check would be missing, wrongly.
  absl::Status CheckRowsPresent() const;

  // Was anything recorded after the as-of day? Then the current rows are not
  // what was true on it (a business date is never after the day it was
  // recorded, so otherwise they are).
  absl::StatusOr<bool> EventsAfterAsOf() const;

  absl::Status LoadKindergartens();

  std::string CountyOf(const std::string& kg) const {
    auto it = kgs_.find(kg);
    return it == kgs_.end() ? "" : it->second.county();
  }

  // Record subjects whose kindergarten lies in the region (as of a past day:
  // that ever were at one; LoadLive keeps those that were then), and (issue
  // 10) those in transfer to a kindergarten of it.
  absl::StatusOr<std::vector<std::string>> SubjectsInRegion() const;

  // The kindergarten `code` ends up as, following merges.
  std::string Forwarded(std::string code) const {
    for (int hops = 0; hops < 16; ++hops) {
      auto it = kgs_.find(code);
      if (it == kgs_.end() || it->second.merged_into().empty()) break;
      code = it->second.merged_into();
    }
    return code;
  }

  // As of a past day: the record of `subject` folded from its events up to
  // that day; nullopt when it had none (or only refusals) by then.
  absl::StatusOr<std::optional<Snapshot>> Fold(const std::string& subject);

  // Fold, kept for the records looked up as another's duplicate (few).
  absl::StatusOr<const Snapshot*> FoldedOther(const std::string& subject);

  // The facts the rules need about a record, if it is live (and, as of a
  // past day, was in the region then).
  absl::StatusOr<std::optional<LiveRecordFacts>> LoadLive(
      const std::string& subject);

  // Current numbers of the other live records under an index prefix that
  // `match` (their document, name, ... as of the day).
  absl::StatusOr<std::vector<std::string>> OtherLive(
      const std::string& prefix, const std::string& self,
      const std::function<bool(const RecordState&)>& match);

  // A kindergarten's verifications on or before the as-of date: the dates,
  // and the latest one (an empty event when none).
  struct Verifications {
    std::vector<std::string> dates;
    xueji::v1::Event latest;
  };
  absl::StatusOr<const Verifications*> VerificationsOf(const std::string& kg);

  // The W u rows: by the number listed, where and when (few: only numbers
  // a verification listed that were not live there).
  absl::Status LoadSightings();

  // The sightings of a record's numbers that the sighting kindergarten's
  // latest verification on or before the as-of date still says (the one on
  // that day, listing the number among those not live there).
  absl::StatusOr<std::vector<Sighting>> SightingsOf(const RecordState& r);

  // UNVERIFIED_KINDERGARTEN: each kindergarten of the region with live
  // records (then).
  absl::Status CheckKindergartens();

  absl::Status CheckOperators();

  // The account as of the day: today its rows; as of a past day its events
  // up to then folded, and its last active day up to then (the W a rows).
  absl::StatusOr<bool> AccountOf(const std::string& id, AccountFacts* facts);

  absl::Status CheckOperator(const std::string& id);

  // LATE_ENTRY: every late entry row, placed by what it changed (a record:
  // its current kindergarten; a kindergarten; a policy: its region).
  absl::Status CheckLateEntries();

  const Views& views_;
  const KvStore& kv_;
  const AnomalyQuery& q_;
  const AnomalyRules rules_;
  const std::string as_of_;
  const PolicyBook policy_;  // the log's, in force on the as-of date
  bool past_ = false;        // events were recorded after the as-of day
  std::map<std::string, KindergartenState> kgs_;  // as of the day
  std::map<std::string, Verifications> verifications_;
  std::map<std::string, std::vector<Sighting>> sightings_;  // by number
  struct LiveAt {
    int64_t count = 0;
    std::string earliest;  // arrival
  };
  std::map<std::string, LiveAt> live_at_;  // live records by kindergarten
  // As of a past day: the other records of duplicates, by subject.
  std::map<std::string, std::optional<Snapshot>> folded_;
  std::vector<Anomaly> out_;
};

}  // namespace xueji::anomalies_internal

#endif  // XUEJI_PROJECTIONS_ANOMALIES_INTERNAL_H_
