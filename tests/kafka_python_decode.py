#!/usr/bin/python3
"""An independent subscriber of the ledger's events topic.

Uses only Debian's python3-kafka (kafka-python 2.0.2, a pure-Python
implementation of the Kafka protocol, no librdkafka) and python3-protobuf
(3.21), run by /usr/bin/python3. It joins a consumer group, subscribes to
`<prefix>.events`, reads every record up to the end offsets it sees once the
group has assigned it the partitions (then polls on until the topic has been
idle for --idle-ms), and checks each record against the contract of
ledger/kafka_log.h:

  * the value decodes as xueji.v1.Event with the FileDescriptorSet written by
    `ledger schema FILE` (no generated Python code: descriptor_pool +
    message_factory), and re-encodes to the same bytes (canonical);
  * hash = SHA-256 of the canonical bytes with `hash` empty, and per
    partition prev_hash = the previous event's hash (empty at offset 0);
  * the partition and offset recorded inside the event equal the record's
    Kafka partition and offset;
  * key = the event's subject, and the partition is Kafka's default
    partitioner (murmur2) of that key, as kafka-python computes it;
  * CloudEvents headers: ce_specversion 1.0, ce_id = event_id, ce_source,
    ce_type = cn.edu.xueji.v1.<payload message>, ce_time = recorded_at,
    ce_subject = student_no (absent when the event has no student number,
    e.g. registry events: KafkaLog writes it only when there is one),
    content-type application/protobuf, ce_dataschema
    urn:xueji:protobuf:xueji.v1.Event (a URI, as CloudEvents requires).

Prints a summary (events per partition, per event type) and exits 0 only if
every record passed; 1 on any undecodable record or mismatch (each problem is
printed as `topic/partition@offset: problem`), on a count different from
--expect, or on a Kafka error.

kafka-python and librdkafka's mock cluster (ledger-mock-kafka, librdkafka
2.0.2): they work together without patches. Checked by hand: left to probe
(--api-version auto), kafka-python 2.0.2 identifies the mock as broker 2.3.0
(the mock answers FetchRequest v11 but not ProduceRequest v8) and works.
--api-version defaults to 2.3.0 so that no probe runs and every run uses the
same protocol versions; with it kafka-python sends Fetch v4, ListOffsets v1,
JoinGroup/SyncGroup/Heartbeat v0-v2, OffsetCommit v2 and OffsetFetch v1, all
of which the mock implements. Joining the group takes ~3.5 s on the mock
(its initial rebalance delay), hence --timeout-s well above that.
Other settings that matter: enable_auto_commit=False (the script commits
once, at the end, synchronously, so the group's offsets are tested too) and
auto_offset_reset='earliest' (a fresh group reads from offset 0).
Against a real cluster pass the security settings with --property
NAME=VALUE (kafka-python's names, e.g. security_protocol=SASL_SSL).
"""

import argparse
import collections
import hashlib
import sys
import time

from google.protobuf.message import DecodeError
import kafka
from kafka.errors import KafkaError
from kafka.partitioner.default import murmur2

from descriptor_classes import message_classes

EVENT_TYPE = "xueji.v1.Event"
DATASCHEMA = "urn:xueji:protobuf:" + EVENT_TYPE
CE_TYPE_PREFIX = "cn.edu.xueji.v1."


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bootstrap", required=True, help="host:port,host:port")
    p.add_argument("--prefix", default="xueji", help="topic prefix")
    p.add_argument("--group", required=True, help="consumer group id")
    p.add_argument("--schema", required=True,
                   help="FileDescriptorSet written by `ledger schema FILE`")
    p.add_argument("--expect", type=int, default=None,
                   help="fail unless exactly N records are read")
    p.add_argument("--idle-ms", type=int, default=1500,
                   help="stop after this long without a new record, once "
                        "the end offsets seen at assignment are reached")
    p.add_argument("--timeout-s", type=float, default=60.0,
                   help="overall bound (group join + reading)")
    p.add_argument("--api-version", default="2.3.0",
                   help="broker version for kafka-python, or 'auto'")
    p.add_argument("--property", action="append", default=[],
                   metavar="NAME=VALUE",
                   help="extra KafkaConsumer setting (string value)")
    return p.parse_args(argv)


def consumer_config(args):
    config = dict(
        bootstrap_servers=args.bootstrap.split(","),
        group_id=args.group,
        client_id="xueji-python-decode",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        max_poll_records=500,
        request_timeout_ms=30000,
        session_timeout_ms=10000,
        heartbeat_interval_ms=3000,
    )
    if args.api_version != "auto":
        config["api_version"] = tuple(int(x) for x in
                                      args.api_version.split("."))
    for prop in args.property:
        name, sep, value = prop.partition("=")
        if not sep:
            raise SystemExit("--property wants NAME=VALUE, got " + prop)
        config[name] = value
    return config


class Checker:
    """Checks records partition by partition, in offset order."""

    def __init__(self, event_class, topic):
        self.event_class = event_class
        self.topic = topic
        self.partitions = 0
        self.problems = []
        self.prev_hash = {}  # partition -> hash of the last event seen
        self.per_partition = collections.Counter()
        self.per_type = collections.Counter()
        self.count = 0

    def problem(self, record, text):
        self.problems.append("%s/%d@%d: %s" % (record.topic, record.partition,
                                               record.offset, text))

    def check(self, record):
        self.count += 1
        self.per_partition[record.partition] += 1
        event = self.event_class()
        try:
            if record.value is None:
                raise DecodeError("no value")
            event.ParseFromString(record.value)
        except DecodeError as e:
            self.problem(record, "value does not decode as %s (%s)"
                         % (EVENT_TYPE, e))
            self.per_type["<undecodable>"] += 1
            self.prev_hash.pop(record.partition, None)
            return
        payload = event.WhichOneof("payload")
        if payload is None:
            self.problem(record, "event %s has no payload" % event.event_id)
            payload_name = "<none>"
        else:
            payload_name = event.DESCRIPTOR.fields_by_name[
                payload].message_type.name
        self.per_type[payload_name] += 1
        self.check_chain(record, event)
        self.check_placement(record, event)
        self.check_headers(record, event, payload_name)

    def check_chain(self, record, event):
        if event.SerializeToString(deterministic=True) != record.value:
            self.problem(record, "value is not the canonical encoding")
        unsealed = self.event_class()
        unsealed.CopyFrom(event)
        unsealed.ClearField("hash")
        digest = hashlib.sha256(
            unsealed.SerializeToString(deterministic=True)).digest()
        if digest != event.hash:
            self.problem(record, "hash is not SHA-256 of the canonical bytes")
        if record.partition in self.prev_hash:
            expected = self.prev_hash[record.partition]
        elif record.offset == 0:
            expected = b""
        else:
            expected = None  # started mid-partition: nothing to compare
        if expected is not None and event.prev_hash != expected:
            self.problem(record, "prev_hash is not the previous event's hash")
        self.prev_hash[record.partition] = event.hash

    def check_placement(self, record, event):
        if event.partition != record.partition:
            self.problem(record, "event says partition %d"
                         % event.partition)
        if event.offset != record.offset:
            self.problem(record, "event says offset %d" % event.offset)
        if record.key != event.subject.encode():
            self.problem(record, "key is not the event's subject")
        if self.partitions > 0 and (
                murmur2(event.subject.encode()) & 0x7fffffff
        ) % self.partitions != record.partition:
            self.problem(record, "partition is not murmur2(subject)")

    def check_headers(self, record, event, payload_name):
        headers = collections.defaultdict(list)
        for name, value in record.headers or []:
            headers[name].append(value)
        expected = {
            "ce_specversion": b"1.0",
            "ce_id": event.event_id.encode(),
            "ce_type": (CE_TYPE_PREFIX + payload_name).encode(),
            "ce_time": event.recorded_at.encode(),
            "content-type": b"application/protobuf",
            "ce_dataschema": DATASCHEMA.encode(),
        }
        if event.student_no:
            expected["ce_subject"] = event.student_no.encode()
        elif "ce_subject" in headers:
            self.problem(record, "ce_subject set on an event without a "
                                 "student number")
        for name, value in expected.items():
            if headers.get(name) != [value]:
                self.problem(record, "header %s is %r, want %r"
                             % (name, headers.get(name), value))
        if len(headers.get("ce_source", [])) != 1 or not headers["ce_source"][0]:
            self.problem(record, "header ce_source missing")


def wait_for_assignment(consumer, deadline):
    while time.monotonic() < deadline:
        consumer.poll(timeout_ms=200, max_records=1, update_offsets=False)
        assigned = consumer.assignment()
        if assigned:
            return assigned
    return set()


def consume(consumer, checker, topic, args, deadline):
    """Reads until the end offsets are reached and the topic is idle."""
    assigned = wait_for_assignment(consumer, deadline)
    if not assigned:
        raise SystemExit("error: no partition of %s assigned to group %s "
                         "within %.0f s" % (topic, args.group, args.timeout_s))
    # wait_for_assignment fetched nothing (max_records=1 may have returned a
    # record: seek back to be sure every partition starts at its beginning).
    consumer.seek_to_beginning(*assigned)
    end = consumer.end_offsets(list(assigned))
    last_record = time.monotonic()
    while time.monotonic() < deadline:
        batches = consumer.poll(timeout_ms=200)
        for tp in sorted(batches, key=lambda t: t.partition):
            for record in batches[tp]:
                checker.check(record)
            last_record = time.monotonic()
        reached = all(consumer.position(tp) >= end[tp] for tp in assigned)
        idle = (time.monotonic() - last_record) * 1000 >= args.idle_ms
        if reached and idle:
            return {tp: consumer.position(tp) for tp in assigned}
    raise SystemExit("error: not at the end offsets of %s within %.0f s "
                     "(%d records read)" % (topic, args.timeout_s,
                                            checker.count))


def main(argv):
    args = parse_args(argv)
    topic = args.prefix + ".events"
    event_class = message_classes(args.schema, [EVENT_TYPE])[EVENT_TYPE]
    checker = Checker(event_class, topic)
    deadline = time.monotonic() + args.timeout_s
    try:
        consumer = kafka.KafkaConsumer(**consumer_config(args))
        partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            print("error: topic %s not found" % topic, file=sys.stderr)
            return 1
        checker.partitions = len(partitions)
        consumer.subscribe([topic])
        positions = consume(consumer, checker, topic, args, deadline)
        consumer.commit()
        short = sorted(tp.partition for tp, pos in positions.items()
                       if consumer.committed(tp) != pos)
        consumer.close(autocommit=False)
    except KafkaError as e:
        print("error: kafka: %r" % e, file=sys.stderr)
        return 1

    print("topic %s: %d records in %d partitions, read by group %s"
          % (topic, checker.count, checker.partitions, args.group))
    for p in range(checker.partitions):
        print("  partition %d: %d events" % (p, checker.per_partition[p]))
    for name, n in sorted(checker.per_type.items()):
        print("  %s: %d" % (name, n))
    ok = True
    if short:
        print("error: committed offsets of partitions %s are not their "
              "positions" % short, file=sys.stderr)
        ok = False
    if args.expect is not None and checker.count != args.expect:
        print("error: %d records, expected %d" % (checker.count, args.expect),
              file=sys.stderr)
        ok = False
    for line in checker.problems[:50]:
        print("error: " + line, file=sys.stderr)
    if len(checker.problems) > 50:
        print("error: ... and %d more problems"
              % (len(checker.problems) - 50), file=sys.stderr)
    if checker.problems:
        print("%d problems" % len(checker.problems), file=sys.stderr)
        ok = False
    else:
        print("all %d events decoded and checked" % checker.count)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
