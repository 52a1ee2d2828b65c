package com.softdew.vms.edge.ai.models.scene;

import com.softdew.vms.edge.ai.AnalyticsModel;
import com.softdew.vms.edge.ai.scenes.FireScenes;
import com.softdew.vms.edge.ai.scenes.MotionScenes;
import com.softdew.vms.edge.ai.scenes.ObjectScenes;
import com.softdew.vms.edge.ai.scenes.SyntheticClip;
import com.softdew.vms.edge.ai.scenes.TamperScenes;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.LongFunction;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Every clip family over several seeds: prints, per clip kind, how many positives were found and how
 * many negatives stayed silent. A measurement for docs/ai-models.md, skipped unless
 * {@code -Dvms.sweep=true} (it takes minutes on a shared machine).
 */
class SceneModelsSweepTest {
  private record Case(String name, AnalyticsModel model, LongFunction<SyntheticClip> clip, JsonObject params, String key, String[] types) {}

  @Test
  void sweep() {
    Assumptions.assumeTrue(Boolean.getBoolean("vms.sweep"), "run with -Dvms.sweep=true");
    int seeds = Integer.getInteger("vms.sweep.seeds", 6);
    JsonObject fast = new JsonObject().put("missingSeconds", 2.0).put("abandonedSeconds", 2.0);
    MotionModel motion = new MotionModel();
    TamperingModel tamper = new TamperingModel();
    FireModel fire = new FireModel();
    MissingObjectModel missing = new MissingObjectModel();
    List<Case> cases = List.of(
        new Case("motion walker", motion, s -> MotionScenes.walker(s, 320, 240), new JsonObject(), null, null),
        new Case("motion walker through zone", motion, s -> MotionScenes.walkerThroughZone(s, 320, 240), new JsonObject(), null, null),
        new Case("motion light changes (neg)", motion, s -> MotionScenes.lightChanges(s, 320, 240), new JsonObject(), null, new String[] {"motion"}),
        new Case("motion outside zone (neg)", motion, s -> MotionScenes.walkerOutsideZone(s, 320, 240), new JsonObject(), null, new String[] {"motion"}),
        new Case("tamper covered", tamper, s -> TamperScenes.covered(s, 320, 240), new JsonObject(), "covered", null),
        new Case("tamper defocused", tamper, s -> TamperScenes.defocused(s, 320, 240), new JsonObject(), "defocused", null),
        new Case("tamper moved", tamper, s -> TamperScenes.moved(s, 320, 240), new JsonObject(), "moved", null),
        new Case("tamper light", tamper, s -> TamperScenes.lightChange(s, 320, 240), new JsonObject(), "light", null),
        new Case("tamper untouched (neg)", tamper, s -> TamperScenes.untouched(s, 320, 240), new JsonObject(), null, new String[] {"tampering"}),
        new Case("fire flame", fire, s -> FireScenes.growingFlame(s, 320, 240), new JsonObject(), null, null),
        new Case("fire smoke", fire, s -> FireScenes.risingSmoke(s, 320, 240), new JsonObject(), null, null),
        new Case("fire static orange box (neg)", fire, s -> FireScenes.staticOrangeBox(s, 320, 240), new JsonObject(), null, new String[] {"fire", "smoke"}),
        new Case("fire orange wall (neg)", fire, s -> FireScenes.orangeWall(s, 320, 240), new JsonObject(), null, new String[] {"fire", "smoke"}),
        new Case("object removed", missing, s -> ObjectScenes.objectRemoved(s, 320, 240), fast, null, null),
        new Case("object stays (neg)", missing, s -> ObjectScenes.objectStays(s, 320, 240), fast, null, new String[] {"missingObject", "abandonedObject"}),
        new Case("box abandoned", missing, s -> ObjectScenes.boxAbandoned(s, 320, 240), fast, null, null),
        new Case("box passing (neg)", missing, s -> ObjectScenes.boxPassing(s, 320, 240), fast, null, new String[] {"abandonedObject"}),
        // cross-checks: scenes made for another model must not raise these
        new Case("motion on dimming (neg)", motion, s -> MotionScenes.dimming(s, 320, 240), new JsonObject(), null, new String[] {"motion"}),
        new Case("fire on dimming (neg)", fire, s -> MotionScenes.dimming(s, 320, 240), new JsonObject(), null, new String[] {"fire", "smoke"}),
        new Case("fire on light switch (neg)", fire, s -> MotionScenes.lightChanges(s, 320, 240), new JsonObject(), null, new String[] {"fire", "smoke"}),
        new Case("fire on walker (neg)", fire, s -> MotionScenes.walker(s, 320, 240), new JsonObject(), null, new String[] {"fire", "smoke"}),
        new Case("tamper on flame (neg)", tamper, s -> FireScenes.growingFlame(s, 320, 240), new JsonObject(), null, new String[] {"tampering"}),
        new Case("missing on dimming (neg)", missing, s -> MotionScenes.dimming(s, 320, 240), fast, null, new String[] {"abandonedObject"}),
        new Case("missing on walker (neg)", missing, s -> MotionScenes.walker(s, 320, 240), fast, null, new String[] {"abandonedObject"}));
    StringBuilder report = new StringBuilder();
    for (Case c : cases) {
      int ok = 0;
      for (long seed = 100; seed < 100 + seeds; seed++) {
        SyntheticClip clip = c.clip().apply(seed);
        SceneRun run = SceneRun.run(c.model(), clip, c.params());
        try {
          if (c.types() == null) run.assertDetected(clip, c.key());
          else run.assertNone(clip, c.types());
          ok++;
        } catch (AssertionError e) {
          System.out.println("MISS " + e.getMessage());
        }
      }
      report.append(String.format("%-32s %d/%d %s%n", c.name(), ok, seeds, c.types() == null ? "detected" : "silent"));
    }
    System.out.println("SWEEP\n" + report);
  }
}
