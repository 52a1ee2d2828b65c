#!/usr/bin/env bash
# ms/frame of the classical scene models (motion, tampering, fire, missingObject) on a 640x480
# synthetic clip, one thread (OpenCV setNumThreads(1)), thread CPU time and wall time. Prints only;
# never part of CI. Usage: scripts/bench/scene-models.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
mvn -B -q -o -pl edge-verticles -am test -Dtest=SceneModelsBenchTest -Dsurefire.failIfNoSpecifiedTests=false -Dvms.bench=true
cat edge-verticles/target/surefire-reports/com.softdew.vms.edge.ai.models.scene.SceneModelsBenchTest-output.txt
