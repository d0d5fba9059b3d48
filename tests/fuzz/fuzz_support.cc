#include "tests/fuzz/fuzz_support.h"

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "commands/jsonl_batch.h"
#include "google/protobuf/stubs/logging.h"
#include "ledger/base/dates.h"
#include "ledger/log/hash_chain.h"
#include "ledger/rules/signed_batch.h"

namespace xueji::data {
// tools/demo/registry.jsonl and tools/demo/requests.jsonl (tools/embed.cmake).
extern const char kDemoRegistry[];
extern const unsigned long kDemoRegistrySize;
extern const char kDemoRequests[];
extern const unsigned long kDemoRequestsSize;
}  // namespace xueji::data

namespace xueji::fuzz {
namespace {

// The URL of the offset payload on the embedded log's DataLoss
// (ledger/embedded_log.cc, read by VerifyLog in ledger/hash_chain.cc).
constexpr char kBadOffsetPayload[] = "type.xueji.dev/xueji.storage.BadOffset";

absl::Status Damaged(int32_t partition, int64_t offset,
                     const std::string& what) {
  absl::Status status = absl::DataLossError(absl::StrCat(
      "memory log: partition ", partition, " offset ", offset, ": ", what));
  status.SetPayload(kBadOffsetPayload, absl::Cord(absl::StrCat(offset)));
  return status;
}

void Attach(Ledger* ledger) {
  auto processor = RequestProcessor::Open(&ledger->log, &ledger->state_kv,
                                          [ledger] { return ledger->now; });
  Check(processor.ok(), "the write path did not open over the demo");
  ledger->processor = *std::move(processor);
  if (*ledger->processor->Mode() == xueji::v1::LEDGER_MODE_UNSPECIFIED) {
    Check(ledger->processor->Initialize(DevelopmentLedger()).ok(),
          "the development ledger could not be initialised");
  }
  ledger->views = std::make_unique<Views>(&ledger->views_kv);
}

// Runs `text` (JSONL) through the pipeline `ledger submit` / `ledger registry
// load` use; aborts unless it is stored. (The demo has bad lines on purpose:
// a malformed one, refused ones.)
template <typename Msg>
void Load(Ledger& ledger, std::string_view text,
          const JsonlPipeline<Msg>& pipeline) {
  std::unique_ptr<LineReader> in = LineReader::FromString(std::string(text));
  std::ostringstream out;
  Progress progress("fuzz: demo");
  BatchOutcome outcome = RunJsonl(*in, out, progress, pipeline);
  Check(outcome.status.ok(), "the demo could not be loaded");
}

Ledger* BuildDemo() {
  auto* ledger = new Ledger();
  auto after_batch = [ledger]() -> absl::Status {
    absl::StatusOr<int64_t> applied = ledger->views->CatchUp(ledger->log);
    return applied.status();
  };
  // As tools/demo.sh: the registry at 2025-08-25T09:00+08:00, then each
  // business day's requests with the clock at 17:00 that day.
  ledger->now = *ParseRfc3339("2025-08-25T09:00:00+08:00");
  JsonlPipeline<xueji::v1::RegistryLine> registry;
  registry.submit = [ledger](const std::vector<xueji::v1::RegistryLine>& b) {
    return ledger->processor->LoadRegistry(b);
  };
  registry.after_batch = after_batch;
  Load(*ledger, std::string_view(data::kDemoRegistry, data::kDemoRegistrySize),
       registry);

  JsonlPipeline<xueji::v1::Request> requests;
  requests.validate = ValidateRequestLine;
  requests.submit = [ledger](const std::vector<xueji::v1::Request>& b) {
    return ledger->processor->Submit(b);
  };
  requests.after_batch = after_batch;
  // Group the lines by occurredOn; a line without one stays with the day
  // before it (demo.sh's awk does the same).
  std::map<std::string, std::string> days;
  std::string day = "0000-00-00";
  std::istringstream demo(
      std::string(data::kDemoRequests, data::kDemoRequestsSize));
  for (std::string line; std::getline(demo, line);) {
    const size_t at = line.find("\"occurredOn\":\"");
    if (at != std::string::npos) day = line.substr(at + 14, 10);
    days[day] += line + "\n";
  }
  for (const auto& [date, text] : days) {
    absl::StatusOr<absl::Time> now =
        ParseRfc3339(absl::StrCat(date, "T17:00:00+08:00"));
    ledger->now = now.ok() ? *now : AfterTheTerm();
    Load(*ledger, text, requests);
  }
  ledger->now = AfterTheTerm();
  ledger->state_kv.Freeze();
  ledger->views_kv.Freeze();
  return ledger;
}

}  // namespace

void QuietProtobuf() {
  // Parsing fuzzed bytes makes libprotobuf log every invalid UTF-8 string.
  google::protobuf::SetLogHandler(nullptr);
}

void Check(bool ok, std::string_view what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz check failed: %.*s\n",
               static_cast<int>(what.size()), what.data());
  std::abort();
}

void CheckViewsCaughtUp(Ledger& ledger) {
  std::vector<int64_t> heads = *ledger.log.HeadOffsets();
  for (int32_t p = 0; p < ledger.log.partitions(); ++p) {
    absl::StatusOr<int64_t> checkpoint = ledger.views->Checkpoint(p);
    Check(checkpoint.ok() && *checkpoint == heads[static_cast<size_t>(p)],
          "the views did not catch up with the log");
  }
}

absl::Time AfterTheTerm() {
  static const absl::Time t = *ParseRfc3339("2026-01-05T09:00:00+08:00");
  return t;
}

// --- MemoryLog ---------------------------------------------------------------

absl::StatusOr<std::vector<xueji::v1::Event>> MemoryLog::Append(
    std::vector<xueji::v1::Event> batch) {
  for (const xueji::v1::Event& event : batch) {
    if (event.subject().empty()) {
      return absl::InvalidArgumentError("an event of the batch has no subject");
    }
  }
  for (xueji::v1::Event& event : batch) {
    const int32_t p = PartitionFor(event.subject(), partitions());
    Head& head = heads_[static_cast<size_t>(p)];
    event.set_partition(p);
    event.set_offset(head.next);
    SealEvent(head.last_hash, &event);
    stored_[{p, static_cast<uint64_t>(head.next)}] = CanonicalBytes(event);
    ++head.next;
    head.last_hash = event.hash();
  }
  return batch;
}

absl::StatusOr<std::vector<StoredEvent>> MemoryLog::Read(int32_t partition,
                                                         int64_t from_offset,
                                                         size_t max_events) {
  if (partition < 0 || partition >= partitions() || from_offset < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "memory log: no partition ", partition, " offset ", from_offset));
  }
  std::vector<StoredEvent> out;
  for (auto it =
           stored_.lower_bound({partition, static_cast<uint64_t>(from_offset)});
       it != stored_.end() && it->first.first == partition &&
       out.size() < max_events;
       ++it) {
    const int64_t offset = static_cast<int64_t>(it->first.second);
    StoredEvent stored;
    stored.bytes = it->second;
    if (!stored.event.ParseFromString(stored.bytes)) {
      return Damaged(partition, offset, "unparseable event bytes");
    }
    if (stored.event.partition() != partition ||
        stored.event.offset() != offset) {
      return Damaged(partition, offset, "the event names another place");
    }
    out.push_back(std::move(stored));
  }
  return out;
}

absl::StatusOr<std::vector<int64_t>> MemoryLog::HeadOffsets() {
  std::vector<int64_t> out;
  for (const Head& head : heads_) out.push_back(head.next);
  return out;
}

// --- MemoryRocksKv -----------------------------------------------------------

absl::StatusOr<std::optional<std::string>> MemoryRocksKv::Get(
    std::string_view key) const {
  if (auto it = overlay_.find(key); it != overlay_.end()) return it->second;
  if (auto it = committed_.find(key); it != committed_.end()) {
    return it->second;
  }
  if (auto it = base_->find(key); it != base_->end()) {
    return std::optional<std::string>(it->second);
  }
  return std::optional<std::string>();
}

absl::Status MemoryRocksKv::ScanPrefix(std::string_view prefix,
                                       const Visitor& visit) const {
  auto in_prefix = [&](const std::string& key) {
    return std::string_view(key).starts_with(prefix);
  };
  auto b = base_->lower_bound(prefix);
  auto c = committed_.lower_bound(prefix);
  auto o = overlay_.lower_bound(prefix);
  while (true) {
    // The smallest key of the three layers; the upper layer wins a tie.
    // Keys compare as unsigned bytes, as std::string's operator< does.
    const std::string* key = nullptr;
    if (b != base_->end() && in_prefix(b->first)) key = &b->first;
    if (c != committed_.end() && in_prefix(c->first) &&
        (key == nullptr || c->first <= *key)) {
      key = &c->first;
    }
    if (o != overlay_.end() && in_prefix(o->first) &&
        (key == nullptr || o->first <= *key)) {
      key = &o->first;
    }
    if (key == nullptr) return absl::OkStatus();
    const std::string k = *key;
    std::optional<std::string_view> value;
    if (o != overlay_.end() && o->first == k) {
      if (o->second.has_value()) value = *o->second;
    } else if (c != committed_.end() && c->first == k) {
      if (c->second.has_value()) value = *c->second;
    } else {
      value = b->second;
    }
    if (value.has_value() && !visit(k, *value)) return absl::OkStatus();
    if (o != overlay_.end() && o->first == k) ++o;
    if (c != committed_.end() && c->first == k) ++c;
    if (b != base_->end() && b->first == k) ++b;
  }
}

void MemoryRocksKv::Put(std::string_view key, std::string_view value) {
  pending_bytes_ += key.size() + value.size();
  overlay_[std::string(key)] = std::string(value);
}

void MemoryRocksKv::Delete(std::string_view key) {
  pending_bytes_ += key.size();
  overlay_[std::string(key)] = std::nullopt;
}

absl::Status MemoryRocksKv::Commit(bool sync) {
  for (auto& [key, value] : overlay_) committed_[key] = std::move(value);
  Discard();
  return absl::OkStatus();
}

void MemoryRocksKv::Discard() {
  overlay_.clear();
  pending_bytes_ = 0;
}

void MemoryRocksKv::Freeze() {
  (void)Commit(false);
  auto base = std::make_shared<Base>(*base_);
  for (auto& [key, value] : committed_) {
    if (value.has_value()) {
      (*base)[key] = std::move(*value);
    } else {
      base->erase(key);
    }
  }
  committed_.clear();
  base_ = std::move(base);
}

// --- Ledger ------------------------------------------------------------------

Ledger::Ledger() : now(AfterTheTerm()) { Attach(this); }

Ledger::Ledger(const Ledger& other)
    : log(other.log),
      state_kv(other.state_kv),
      views_kv(other.views_kv),
      now(other.now) {
  Attach(this);
}

const Ledger& DemoLedger() {
  QuietProtobuf();
  static const Ledger* demo = BuildDemo();
  return *demo;
}

}  // namespace xueji::fuzz
