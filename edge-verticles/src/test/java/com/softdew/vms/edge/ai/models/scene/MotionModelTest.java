package com.softdew.vms.edge.ai.models.scene;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.edge.ai.Detection;
import com.softdew.vms.edge.ai.FrameResult;
import com.softdew.vms.edge.ai.scenes.MotionScenes;
import com.softdew.vms.edge.ai.scenes.SyntheticClip;
import com.softdew.vms.platform.config.ConfigException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class MotionModelTest {
  private final MotionModel model = new MotionModel();

  @Test
  void walkerRaisesMotionOnItsFrames() {
    SyntheticClip clip = MotionScenes.walker(1, 320, 240);
    SceneRun run = SceneRun.run(model, clip, new JsonObject());
    run.assertDetected(clip, null);
    long moving = run.results.stream().filter(r -> r.count() > 0).count();
    assertTrue(moving > 20, "moving frames " + moving);
    // every motion region is on the figure's rows (it walks at y 90..150 with a 3 px bob), none elsewhere
    for (FrameResult r : run.results) {
      for (Detection d : r.detections()) {
        if (!d.objectClass().equals("motion")) continue;
        assertTrue(d.box().cy() > 80 && d.box().cy() < 160 && d.box().h() <= 75, "frame " + r.frameIndex() + ": " + d.toJson());
      }
    }
  }

  @Test
  void lightRampAndSwitchAreNotMotion() {
    SyntheticClip clip = MotionScenes.lightChanges(2, 320, 240);
    SceneRun run = SceneRun.run(model, clip, new JsonObject());
    run.assertNone(clip, "motion");
  }

  @Test
  void dimmingIsNotMotion() {
    SyntheticClip clip = MotionScenes.dimming(6, 320, 240);
    SceneRun.run(model, clip, new JsonObject()).assertNone(clip, "motion");
  }

  @Test
  void suddenLightSwitchIsReportedAsIllumination() {
    SyntheticClip clip = MotionScenes.lightChanges(3, 320, 240);
    SceneRun run = SceneRun.run(model, clip, new JsonObject().put("normaliseLight", false));
    run.assertNone(clip, "motion");
    long ill = run.results.stream().flatMap(r -> r.detections().stream()).filter(d -> d.objectClass().equals("illumination")).count();
    assertTrue(ill >= 1, "the light switch re-learns the background");
  }

  @Test
  void onlyMotionInsideZonesCounts() {
    SyntheticClip through = MotionScenes.walkerThroughZone(4, 320, 240);
    SceneRun in = SceneRun.run(model, through, new JsonObject());
    in.assertDetected(through, null);
    SyntheticClip outside = MotionScenes.walkerOutsideZone(5, 320, 240);
    SceneRun out = SceneRun.run(model, outside, new JsonObject());
    out.assertNone(outside, "motion");
    for (FrameResult r : out.results) for (Detection d : r.detections()) assertEquals("illumination", d.objectClass(), "no motion outside zone door");
  }

  @Test
  void paramsResolveAndAreChecked() {
    JsonObject d = model.params().defaults();
    assertEquals(150, d.getInteger("minAreaPx"));
    assertEquals(3, d.getInteger("alarmFrames"));
    assertThrows(ConfigException.class, () -> model.params().resolve(new JsonObject().put("alarmFrames", 0)));
    assertThrows(ConfigException.class, () -> model.params().resolve(new JsonObject().put("nope", 1)));
  }
}
