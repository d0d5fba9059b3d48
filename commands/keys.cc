// ledger keygen --out KEYFILE: an operator's Ed25519 key pair
// (docs/accountability.md, "Keys and signed batches"). The private key goes
// to KEYFILE (PKCS#8 PEM, mode 0600, never overwritten); the public key, as
// base64 of its raw 32 bytes, to standard output -- the form registry lines
// ("publicKey") and `ledger init --root-key` take.
//
// ledger init --root-key PUBFILE [--root-id ID] | --dev: makes a ledger
// ("Ledger modes"), on the backend (the data directory, or through Kafka's
// requests topic like any request).
#include <iostream>

#include "commands/backend.h"
#include "commands/cli.h"
#include "ledger/base/ed25519.h"
#include "ledger/rules/signed_batch.h"

namespace xueji {
namespace {

int RunKeygen(const std::string& out) {
  auto key = Ed25519PrivateKey::Generate();
  if (!key.ok()) return Fail(key.status());
  absl::Status written = WritePrivateKeyFile(out, *key);
  if (absl::IsAlreadyExists(written)) {
    return Fail(absl::InvalidArgumentError(written.message()));
  }
  if (!written.ok()) return Fail(written);
  std::cout << Base64Encode(key->public_key()) << "\n";
  std::cerr << "ledger: wrote the private key " << key->key_id() << " to "
            << out << " (keep it to yourself; give the line above to whoever "
            << "registers you)\n";
  return kExitOk;
}

struct InitOptions {
  std::string root_key;
  std::string root_id;
  std::string ledger_id;
  bool dev = false;
};

int RunInit(const GlobalOptions& g, const InitOptions& o) {
  if (o.dev == !o.root_key.empty()) {
    return Fail(absl::InvalidArgumentError(
        "init: give --root-key PUBFILE (a production ledger) or --dev (a "
        "development ledger), one of them"));
  }
  if (o.dev) {
    if (!o.root_id.empty()) {
      return Fail(absl::InvalidArgumentError(
          "init: --root-id goes with --root-key (a development ledger has "
          "no root key)"));
    }
    xueji::v1::InitLedger init = DevelopmentLedger();
    if (!o.ledger_id.empty()) init.set_ledger_id(o.ledger_id);
    return g.backend->Init(init);
  }
  if (!o.ledger_id.empty()) {
    return Fail(absl::InvalidArgumentError(
        "init: --ledger-id goes with --dev (a production ledger draws its "
        "own id)"));
  }
  auto key = LoadPublicKeyFile(o.root_key);
  if (!key.ok()) return Fail(key.status());
  return g.backend->Init(ProductionLedger(o.root_id, *key));
}

}  // namespace

void AddKeyCommands(CLI::App& app, GlobalOptions& g, RunFn& run) {
  auto out = std::make_shared<std::string>();
  auto* keygen = app.add_subcommand(
      "keygen",
      "Make an Ed25519 key pair: the private key to KEYFILE (PEM, mode "
      "0600, never overwritten), the public key (base64 of its raw 32 "
      "bytes, as registry lines' \"publicKey\" and `init --root-key` take "
      "it) on standard output.");
  keygen->add_option("--out", *out, "the private key file to create")
      ->required();
  keygen->callback([&run, out] { run = [out] { return RunKeygen(*out); }; });

  auto init_options = std::make_shared<InitOptions>();
  auto* init = app.add_subcommand(
      "init",
      "Make a ledger: --root-key PUBFILE for a PRODUCTION ledger (signed "
      "batches only; its national OFFICER, --root-id, default \"root\", org "
      "\"00\", holds the key keygen printed into PUBFILE), or --dev for a "
      "DEVELOPMENT one (unsigned requests taken at their actor, LEDGER_NOW "
      "honoured). Every other command refuses a data directory that was "
      "never initialised; init refuses one that was.");
  init->add_option("--root-key", init_options->root_key,
                   "file holding the national root public key (base64, as "
                   "`ledger keygen` prints it)");
  init->add_option("--root-id", init_options->root_id,
                   "the national officer's operator id (default root)");
  init->add_flag("--dev", init_options->dev, "a development ledger");
  init->add_option("--ledger-id", init_options->ledger_id,
                   "with --dev: this ledger id (32 lowercase hex digits) "
                   "instead of a random one, so that two development ledgers "
                   "fed the same requests at the same clock are byte for "
                   "byte the same (simulations, tests)");
  init->callback([&g, &run, init_options] {
    run = [&g, init_options] { return RunInit(g, *init_options); };
  });
}

}  // namespace xueji
