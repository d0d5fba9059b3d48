"""Message classes from a FileDescriptorSet, without generated code.

Shared by the test clients kafka_python_decode.py (Debian's python3) and
kafka_confluent_consume.py (the confluent-kafka virtualenv), which import it
from their own folder. Only python3-protobuf is needed.
"""

from google.protobuf import descriptor_pb2
from google.protobuf import descriptor_pool
from google.protobuf import message_factory


def message_classes(path, names):
    """{name: class} for the full message names `names` of the
    FileDescriptorSet at `path` (protoc --include_imports, as `ledger schema`
    writes it)."""
    with open(path, "rb") as f:
        fds = descriptor_pb2.FileDescriptorSet.FromString(f.read())
    pool = descriptor_pool.DescriptorPool()
    # --include_imports puts dependencies first; add in file order.
    for file_proto in fds.file:
        pool.Add(file_proto)
    # protobuf 3.21 has no message_factory.GetMessageClass (4.x API).
    factory = message_factory.MessageFactory(pool)
    return {n: factory.GetPrototype(pool.FindMessageTypeByName(n))
            for n in names}
