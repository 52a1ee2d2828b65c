package com.softdew.vms.edge.ai.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

class OffsetTrackerTest {
  @Test
  void commitsOnlyTheContiguousDonePrefix() {
    OffsetTracker<String> t = new OffsetTracker<>();
    for (long o = 10; o < 15; o++) t.started("p0", o);
    t.started("p1", 3);
    assertEquals(Map.of("p0", 10L, "p1", 3L), t.toCommit(), "nothing done: commit the first offset (a no-op)");
    t.committed(t.toCommit());
    t.done("p0", 12);
    t.done("p0", 11);
    assertEquals(Map.of(), t.toCommit(), "10 still in work");
    t.done("p0", 10);
    assertEquals(Map.of("p0", 13L), t.toCommit(), "10..12 done, 13 is next");
    t.committed(Map.of("p0", 13L));
    assertEquals(Map.of(), t.toCommit());
    assertEquals(3, t.inFlight());
    t.done("p0", 14);
    assertEquals(Map.of(), t.toCommit(), "13 is still in work");
    t.done("p0", 13);
    t.done("p1", 3);
    assertEquals(Map.of("p0", 15L, "p1", 4L), t.toCommit());
    assertEquals(0, t.inFlight());
  }

  @Test
  void gapsInOffsetsAndRevokedPartitions() {
    OffsetTracker<String> t = new OffsetTracker<>();
    t.started("p", 5);
    t.started("p", 7); // 6 is a transaction marker: never delivered
    t.done("p", 7);
    t.done("p", 5);
    assertEquals(Map.of("p", 8L), t.toCommit());
    t.started("p", 8);
    t.forget("p");
    t.done("p", 8); // finished after the revoke: ignored, the new owner analyses it again
    assertEquals(Map.of(), t.toCommit());
    assertEquals(0, t.inFlight());
  }
}
