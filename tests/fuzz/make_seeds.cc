// fuzz_make_seeds DATA_DIR OUT_DIR: seed inputs from a ledger's event log
// (tests/fuzz/make_corpus.sh runs it on the demo's data directory).
//   OUT_DIR/event_decoder/event-P-O   one stored event (delimited form)
//   OUT_DIR/event_decoder/subject-N   a subject's events in log order
//   OUT_DIR/verify_log/log            the whole log as a log image
//   OUT_DIR/verify_log/partition-P    only partition P's events (others empty)
// It also says whether the fuzz targets' in-memory demo ledger holds the
// same bytes as the log read (it should: the deciders are deterministic).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "ledger/log/event_log.h"
#include "ledger/storage/data_dir.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using xueji::StoredEvent;

void Write(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", path.c_str());
    std::exit(1);
  }
}

// Delimited events: varint length, bytes; for event_decoder.
std::string Delimited(const std::vector<const StoredEvent*>& events) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    for (const StoredEvent* e : events) {
      coded.WriteVarint32(static_cast<uint32_t>(e->bytes.size()));
      coded.WriteString(e->bytes);
    }
  }
  return out;
}

// A log image (verify_log_fuzzer.cc) of `by_partition`'s events; partitions
// not in `only` (unless it is -1) are left empty.
std::string LogImage(const std::vector<std::vector<StoredEvent>>& by_partition,
                     int only) {
  std::string out(1, static_cast<char>(by_partition.size() - 1));
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    for (size_t p = 0; p < by_partition.size(); ++p) {
      const bool keep = only < 0 || static_cast<size_t>(only) == p;
      const auto& events = by_partition[p];
      if (keep) {
        for (const StoredEvent& e : events) {
          coded.WriteVarint32(static_cast<uint32_t>(p * 2));
          coded.WriteVarint64(static_cast<uint64_t>(e.event.offset()));
          coded.WriteVarint32(static_cast<uint32_t>(e.bytes.size()));
          coded.WriteString(e.bytes);
        }
      }
      coded.WriteVarint32(static_cast<uint32_t>(p * 2 + 1));
      coded.WriteVarint64(keep ? events.size() : 0);
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: fuzz_make_seeds DATA_DIR OUT_DIR\n");
    return 2;
  }
  xueji::DataDir dir{argv[1]};
  xueji::EmbeddedLogOptions options;
  options.read_only = true;
  auto log = xueji::OpenEmbeddedLog(dir.log(), options);
  if (!log.ok()) {
    std::fprintf(stderr, "%s\n", log.status().ToString().c_str());
    return 3;
  }
  std::vector<std::vector<StoredEvent>> by_partition;
  for (int32_t p = 0; p < (*log)->partitions(); ++p) {
    auto events = (*log)->Read(p, 0, 1 << 20);
    if (!events.ok()) {
      std::fprintf(stderr, "%s\n", events.status().ToString().c_str());
      return 3;
    }
    by_partition.push_back(*std::move(events));
  }

  const std::filesystem::path out(argv[2]);
  std::filesystem::create_directories(out / "event_decoder");
  std::filesystem::create_directories(out / "verify_log");
  std::map<std::string, std::vector<const StoredEvent*>> by_subject;
  size_t count = 0;
  for (const auto& events : by_partition) {
    for (const StoredEvent& e : events) {
      Write(out / "event_decoder" /
                absl::StrCat("event-", e.event.partition(), "-",
                             e.event.offset()),
            Delimited({&e}));
      by_subject[e.event.subject()].push_back(&e);
      ++count;
    }
  }
  int n = 0;
  for (const auto& [subject, events] : by_subject) {
    if (events.size() < 3) continue;
    Write(out / "event_decoder" / absl::StrCat("subject-", ++n),
          Delimited(events));
  }
  Write(out / "verify_log" / "log", LogImage(by_partition, -1));
  for (size_t p = 0; p < by_partition.size(); ++p) {
    Write(out / "verify_log" / absl::StrCat("partition-", p),
          LogImage(by_partition, static_cast<int>(p)));
  }

  // The in-memory demo the targets start from, against this log.
  const xueji::fuzz::MemoryLog& demo = xueji::fuzz::DemoLedger().log;
  bool same = demo.stored().size() == count &&
              static_cast<size_t>(demo.partitions()) == by_partition.size();
  for (const auto& events : by_partition) {
    for (const StoredEvent& e : events) {
      auto it = demo.stored().find(
          {e.event.partition(), static_cast<uint64_t>(e.event.offset())});
      same = same && it != demo.stored().end() && it->second == e.bytes;
    }
  }
  std::printf(
      "%zu events, %d subject histories; the fuzz targets' demo "
      "ledger is %s\n",
      count, n, same ? "byte-identical" : "DIFFERENT (check BuildDemo)");
  return 0;
}
