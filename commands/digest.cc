#include "commands/digest.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "commands/output/output.h"
#include "google/protobuf/util/json_util.h"
#include "ledger/base/dates.h"
#include "ledger/base/deterministic.h"
#include "ledger/base/sha256.h"
#include "ledger/rules/subjects.h"

namespace xueji {
namespace {

using xueji::v1::Event;
using xueji::v1::LedgerDigest;
using xueji::v1::PartitionHead;

constexpr char kLedgerSubject[] = "ledger:";
constexpr size_t kReadChunk = 1000;

// Visits every event of `partition` in offset order; `visit` returns false
// to stop.
absl::Status ForEachEvent(
    EventLog& log, int32_t partition,
    const std::function<bool(const StoredEvent&)>& visit) {
  int64_t from = 0;
  while (true) {
    auto events = log.Read(partition, from, kReadChunk);
    if (!events.ok()) return events.status();
    if (events->empty()) return absl::OkStatus();
    for (const StoredEvent& e : *events) {
      if (!visit(e)) return absl::OkStatus();
    }
    from = events->back().event.offset() + 1;
  }
}

// The last event of `partition` below `head` (Kafka: transaction markers
// may sit between it and the head), or nullopt for an empty partition.
absl::StatusOr<std::optional<StoredEvent>> LastEventBelow(EventLog& log,
                                                          int32_t partition,
                                                          int64_t head) {
  int64_t window = 1;
  while (true) {
    const int64_t from = std::max<int64_t>(0, head - window);
    auto events = log.Read(partition, from, static_cast<size_t>(head - from));
    if (!events.ok()) return events.status();
    std::optional<StoredEvent> last;
    for (StoredEvent& e : *events) {
      if (e.event.offset() < head) last = std::move(e);
    }
    if (last.has_value()) return last;
    if (from == 0) return std::optional<StoredEvent>();
    window *= 16;
  }
}

std::string HashOf(const Event& event) {
  Event copy = event;
  copy.clear_hash();
  return Sha256(CanonicalBytes(copy));
}

absl::Time TimeOr(const std::string& text, absl::Time fallback) {
  auto t = ParseRfc3339(text);
  return t.ok() ? *t : fallback;
}

std::string Short(const std::string& hex) { return hex.substr(0, 16) + "…"; }

}  // namespace

absl::StatusOr<LedgerIdentity> ReadLedgerIdentity(EventLog& log) {
  LedgerIdentity identity;
  const int32_t p = PartitionFor(kLedgerSubject, log.partitions());
  auto first = log.Read(p, 0, 1);
  if (!first.ok()) return first.status();
  if (first->empty()) return identity;
  const Event& e = first->front().event;
  if (e.subject() != kLedgerSubject || !e.has_ledger_initialized()) {
    return identity;
  }
  const auto& init = e.ledger_initialized();
  identity.initialized = true;
  identity.mode = init.mode();
  identity.ledger_id = init.ledger_id();
  identity.root_operator = init.root_operator();
  identity.root_public_key = init.root_public_key();
  identity.recorded_at = e.recorded_at();
  return identity;
}

std::string DigestSignedBytes(const LedgerDigest& digest) {
  LedgerDigest copy = digest;
  copy.clear_signature();
  return DeterministicBytes(copy);
}

absl::StatusOr<std::vector<PartitionHead>> TakeHeads(EventLog& log) {
  auto heads = log.HeadOffsets();
  if (!heads.ok()) return heads.status();
  std::vector<PartitionHead> out;
  for (int32_t p = 0; p < log.partitions(); ++p) {
    PartitionHead head;
    head.set_partition(p);
    const int64_t next =
        p < static_cast<int32_t>(heads->size()) ? (*heads)[p] : 0;
    if (next > 0) {
      auto last = LastEventBelow(log, p, next);
      if (!last.ok()) return last.status();
      if (last->has_value()) {
        const Event& e = (*last)->event;
        if (HashOf(e) != e.hash()) {
          return absl::DataLossError(absl::StrCat(
              "partition ", p, " offset ", e.offset(),
              ": the head event's bytes do not match its hash; no digest is "
              "signed over a damaged log (run `ledger verify`)"));
        }
        head.set_next_offset(e.offset() + 1);
        head.set_head_hash(HexEncode(e.hash()));
      }
    }
    out.push_back(std::move(head));
  }
  return out;
}

absl::StatusOr<std::vector<RegisteredKey>> KeysOfOperator(
    EventLog& log, const LedgerIdentity& identity, const std::string& id) {
  std::vector<RegisteredKey> keys;
  auto close_open = [&keys](absl::Time at) {
    for (RegisteredKey& k : keys) {
      if (!k.until.has_value()) k.until = at;
    }
  };
  auto add = [&](const std::string& public_key, absl::Time at) {
    if (public_key.empty()) return;
    for (const RegisteredKey& k : keys) {
      if (k.public_key == public_key && !k.until.has_value()) return;
    }
    close_open(at);
    keys.push_back({KeyId(public_key), public_key, at, std::nullopt});
  };
  if (identity.initialized && identity.root_operator == id) {
    add(identity.root_public_key,
        TimeOr(identity.recorded_at, absl::InfinitePast()));
  }
  const std::string subject = OperatorSubject(id);
  absl::Status s = ForEachEvent(
      log, PartitionFor(subject, log.partitions()),
      [&](const StoredEvent& stored) {
        const Event& e = stored.event;
        if (e.subject() != subject) return true;
        const absl::Time at = TimeOr(e.recorded_at(), absl::InfinitePast());
        if (e.has_operator_registered()) {
          add(e.operator_registered().public_key(), at);
        } else if (e.has_operator_key_added()) {
          add(e.operator_key_added().public_key(), at);
        } else if (e.has_operator_sealed()) {
          close_open(at);
        }
        return true;
      });
  if (!s.ok()) return s;
  return keys;
}

absl::StatusOr<std::optional<std::string>> FindKeyHolder(
    EventLog& log, const LedgerIdentity& identity, const std::string& key_id) {
  if (identity.initialized && !identity.root_public_key.empty() &&
      KeyId(identity.root_public_key) == key_id) {
    return std::optional<std::string>(identity.root_operator);
  }
  std::optional<std::string> holder;
  for (int32_t p = 0; p < log.partitions() && !holder.has_value(); ++p) {
    absl::Status s = ForEachEvent(log, p, [&](const StoredEvent& stored) {
      const Event& e = stored.event;
      if (e.has_operator_registered() &&
          !e.operator_registered().public_key().empty() &&
          KeyId(e.operator_registered().public_key()) == key_id) {
        holder = e.operator_registered().id();
      } else if (e.has_operator_key_added() &&
                 KeyId(e.operator_key_added().public_key()) == key_id) {
        holder = e.operator_key_added().id();
      }
      return !holder.has_value();
    });
    if (!s.ok()) return s;
  }
  return holder;
}

absl::Status SignDigest(const Ed25519PrivateKey& key, const std::string& signer,
                        LedgerDigest* digest) {
  digest->set_signer(signer);
  digest->set_key_id(key.key_id());
  digest->clear_signature();
  auto signature = key.Sign(kLedgerDigestDomain, DigestSignedBytes(*digest));
  if (!signature.ok()) return signature.status();
  digest->set_signature(*signature);
  return absl::OkStatus();
}

absl::StatusOr<DigestFindings> CheckDigest(EventLog& log,
                                           const VerifyReport& report,
                                           const LedgerDigest& digest) {
  DigestFindings f;
  auto identity = ReadLedgerIdentity(log);
  if (!identity.ok()) return identity.status();
  if (digest.ledger_id() != identity->ledger_id) {
    f.problems.push_back(
        absl::StrCat("the digest is of ledger \"", digest.ledger_id(),
                     "\", this log is ledger \"", identity->ledger_id,
                     "\": another ledger, or one regenerated from scratch"));
  }

  // The heads: each signed event still there, with its hash, on an intact
  // chain.
  std::vector<bool> seen(static_cast<size_t>(log.partitions()), false);
  for (const PartitionHead& h : digest.heads()) {
    const int32_t p = h.partition();
    if (p < 0 || p >= log.partitions()) {
      f.problems.push_back(absl::StrCat("partition ", p, ": the log has only ",
                                        log.partitions(), " partitions"));
      continue;
    }
    seen[static_cast<size_t>(p)] = true;
    if (h.next_offset() <= 0) {
      f.lines.push_back(
          absl::StrCat("partition ", p, ": empty when the digest was taken"));
      continue;
    }
    const int64_t at = h.next_offset() - 1;
    auto events = log.Read(p, at, 1);
    if (!events.ok()) {
      f.problems.push_back(absl::StrCat("partition ", p, " offset ", at, ": ",
                                        events.status().message()));
      continue;
    }
    if (events->empty() || events->front().event.offset() != at) {
      f.problems.push_back(absl::StrCat(
          "partition ", p, ": no event at offset ", at,
          ", the head the digest signed: the history it anchored is gone "
          "(the log was cut or regenerated)"));
      continue;
    }
    const std::string hash = HexEncode(events->front().event.hash());
    if (hash != h.head_hash()) {
      f.problems.push_back(absl::StrCat(
          "partition ", p, ": the event at offset ", at, " has hash ",
          Short(hash), ", the digest signed ", Short(h.head_hash()),
          ": the history was rewritten or regenerated since ",
          digest.taken_at()));
      continue;
    }
    bool broken = false;
    for (const ChainBreak& b : report.breaks) {
      if (b.partition == p && b.offset <= at) {
        f.problems.push_back(absl::StrCat(
            "partition ", p, ": the hash chain breaks at offset ", b.offset,
            " (", b.problem, "), below the head the digest signed (offset ", at,
            ")"));
        broken = true;
        break;
      }
    }
    if (!broken) {
      f.lines.push_back(absl::StrCat("partition ", p, ": offset ", at,
                                     ", hash ", Short(hash), " as signed"));
    }
  }
  for (size_t p = 0; p < seen.size(); ++p) {
    if (!seen[p]) {
      f.problems.push_back(
          absl::StrCat("partition ", p, ": the digest has no head for it"));
    }
  }

  // Who signed it.
  if (digest.signature().empty()) {
    if (identity->mode == xueji::v1::PRODUCTION) {
      f.problems.push_back(
          "the digest is not signed (a production ledger's digests are)");
    } else {
      f.notes.push_back(
          "the digest is not signed: its heads are checked, not who took it");
    }
    return f;
  }
  auto taken_at = ParseRfc3339(digest.taken_at());
  if (!taken_at.ok()) {
    f.problems.push_back(absl::StrCat("the digest's takenAt \"",
                                      digest.taken_at(),
                                      "\" is not an RFC 3339 time"));
    return f;
  }
  auto keys = KeysOfOperator(log, *identity, digest.signer());
  if (!keys.ok()) return keys.status();
  const RegisteredKey* key = nullptr;
  for (const RegisteredKey& k : *keys) {
    if (k.key_id == digest.key_id()) key = &k;
  }
  if (key == nullptr) {
    f.problems.push_back(absl::StrCat("the digest's signer \"", digest.signer(),
                                      "\" has no key ", digest.key_id(),
                                      " registered in this log"));
    return f;
  }
  if (*taken_at < key->from ||
      (key->until.has_value() && *taken_at >= *key->until)) {
    f.problems.push_back(absl::StrCat(
        "key ", key->key_id, " of ", digest.signer(), " did not sign at ",
        digest.taken_at(), " (valid from ", FormatRfc3339(key->from),
        key->until.has_value()
            ? absl::StrCat(" until ", FormatRfc3339(*key->until))
            : "",
        ")"));
    return f;
  }
  if (absl::Status s = Verify(key->public_key, kLedgerDigestDomain,
                              DigestSignedBytes(digest), digest.signature());
      !s.ok()) {
    f.problems.push_back(absl::StrCat(
        "the signature does not verify with key ", key->key_id, " of ",
        digest.signer(), ": the digest was altered, or not signed by it"));
    return f;
  }
  f.lines.push_back(absl::StrCat("signed by ", digest.signer(), " with key ",
                                 key->key_id, " (registered in the log) at ",
                                 digest.taken_at()));
  return f;
}

absl::StatusOr<LedgerDigest> ReadDigestFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read digest file ", path));
  }
  std::stringstream text;
  text << in.rdbuf();
  if (text.str().size() > (1 << 20)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": too large for a digest"));
  }
  LedgerDigest digest;
  google::protobuf::util::JsonParseOptions options;  // unknown fields: error
  auto parsed =
      google::protobuf::util::JsonStringToMessage(text.str(), &digest, options);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": not a ledger digest (", std::string(parsed.message()), ")"));
  }
  return digest;
}

absl::Status WriteDigestFile(const std::string& path, const std::string& text) {
  return WriteNewFile(
      path, text,
      absl::AlreadyExistsError(absl::StrCat(
          path,
          " exists: a digest is never overwritten (choose another name)")));
}

}  // namespace xueji
