// The `ledger` binary. See commands/README.md and `ledger --help`.
#include "commands/cli.h"

int main(int argc, char** argv) { return xueji::RunCli(argc, argv); }
