#!/usr/bin/env bash
# run.sh builds and runs the benchmark driver (cmd/benchrun) against the broker at
# KAFKA_BOOTSTRAP and writes results/latest.json. Arguments go to the driver:
#   bench/run.sh -rounds 3 -clients rdstreams,confluent-kafka-go,java
# BENCH_MESSAGES=N scales the runs (N per produce/consume run, N/5 per latency run).
# The java client needs java and KAFKA_LIBS: eval "$(broker/kafka.sh env)".
set -euo pipefail
cd "$(dirname "$0")"
: "${KAFKA_BOOTSTRAP:?set KAFKA_BOOTSTRAP (eval \"\$(broker/kafka.sh env)\", or make kafka-up first)}"
mkdir -p bin
go build -o bin/benchrun ./cmd/benchrun
exec bin/benchrun -bootstrap "$KAFKA_BOOTSTRAP" "$@"
