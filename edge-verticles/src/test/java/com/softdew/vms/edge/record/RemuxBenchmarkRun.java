package com.softdew.vms.edge.record;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Opt-in (never in CI): {@code mvn -o -pl edge-verticles -am test -Dtest=RemuxBenchmarkRun -Dbench.remux=true
 * -Dsurefire.failIfNoSpecifiedTests=false}; the same as scripts/bench/remux.sh without building the jar.
 */
class RemuxBenchmarkRun {
  @Test
  @EnabledIfSystemProperty(named = "bench.remux", matches = "true")
  void remuxVersusDecode() throws Exception {
    String media = Path.of(System.getProperty("user.dir")).getParent().resolve("sim-media").toString();
    RemuxBenchmark.main(new String[] {System.getProperty("bench.cameras", "4"), System.getProperty("bench.seconds", "15"),
        System.getProperty("bench.codec", "h264"), media});
  }
}
