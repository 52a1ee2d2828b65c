package com.softdew.vms.control.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The interval arithmetic of gaps and coverage, without a database. */
class RecordingIndexSpansTest {

  static List<List<Long>> spans(List<long[]> l) {
    return l.stream().map(x -> List.of(x[0], x[1])).toList();
  }

  @Test
  void subtractLeavesExactlyTheUncoveredSpans() {
    // gap 0..600 with a fill 120..300 -> 0..120 and 300..600 (the 10:00-10:10 / 10:02-10:05 example in seconds)
    assertEquals(List.of(List.of(0L, 120L), List.of(300L, 600L)), spans(RecordingIndex.subtract(0, 600, List.of(new long[] {120, 300}))));
    // unordered, overlapping, sticking out on both sides
    assertEquals(List.of(List.of(50L, 60L), List.of(90L, 100L)), spans(RecordingIndex.subtract(0, 100,
        List.of(new long[] {60, 80}, new long[] {-10, 50}, new long[] {70, 90}))));
    assertEquals(List.of(), spans(RecordingIndex.subtract(0, 100, List.of(new long[] {0, 40}, new long[] {40, 100}))));
    assertEquals(List.of(List.of(0L, 100L)), spans(RecordingIndex.subtract(0, 100, List.of(new long[] {100, 200}, new long[] {-50, 0}))));
  }

  static SegmentRow seg(long startMs, long endMs) {
    return new SegmentRow("t", "t.main." + startMs, "c", "main", Instant.ofEpochMilli(startMs), Instant.ofEpochMilli(endMs), 1, "h264", "1x1",
        "rtsp", "continuous", "", "0".repeat(64), "n", "/x", "local", null, true, false, "", "present");
  }

  @Test
  void coverageToleratesRoundingBetweenSegmentsButNotAtTheEdges() {
    var c = RecordingIndex.coverage(List.of(seg(0, 10_000), seg(10_020, 20_000)), Instant.ofEpochMilli(0), Instant.ofEpochMilli(20_000), 10);
    assertTrue(c.contiguous());
    assertEquals(20, c.gapMs());
    assertEquals(19_980, c.recordedMs());
    var hole = RecordingIndex.coverage(List.of(seg(0, 10_000), seg(10_500, 20_000)), Instant.ofEpochMilli(0), Instant.ofEpochMilli(20_000), 10);
    assertFalse(hole.contiguous());
    assertEquals(List.of(List.of(10_000L, 10_500L)), spans(hole.holes()));
    var edge = RecordingIndex.coverage(List.of(seg(10, 20_000)), Instant.ofEpochMilli(0), Instant.ofEpochMilli(20_000), 10);
    assertFalse(edge.contiguous(), "missing footage at the start of the range is a hole");
  }
}
