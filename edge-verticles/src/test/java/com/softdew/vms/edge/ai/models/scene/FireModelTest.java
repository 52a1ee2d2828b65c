package com.softdew.vms.edge.ai.models.scene;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.edge.ai.scenes.FireScenes;
import com.softdew.vms.edge.ai.scenes.SyntheticClip;
import com.softdew.vms.platform.config.ConfigException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class FireModelTest {
  private final FireModel model = new FireModel();

  @Test
  void flickeringGrowingFlameIsFire() {
    SyntheticClip clip = FireScenes.growingFlame(1, 320, 240);
    SceneRun run = SceneRun.run(model, clip, new JsonObject());
    run.assertDetected(clip, null);
    run.assertNone(clip, "smoke");
  }

  @Test
  void staticOrangeBoxIsNeitherFireNorSmoke() {
    SyntheticClip clip = FireScenes.staticOrangeBox(2, 320, 240);
    SceneRun run = SceneRun.run(model, clip, new JsonObject());
    run.assertNone(clip, "fire", "smoke");
    // the colour stage does see it: the temporal stage is what rejects it
    assertTrue(run.results.stream().anyMatch(r -> r.detections().stream().anyMatch(d -> d.objectClass().equals("fire"))), "orange box is a colour candidate");
  }

  @Test
  void steadilyLitOrangeWallIsNeitherFireNorSmoke() {
    SyntheticClip clip = FireScenes.orangeWall(3, 320, 240);
    SceneRun.run(model, clip, new JsonObject()).assertNone(clip, "fire", "smoke");
  }

  @Test
  void dimmingLightsAreNotSmoke() {
    SyntheticClip clip = com.softdew.vms.edge.ai.scenes.MotionScenes.dimming(5, 320, 240);
    SceneRun.run(model, clip, new JsonObject()).assertNone(clip, "fire", "smoke");
  }

  @Test
  void risingSmokeIsSmoke() {
    SyntheticClip clip = FireScenes.risingSmoke(4, 320, 240);
    SceneRun run = SceneRun.run(model, clip, new JsonObject());
    run.assertDetected(clip, null);
    run.assertNone(clip, "fire");
  }

  @Test
  void perPixelStageIsReplaceable() {
    // a stage that sees no flame pixels: the same flame clip raises nothing, and the session closes the stage
    boolean[] closed = {false};
    FireSmokeClassifier blind = new FireSmokeClassifier() {
      @Override
      public void classify(org.bytedeco.opencv.opencv_core.Mat bgr, org.bytedeco.opencv.opencv_core.Mat fire, org.bytedeco.opencv.opencv_core.Mat smoke) {
        fire.create(bgr.rows(), bgr.cols(), org.bytedeco.opencv.global.opencv_core.CV_8UC1);
        smoke.create(bgr.rows(), bgr.cols(), org.bytedeco.opencv.global.opencv_core.CV_8UC1);
        try (org.bytedeco.opencv.opencv_core.Scalar zero = new org.bytedeco.opencv.opencv_core.Scalar(0)) {
          fire.put(zero);
          smoke.put(zero);
        }
      }

      @Override
      public String name() { return "blind"; }

      @Override
      public void close() { closed[0] = true; }
    };
    SyntheticClip clip = FireScenes.growingFlame(1, 320, 240);
    com.softdew.vms.edge.ai.CameraContext ctx = new com.softdew.vms.edge.ai.CameraContext("tenant-a", "cam", java.util.List.of(),
        model.params().defaults(), com.softdew.vms.edge.ai.FrameGeometry.identity(320, 240), clip.fps());
    java.util.List<com.softdew.vms.edge.ai.FrameView> views = clip.views();
    try (com.softdew.vms.edge.ai.ModelSession s = model.open(ctx, blind)) {
      assertTrue(s.analyze(views).stream().allMatch(r -> r.alarms().isEmpty() && r.detections().isEmpty()));
    } finally {
      views.forEach(com.softdew.vms.edge.ai.FrameView::close);
    }
    assertTrue(closed[0], "the session closes its per-pixel stage");
  }

  @Test
  void paramsResolveAndAreChecked() {
    assertEquals(0.08, model.params().defaults().getDouble("flickerMin"));
    assertThrows(ConfigException.class, () -> model.params().resolve(new JsonObject().put("growthMin", 0.5)));
  }
}
