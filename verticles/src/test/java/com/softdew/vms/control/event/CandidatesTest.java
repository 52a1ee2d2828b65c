package com.softdew.vms.control.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** The per-record filters without I/O: threshold, runs, frame-time dedup, scene-change rules, box normalisation. */
class CandidatesTest {
  static JsonObject frame(long i, long pts, JsonArray dets, JsonArray alarms) {
    return new JsonObject().put("frame", i).put("ptsMs", pts).put("count", dets.size()).put("detections", dets).put("alarms", alarms);
  }

  static JsonObject alarm(String zone, String key, double c) {
    return new JsonObject().put("type", "intrusion").put("zone", zone).put("key", key).put("confidence", c);
  }

  static JsonObject det(String track, String zone, int x, int y, int w, int h) {
    return new JsonObject().put("class", "person").put("confidence", 0.9).put("box", new JsonArray().add(x).add(y).add(w).add(h))
        .put("track", track).put("zone", zone);
  }

  @Test
  void longestRunThresholdAndGrouping() {
    JsonArray frames = new JsonArray();
    boolean[] on = {true, true, false, true, true, true, true, false, true};
    for (int i = 0; i < on.length; i++) {
      JsonArray a = new JsonArray();
      if (on[i]) a.add(alarm("door", "t1", 0.6 + i * 0.01));
      a.add(alarm("gate", "t2", 0.4)); // under 0.5 everywhere
      frames.add(frame(i, 1000 + i * 200L, new JsonArray().add(det("t1", "door", 10, 10, 20, 40)), a));
    }
    Candidates.Result r = Candidates.of(frames, 0.5, Candidates.SceneRules.defaults());
    assertEquals(1, r.kept().size());
    assertEquals(9, r.belowThreshold());
    Candidates.Candidate c = r.kept().get(0);
    assertEquals(4, c.longestRun);
    assertEquals(7, c.frameTimes.size());
    assertEquals(1000, c.first());
    assertEquals(2600, c.last());
    assertEquals(0.68, c.maxConfidence, 1e-9);
    assertEquals("person", c.objectClass);
  }

  @Test
  void sameFrameTimeTwiceCountsOnce() {
    JsonArray frames = new JsonArray().add(frame(0, 5000, new JsonArray(), new JsonArray().add(alarm("z", null, 0.9))))
        .add(frame(1, 5000, new JsonArray(), new JsonArray().add(alarm("z", null, 0.9))));
    Candidates.Candidate c = Candidates.of(frames, 0.5, Candidates.SceneRules.defaults()).kept().get(0);
    assertEquals(1, c.frameTimes.size());
    assertEquals(2, c.longestRun);
  }

  @Test
  void sceneChangeByZonesAndByArea() {
    JsonArray manyZones = new JsonArray().add(frame(0, 0, new JsonArray(),
        new JsonArray().add(alarm("a", null, 0.9)).add(alarm("b", null, 0.9)).add(alarm("c", null, 0.9))));
    Candidates.Result r = Candidates.of(manyZones, 0.5, Candidates.SceneRules.defaults());
    assertTrue(r.kept().isEmpty());
    assertEquals(3, r.suppressed().size());
    assertTrue(r.suppressed().get(0).suppressedBecause.contains("3 zones"));

    // two boxes covering 60 % of 640x480
    JsonArray big = new JsonArray().add(frame(0, 0, new JsonArray().add(det(null, null, 0, 0, 640, 240)).add(det(null, null, 0, 240, 128, 240)),
        new JsonArray().add(alarm(null, null, 0.9))));
    Candidates.Result r2 = Candidates.of(big, 0.5, Candidates.SceneRules.defaults());
    assertTrue(r2.kept().isEmpty());
    assertTrue(r2.suppressed().get(0).suppressedBecause.contains("cover 60% of the image"), r2.suppressed().get(0).suppressedBecause);

    // two zones and a small box: a normal alarm
    JsonArray normal = new JsonArray().add(frame(0, 0, new JsonArray().add(det("t1", "a", 0, 0, 64, 128)),
        new JsonArray().add(alarm("a", "t1", 0.9)).add(alarm("b", null, 0.9))));
    assertEquals(2, Candidates.of(normal, 0.5, Candidates.SceneRules.defaults()).kept().size());
  }

  @Test
  void boxesAreNormalisedAndClamped() {
    JsonObject b = Candidates.normalised(new JsonArray().add(320).add(240).add(640).add(480));
    assertEquals(0.5, b.getDouble("x"));
    assertEquals(0.5, b.getDouble("width"));
    assertEquals(0.5, b.getDouble("height"));
    assertNull(Candidates.normalised(null));
  }
}
