#include "ledger/kafka/kafka_config.h"

#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace xueji {

absl::StatusOr<std::map<std::string, std::string>> LoadKafkaProperties(
    const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read Kafka config ", path));
  }
  std::map<std::string, std::string> properties;
  std::string line;
  for (int line_no = 1; std::getline(in, line); ++line_no) {
    absl::string_view text = absl::StripAsciiWhitespace(line);
    if (text.empty() || text[0] == '#') continue;
    size_t eq = text.find('=');
    if (eq == absl::string_view::npos || eq == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Kafka config ", path, " line ", line_no, ": expected name=value"));
    }
    std::string name(absl::StripAsciiWhitespace(text.substr(0, eq)));
    std::string value(absl::StripAsciiWhitespace(text.substr(eq + 1)));
    properties[name] = value;
  }
  if (in.bad()) {
    return absl::DataLossError(
        absl::StrCat("error reading Kafka config ", path));
  }
  return properties;
}

}  // namespace xueji
