#include "bench/bench_util.h"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace xueji::bench {
namespace {

double Percentile(const std::vector<int64_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  size_t i = static_cast<size_t>(std::ceil(q * sorted.size())) - 1;
  i = std::min(i, sorted.size() - 1);
  return sorted[i] / 1000.0;
}

std::string FindField(const std::string& text, const std::string& key) {
  std::regex re("\"" + key + "\"\\s*:\\s*\"?([^\",}\\n]*)\"?");
  std::smatch m;
  if (std::regex_search(text, m, re)) return m[1].str();
  return "";
}

int64_t ToInt(const std::string& s) {
  int64_t v = 0;
  return absl::SimpleAtoi(s, &v) ? v : 0;
}

}  // namespace

Latency Summarize(std::vector<int64_t>& ns) {
  Latency l;
  std::sort(ns.begin(), ns.end());
  l.samples = static_cast<int64_t>(ns.size());
  if (ns.empty()) return l;
  double sum = 0;
  for (int64_t v : ns) sum += v;
  l.mean_us = sum / ns.size() / 1000.0;
  l.p50_us = Percentile(ns, 0.50);
  l.p90_us = Percentile(ns, 0.90);
  l.p99_us = Percentile(ns, 0.99);
  l.p999_us = Percentile(ns, 0.999);
  l.max_us = ns.back() / 1000.0;
  return l;
}

std::string ToJson(const Latency& l) {
  return JsonObject()
      .Int("samples", l.samples)
      .Num("meanUs", l.mean_us)
      .Num("p50Us", l.p50_us)
      .Num("p90Us", l.p90_us)
      .Num("p99Us", l.p99_us)
      .Num("p999Us", l.p999_us)
      .Num("maxUs", l.max_us)
      .Build();
}

int64_t ProcStatusKb(std::string_view field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::string prefix = std::string(field) + ":";
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) != 0) continue;
    std::istringstream rest(line.substr(prefix.size()));
    int64_t kb = -1;
    rest >> kb;
    return kb;
  }
  return -1;
}

DiskUsage Du(const std::string& dir) {
  DiskUsage du;
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) return du;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator();
       it.increment(ec)) {
    struct stat st;
    if (::lstat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    du.allocated += static_cast<int64_t>(st.st_blocks) * 512;
    du.apparent += st.st_size;
  }
  return du;
}

absl::StatusOr<GenSummary> ReadGenSummary(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  GenSummary s;
  s.registry_now = FindField(text, "registryNow");
  s.submit_now = FindField(text, "submitNow");
  s.as_of = FindField(text, "asOf");
  s.children = ToInt(FindField(text, "children"));
  s.requests = ToInt(FindField(text, "requests"));
  s.counties = ToInt(FindField(text, "counties"));
  s.kindergartens = ToInt(FindField(text, "kindergartens"));
  if (s.submit_now.empty() || s.as_of.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": no submitNow/asOf (not a ledger gen summary?)"));
  }
  return s;
}

std::string JsonQuote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

void JsonObject::Key(std::string_view key) {
  if (!body_.empty()) body_ += ",";
  body_ += JsonQuote(key) + ":";
}
JsonObject& JsonObject::Str(std::string_view key, std::string_view value) {
  Key(key);
  body_ += JsonQuote(value);
  return *this;
}
JsonObject& JsonObject::Num(std::string_view key, double value) {
  Key(key);
  body_ += std::isfinite(value) ? absl::StrFormat("%.6g", value) : "null";
  return *this;
}
JsonObject& JsonObject::Int(std::string_view key, int64_t value) {
  Key(key);
  body_ += absl::StrCat(value);
  return *this;
}
JsonObject& JsonObject::Bool(std::string_view key, bool value) {
  Key(key);
  body_ += value ? "true" : "false";
  return *this;
}
JsonObject& JsonObject::Raw(std::string_view key, std::string_view json) {
  Key(key);
  body_ += json;
  return *this;
}

std::string JsonArray(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ",";
    out += items[i];
  }
  return out + "]";
}

}  // namespace xueji::bench
