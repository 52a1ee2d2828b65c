package com.softdew.vms.edge.record;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.softdew.vms.sim.Codec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fill time against gap length (measurement for docs/sdcard-fill.md, not part of CI: about 1.5 min of real-time
 * replay). Run with
 * {@code mvn -o -pl edge-verticles -am test -Dtest=GapFillerTimingTest -Dbench.gapfill=true -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@EnabledIfSystemProperty(named = "bench.gapfill", matches = "true")
class GapFillerTimingTest {
  @TempDir
  Path data;

  @BeforeAll
  static void setUp() {
    GapFillerTest.setUp();
  }

  @AfterAll
  static void tearDown() throws Exception {
    GapFillerTest.tearDown();
  }

  @Test
  void fillTimeAgainstGapLength() throws Exception {
    GapFillerTest.Cam a = GapFillerTest.camera(Codec.H264, Instant.now().minusSeconds(300));
    GapFillerTest.Cam b = GapFillerTest.camera(Codec.H265, Instant.now().minusSeconds(300));
    GapFiller f = new GapFiller(GapFillerTest.vertx, new SimpleMeterRegistry(), new GapFiller.Options().settle(Duration.ZERO).dataDir(data)
        .segmentLength(Duration.ofSeconds(10)), null, null).start();
    try {
      fill(f, a, "warmup", 1); // first use loads FFmpeg natives and warms the ONVIF client
      System.out.println("MEASURE | gap (s) | cameras | fill time (s) | fill / gap | segments | bytes |");
      for (int secs : new int[] {2, 5, 10, 30}) fill(f, a, "h264-" + secs, secs);
      // two cameras at once (two workers): fills run in parallel
      Instant now = Instant.now();
      long t0 = System.nanoTime();
      List<CompletableFuture<GapFillerResult>> both = new ArrayList<>();
      for (GapFillerTest.Cam c : List.of(a, b)) {
        both.add(f.submit(new RecordingGap("t1", "par-" + c.d().serial() + c.hashCode(), now.minusSeconds(60), now.minusSeconds(50), "x"),
            c.access()));
      }
      for (CompletableFuture<GapFillerResult> r : both) assertEquals("filled", r.get(60, TimeUnit.SECONDS).fillState());
      double took = (System.nanoTime() - t0) / 1e9;
      System.out.printf("MEASURE | 10 | 2 (h264 + h265) | %.2f | %.2f | - | - |%n", took, took / 10);
    } finally {
      f.close();
    }
  }

  private static void fill(GapFiller f, GapFillerTest.Cam c, String id, int secs) throws Exception {
    Instant now = Instant.now();
    RecordingGap g = new RecordingGap("t1", id, now.minusSeconds(secs + 100), now.minusSeconds(100), "x");
    long t0 = System.nanoTime();
    GapFillerResult r = f.submit(g, c.access()).get(secs * 3L + 30, TimeUnit.SECONDS);
    double took = (System.nanoTime() - t0) / 1e9;
    assertEquals("filled", r.fillState(), r.toString());
    long bytes = r.segments().stream().mapToLong(RecordingSegment::bytes).sum();
    System.out.printf("MEASURE | %d | 1 | %.2f | %.2f | %d | %d |%n", secs, took, took / secs, r.segments().size(), bytes);
  }
}
