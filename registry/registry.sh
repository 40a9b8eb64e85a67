#!/usr/bin/env bash
# Starts and stops the schema registry that rdstreams' serde tests run against: Apicurio
# Registry (in-memory storage), whose Confluent-compatible API is served under
# /apis/ccompat/v7. No Docker: the registry comes from Maven Central (registry/pom.xml pins
# the version) and runs on the machine's Java 17+.
#
#   registry/registry.sh fetch    download and unpack the registry into $REGISTRY_HOME/app
#   registry/registry.sh up       fetch, start, wait until the ccompat API answers, set BACKWARD
#   registry/registry.sh down     stop it (SIGTERM, then SIGKILL after 30 s)
#   registry/registry.sh status   exit 0 when it runs
#   registry/registry.sh env      print SCHEMA_REGISTRY_URL (eval "$(registry/registry.sh env)")
#   registry/registry.sh run CMD… run CMD with SCHEMA_REGISTRY_URL set: the registry already
#                                 named there, else the one running, else one started for
#                                 CMD and stopped when it ends (also on failure); `make test`
#                                 runs its Go tests this way
#
# Settings (environment): REGISTRY_PORT (quarkus.http.port, default 38081),
# REGISTRY_MANAGEMENT_PORT (quarkus.management.port, default 38082), REGISTRY_HOME (where
# the unpacked registry, its pid and its log live; default .kafka/registry in the
# repository), REGISTRY_START_TIMEOUT (seconds, default 90), REGISTRY_COMPATIBILITY (the
# global compatibility level set once it answers, default BACKWARD: Confluent's default;
# Apicurio's own is NONE), REGISTRY_NO_CURL=1 (make the readiness and config requests with
# python3's urllib even where curl exists; without curl they always are).
#
# Needs Java 17+, Maven, and python3 or curl.
#
# Apicurio facts the tests rely on: it checks JSON schemas of draft-07 (not 2020-12), and it
# keeps a Protobuf schema registered as a base64 FileDescriptorProto (as Python registers
# one) as base64, so readers decode into their own message type without parsing it.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
REGISTRY_HOME=${REGISTRY_HOME:-$root/.kafka/registry}
REGISTRY_PORT=${REGISTRY_PORT:-38081}
REGISTRY_MANAGEMENT_PORT=${REGISTRY_MANAGEMENT_PORT:-38082}
REGISTRY_START_TIMEOUT=${REGISTRY_START_TIMEOUT:-90}
REGISTRY_COMPATIBILITY=${REGISTRY_COMPATIBILITY:-BACKWARD}

app=$REGISTRY_HOME/app
logfile=$REGISTRY_HOME/registry.log
pidfile=$REGISTRY_HOME/registry.pid
base=http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7

say() { echo "registry.sh: $*" >&2; }

running() {
  [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

fetch() {
  command -v java >/dev/null || { say "java not found: install a JDK 17+ (apt-get install openjdk-17-jdk-headless)"; exit 1; }
  command -v mvn >/dev/null || { say "mvn not found: install Maven (apt-get install maven)"; exit 1; }
  local stamp=$app/.pom.sha sum
  sum=$(sha256sum "$here/pom.xml" | cut -d' ' -f1)
  if [[ -f $stamp && $(cat "$stamp") == "$sum" ]]; then
    return
  fi
  say "fetching Apicurio Registry from Maven Central into $app"
  rm -rf "$app"
  mkdir -p "$app"
  local dl=$REGISTRY_HOME/download
  rm -rf "$dl"
  mvn -B -q -f "$here/pom.xml" dependency:copy-dependencies -DoutputDirectory="$dl" >&2
  local zip
  zip=$(ls "$dl"/apicurio-registry-app-*-all.zip)
  if command -v unzip >/dev/null; then
    unzip -q -o "$zip" -d "$app"
  else
    python3 -m zipfile -e "$zip" "$app"
  fi
  rm -rf "$dl"
  ls "$app"/apicurio-registry-app-*-runner.jar >/dev/null || { say "no runner jar in the zip"; exit 1; }
  echo "$sum" >"$stamp"
}

# http METHOD PATH [BODY]: one request to the ccompat API; prints the HTTP status on the
# last line after the body. curl where there is one, else python3's urllib.
http() {
  if [[ -z ${REGISTRY_NO_CURL:-} ]] && command -v curl >/dev/null; then
    local -a args=(-sS --max-time 5 -X "$1" -w '\n%{http_code}')
    [[ -n ${3:-} ]] && args+=(-H 'Content-Type: application/vnd.schemaregistry.v1+json' --data "$3")
    curl "${args[@]}" "$base$2"
    return
  fi
  python3 - "$1" "$base$2" "${3:-}" <<'PY'
import sys, urllib.error, urllib.request
method, url, body = sys.argv[1:4]
headers = {"Content-Type": "application/vnd.schemaregistry.v1+json"} if body else {}
req = urllib.request.Request(url, data=body.encode() if body else None, method=method, headers=headers)
try:
    with urllib.request.urlopen(req, timeout=5) as r:
        print(r.read().decode()); print(r.status)
except urllib.error.HTTPError as e:
    print(e.read().decode()); print(e.code)
except OSError as e:
    sys.exit(str(e))
PY
}

ready() {
  local out
  out=$(http GET /subjects 2>/dev/null) || return 1
  [[ ${out##*$'\n'} == 200 ]]
}

up() {
  if running; then
    say "already running (pid $(cat "$pidfile"))"
    return
  fi
  fetch
  local port
  for port in "$REGISTRY_PORT" "$REGISTRY_MANAGEMENT_PORT"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      say "port $port is taken: set REGISTRY_PORT / REGISTRY_MANAGEMENT_PORT to free ones"
      exit 1
    fi
  done
  local t0 jar
  t0=$(date +%s.%N)
  jar=$(ls "$app"/apicurio-registry-app-*-runner.jar)
  say "starting Apicurio Registry on 127.0.0.1:$REGISTRY_PORT (management :$REGISTRY_MANAGEMENT_PORT), log: $logfile"
  nohup java -Xms64m -Xmx512m -XX:+UseSerialGC -Djava.awt.headless=true \
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$REGISTRY_PORT" \
    -Dquarkus.management.host=127.0.0.1 -Dquarkus.management.port="$REGISTRY_MANAGEMENT_PORT" \
    -jar "$jar" >"$logfile" 2>&1 </dev/null &
  echo $! >"$pidfile"
  local deadline=$((SECONDS + REGISTRY_START_TIMEOUT))
  # Ready means our process runs and its ccompat API answered a real request.
  until running && ready; do
    if ! running || ((SECONDS >= deadline)); then
      if running; then say "no answer from $base/subjects in ${REGISTRY_START_TIMEOUT} s"; else say "the registry exited"; fi
      say "last lines of $logfile:"
      tail -n 60 "$logfile" >&2
      down
      exit 1
    fi
    sleep 0.2
  done
  local out
  out=$(http PUT /config "{\"compatibility\":\"$REGISTRY_COMPATIBILITY\"}")
  if [[ ${out##*$'\n'} != 200 ]]; then
    say "setting compatibility $REGISTRY_COMPATIBILITY failed: ${out//$'\n'/ }"
    down
    exit 1
  fi
  say "registry is ready after $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s (compatibility $REGISTRY_COMPATIBILITY)"
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
    say "registry did not stop in 30 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
  say "stopped"
}

print_env() {
  echo "export SCHEMA_REGISTRY_URL=$base"
}

# run_with CMD…: see the header.
run_with() {
  [[ $# -gt 0 ]] || { say "run: no command given"; exit 2; }
  if [[ -n ${SCHEMA_REGISTRY_URL:-} ]]; then
    say "using the registry at SCHEMA_REGISTRY_URL=$SCHEMA_REGISTRY_URL"
  elif running; then
    say "using the registry already running (pid $(cat "$pidfile"))"
    export SCHEMA_REGISTRY_URL=$base
  else
    trap down EXIT
    up
    export SCHEMA_REGISTRY_URL=$base
  fi
  local rc=0
  "$@" || rc=$?
  return "$rc"
}

case "${1:-}" in
  fetch) fetch ;;
  up) up ;;
  down) down ;;
  status) running ;;
  env) print_env ;;
  run) shift; run_with "$@" ;;
  *) say "usage: $0 fetch|up|down|status|env|run CMD…"; exit 2 ;;
esac
