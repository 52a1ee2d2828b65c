package com.softdew.vms.edge.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import com.softdew.vms.model.Priority;
import com.softdew.vms.model.VideoJob;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Placement by rendezvous hashing: one node per camera, capacities respected, minimal movement. */
class RendezvousTest {
  static List<String> cameras(int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) out.add("t" + (i % 3) + "/cam-" + i);
    return out;
  }

  @Test
  void everyCameraOnOneNodeWithinCapacity() {
    Map<String, Integer> cap = Map.of("a", 10, "b", 10, "c", 5);
    Rendezvous.Placement p = Rendezvous.place(cameras(30), cap);
    assertEquals(25, p.assignment().size());
    assertEquals(5, p.unplaced().size(), "30 cameras, room for 25");
    Map<String, Integer> count = new HashMap<>();
    p.assignment().values().forEach(n -> count.merge(n, 1, Integer::sum));
    cap.forEach((n, c) -> assertTrue(count.getOrDefault(n, 0) <= c, n + " over capacity: " + count));
    assertEquals(p, Rendezvous.place(cameras(30), cap), "deterministic");
  }

  @Test
  void leavingNodeMovesOnlyItsCamerasJoiningNodeTakesOnlyWhatItWins() {
    List<String> cams = cameras(200);
    Map<String, String> three = Rendezvous.place(cams, Map.of("a", 1000, "b", 1000, "c", 1000)).assignment();
    Map<String, String> two = Rendezvous.place(cams, Map.of("a", 1000, "b", 1000)).assignment();
    int moved = 0;
    for (String c : cams) {
      if (!three.get(c).equals("c")) assertEquals(three.get(c), two.get(c), c + " moved although its node stayed");
      else moved++;
    }
    assertTrue(moved > 30 && moved < 110, "c held about a third: " + moved);
    // read the other way: c joining {a, b} takes exactly the cameras it wins, nothing moves between a and b
  }

  @Test
  void specTravelsAsJson() {
    CameraPipeline.Spec s = new CameraPipeline.Spec("acme", "door", "rtsp://h/sub", "u", "p:w@", Map.of("fire", Priority.CRITICAL),
        new VideoJob.SourceQuality("1280x720", 2_000_000, 15, "h264"), 3, 0.5, Map.of("fire", "pause"), null, 45, null);
    JsonObject j = s.toJson();
    assertEquals(s.withHwDecode("none"), CameraPipeline.Spec.fromJson(new JsonObject(j.encode()), "none"));
  }
}
