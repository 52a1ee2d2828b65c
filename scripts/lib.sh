#!/usr/bin/env bash
# Shared helpers of run.sh and test.sh: install what is missing from Debian's packages, start local
# services the tests need when they are not running, and build the jars when sources changed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '[vms] %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    log "need root to run: $*"; return 1; fi
}

APT_UPDATED=0
apt_install() {
  # apt_install pkg... : installs the packages that are not installed yet
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  if [ "$APT_UPDATED" -eq 0 ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

require_java_maven() {
  command -v java >/dev/null || { log "Java 17 is required (apt-get install openjdk-17-jdk-headless)"; exit 1; }
  command -v mvn >/dev/null || apt_install maven
}

ensure_node() {
  # the ONVIF interop tests install the npm "onvif" package and run it under node
  command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  local port=$1 i
  for i in $(seq 1 60); do port_open "$port" && return 0; sleep 0.5; done
  return 1
}

ensure_postgres() {
  # the tests use PostgreSQL on 127.0.0.1:5432 as user postgres without a password
  if port_open 5432; then return 0; fi
  apt_install postgresql postgresql-client
  local ver
  ver=$(ls /etc/postgresql | sort -n | tail -1)
  local hba="/etc/postgresql/$ver/main/pg_hba.conf"
  if ! as_root grep -q "vms-test trust" "$hba"; then
    # a PostgreSQL this script installed itself: allow the local test user over TCP without a password
    as_root sh -c "{ printf 'host all all 127.0.0.1/32 trust # vms-test trust\\nhost all all ::1/128 trust # vms-test trust\\n'; cat '$hba'; } > '$hba.vms' && cat '$hba.vms' > '$hba' && rm '$hba.vms'"
  fi
  as_root pg_ctlcluster --skip-systemctl-redirect "$ver" main start || as_root pg_ctlcluster "$ver" main restart
  wait_port 5432 || { log "PostgreSQL did not start"; exit 1; }
  log "PostgreSQL $ver started on 127.0.0.1:5432"
}

ensure_psql() { command -v psql >/dev/null || apt_install postgresql-client; }

ensure_redis() {
  if port_open 6379; then return 0; fi
  apt_install redis-server
  as_root redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  wait_port 6379 || { log "Redis did not start"; exit 1; }
  log "Redis started on 127.0.0.1:6379"
}

jars_stale() {
  # true when a jar is missing or any source, resource, pom or conf file is newer than it
  local jar="$ROOT/verticles/target/vms.jar"
  [ -f "$jar" ] || return 0
  [ -f "$ROOT/edge-verticles/target/vms-edge.jar" ] || return 0
  [ -n "$(find "$ROOT" -path "$ROOT/*/target" -prune -o -path "$ROOT/data" -prune -o \
      \( -name '*.java' -o -name '*.xml' -o -name '*.yaml' -o -name '*.sql' -o -name '*.html' -o -name '*.properties' \) \
      -newer "$jar" -print -quit)" ]
}

build_jars() {
  log "building (mvn -B -q -DskipTests install)"
  (cd "$ROOT" && mvn -B -q -DskipTests install)
}
