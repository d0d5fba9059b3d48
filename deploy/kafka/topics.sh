#!/usr/bin/env bash
# Creates the ledger's topics on a KRaft cluster (deploy/kafka/broker-*.properties;
# auto.create.topics.enable=false there, so nothing else creates them).
#
#   deploy/kafka/topics.sh BOOTSTRAP ADMIN_CLIENT_PROPERTIES [PREFIX] [EVENTS_PARTITIONS]
#
# e.g. topics.sh kafka-b1.xueji.internal:9093 /etc/kafka/admin.properties
# (admin.properties: security.protocol=SASL_SSL, sasl.mechanism=SCRAM-SHA-512,
# sasl.jaas.config=... for the xueji-admin user, ssl.truststore.*). Needs
# kafka-topics.sh of Apache Kafka >= 3.3 on PATH (or KAFKA_BIN=/opt/kafka/bin).
# Idempotent: existing topics are left alone (--if-not-exists); it prints
# every topic's description at the end so the result can be checked.
#
# All topics: replication factor 3, min.insync.replicas 2 (with the ledger's
# acks=all, an acknowledged write is on 2 replicas in 2 rooms).
# REPLICATION_FACTOR and MIN_INSYNC_REPLICAS in the environment change that,
# for a smaller cluster only (tools/kafka-local.sh: 1 and 1 on one broker).
#
# The partition count of PREFIX.events is fixed for the life of the ledger:
# an event's partition is murmur2(subject) mod the count and is sealed into
# its hash, so adding partitions later would send a subject's new events to
# another partition than its old ones: never add partitions to it. 6 is ample
# for the national rate (docs/kafka-design.md); choose more only for more
# parallel replay, and only before the first event.
set -euo pipefail
if (($# < 2)); then
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
fi
bootstrap=$1
admin_config=$2
prefix=${3:-xueji}
events_partitions=${4:-6}
topics_sh=${KAFKA_BIN:+$KAFKA_BIN/}kafka-topics.sh
replication=${REPLICATION_FACTOR:-3}
min_insync=${MIN_INSYNC_REPLICAS:-2}

create() {  # NAME PARTITIONS CONFIG...
  local name=$1 partitions=$2
  shift 2
  local configs=()
  for c in "min.insync.replicas=$min_insync" "$@"; do configs+=(--config "$c"); done
  "$topics_sh" --bootstrap-server "$bootstrap" --command-config "$admin_config" \
    --create --if-not-exists --topic "$name" --partitions "$partitions" \
    --replication-factor "$replication" "${configs[@]}"
}

# Change requests. ONE partition: the processor owning it is the single
# decider of every request (one live record per identity document, L->G
# conversion, transfers, merges need no cross-partition protocol;
# docs/kafka-design.md). Kept 30 days: a processor needs only what it has not
# decided yet (it resumes from its journal), the rest is for inquiries;
# requests carry identity documents, so they are not kept forever here — the
# events are the record.
create "$prefix.requests" 1 \
  cleanup.policy=delete retention.ms=2592000000 retention.bytes=-1

# The ledger itself: every event, forever. Never compacted, never deleted
# (the hash chain and the audit history need every event; projectors and new
# processors rebuild from offset 0). Events are small (~0.3-2 KiB); a
# producer batch is <= 1 MB, 2 MiB leaves room.
create "$prefix.events" "$events_partitions" \
  cleanup.policy=delete retention.ms=-1 retention.bytes=-1 \
  max.message.bytes=2097152 unclean.leader.election.enable=false \
  message.timestamp.type=CreateTime

# One answer per request, keyed by requestId, for `ledger submit` (which
# waits on it) and `ledger status` (which looks an answer up later).
# Compacted: the latest answer per requestId is kept, forever. 6 partitions
# spread the waiting submitters' reads; the key routes each answer.
create "$prefix.results" 6 \
  cleanup.policy=compact min.compaction.lag.ms=86400000

# Kindergartens and operators, latest state per code/id: compacted.
create "$prefix.registry" 1 \
  cleanup.policy=compact min.compaction.lag.ms=86400000

# 升学 hand-over (Art. 13): one GraduateRecord per graduate, keyed by
# student number, published by `ledger projector --publish-graduates`.
# Compacted: the latest state of each graduate (promoted or not) is kept.
create "$prefix.graduates" 6 \
  cleanup.policy=compact min.compaction.lag.ms=86400000

# The processor's write-ahead batch journal: one record per decided batch,
# written before the batch's events; recovery reads the last one. One
# partition, compacted (only the last record matters), records up to 16 MiB
# (a whole batch with its answers).
create "$prefix.journal" 1 \
  cleanup.policy=compact max.message.bytes=16777216 \
  segment.bytes=104857600

# One call (a regular expression over the six names): each call of the
# tool starts a JVM.
"$topics_sh" --bootstrap-server "$bootstrap" --command-config "$admin_config" \
  --describe --topic "${prefix//./\\.}\\.(requests|events|results|registry|journal|graduates)"
