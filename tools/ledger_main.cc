// The `ledger` binary. See commands/README.md and `ledger --help`.
#include <iostream>

#include "commands/cli.h"
#include "google/protobuf/stubs/logging.h"

namespace {

// Protobuf logs parse problems of damaged bytes ("invalid UTF-8") on its own;
// the ledger reports those itself, naming partition and offset. Keep only
// protobuf's fatal messages.
void ProtobufLog(google::protobuf::LogLevel level, const char* file, int line,
                 const std::string& message) {
  if (level >= google::protobuf::LOGLEVEL_FATAL) {
    std::cerr << "protobuf: " << file << ":" << line << ": " << message << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  google::protobuf::SetLogHandler(&ProtobufLog);
  return xueji::RunCli(argc, argv);
}
