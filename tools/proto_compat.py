#!/usr/bin/python3
"""A breaking-change check of proto/ (issue 13), in the spirit of `buf breaking`.

Compares the FileDescriptorSet of the current schema (what `ledger schema`
prints, or build/proto/xueji.desc) with the checked-in descriptor set of the
last release (proto/released/xueji-<version>.desc) and reports every change
that breaks the evolution rules of proto/README.md:

- a file, message or enum of the release is gone, or its package changed;
- a field's number now has another name, JSON name, type, message/enum type,
  label (repeated/singular), oneof or explicit presence;
- a field or enum value of the release is gone without its number and name
  both reserved;
- a number or name the release reserved is used again, or no longer reserved.

Additions (files, messages, fields, enum values, oneofs) are compatible.

Usage:
  tools/proto_compat.py RELEASED.desc CURRENT.desc   (CURRENT may be '-': stdin)
  tools/proto_compat.py --latest proto/released CURRENT.desc
Exit 0 compatible, 1 breaking changes (one line each on stderr), 2 bad input.
Uses Debian's python3-protobuf (tools/setup.sh installs it).
"""

import os
import re
import sys

from google.protobuf import descriptor_pb2

_F = descriptor_pb2.FieldDescriptorProto


def load(path):
    """A FileDescriptorSet from a file ('-': stdin)."""
    if path == "-":
        data = sys.stdin.buffer.read()
    else:
        with open(path, "rb") as f:
            data = f.read()
    fds = descriptor_pb2.FileDescriptorSet()
    fds.ParseFromString(data)
    if not fds.file:
        raise ValueError(f"{path}: no file descriptors in it")
    return fds


def latest_release(directory):
    """The newest xueji-<version>.desc of `directory` (versions compared as numbers)."""
    found = []
    for name in os.listdir(directory):
        m = re.fullmatch(r"xueji-(\d+(?:\.\d+)*)\.desc", name)
        if m:
            found.append((tuple(int(p) for p in m.group(1).split(".")), name))
    if not found:
        raise ValueError(f"{directory}: no xueji-<version>.desc in it")
    return os.path.join(directory, max(found)[1])


def _reserved(ranges, number):
    # DescriptorProto.ReservedRange: end exclusive; EnumReservedRange: inclusive.
    return any(r.start <= number < r.end for r in ranges)


def _enum_reserved(ranges, number):
    return any(r.start <= number <= r.end for r in ranges)


def _type_text(f):
    if f.type in (_F.TYPE_MESSAGE, _F.TYPE_ENUM):
        return f.type_name.lstrip(".")
    return _F.Type.Name(f.type)[len("TYPE_"):].lower()


def _label_text(f):
    return "repeated" if f.label == _F.LABEL_REPEATED else "singular"


def _oneof_of(message, f):
    if not f.HasField("oneof_index") or f.proto3_optional:
        return ""
    return message.oneof_decl[f.oneof_index].name


class Checker:
    def __init__(self):
        self.problems = []
        self.messages = 0
        self.fields = 0
        self.enums = 0

    def problem(self, where, text):
        self.problems.append(f"{where}: {text}")

    def check_sets(self, old_set, new_set):
        new_files = {f.name: f for f in new_set.file}
        for old_file in old_set.file:
            new_file = new_files.get(old_file.name)
            if new_file is None:
                self.problem(old_file.name, "file removed")
                continue
            if new_file.package != old_file.package:
                self.problem(
                    old_file.name,
                    f"package changed from {old_file.package} to {new_file.package}")
                continue
            self.check_scope(old_file.package, old_file.message_type,
                             new_file.message_type, old_file.enum_type,
                             new_file.enum_type)

    def check_scope(self, prefix, old_messages, new_messages, old_enums,
                    new_enums):
        for what, olds, news, check in (
                ("message", old_messages, new_messages, self.check_message),
                ("enum", old_enums, new_enums, self.check_enum)):
            new_by_name = {d.name: d for d in news}
            for old in olds:
                name = f"{prefix}.{old.name}"
                new = new_by_name.get(old.name)
                if new is None:
                    self.problem(name, f"{what} removed")
                    continue
                check(name, old, new)

    def check_message(self, name, old, new):
        self.messages += 1
        new_by_number = {f.number: f for f in new.field}
        old_numbers = {f.number for f in old.field}
        for f in old.field:
            self.fields += 1
            where = f"{name}.{f.name} = {f.number}"
            g = self.counterpart(where, f, new, new_by_number, _reserved,
                                 "field", "its JSON name and text format change")
            if g is None:
                continue
            if g.name == f.name and g.json_name != f.json_name:
                self.problem(where, f"JSON name changed from {f.json_name} to "
                             f"{g.json_name}")
            if _type_text(g) != _type_text(f):
                self.problem(where, f"type changed from {_type_text(f)} to "
                             f"{_type_text(g)}")
            if _label_text(g) != _label_text(f):
                self.problem(where, f"changed from {_label_text(f)} to "
                             f"{_label_text(g)}")
            if _oneof_of(new, g) != _oneof_of(old, f):
                self.problem(where, f'moved from oneof "{_oneof_of(old, f)}" to '
                             f'oneof "{_oneof_of(new, g)}"')
            if g.proto3_optional != f.proto3_optional:
                self.problem(where, "explicit presence (optional) changed")
        self.check_added(name, old, old_numbers, new.field, _reserved)
        for r in old.reserved_range:
            for number in range(r.start, min(r.end, r.start + 1000)):
                if not _reserved(new.reserved_range, number):
                    self.problem(name, f"number {number} no longer reserved")
                    break
        for reserved in old.reserved_name:
            if reserved not in new.reserved_name:
                self.problem(name, f'name "{reserved}" no longer reserved')
        self.check_scope(name, old.nested_type, new.nested_type,
                         old.enum_type, new.enum_type)

    def check_enum(self, name, old, new):
        self.enums += 1
        new_by_number = {}
        for v in new.value:
            new_by_number.setdefault(v.number, v)
        old_numbers = {v.number for v in old.value}
        for v in old.value:
            self.counterpart(f"{name}.{v.name} = {v.number}", v, new,
                             new_by_number, _enum_reserved, "enum value",
                             "scripts match the names: proto/README.md rule 4")
        self.check_added(name, old, old_numbers, new.value, _enum_reserved)

    def counterpart(self, where, item, new, new_by_number, reserved, what,
                    why_renaming_breaks):
        """The field or enum value of `new` numbered as `item`, a rename
        reported; None when there is none (then check_removed)."""
        counterpart = new_by_number.get(item.number)
        if counterpart is None:
            self.check_removed(where, item, new, reserved, what)
        elif counterpart.name != item.name:
            self.problem(where, f"renamed to {counterpart.name} "
                         f"({why_renaming_breaks})")
        return counterpart

    def check_removed(self, where, item, new, reserved, what):
        """`item` (a field or an enum value) is gone from `new`: its number
        and its name must be reserved there."""
        missing = []
        if not reserved(new.reserved_range, item.number):
            missing.append(f"number {item.number}")
        if item.name not in new.reserved_name:
            missing.append(f'name "{item.name}"')
        if missing:
            self.problem(
                where, f"{what} removed without reserving its " +
                " and ".join(missing))

    def check_added(self, name, old, old_numbers, new_items, reserved):
        """The fields or enum values of `new_items` that `old` did not have
        may not reuse a number or a name `old` reserved."""
        for item in new_items:
            if item.number in old_numbers:
                continue
            where = f"{name}.{item.name} = {item.number}"
            if reserved(old.reserved_range, item.number):
                self.problem(where,
                             f"reuses the reserved number {item.number}")
            if item.name in old.reserved_name:
                self.problem(where, f'reuses the reserved name "{item.name}"')


def compare(old_set, new_set):
    checker = Checker()
    checker.check_sets(old_set, new_set)
    return checker


def main(argv):
    args = argv[1:]
    if len(args) == 3 and args[0] == "--latest":
        try:
            released = latest_release(args[1])
        except (OSError, ValueError) as e:
            print(f"proto_compat: {e}", file=sys.stderr)
            return 2
        current = args[2]
    elif len(args) == 2 and not args[0].startswith("-"):
        released, current = args
    else:
        usage = __doc__[__doc__.index("Usage:"):__doc__.index("Exit 0")]
        print(usage.rstrip(), file=sys.stderr)
        return 2
    try:
        old_set, new_set = load(released), load(current)
    except Exception as e:  # unreadable or not a descriptor set
        print(f"proto_compat: {e}", file=sys.stderr)
        return 2
    checker = compare(old_set, new_set)
    label = os.path.basename(released)
    for p in checker.problems:
        print(f"BREAKING: {p}", file=sys.stderr)
    if checker.problems:
        print(f"proto_compat: {len(checker.problems)} breaking change(s) "
              f"against {label}", file=sys.stderr)
        return 1
    print(f"proto_compat: compatible with {label} ({checker.messages} "
          f"messages, {checker.fields} fields, {checker.enums} enums checked)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
