// Internals of `ledger gen` shared by gen_emit.cc (request and file writing)
// and gen_streams.cc (the per-kind streams and verification passes). Not
// part of any public interface.
//
// Ownership: a Generator borrows the model and the totals and owns its output
// files and streams. Thread-safety: single-threaded.
#ifndef XUEJI_COMMANDS_GEN_INTERNAL_H_
#define XUEJI_COMMANDS_GEN_INTERNAL_H_

#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "commands/gen_emit.h"
#include "commands/gen_model.h"
#include "ledger/base/enum_text.h"

namespace xueji::gen::internal {

using absl::CivilDay;

// A buffered output file.
class OutFile {
 public:
  ~OutFile() {
    if (file_ != nullptr) std::fclose(file_);
  }
  absl::Status Open(const std::filesystem::path& path) {
    path_ = path.string();
    file_ = std::fopen(path_.c_str(), "wb");
    if (file_ == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("cannot write ", path_));
    }
    std::setvbuf(file_, nullptr, _IOFBF, 1 << 20);
    return absl::OkStatus();
  }
  void Line(std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), file_);
    std::fputc('\n', file_);
  }
  absl::Status Close() {
    bool ok = std::ferror(file_) == 0;
    ok &= std::fclose(file_) == 0;
    file_ = nullptr;
    if (!ok) return absl::InternalError(absl::StrCat("error writing ", path_));
    return absl::OkStatus();
  }

 private:
  std::string path_;
  FILE* file_ = nullptr;
};

inline std::string Q(std::string_view text) {
  std::string quoted = "\"";
  quoted.append(text);
  return quoted += '"';
}

// The idType each kind of child is admitted with.
inline const char* IdTypeName(IdKind kind) {
  static constexpr EnumText<IdKind, const char*> kNames[] = {
      {IdKind::kResident, "RESIDENT_ID"},
      {IdKind::kNone, "NONE"},
      {IdKind::kHkMoTw, "HK_MO_TW_RESIDENCE_PERMIT"},
      {IdKind::kForeign, "FOREIGN_PERMANENT_RESIDENCE"},
  };
  return TextOf(kNames, kind).value_or("NONE");
}

// A cursor over indices [begin, end) whose request dates never decrease.
class Stream {
 public:
  Stream(std::string name, int64_t begin, int64_t end)
      : name_(std::move(name)), cursor_(begin), end_(end) {}
  virtual ~Stream() = default;

  absl::Status RunDay(CivilDay day) {
    while (cursor_ < end_) {
      if (!loaded_) {
        next_ = Load(cursor_);
        loaded_ = true;
      }
      if (next_.has_value()) {
        if (*next_ > day) return absl::OkStatus();
        if (*next_ < day) {
          return absl::InternalError(absl::StrCat(
              "gen: stream ", name_, " out of date order at ", cursor_));
        }
        Emit(day);
      }
      ++cursor_;
      loaded_ = false;
    }
    return absl::OkStatus();
  }
  // After the last day: nothing may be left to emit.
  absl::Status Finish() {
    for (; cursor_ < end_; ++cursor_, loaded_ = false) {
      if (!loaded_) next_ = Load(cursor_);
      if (next_.has_value()) {
        return absl::InternalError(absl::StrCat(
            "gen: stream ", name_, " has a request after the as-of date"));
      }
    }
    return absl::OkStatus();
  }
  const std::string& name() const { return name_; }

 protected:
  virtual std::optional<CivilDay> Load(int64_t index) = 0;
  virtual void Emit(CivilDay day) = 0;

 private:
  std::string name_;
  int64_t cursor_, end_;
  bool loaded_ = false;
  std::optional<CivilDay> next_;
};

using ChildDate = std::function<std::optional<CivilDay>(const ChildPlan&)>;
using ChildEmit = std::function<void(const ChildPlan&, CivilDay)>;

class ChildStream : public Stream {
 public:
  ChildStream(std::string name, const GenModel& model, int64_t begin,
              int64_t end, ChildDate date, ChildEmit emit)
      : Stream(std::move(name), begin, end),
        model_(model),
        date_(std::move(date)),
        emit_(std::move(emit)) {}

 protected:
  std::optional<CivilDay> Load(int64_t index) override {
    plan_ = model_.Child(index);
    return date_(plan_);
  }
  void Emit(CivilDay day) override { emit_(plan_, day); }

 private:
  const GenModel& model_;
  ChildDate date_;
  ChildEmit emit_;
  ChildPlan plan_;
};

class IndexStream : public Stream {
 public:
  IndexStream(std::string name, int64_t begin, int64_t end,
              std::function<CivilDay(int64_t)> date,
              std::function<void(int64_t, CivilDay)> emit)
      : Stream(std::move(name), begin, end),
        date_(std::move(date)),
        emit_(std::move(emit)) {}

 protected:
  std::optional<CivilDay> Load(int64_t index) override {
    index_ = index;
    return date_(index);
  }
  void Emit(CivilDay day) override { emit_(index_, day); }

 private:
  std::function<CivilDay(int64_t)> date_;
  std::function<void(int64_t, CivilDay)> emit_;
  int64_t index_ = 0;
};

class Generator {
 public:
  Generator(const GenModel& model, GenTotals* totals) : m_(model), t_(totals) {}

  absl::Status Run(bool progress);

 private:
  void WriteRegistry();
  void BuildStreams();
  void AddChildStreams();
  void AddYearStreams(int z);
  void AddVerification(int z, bool spring);

  // Request lines.
  void Request(const std::string& id, const std::string& actor, CivilDay day,
               std::string_view action, const std::string& body);
  std::string ChildJson(const ChildPlan& p, bool edited, bool typo) const;
  void Admit(const std::string& id, const ChildPlan& p, int64_t kg,
             CivilDay day, bool typo);
  // A stream's emit: the county's approval (ids `id`-N) of the requests
  // `request`-N.
  ChildEmit ApprovalOf(std::string id, std::string request);
  void Approve(const std::string& id, int county, CivilDay day,
               const std::string& target);
  void OnStudent(const std::string& id, const std::string& actor, CivilDay day,
                 std::string_view action, const std::string& student_no,
                 const std::string& extra);
  void Verify(int z, bool spring, int64_t k, CivilDay day, bool spot);

  // planted.jsonl
  void Expect(std::string_view kind, bool anomaly, Plant problem,
              const std::string& student_no, const std::string& kg,
              const std::string& request_id = "");
  void PlantedAtAdmission(const ChildPlan& p);
  void PlantedStuck(const ChildPlan& p);
  absl::Status WriteSummary();

  const GenModel& m_;
  GenTotals* t_;
  OutFile registry_, requests_, planted_;
  std::vector<std::unique_ptr<Stream>> streams_;
};

}  // namespace xueji::gen::internal

#endif  // XUEJI_COMMANDS_GEN_INTERNAL_H_
