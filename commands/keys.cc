// ledger keygen --out KEYFILE: an operator's Ed25519 key pair
// (docs/accountability.md, "Keys and signed batches"). The private key goes
// to KEYFILE (PKCS#8 PEM, mode 0600, never overwritten); the public key, as
// base64 of its raw 32 bytes, to standard output -- the form registry lines
// ("publicKey") and `ledger init --root-key` take.
#include <iostream>

#include "commands/cli.h"
#include "ledger/base/ed25519.h"

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
}

}  // namespace xueji
