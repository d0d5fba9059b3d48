// Prometheus metrics of the long-running services (issue 13): counters,
// gauges and histograms, each family with fixed label names, rendered in
// the Prometheus text exposition format (version 0.0.4) that
// MetricsServer serves on GET /metrics.
//
// Ownership: a Metrics owns its families; Counter/Gauge/Histogram handles
// point into it and live as long as it does. Thread-safety: every method
// may be called from any thread (one mutex; the services update a few
// times per batch, the scraper reads a few times a minute).
#ifndef XUEJI_COMMANDS_OPS_METRICS_H_
#define XUEJI_COMMANDS_OPS_METRICS_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace xueji {

class Metrics {
 public:
  // Declares a family; `help` is its # HELP line. Declaring the same name
  // again returns the same family.
  void Counter(const std::string& name, const std::string& help,
               std::vector<std::string> label_names = {});
  void Gauge(const std::string& name, const std::string& help,
             std::vector<std::string> label_names = {});
  // Bucket upper bounds, increasing (+Inf is added).
  void Histogram(const std::string& name, const std::string& help,
                 std::vector<double> bounds,
                 std::vector<std::string> label_names = {});

  // Updates the series of `labels` (values in the family's label order).
  void Add(const std::string& name, double delta,
           const std::vector<std::string>& labels = {});
  void Set(const std::string& name, double value,
           const std::vector<std::string>& labels = {});
  void Observe(const std::string& name, double value,
               const std::vector<std::string>& labels = {});

  // The exposition text: families in declaration order, series in label
  // order.
  std::string Render() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Series {
    double value = 0;               // counter, gauge; histogram: sum
    std::vector<uint64_t> buckets;  // histogram: cumulative per bound
    uint64_t count = 0;             // histogram
  };
  struct Family {
    std::string name, help;
    Type type;
    std::vector<std::string> label_names;
    std::vector<double> bounds;
    std::map<std::vector<std::string>, Series> series;
  };
  Family* Declare(const std::string& name, const std::string& help, Type type,
                  std::vector<std::string> label_names,
                  std::vector<double> bounds);
  Family* Find(const std::string& name);

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Family>> families_;
};

// A label value or help text escaped for the exposition format.
std::string EscapeLabelValue(const std::string& value);

}  // namespace xueji

#endif  // XUEJI_COMMANDS_OPS_METRICS_H_
