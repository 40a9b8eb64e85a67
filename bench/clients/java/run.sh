#!/usr/bin/env bash
# run.sh is the `java` benchmark client: Kafka's own perf tools from the broker's jars
# ($KAFKA_LIBS, from `broker/kafka.sh env`), the ceiling of this broker on this
# machine. It takes the Go clients' flags and prints the same one JSON line:
#   produce  org.apache.kafka.tools.ProducerPerformance (its own timer: first send to
#            the end of the run, including the wait for the last acks)
#   consume  org.apache.kafka.tools.ConsumerPerformance, timed by its fetch.time.ms
#            (the run minus the group join; it subscribes with a fresh group, where
#            the Go clients assign the partitions)
#   latency  Latency.java, compiled here into bench/bin/java
# `run.sh -build` only compiles Latency.java. The JVM options are those of Kafka's
# kafka-run-class.sh, with the perf scripts' -Xmx512M.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
classes=$here/../../bin/java
: "${KAFKA_LIBS:?set KAFKA_LIBS: eval \"\$(broker/kafka.sh env)\"}"
cp="$KAFKA_LIBS/*"
jvm=(-Xmx512M -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
    -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true
    -Dorg.slf4j.simpleLogger.defaultLogLevel=warn)

build() {
    if [[ ! -f $classes/Latency.class || $here/Latency.java -nt $classes/Latency.class ]]; then
        mkdir -p "$classes"
        javac -nowarn -d "$classes" -cp "$cp" "$here/Latency.java"
    fi
}
if [[ ${1:-} == -build ]]; then
    build
    exit
fi

workload=produce bootstrap=${KAFKA_BOOTSTRAP:-} topic= messages=1000000 size=100 rate=20000 linger=5 batch=1000000
while (($#)); do
    case $1 in
    -workload) workload=$2 ;;
    -bootstrap) bootstrap=$2 ;;
    -topic) topic=$2 ;;
    -messages) messages=$2 ;;
    -size) size=$2 ;;
    -rate) rate=$2 ;;
    -linger-ms) linger=$2 ;;
    -batch-size) batch=$2 ;;
    *) echo "run.sh: unknown flag $1" >&2; exit 1 ;;
    esac
    shift 2
done
[[ -n $bootstrap && -n $topic ]] || { echo "run.sh: -bootstrap and -topic are required" >&2; exit 1; }

version=$(basename "$KAFKA_LIBS"/kafka-clients-*.jar .jar)
version=${version#kafka-clients-}
jvmjson=$(printf '%s ' "${jvm[@]}")
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# result SECONDS SETTINGS_JSON prints the JSON line for $messages messages.
result() {
    awk -v w="$workload" -v s="$size" -v n="$messages" -v sec="$1" -v set="$2" 'BEGIN {
        r = n / sec
        printf "{\"client\":\"java\",\"workload\":\"%s\",\"size\":%d,\"messages\":%d,\"seconds\":%.6f,\"msgs_per_s\":%.3f,\"mb_per_s\":%.6f,\"settings\":%s}\n",
            w, s, n, sec, r, r * s / 1048576, set
    }'
}

case $workload in
produce)
    props=(bootstrap.servers="$bootstrap" acks=all enable.idempotence=true linger.ms="$linger"
        batch.size="$batch" compression.type=none)
    java "${jvm[@]}" -cp "$cp" org.apache.kafka.tools.ProducerPerformance --topic "$topic" \
        --num-records "$messages" --record-size "$size" --throughput -1 --producer-props "${props[@]}" >"$out"
    # Last line: "N records sent, R records/sec (M MB/sec), … latency …"
    line=$(grep 'records sent' "$out" | tail -1)
    sent=$(awk '{print $1}' <<<"$line")
    recs=$(awk -F', ' '{split($2, a, " "); print a[1]}' <<<"$line")
    [[ $sent == "$messages" ]] || { echo "run.sh: ProducerPerformance sent $sent of $messages" >&2; cat "$out" >&2; exit 1; }
    producer=$(printf '"%s",' "${props[@]}")
    result "$(awk -v n="$messages" -v r="$recs" 'BEGIN {print n / r}')" \
        "{\"library\":\"org.apache.kafka:kafka-tools $version ProducerPerformance\",\"producer_props\":[${producer%,}],\"record_size\":$size,\"throughput\":-1,\"jvm\":\"${jvmjson% }\",\"tool_summary\":\"$line\"}"
    ;;
consume)
    java "${jvm[@]}" -cp "$cp" org.apache.kafka.tools.ConsumerPerformance --bootstrap-server "$bootstrap" \
        --topic "$topic" --messages "$messages" --timeout 30000 >"$out"
    if grep -q WARNING "$out"; then
        echo "run.sh: ConsumerPerformance stopped early" >&2; cat "$out" >&2; exit 1
    fi
    # start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec,
    # rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
    line=$(grep -v '^start.time' "$out" | grep ',' | tail -1)
    got=$(awk -F', ' '{print $5}' <<<"$line")
    fetchms=$(awk -F', ' '{print $8}' <<<"$line")
    [[ $got -ge $messages ]] || { echo "run.sh: ConsumerPerformance read $got of $messages" >&2; cat "$out" >&2; exit 1; }
    result "$(awk -v ms="$fetchms" 'BEGIN {print ms / 1000}')" \
        "{\"library\":\"org.apache.kafka:kafka-tools $version ConsumerPerformance\",\"consumer\":{\"group.id\":\"perf-consumer-<random> (subscribe)\",\"auto.offset.reset\":\"earliest\",\"max.partition.fetch.bytes\":1048576,\"receive.buffer.bytes\":2097152},\"timing\":\"fetch.time.ms (excludes the group join)\",\"jvm\":\"${jvmjson% }\",\"tool_summary\":\"$line\"}"
    ;;
latency)
    build
    exec java "${jvm[@]}" -cp "$classes:$cp" Latency -bootstrap "$bootstrap" -topic "$topic" -messages "$messages" \
        -size "$size" -rate "$rate" -linger-ms "$linger" -batch-size "$batch"
    ;;
*)
    echo "run.sh: workload $workload not supported" >&2
    exit 3
    ;;
esac
