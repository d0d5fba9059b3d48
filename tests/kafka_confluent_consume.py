#!/usr/bin/env python3
"""A subscriber of the ledger written with confluent-kafka (PyPI).

confluent-kafka is Confluent's Python client (its own build of librdkafka,
installed from PyPI by tools/setup.sh into a virtualenv); protobuf decodes
with the FileDescriptorSet of `ledger schema FILE`, no generated code. It
joins a consumer group on `<prefix>.events` with isolation.level
read_committed (or read_uncommitted, to show what an aborted transaction
left) and reads every partition to its end; then reads `<prefix>.registry`.

Checks, each problem printed as `topic/partition@offset: problem`:
  * events: the value decodes as xueji.v1.Event; the event's partition and
    offset are the record's; no event id twice; headers: the CloudEvents
    Kafka binding complete (ce_specversion 1.0, ce_id = event_id,
    ce_source, ce_type cn.edu.xueji.v1.<payload>, ce_time = recorded_at,
    content-type application/protobuf, ce_dataschema the URI
    urn:xueji:protobuf:xueji.v1.Event);
  * registry: every record has complete CloudEvents headers too, ce_type
    cn.edu.xueji.v1.KindergartenState or OperatorState, ce_subject the
    key's code or id, ce_dataschema urn:xueji:protobuf:xueji.v1.<type>,
    and its value decodes as that type.
Prints a summary and exits 0 only if everything passed (and --expect, the
number of events, matches); 1 otherwise.
"""

import argparse
import collections
import sys
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition
from google.protobuf.message import DecodeError

from descriptor_classes import message_classes

TYPE_PREFIX = "cn.edu.xueji.v1."
SCHEMA_PREFIX = "urn:xueji:protobuf:"
REQUIRED = ("ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time",
            "content-type", "ce_dataschema")


def read_to_end(bootstrap, topic, group, isolation, deadline):
    """Every record of every partition of `topic`, by partition EOF."""
    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "isolation.level": isolation,
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "enable.partition.eof": True,
        "log_level": 3,
    })
    metadata = consumer.list_topics(topic, timeout=30)
    partitions = sorted(metadata.topics[topic].partitions)
    if not partitions:
        raise SystemExit("error: topic %s not found" % topic)
    consumer.subscribe([topic])
    records, at_end = [], set()
    while len(at_end) < len(partitions):
        if time.monotonic() > deadline:
            raise SystemExit("error: %s not read to its end in time" % topic)
        m = consumer.poll(0.5)
        if m is None:
            continue
        if m.error():
            if m.error().code() == KafkaError._PARTITION_EOF:
                at_end.add(m.partition())
                continue
            raise KafkaException(m.error())
        at_end.discard(m.partition())  # more arrived after an EOF
        records.append(m)
    consumer.commit(asynchronous=False)
    consumer.close()
    return partitions, records


def where(m):
    return "%s/%d@%d" % (m.topic(), m.partition(), m.offset())


def check_headers(m, problems, want):
    headers = collections.defaultdict(list)
    for name, value in m.headers() or []:
        headers[name].append(value.decode() if value is not None else None)
    for name in REQUIRED:
        if len(headers.get(name, [])) != 1 or not headers[name][0]:
            problems.append("%s: header %s missing" % (where(m), name))
    for name, value in want.items():
        if headers.get(name) != [value]:
            problems.append("%s: header %s is %r, want %r"
                            % (where(m), name, headers.get(name), value))


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bootstrap", required=True)
    p.add_argument("--prefix", default="xueji")
    p.add_argument("--schema", required=True)
    p.add_argument("--group", required=True)
    p.add_argument("--isolation", default="read_committed",
                   choices=("read_committed", "read_uncommitted"))
    p.add_argument("--expect", type=int, default=None,
                   help="fail unless exactly N events are read")
    p.add_argument("--timeout-s", type=float, default=90.0)
    args = p.parse_args(argv)
    types = message_classes(args.schema,
                            ("xueji.v1.Event", "xueji.v1.KindergartenState",
                             "xueji.v1.OperatorState"))
    deadline = time.monotonic() + args.timeout_s
    problems = []

    topic = args.prefix + ".events"
    partitions, records = read_to_end(args.bootstrap, topic, args.group,
                                      args.isolation, deadline)
    seen, per_type = {}, collections.Counter()
    for m in records:
        event = types["xueji.v1.Event"]()
        try:
            event.ParseFromString(m.value() or b"")
        except DecodeError:
            problems.append("%s: value does not decode as xueji.v1.Event"
                            % where(m))
            continue
        payload = event.WhichOneof("payload")
        name = (event.DESCRIPTOR.fields_by_name[payload].message_type.name
                if payload else "<none>")
        per_type[name] += 1
        if event.event_id in seen:
            problems.append("%s: event %s again (first at %s)"
                            % (where(m), event.event_id, seen[event.event_id]))
        seen.setdefault(event.event_id, where(m))
        if event.partition != m.partition() or event.offset != m.offset():
            problems.append("%s: the event says %d@%d" % (
                where(m), event.partition, event.offset))
        check_headers(m, problems, {
            "ce_specversion": "1.0", "ce_id": event.event_id,
            "ce_type": TYPE_PREFIX + name, "ce_time": event.recorded_at,
            "content-type": "application/protobuf",
            "ce_dataschema": SCHEMA_PREFIX + "xueji.v1.Event"})

    registry_topic = args.prefix + ".registry"
    _, registry = read_to_end(args.bootstrap, registry_topic,
                              args.group + ".registry", "read_committed",
                              deadline)
    for m in registry:
        key = (m.key() or b"").decode()
        kind = {"kg": "KindergartenState", "op": "OperatorState"}.get(
            key.split(":", 1)[0])
        if kind is None:
            problems.append("%s: key %r is not kg:/op:" % (where(m), key))
            continue
        state = types["xueji.v1." + kind]()
        try:
            state.ParseFromString(m.value() or b"")
        except DecodeError:
            problems.append("%s: value does not decode as xueji.v1.%s"
                            % (where(m), kind))
        check_headers(m, problems, {
            "ce_specversion": "1.0", "ce_type": TYPE_PREFIX + kind,
            "ce_subject": key.split(":", 1)[1],
            "content-type": "application/protobuf",
            "ce_dataschema": SCHEMA_PREFIX + "xueji.v1." + kind})

    print("topic %s (%s): %d events in %d partitions"
          % (topic, args.isolation, len(records), len(partitions)))
    for name, n in sorted(per_type.items()):
        print("  %s: %d" % (name, n))
    print("topic %s: %d records" % (registry_topic, len(registry)))
    ok = True
    if args.expect is not None and len(records) != args.expect:
        print("error: %d events, expected %d" % (len(records), args.expect),
              file=sys.stderr)
        ok = False
    for line in problems[:50]:
        print("error: " + line, file=sys.stderr)
    if problems:
        print("%d problems" % len(problems), file=sys.stderr)
        ok = False
    else:
        print("all %d events and %d registry records checked"
              % (len(records), len(registry)))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
