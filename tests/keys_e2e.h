// Helpers of the end-to-end tests of keys (issue 9), embedded
// (e2e_keys_test.cc) and Kafka (e2e_kafka_keys_test.cc): `ledger keygen`
// run through the binary, and request and registry lines for a production
// ledger, whose clock is the system's (LEDGER_NOW is ignored), so the
// synthetic children's birth dates follow today's year and the requests
// carry no dates (today, by the ledger's clock).
//
// Thread-safety: the functions are pure but for the processes they run.
#ifndef XUEJI_TESTS_KEYS_E2E_H_
#define XUEJI_TESTS_KEYS_E2E_H_

#include <string>

namespace xueji::e2e {

struct KeyFiles {
  std::string file;        // the private key (PEM)
  std::string public_key;  // base64, as keygen prints it
  std::string key_id;      // "ed25519:..." as keygen's stderr names it
};

// `ledger keygen --out file`; REQUIREs exit 0 and its outputs.
KeyFiles Keygen(const std::string& file);

// The resident ID of synthetic boy `seq` (0..499) of 思明区, born on 14
// March four years before this year; *birth_date its date.
std::string BoyId(int seq, std::string* birth_date);

// An admission of boy `seq` to kindergarten 350203001 without actor or
// dates (the signer; today). *id_number (if given): his ID.
std::string AdmitLine(const std::string& request_id, int seq,
                      std::string* id_number = nullptr);

// A registry operator line; `public_key` "" = none.
std::string OperatorLine(const std::string& id, const std::string& role,
                         const std::string& org, const std::string& public_key);

}  // namespace xueji::e2e

#endif  // XUEJI_TESTS_KEYS_E2E_H_
