#!/usr/bin/env bash
# Starts and stops the single-node Apache Kafka broker (KRaft, combined broker+controller)
# that rdstreams' tests run against. No Docker: the broker comes from Maven Central
# (broker/pom.xml pins the version) and runs on the machine's Java 17+.
#
#   broker/kafka.sh fetch    download the broker jars into $KAFKA_HOME/libs
#   broker/kafka.sh up       fetch, format fresh storage, start, wait until it answers
#   broker/kafka.sh down     stop it (SIGTERM, then SIGKILL after 30 s)
#   broker/kafka.sh kill     kill it at once (SIGKILL), as a crash would
#   broker/kafka.sh status   exit 0 when it runs
#   broker/kafka.sh env      print the variables tests read (eval "$(broker/kafka.sh env)")
#
# Settings (environment): KAFKA_PORT (PLAINTEXT, default 39092), KAFKA_SASL_PORT
# (SASL_PLAINTEXT with SCRAM-SHA-512, default 39093), KAFKA_CONTROLLER_PORT (39094),
# KAFKA_SCRAM_USER / KAFKA_SCRAM_PASSWORD (the SCRAM user created at format time),
# KAFKA_HOME (where jars, data and the log live; default .kafka in the repository),
# KAFKA_START_TIMEOUT (seconds, default 90), KAFKA_LIBS (use jars already fetched there),
# KAFKA_KEEP_DATA=1 (up restarts on the existing storage instead of formatting it anew),
# KAFKA_EXTRA_SCRAM="alice=pw1,bob=pw2" (more SCRAM-SHA-512 users created at format time).
#
# Secured mode, off unless both are set: KAFKA_TLS_DIR (a folder holding server.pem: the
# broker's unencrypted PKCS#8 private key followed by its certificate chain, in PEM) and
# KAFKA_SSL_PORT add a SASL_SSL listener (SCRAM-SHA-512, TLS with that key and chain) on
# 127.0.0.1:$KAFKA_SSL_PORT, and turn on the KRaft StandardAuthorizer with
# allow.everyone.if.no.acl.found=false: only ACLs let anyone but the super users in. The
# super users are ANONYMOUS (whoever uses the PLAINTEXT listener, and the broker itself on
# PLAINTEXT and CONTROLLER) and $KAFKA_SCRAM_USER; KAFKA_EXTRA_SCRAM users get only what
# ACLs grant them. `env` then also prints KAFKA_SSL_BOOTSTRAP. The readiness check is the
# same (PLAINTEXT, and SASL_PLAINTEXT as $KAFKA_SCRAM_USER); it does not try the SASL_SSL
# listener, which internal/testkafka's StartSecureBroker checks itself.
#
# OAUTHBEARER, off unless KAFKA_OAUTH_PORT is set: a SASL_PLAINTEXT listener named OAUTH on
# 127.0.0.1:$KAFKA_OAUTH_PORT whose only mechanism is OAUTHBEARER, validated by Kafka's own
# OAuthBearerValidatorCallbackHandler against the JSON Web Key Set at KAFKA_OAUTH_JWKS_URL
# (http or https; the JVM is told to allow that URL), expecting the issuer
# KAFKA_OAUTH_ISSUER and the audience KAFKA_OAUTH_AUDIENCE when they are set. The token's
# "sub" claim is the principal. `env` then also prints KAFKA_OAUTH_BOOTSTRAP. The validator
# class is named (BrokerJwtValidator): in Kafka 4.1.1 the handler's default,
# DefaultJwtValidator, is built without the key set and falls back to the client-side
# checks, which accept a token signed with any key (the fault suite's forged token got in).
#
# A node of a cluster: KAFKA_NODE_ID (default 1), KAFKA_QUORUM_VOTERS (controller.quorum.voters,
# default "$KAFKA_NODE_ID@127.0.0.1:$KAFKA_CONTROLLER_PORT": a quorum of this node alone),
# KAFKA_CLUSTER_ID (the same for every node of one cluster; default a fresh one),
# KAFKA_REPLICATION (default 1; above 1 it is default.replication.factor and the internal
# topics' replication factor, with min.insync.replicas=2 and unclean leader election
# off), KAFKA_WAIT=0 (up returns once the process runs: a node cannot answer before a
# majority of the quorum does), KAFKA_HEAP (the JVM's -Xmx, default 1g), KAFKA_PROPERTIES
# (more server.properties lines, "key=value" separated by newlines; a key given twice takes
# the later value).
#
# Three nodes for people: KAFKA_NODES=3 broker/kafka.sh up (or KAFKA_NODES=3 make kafka-up)
# starts nodes 1, 2 and 3 in $KAFKA_HOME/node1 … node3, a quorum of three combined
# broker+controller nodes; node i listens on the default ports plus 10×(i-1) (PLAINTEXT
# 39092, 39102, 39112; SASL_PLAINTEXT 39093, 39103, 39113; CONTROLLER 39094, 39104, 39114).
# down, kill, status and env then act on all three (env's KAFKA_BOOTSTRAP names the three).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
KAFKA_HOME=${KAFKA_HOME:-$root/.kafka}
KAFKA_PORT=${KAFKA_PORT:-39092}
KAFKA_SASL_PORT=${KAFKA_SASL_PORT:-39093}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-39094}
KAFKA_SCRAM_USER=${KAFKA_SCRAM_USER:-rdstreams}
KAFKA_SCRAM_PASSWORD=${KAFKA_SCRAM_PASSWORD:-rdstreams-secret}
KAFKA_START_TIMEOUT=${KAFKA_START_TIMEOUT:-90}
KAFKA_TLS_DIR=${KAFKA_TLS_DIR:-}
KAFKA_SSL_PORT=${KAFKA_SSL_PORT:-}
KAFKA_EXTRA_SCRAM=${KAFKA_EXTRA_SCRAM:-}
KAFKA_OAUTH_PORT=${KAFKA_OAUTH_PORT:-}
KAFKA_OAUTH_JWKS_URL=${KAFKA_OAUTH_JWKS_URL:-}
KAFKA_OAUTH_ISSUER=${KAFKA_OAUTH_ISSUER:-}
KAFKA_OAUTH_AUDIENCE=${KAFKA_OAUTH_AUDIENCE:-}
KAFKA_NODE_ID=${KAFKA_NODE_ID:-1}
KAFKA_QUORUM_VOTERS=${KAFKA_QUORUM_VOTERS:-$KAFKA_NODE_ID@127.0.0.1:$KAFKA_CONTROLLER_PORT}
KAFKA_CLUSTER_ID=${KAFKA_CLUSTER_ID:-}
KAFKA_REPLICATION=${KAFKA_REPLICATION:-1}
KAFKA_WAIT=${KAFKA_WAIT:-1}
KAFKA_HEAP=${KAFKA_HEAP:-1g}
KAFKA_PROPERTIES=${KAFKA_PROPERTIES:-}
KAFKA_NODES=${KAFKA_NODES:-1}
if [[ -n $KAFKA_OAUTH_PORT && -z $KAFKA_OAUTH_JWKS_URL ]]; then
  echo "kafka.sh: KAFKA_OAUTH_PORT needs KAFKA_OAUTH_JWKS_URL" >&2; exit 2
fi
secured=
if [[ -n $KAFKA_TLS_DIR || -n $KAFKA_SSL_PORT ]]; then
  [[ -n $KAFKA_TLS_DIR && -n $KAFKA_SSL_PORT ]] || { echo "kafka.sh: the secured mode needs both KAFKA_TLS_DIR and KAFKA_SSL_PORT" >&2; exit 2; }
  secured=1
fi

libs=${KAFKA_LIBS:-$KAFKA_HOME/libs}
data=$KAFKA_HOME/data
props=$KAFKA_HOME/server.properties
logfile=$KAFKA_HOME/broker.log
pidfile=$KAFKA_HOME/broker.pid

say() { echo "kafka.sh: $*" >&2; }

running() {
  [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

fetch() {
  command -v java >/dev/null || { say "java not found: install a JDK 17+ (apt-get install openjdk-17-jdk-headless)"; exit 1; }
  command -v mvn >/dev/null || { say "mvn not found: install Maven (apt-get install maven)"; exit 1; }
  local stamp=$libs/.pom.sha
  local sum
  sum=$(sha256sum "$here/pom.xml" | cut -d' ' -f1)
  if [[ -f $stamp && $(cat "$stamp") == "$sum" ]]; then
    return
  fi
  say "fetching the Kafka broker from Maven Central into $libs"
  rm -rf "$libs"
  mkdir -p "$libs"
  mvn -B -q -f "$here/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$libs" >&2
  echo "$sum" >"$stamp"
}

java_cmd=(java -Xms256m "-Xmx$KAFKA_HEAP" -XX:+UseG1GC -Djava.awt.headless=true
  -Dorg.slf4j.simpleLogger.defaultLogLevel=info -Dorg.slf4j.simpleLogger.showDateTime=true
  -cp "$libs/*")
if [[ -n $KAFKA_OAUTH_PORT ]]; then
  # Kafka 4 fetches key sets only from URLs this JVM property allows.
  java_cmd+=("-Dorg.apache.kafka.sasl.oauthbearer.allowed.urls=$KAFKA_OAUTH_JWKS_URL")
fi

kafka_java() { "${java_cmd[@]}" "$@"; }

write_props() {
  # The secured mode's SASL_SSL listener goes next to SASL_PLAINTEXT; unset, these are empty.
  local ssl_listener= ssl_protocol=
  if [[ -n $secured ]]; then
    ssl_listener=",SASL_SSL://127.0.0.1:$KAFKA_SSL_PORT"
    ssl_protocol=",SASL_SSL:SASL_SSL"
  fi
  if [[ -n $KAFKA_OAUTH_PORT ]]; then
    ssl_listener+=",OAUTH://127.0.0.1:$KAFKA_OAUTH_PORT"
    ssl_protocol+=",OAUTH:SASL_PLAINTEXT"
  fi
  local rf=$KAFKA_REPLICATION min_isr=1
  ((rf > 1)) && min_isr=2
  cat >"$props" <<EOF
process.roles=broker,controller
node.id=$KAFKA_NODE_ID
controller.quorum.voters=$KAFKA_QUORUM_VOTERS
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,SASL_PLAINTEXT://127.0.0.1:$KAFKA_SASL_PORT$ssl_listener,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,SASL_PLAINTEXT://127.0.0.1:$KAFKA_SASL_PORT$ssl_listener
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT$ssl_protocol,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
log.dirs=$data
num.partitions=1
auto.create.topics.enable=true
offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$min_isr
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$min_isr
group.initial.rebalance.delay.ms=0
EOF
  if ((rf > 1)); then
    cat >>"$props" <<EOF
default.replication.factor=$rf
min.insync.replicas=$min_isr
unclean.leader.election.enable=false
EOF
  fi
  if [[ -n $KAFKA_OAUTH_PORT ]]; then
    cat >>"$props" <<EOF
listener.name.oauth.sasl.enabled.mechanisms=OAUTHBEARER
listener.name.oauth.oauthbearer.sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;
listener.name.oauth.oauthbearer.sasl.server.callback.handler.class=org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler
sasl.oauthbearer.jwt.validator.class=org.apache.kafka.common.security.oauthbearer.BrokerJwtValidator
sasl.oauthbearer.jwks.endpoint.url=$KAFKA_OAUTH_JWKS_URL
EOF
    [[ -z $KAFKA_OAUTH_ISSUER ]] || echo "sasl.oauthbearer.expected.issuer=$KAFKA_OAUTH_ISSUER" >>"$props"
    [[ -z $KAFKA_OAUTH_AUDIENCE ]] || echo "sasl.oauthbearer.expected.audience=$KAFKA_OAUTH_AUDIENCE" >>"$props"
  fi
  if [[ -n $secured ]]; then
    [[ -f $KAFKA_TLS_DIR/server.pem ]] || { say "no $KAFKA_TLS_DIR/server.pem (key and certificate chain, PEM)"; exit 1; }
    # The PEM key store: Kafka reads the key (PKCS#8, unencrypted since no ssl.key.password
    # is set) and the chain from one file.
    cat >>"$props" <<EOF
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.ssl.keystore.type=PEM
listener.name.sasl_ssl.ssl.keystore.location=$KAFKA_TLS_DIR/server.pem
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:ANONYMOUS;User:$KAFKA_SCRAM_USER
EOF
  fi
  if [[ -n $KAFKA_PROPERTIES ]]; then
    printf '%s\n' "$KAFKA_PROPERTIES" >>"$props"
  fi
}

# scram_args sets the array scram to StorageTool's --add-scram arguments: the main user,
# then each name=password of KAFKA_EXTRA_SCRAM.
scram_args() {
  scram=(--add-scram "SCRAM-SHA-512=[name=$KAFKA_SCRAM_USER,password=$KAFKA_SCRAM_PASSWORD]")
  local entry
  local -a entries=()
  IFS=',' read -r -a entries <<<"$KAFKA_EXTRA_SCRAM"
  for entry in "${entries[@]}"; do
    [[ -n $entry ]] || continue
    [[ $entry == ?*=?* ]] || { say "KAFKA_EXTRA_SCRAM: \"$entry\" is not name=password"; exit 2; }
    scram+=(--add-scram "SCRAM-SHA-512=[name=${entry%%=*},password=${entry#*=}]")
  done
}

up() {
  if running; then
    say "already running (pid $(cat "$pidfile"))"
    return
  fi
  fetch
  mkdir -p "$KAFKA_HOME"
  local t0 cluster_id
  t0=$(date +%s.%N)
  if [[ ${KAFKA_KEEP_DATA:-} == 1 && -f $data/meta.properties ]]; then
    say "restarting on the existing storage in $data"
  else
    rm -rf "$data"
    write_props
    cluster_id=$KAFKA_CLUSTER_ID
    [[ -n $cluster_id ]] || cluster_id=$(kafka_java kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n1)
    local -a scram
    scram_args
    kafka_java kafka.tools.StorageTool format -t "$cluster_id" -c "$props" "${scram[@]}" \
      >"$logfile" 2>&1 || { say "formatting storage failed:"; tail -n 40 "$logfile" >&2; exit 1; }
  fi
  if [[ -n $secured ]]; then
    say "starting Kafka on 127.0.0.1:$KAFKA_PORT (SASL_PLAINTEXT :$KAFKA_SASL_PORT, SASL_SSL :$KAFKA_SSL_PORT, ACLs on), log: $logfile"
  else
    say "starting Kafka on 127.0.0.1:$KAFKA_PORT (SASL_PLAINTEXT :$KAFKA_SASL_PORT), log: $logfile"
  fi
  nohup "${java_cmd[@]}" kafka.Kafka "$props" >>"$logfile" 2>&1 </dev/null &
  echo $! >"$pidfile"
  if [[ $KAFKA_WAIT == 0 ]]; then
    say "started node $KAFKA_NODE_ID (pid $(cat "$pidfile")); not waiting for it to answer"
    return
  fi
  if ! (cd "$root" && go run ./internal/cmd/kafkawait -timeout "${KAFKA_START_TIMEOUT}s" \
    -bootstrap "127.0.0.1:$KAFKA_PORT" -sasl-bootstrap "127.0.0.1:$KAFKA_SASL_PORT" \
    -user "$KAFKA_SCRAM_USER" -password "$KAFKA_SCRAM_PASSWORD" -pid "$(cat "$pidfile")"); then
    say "Kafka did not become ready; last lines of $logfile:"
    tail -n 60 "$logfile" >&2
    down
    exit 1
  fi
  say "Kafka is ready after $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s"
}

down() {
  if ! running; then
    rm -f "$pidfile"
    return
  fi
  local pid
  pid=$(cat "$pidfile")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "broker did not stop in 30 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
  say "stopped"
}

kill_now() {
  if running; then
    kill -KILL "$(cat "$pidfile")" 2>/dev/null || true
    while running; do sleep 0.05; done
  fi
  rm -f "$pidfile"
}

print_env() {
  echo "export KAFKA_BOOTSTRAP=127.0.0.1:$KAFKA_PORT"
  echo "export KAFKA_SASL_BOOTSTRAP=127.0.0.1:$KAFKA_SASL_PORT"
  echo "export KAFKA_SCRAM_USER=$KAFKA_SCRAM_USER"
  echo "export KAFKA_SCRAM_PASSWORD=$KAFKA_SCRAM_PASSWORD"
  echo "export KAFKA_LIBS=$libs"
  if [[ -n $secured ]]; then
    echo "export KAFKA_SSL_BOOTSTRAP=127.0.0.1:$KAFKA_SSL_PORT"
  fi
  if [[ -n $KAFKA_OAUTH_PORT ]]; then
    echo "export KAFKA_OAUTH_BOOTSTRAP=127.0.0.1:$KAFKA_OAUTH_PORT"
  fi
}

# nodes runs this script with command $1 for each node of a KAFKA_NODES cluster, with the
# node's home, id and ports (the defaults plus 10×(i-1)), the shared quorum and cluster id.
nodes() {
  local cmd=$1 i voters= id_file=$KAFKA_HOME/cluster.id cluster_id
  for ((i = 1; i <= KAFKA_NODES; i++)); do
    voters+="${voters:+,}$i@127.0.0.1:$((KAFKA_CONTROLLER_PORT + 10 * (i - 1)))"
  done
  if [[ $cmd == up ]]; then
    fetch
    mkdir -p "$KAFKA_HOME"
    [[ -f $id_file && ${KAFKA_KEEP_DATA:-} == 1 ]] || kafka_java kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n1 >"$id_file"
  fi
  cluster_id=$(cat "$id_file" 2>/dev/null || true)
  local rf=$((KAFKA_NODES < 3 ? KAFKA_NODES : 3)) failed=0
  local -a pids=()
  for ((i = 1; i <= KAFKA_NODES; i++)); do
    local wait=0
    # Once a majority runs, a node answers: wait for each from the majority on.
    ((i > KAFKA_NODES / 2)) && [[ $cmd == up ]] && wait=1
    node() {
      KAFKA_NODES=1 KAFKA_HOME=$KAFKA_HOME/node$i KAFKA_LIBS=$libs KAFKA_NODE_ID=$i \
        KAFKA_PORT=$((KAFKA_PORT + 10 * (i - 1))) KAFKA_SASL_PORT=$((KAFKA_SASL_PORT + 10 * (i - 1))) \
        KAFKA_CONTROLLER_PORT=$((KAFKA_CONTROLLER_PORT + 10 * (i - 1))) \
        KAFKA_QUORUM_VOTERS=$voters KAFKA_CLUSTER_ID=$cluster_id KAFKA_REPLICATION=$rf KAFKA_WAIT=$wait \
        "$0" "$cmd"
    }
    if [[ $cmd == down ]]; then
      # All at once: stopped one by one, the last node waits for a quorum that is gone.
      node &
      pids+=($!)
    else
      node || return 1
    fi
  done
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  return $failed
}

cluster_env() {
  local i bootstrap= sasl=
  for ((i = 1; i <= KAFKA_NODES; i++)); do
    bootstrap+="${bootstrap:+,}127.0.0.1:$((KAFKA_PORT + 10 * (i - 1)))"
    sasl+="${sasl:+,}127.0.0.1:$((KAFKA_SASL_PORT + 10 * (i - 1)))"
  done
  echo "export KAFKA_BOOTSTRAP=$bootstrap"
  echo "export KAFKA_SASL_BOOTSTRAP=$sasl"
  echo "export KAFKA_SCRAM_USER=$KAFKA_SCRAM_USER"
  echo "export KAFKA_SCRAM_PASSWORD=$KAFKA_SCRAM_PASSWORD"
  echo "export KAFKA_LIBS=$libs"
}

if ((KAFKA_NODES > 1)); then
  case "${1:-}" in
    fetch) fetch ;;
    up | down | kill) nodes "$1" ;;
    status) nodes status ;;
    env) cluster_env ;;
    *) say "usage: $0 fetch|up|down|kill|status|env"; exit 2 ;;
  esac
  exit
fi

case "${1:-}" in
  fetch) fetch ;;
  up) up ;;
  down) down ;;
  kill) kill_now ;;
  status) running ;;
  env) print_env ;;
  *) say "usage: $0 fetch|up|down|kill|status|env"; exit 2 ;;
esac
