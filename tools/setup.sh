#!/usr/bin/env bash
# Installs the build and test dependencies (Debian packages, and Apache
# Kafka's jars from Maven Central for tools/kafka-local.sh) and builds
# everything into ./build. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache
  libprotobuf-dev protobuf-compiler     # events, requests, JSON mapping
  libabsl-dev                            # Status, Time, strings, hash maps
  librocksdb-dev                         # event log, state and views
  librdkafka-dev                         # Kafka log and the mock cluster
  libssl-dev                             # libcrypto: SHA-256 hash chain, Ed25519 keys
  libsodium-dev                          # Ed25519 verification (fast, strict)
  libgoogle-perftools-dev                # tcmalloc: the binaries' allocator (issue 12)
  libcli11-dev                           # subcommands with --help
  catch2                                 # tests
  clang-format                           # tools/check_format.sh (CI checks the style)
  kcat                                   # the README's subscriber example (list, dump values)
  python3-kafka                          # tests: kafka-python, an independent Kafka client
  python3-protobuf                       # tests: decodes events in kafka_python_decode.py
  openjdk-17-jre-headless maven          # tools/kafka-local.sh: Apache Kafka (Maven Central)
  python3-venv                           # tests: a virtualenv for confluent-kafka (PyPI)
  faketime                               # tools/demo.sh: a production ledger trusts the system
                                         # clock; the demo's 2025 term moves it per process
)
tools/apt_install.sh setup "${PACKAGES[@]}"
# Apache Kafka's jars for tools/kafka-local.sh, fetched once into a cache
# (~/.cache/xueji-kafka): the build and the tests download nothing.
tools/kafka-local.sh fetch
# confluent-kafka from PyPI for tests/kafka_confluent_consume.py, in a
# virtualenv over Debian's python3 (which has python3-protobuf):
# $XUEJI_PYVENV, default ~/.cache/xueji-pyvenv. Pinned; installed once.
PYVENV=${XUEJI_PYVENV:-${HOME:-/root}/.cache/xueji-pyvenv}
if ! "$PYVENV/bin/python" -c 'import confluent_kafka, google.protobuf' 2>/dev/null; then
  /usr/bin/python3 -m venv --system-site-packages "$PYVENV"
  "$PYVENV/bin/pip" install --quiet confluent-kafka==2.16.1 >&2
fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --parallel "$(nproc)"
