#!/usr/bin/env bash
# Builds what is missing and starts the whole system (--role all) with embedded defaults:
# in-JVM Kafka, in-JVM Mongo-wire server, PostgreSQL (the local one on 5432 if it answers, otherwise an
# embedded one), in-process cache; console on http://localhost:8080 (VMS_HTTP_PORT to change).
# Extra arguments go to the launcher, e.g. scripts/run.sh --conf my.yaml, or --role cloud.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_java_maven
command -v ffmpeg >/dev/null || apt_install ffmpeg   # the demo cameras' media is encoded once with it
"$ROOT/scripts/fetch-models.sh" || log "AI models not fetched: the ANPR model will refuse to start"
if jars_stale; then build_jars; fi
cd "$ROOT"
export VMS_DATA_DIR="${VMS_DATA_DIR:-$ROOT/data}"
log "starting vms.jar --role all (data in $VMS_DATA_DIR); console http://localhost:${VMS_HTTP_PORT:-8080}"
exec java ${VMS_JAVA_OPTS:--Xmx2g} -jar "$ROOT/verticles/target/vms.jar" --profile dev "$@"
