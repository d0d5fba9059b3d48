#!/usr/bin/python3
"""Tests of tools/proto_compat.py over the released descriptor set.

Each breaking change is made to a copy of proto/released/xueji-0.1.0.desc
and must be reported; additions and properly reserved removals must not.
Run: tools/proto_compat_test.py [RELEASED.desc] (ctest: proto_compat_test).
"""

import copy
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import proto_compat  # noqa: E402
from google.protobuf import descriptor_pb2  # noqa: E402

_F = descriptor_pb2.FieldDescriptorProto
HERE = os.path.dirname(os.path.abspath(__file__))
RELEASED = os.path.join(HERE, "..", "proto", "released", "xueji-0.1.0.desc")


def find_message(fds, full_name):
    for f in fds.file:
        for m in f.message_type:
            if f"{f.package}.{m.name}" == full_name:
                return m
    raise KeyError(full_name)


def find_enum(fds, full_name):
    for f in fds.file:
        for e in f.enum_type:
            if f"{f.package}.{e.name}" == full_name:
                return e
        for m in f.message_type:
            for e in m.enum_type:
                if f"{f.package}.{m.name}.{e.name}" == full_name:
                    return e
    raise KeyError(full_name)


def field(message, name):
    return next(f for f in message.field if f.name == name)


def remove_named(items, name):
    """Removes the descriptors called `name` from a repeated field of them."""
    kept = [item for item in items if item.name != name]
    del items[:]
    items.extend(kept)


class ProtoCompatTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.released = proto_compat.load(RELEASED)

    def changed(self, mutate):
        new = copy.deepcopy(self.released)
        mutate(new)
        return proto_compat.compare(self.released, new).problems

    def assertBreaks(self, mutate, *fragments):
        problems = self.changed(mutate)
        self.assertTrue(problems, "no breaking change reported")
        text = "\n".join(problems)
        for fragment in fragments:
            self.assertIn(fragment, text)

    def test_the_release_is_compatible_with_itself(self):
        checker = proto_compat.compare(self.released, self.released)
        self.assertEqual(checker.problems, [])
        self.assertGreater(checker.fields, 100)  # it did look at them

    def test_additions_are_compatible(self):
        def add(fds):
            event = find_message(fds, "xueji.v1.Event")
            f = event.field.add()
            f.CopyFrom(field(event, "request_id"))
            f.name, f.json_name, f.number = "new_thing", "newThing", 999
            kind = find_enum(fds, "xueji.v1.Anomaly.Kind")
            v = kind.value.add()
            v.name, v.number = "NEW_KIND", 99
            m = fds.file[0].message_type.add()
            m.name = "BrandNew"
        self.assertEqual(self.changed(add), [])

    def test_a_changed_type(self):
        def retype(fds):
            f = field(find_message(fds, "xueji.v1.Event"), "offset")
            f.type = _F.TYPE_INT32
        self.assertBreaks(retype, "xueji.v1.Event.offset = ",
                          "type changed from int64 to int32")

    def test_a_changed_message_type(self):
        def retype(fds):
            f = field(find_message(fds, "xueji.v1.Event"), "actor")
            f.type_name = ".xueji.v1.Child"
        self.assertBreaks(retype, "type changed from xueji.v1.Actor to "
                          "xueji.v1.Child")

    def test_a_renumbered_field(self):
        def renumber(fds):
            f = field(find_message(fds, "xueji.v1.Event"), "hash")
            f.number = 113
        self.assertBreaks(renumber, "xueji.v1.Event.hash = 13",
                          "field removed without reserving its number 13 "
                          'and name "hash"')

    def test_a_renamed_field(self):
        def rename(fds):
            f = field(find_message(fds, "xueji.v1.Event"), "student_no")
            f.name, f.json_name = "pupil_no", "pupilNo"
        self.assertBreaks(rename, "renamed to pupil_no")

    def test_repeated_to_singular(self):
        def relabel(fds):
            m = find_message(fds, "xueji.v1.AnomalyReport")
            f = field(m, "anomalies")
            f.label = _F.LABEL_OPTIONAL
        self.assertBreaks(relabel, "changed from repeated to singular")

    def test_removed_without_reserved_and_with(self):
        def remove(fds):
            m = find_message(fds, "xueji.v1.Anomaly")
            remove_named(m.field, "detail")
        self.assertBreaks(remove, "xueji.v1.Anomaly.detail = 6",
                          "field removed without reserving")

        def remove_reserved(fds):
            remove(fds)
            m = find_message(fds, "xueji.v1.Anomaly")
            r = m.reserved_range.add()
            r.start, r.end = 6, 7
            m.reserved_name.append("detail")
        self.assertEqual(self.changed(remove_reserved), [])

    def test_a_reused_number(self):
        def reuse(fds):
            m = find_message(fds, "xueji.v1.Anomaly")
            detail = field(m, "detail")
            detail.name, detail.json_name = "explanation", "explanation"
        # Same number, another name: reported as a rename.
        self.assertBreaks(reuse, "xueji.v1.Anomaly.detail = 6",
                          "renamed to explanation")

        def reuse_reserved(fds):
            m = find_message(fds, "xueji.v1.Anomaly")
            r = m.reserved_range.add()
            r.start, r.end = 50, 51
            m.reserved_name.append("old")

        base = copy.deepcopy(self.released)
        reuse_reserved(base)
        new = copy.deepcopy(base)
        f = find_message(new, "xueji.v1.Anomaly").field.add()
        f.name, f.json_name, f.number = "old", "old", 50
        f.type, f.label = _F.TYPE_STRING, _F.LABEL_OPTIONAL
        problems = proto_compat.compare(base, new).problems
        self.assertIn("reuses the reserved number 50", "\n".join(problems))
        self.assertIn('reuses the reserved name "old"', "\n".join(problems))

    def test_moved_into_a_oneof(self):
        def move(fds):
            m = find_message(fds, "xueji.v1.Event")
            payload = next(i for i, o in enumerate(m.oneof_decl)
                           if o.name == "payload")
            field(m, "late_reason").oneof_index = payload
        self.assertBreaks(move, 'moved from oneof "" to oneof "payload"')

    def test_a_removed_enum_value_and_a_renamed_one(self):
        def remove(fds):
            e = find_enum(fds, "xueji.v1.Anomaly.Kind")
            remove_named(e.value, "PHANTOM")
        self.assertBreaks(remove, "xueji.v1.Anomaly.Kind.PHANTOM",
                          "enum value removed without reserving")

        def rename(fds):
            e = find_enum(fds, "xueji.v1.Anomaly.Kind")
            next(v for v in e.value if v.name == "PHANTOM").name = "GHOST"
        self.assertBreaks(rename, "renamed to GHOST")

    def test_removed_message_file_and_package(self):
        def remove_message(fds):
            f = next(f for f in fds.file if f.name == "xueji/v1/views.proto")
            remove_named(f.message_type, "Stats")
        self.assertBreaks(remove_message, "xueji.v1.Stats: message removed")

        def remove_file(fds):
            remove_named(fds.file, "xueji/v1/state.proto")
        self.assertBreaks(remove_file, "xueji/v1/state.proto: file removed")

        def repackage(fds):
            fds.file[0].package = "xueji.v2"
        self.assertBreaks(repackage, "package changed from xueji.v1 to "
                          "xueji.v2")

    def test_the_command_line(self):
        script = os.path.join(HERE, "proto_compat.py")
        with tempfile.TemporaryDirectory() as tmp:
            broken = copy.deepcopy(self.released)
            field(find_message(broken, "xueji.v1.Event"),
                  "offset").type = _F.TYPE_STRING
            path = os.path.join(tmp, "current.desc")
            with open(path, "wb") as out:
                out.write(broken.SerializeToString())
            r = subprocess.run([script, RELEASED, path], capture_output=True,
                               text=True)
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn("BREAKING: xueji.v1.Event.offset", r.stderr)
            ok = subprocess.run([script, "--latest", os.path.dirname(RELEASED),
                                 RELEASED], capture_output=True, text=True)
            self.assertEqual(ok.returncode, 0, ok.stderr)
            self.assertIn("compatible with xueji-", ok.stdout)
            junk = os.path.join(tmp, "junk.desc")
            with open(junk, "w") as out:
                out.write("not a descriptor")
            bad = subprocess.run([script, RELEASED, junk], capture_output=True,
                                 text=True)
            self.assertEqual(bad.returncode, 2)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1].endswith(".desc"):
        RELEASED = sys.argv.pop(1)
    unittest.main()
