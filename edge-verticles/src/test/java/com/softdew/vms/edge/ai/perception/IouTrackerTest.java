package com.softdew.vms.edge.ai.perception;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.edge.ai.Box;
import com.softdew.vms.edge.ai.Detection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class IouTrackerTest {
  /** Two people walking towards each other on parallel lines, 15 fps, 8 px per frame each. */
  private static List<Detection> twoWalkers(int i) {
    return List.of(new Detection("person", 0.9, new Box(20 + 8 * i, 100, 40, 100)),
        new Detection("person", 0.8, new Box(560 - 8 * i, 300, 40, 100)));
  }

  private static Map<String, Double> xById(List<Detection> ds) {
    Map<String, Double> m = new TreeMap<>();
    for (Detection d : ds) m.put(d.trackId(), d.box().x());
    return m;
  }

  @Test
  void idsStayOnMovingBoxesAndTracksAreBornAfterMinHits() {
    IouTracker t = new IouTracker(IouTracker.Options.defaults());
    assertTrue(t.update(twoWalkers(0), 0).isEmpty(), "not born after one hit");
    for (int i = 1; i < 60; i++) {
      List<Detection> out = t.update(twoWalkers(i), i * 66L);
      assertEquals(2, out.size(), "frame " + i);
      Map<String, Double> x = xById(out);
      assertEquals(List.of("t1", "t2"), new ArrayList<>(x.keySet()), "frame " + i);
      // t1 walks right, t2 left; boxes follow the detections closely
      assertEquals(20 + 8 * i, x.get("t1"), 4, "frame " + i);
      assertEquals(560 - 8 * i, x.get("t2"), 4, "frame " + i);
    }
  }

  @Test
  void predictionKeepsIdAcrossMissedDetectionsAndTrackDiesAfterMaxMisses() {
    IouTracker t = new IouTracker(IouTracker.Options.defaults());
    for (int i = 0; i < 10; i++) t.update(List.of(new Detection("person", 0.9, new Box(100 + 12 * i, 100, 30, 80))), i * 100L);
    // detector misses the person 3 times; it moved on by 12 px per frame meanwhile: still t1 thanks to the velocity
    for (int i = 10; i < 13; i++) assertTrue(t.update(List.of(), i * 100L).isEmpty());
    List<Detection> back = t.update(List.of(new Detection("person", 0.9, new Box(100 + 12 * 13, 100, 30, 80))), 1300);
    assertEquals(1, back.size());
    assertEquals("t1", back.get(0).trackId());
    // gone for good: dies after maxMisses (5) runs, a newcomer gets a new id
    for (int i = 14; i < 20; i++) t.update(List.of(), i * 100L);
    assertEquals(0, t.size());
    t.update(List.of(new Detection("person", 0.9, new Box(300, 300, 30, 80))), 2000);
    List<Detection> n = t.update(List.of(new Detection("person", 0.9, new Box(302, 300, 30, 80))), 2100);
    assertEquals("t2", n.get(0).trackId());
  }

  @Test
  void overlapReFeedReturnsCachedTracksAndDoesNotAdvance() {
    IouTracker t = new IouTracker(IouTracker.Options.defaults());
    List<List<Detection>> first = new ArrayList<>();
    for (int i = 0; i < 30; i++) first.add(t.update(twoWalkers(i), i * 66L));
    long last = t.lastPts();
    // the next segment starts with 10 frames of overlap: the same pts again
    for (int i = 20; i < 30; i++) {
      assertEquals(first.get(i), t.update(twoWalkers(i), i * 66L), "frame " + i);
      assertEquals(first.get(i), t.coast(i * 66L));
    }
    assertEquals(last, t.lastPts());
    for (int i = 30; i < 40; i++) {
      Map<String, Double> x = xById(t.update(twoWalkers(i), i * 66L));
      assertEquals(20 + 8 * i, x.get("t1"), 4);
      assertEquals(560 - 8 * i, x.get("t2"), 4);
    }
  }

  @Test
  void uncachedReFeedIsMatchedWithoutUpdating() {
    IouTracker t = new IouTracker(new IouTracker.Options(2, 5, 0.2, 0.6, 0.3, 256, 0));
    for (int i = 0; i < 30; i++) t.update(twoWalkers(i), i * 66L);
    // a late re-feed of frame 29: labelled with the current ids, tracks untouched
    List<Detection> again = t.update(twoWalkers(29), 29 * 66L);
    assertEquals(List.of("t1", "t2"), new ArrayList<>(xById(again).keySet()));
    // a re-feed with a person far from every track gets no id
    List<Detection> stranger = t.update(List.of(new Detection("person", 0.9, new Box(300, 0, 20, 40))), 10 * 66L);
    assertTrue(stranger.isEmpty());
    List<Detection> next = t.update(twoWalkers(30), 30 * 66L);
    assertEquals(20 + 8 * 30, xById(next).get("t1"), 4);
  }

  @Test
  void classesDoNotMatchAndTrackCountIsBounded() {
    int[] overflow = {0};
    IouTracker t = new IouTracker(new IouTracker.Options(2, 5, 0.2, 0.6, 0.3, 2, 16), () -> overflow[0]++);
    List<Detection> three = List.of(new Detection("person", 0.9, new Box(0, 0, 50, 100)), new Detection("vehicle", 0.9, new Box(0, 0, 50, 100)),
        new Detection("person", 0.9, new Box(300, 0, 50, 100)));
    t.update(three, 0);
    List<Detection> out = t.update(three, 66);
    assertEquals(2, t.size());
    assertEquals(2, out.size());
    assertEquals("person", out.get(0).objectClass());
    assertEquals("vehicle", out.get(1).objectClass());
    assertTrue(overflow[0] >= 2, "the third detection is counted as overflow, got " + overflow[0]);
    assertNull(out.get(0).zone());
  }
}
