package com.softdew.vms.edge.ai.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.softdew.vms.model.Priority;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The benchmark's bookkeeping (not the benchmark): camera classes and percentiles. */
class PipelineLatencyBenchmarkTest {

  static Map<Priority, Integer> split(int cameras, String medium) {
    List<PipelineLatencyBenchmark.Lane> lanes = PipelineLatencyBenchmark.lanes(medium);
    Map<Priority, Integer> n = new EnumMap<>(Priority.class);
    for (int i = 0; i < cameras; i++) n.merge(PipelineLatencyBenchmark.laneOf(i, cameras, lanes).priority(), 1, Integer::sum);
    return n;
  }

  @Test
  void camerasSplitInQuartersOneClassEach() {
    assertEquals(Map.of(Priority.CRITICAL, 4, Priority.HIGH, 4, Priority.MEDIUM, 4, Priority.STANDARD, 4), split(16, "missingObject"));
    assertEquals(Map.of(Priority.CRITICAL, 1, Priority.HIGH, 1, Priority.MEDIUM, 1, Priority.STANDARD, 1), split(4, "missingObject"));
    // without a MEDIUM class: thirds, the remainder goes to STANDARD
    assertEquals(Map.of(Priority.CRITICAL, 5, Priority.HIGH, 5, Priority.STANDARD, 6), split(16, "none"));
    assertEquals("fire", PipelineLatencyBenchmark.laneOf(0, 16, PipelineLatencyBenchmark.lanes("missingObject")).model());
    assertEquals("motion", PipelineLatencyBenchmark.laneOf(15, 16, PipelineLatencyBenchmark.lanes("missingObject")).model());
  }

  @Test
  void nearestRankPercentiles() {
    long[] v = new long[100];
    for (int i = 0; i < 100; i++) v[i] = i + 1;
    assertEquals(50, PipelineLatencyBenchmark.pct(v, 50));
    assertEquals(99, PipelineLatencyBenchmark.pct(v, 99));
    assertEquals(100, PipelineLatencyBenchmark.pct(v, 100));
    assertEquals(7, PipelineLatencyBenchmark.pct(new long[] {7}, 99));
    assertEquals(20, PipelineLatencyBenchmark.pct(new long[] {10, 20}, 99), "p99 of two values is the larger");
    assertEquals(-1, PipelineLatencyBenchmark.pct(new long[0], 50));
  }
}
