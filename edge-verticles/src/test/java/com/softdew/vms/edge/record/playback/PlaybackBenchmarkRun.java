package com.softdew.vms.edge.record.playback;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Opt-in (never in CI): {@code mvn -o -pl edge-verticles -am test -Dtest=PlaybackBenchmarkRun -Dbench.playback=true
 * -Dsurefire.failIfNoSpecifiedTests=false}; writes docs/benchmarks/playback.md (what scripts/bench/playback.sh runs).
 */
class PlaybackBenchmarkRun {
  @Test
  @EnabledIfSystemProperty(named = "bench.playback", matches = "true")
  void playbackNumbers() throws Exception {
    PlaybackBenchmark.main(new String[] {Path.of(System.getProperty("user.dir")).getParent().resolve("docs/benchmarks/playback.md").toString()});
  }
}
