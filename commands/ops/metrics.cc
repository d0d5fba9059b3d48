#include "commands/ops/metrics.h"

#include <cmath>
#include <cstdio>

#include "absl/strings/str_cat.h"

namespace xueji {
namespace {

std::string Number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    return absl::StrCat(static_cast<int64_t>(v));
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

std::string Labels(const std::vector<std::string>& names,
                   const std::vector<std::string>& values,
                   const std::string& extra = "") {
  std::string out;
  for (size_t i = 0; i < names.size() && i < values.size(); ++i) {
    absl::StrAppend(&out, out.empty() ? "" : ",", names[i], "=\"",
                    EscapeLabelValue(values[i]), "\"");
  }
  if (!extra.empty()) absl::StrAppend(&out, out.empty() ? "" : ",", extra);
  return out.empty() ? "" : "{" + out + "}";
}

}  // namespace

std::string EscapeLabelValue(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Metrics::Family* Metrics::Declare(const std::string& name,
                                  const std::string& help, Type type,
                                  std::vector<std::string> label_names,
                                  std::vector<double> bounds) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& f : families_) {
    if (f->name == name) return f.get();
  }
  auto f = std::make_unique<Family>();
  f->name = name;
  f->help = help;
  f->type = type;
  f->label_names = std::move(label_names);
  f->bounds = std::move(bounds);
  families_.push_back(std::move(f));
  return families_.back().get();
}

void Metrics::Counter(const std::string& name, const std::string& help,
                      std::vector<std::string> label_names) {
  Declare(name, help, Type::kCounter, std::move(label_names), {});
}
void Metrics::Gauge(const std::string& name, const std::string& help,
                    std::vector<std::string> label_names) {
  Declare(name, help, Type::kGauge, std::move(label_names), {});
}
void Metrics::Histogram(const std::string& name, const std::string& help,
                        std::vector<double> bounds,
                        std::vector<std::string> label_names) {
  Declare(name, help, Type::kHistogram, std::move(label_names),
          std::move(bounds));
}

Metrics::Family* Metrics::Find(const std::string& name) {
  for (auto& f : families_) {
    if (f->name == name) return f.get();
  }
  return nullptr;
}

void Metrics::Add(const std::string& name, double delta,
                  const std::vector<std::string>& labels) {
  std::lock_guard<std::mutex> lock(mu_);
  if (Family* f = Find(name)) f->series[labels].value += delta;
}

void Metrics::Set(const std::string& name, double value,
                  const std::vector<std::string>& labels) {
  std::lock_guard<std::mutex> lock(mu_);
  if (Family* f = Find(name)) f->series[labels].value = value;
}

void Metrics::Observe(const std::string& name, double value,
                      const std::vector<std::string>& labels) {
  std::lock_guard<std::mutex> lock(mu_);
  Family* f = Find(name);
  if (f == nullptr || f->type != Type::kHistogram) return;
  Series& s = f->series[labels];
  if (s.buckets.empty()) s.buckets.assign(f->bounds.size(), 0);
  for (size_t i = 0; i < f->bounds.size(); ++i) {
    if (value <= f->bounds[i]) ++s.buckets[i];
  }
  s.value += value;
  ++s.count;
}

std::string Metrics::Render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (const auto& f : families_) {
    const char* type = f->type == Type::kCounter ? "counter"
                       : f->type == Type::kGauge ? "gauge"
                                                 : "histogram";
    absl::StrAppend(&out, "# HELP ", f->name, " ", EscapeLabelValue(f->help),
                    "\n# TYPE ", f->name, " ", type, "\n");
    if (f->series.empty() && f->label_names.empty() &&
        f->type != Type::kHistogram) {
      absl::StrAppend(&out, f->name, " 0\n");  // a plain series exists at 0
    }
    for (const auto& [labels, s] : f->series) {
      if (f->type != Type::kHistogram) {
        absl::StrAppend(&out, f->name, Labels(f->label_names, labels), " ",
                        Number(s.value), "\n");
        continue;
      }
      for (size_t i = 0; i < f->bounds.size(); ++i) {
        absl::StrAppend(
            &out, f->name, "_bucket",
            Labels(f->label_names, labels,
                   absl::StrCat("le=\"", Number(f->bounds[i]), "\"")),
            " ", s.buckets.empty() ? 0 : s.buckets[i], "\n");
      }
      absl::StrAppend(&out, f->name, "_bucket",
                      Labels(f->label_names, labels, "le=\"+Inf\""), " ",
                      s.count, "\n");
      absl::StrAppend(&out, f->name, "_sum", Labels(f->label_names, labels),
                      " ", Number(s.value), "\n");
      absl::StrAppend(&out, f->name, "_count", Labels(f->label_names, labels),
                      " ", s.count, "\n");
    }
  }
  return out;
}

}  // namespace xueji
