// Backend: where the CLI's writes go and which log `replay` and `verify`
// read -- the embedded data directory (DATA/log, DATA/state, DATA/views) or
// a Kafka cluster (its topics, and a projector's --views store). RunCli
// chooses one after parsing (ChooseBackend: --kafka, $LEDGER_KAFKA or
// --kafka-config name a cluster; else embedded). The subcommands call it and
// never ask which one they have.
//
// Each method runs one subcommand to its end and returns its exit code
// (session.h); what it prints goes to stdout and stderr as the subcommand's.
//
// Ownership: RunCli owns the backend; GlobalOptions::backend points at it.
// Thread-safety: single-threaded CLI.
#ifndef XUEJI_COMMANDS_BACKEND_H_
#define XUEJI_COMMANDS_BACKEND_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "commands/input/csv.h"
#include "commands/session.h"
#include "ledger/log/hash_chain.h"
#include "projections/views.h"
#include "xueji/v1/requests.pb.h"
#include "xueji/v1/views.pb.h"

namespace xueji {

// `submit`'s arguments.
struct SubmitRequest {
  std::string path;  // FILE, or "-" for standard input
  // --format csv: a spreadsheet template (commands/csv_input.h), else JSONL.
  bool csv = false;
  TextEncoding encoding = TextEncoding::kAuto;  // --encoding (CSV)
};

// `verify`'s arguments.
struct VerifyRequest {
  bool check_views = false;  // --views
  std::string digest_file;   // --digest FILE: the log still holds its heads
};

// `digest`'s arguments (the signed ledger digest; the views digest needs no
// backend).
struct DigestRequest {
  std::string out;  // --out FILE; "" = standard output
};

// `replay`'s arguments.
struct ReplayRequest {
  CatchUpOptions options;  // options.until from --until
  std::string until_text;  // as given, for the report
  bool force = false;      // --force (embedded)
};

class Backend {
 public:
  virtual ~Backend() = default;
  // init: makes a ledger of the data directory (or of the Kafka topics).
  virtual int Init(const xueji::v1::InitLedger& init) = 0;
  // submit FILE|-: JSONL requests (or a CSV template), one result line each;
  // each batch signed with --key / $LEDGER_KEY when given
  // (commands/signing.h).
  virtual int Submit(const SubmitRequest& request) = 0;
  // registry load FILE|-: JSONL registry lines, one result line each.
  virtual int LoadRegistry(const std::string& path) = 0;
  // status REQUEST_ID: the answer the request got.
  virtual int Status(const std::string& request_id) = 0;
  // replay: rebuilds the views from the log.
  virtual int Replay(const ReplayRequest& request) = 0;
  // verify [--views] [--digest FILE]: checks the log (and the views against
  // a rebuild, and that the log still holds the heads a digest signed).
  virtual int Verify(const VerifyRequest& request) = 0;
  // digest [--out FILE]: a signed LedgerDigest of the log's heads.
  virtual int Digest(const DigestRequest& request) = 0;
};

// Shared by the two backends (maintenance.cc), over the log each opened:
// `digest`: the heads of `log`, signed with --key ($LEDGER_KEY) as the
// operator `find_holder` names for its key id (--as overrides), written as
// protobuf JSON to request.out or stdout.
using KeyHolderFn = std::function<absl::StatusOr<std::optional<std::string>>(
    const std::string& key_id)>;
int WriteLedgerDigest(const GlobalOptions& options, EventLog& log,
                      const DigestRequest& request,
                      const KeyHolderFn& find_holder);
// `verify --digest FILE` after VerifyLog: fills `check` with what matched
// and what did not (notes go to stderr). InvalidArgument / NotFound for an
// unreadable file.
absl::Status CheckDigestFile(EventLog& log, const VerifyReport& report,
                             const std::string& file,
                             xueji::v1::VerifyReport::DigestCheck* check);
// `verify` of a log found intact: when the ledger's mode is refused
// (`admitted`: AdmitLedger's answer), the --digest file could not be read
// (`digest_read`) or the log does not hold what the digest anchored, prints
// `report` and returns the exit code (stderr names the first problem);
// nullopt, printing nothing, when all hold.
std::optional<int> VerifyVerdict(const GlobalOptions& options,
                                 const xueji::v1::VerifyReport& report,
                                 const absl::Status& admitted,
                                 const absl::Status& digest_read);

// The backend the global options name. InvalidArgument / NotFound for an
// unreadable or malformed --kafka-config file.
absl::StatusOr<std::unique_ptr<Backend>> ChooseBackend(
    const GlobalOptions& options);

// The two implementations (embedded_backend.cc, kafka_backend.cc).
std::unique_ptr<Backend> NewEmbeddedBackend(const GlobalOptions& options);
std::unique_ptr<Backend> NewKafkaBackend(const GlobalOptions& options,
                                         KafkaConnection kafka);

}  // namespace xueji

#endif  // XUEJI_COMMANDS_BACKEND_H_
