package com.softdew.vms.edge.ai.models.people;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.edge.ai.Detection;
import com.softdew.vms.edge.ai.EventAccumulator;
import com.softdew.vms.edge.ai.FrameResult;
import com.softdew.vms.edge.ai.perception.ScriptedDetector;
import com.softdew.vms.edge.ai.scenes.PeopleScenes;
import com.softdew.vms.edge.ai.scenes.SyntheticClip;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The fallen model with a detector that behaves like OpenCV's HOG (finds upright people only): the
 * scene's true box is returned only while it is upright, nothing once the person lies down, so the
 * track ends with the fall and only the pixel fallback (foreground search around the lost box) can see
 * the person lying. Rendered scenes, real perception (gating, tracker), overlapping segments.
 */
class FallenPixelFallbackTest {
  /** Truth boxes kept only while taller than {@code minHeightPerWidth} times their width. */
  private static ScriptedDetector uprightOnly(PeopleScenes.Scene scene, double minHeightPerWidth) {
    List<List<Detection>> truth = scene.truth();
    return new ScriptedDetector(i -> i < truth.size()
        ? truth.get((int) (long) i).stream().filter(d -> d.box().h() > minHeightPerWidth * d.box().w()).toList()
        : List.of());
  }

  private static PeopleHarness.Run run(PeopleScenes.Scene scene, double minHeightPerWidth) {
    return run(scene, minHeightPerWidth, new JsonObject());
  }

  private static PeopleHarness.Run run(PeopleScenes.Scene scene, double minHeightPerWidth, JsonObject params) {
    JsonObject p = params.copy().put("minDownSeconds", 2.0);
    return PeopleHarness.run(new FallenModel(), p, scene.clip().views(), scene.zones(), scene.clip().fps(), uprightOnly(scene, minHeightPerWidth));
  }

  private static void report(String what, PeopleHarness.Run run) {
    System.out.printf("%s: %.3f ms/frame (model only), first alarm frame %d, events %s%n", what, run.modelMsPerFrame(), run.firstAlarmFrame(), run.events());
    System.out.println(what + " per frame: " + run.results().stream()
        .map(r -> r.detections().isEmpty() ? "-" : r.detections().get(0).trackId() + ":" + r.detections().get(0).attributes().getString("pose")
            + (r.detections().get(0).attributes().containsKey("source") ? "/fg" : ""))
        .toList());
  }

  @Test
  void fallSeenOnTheForegroundOnceHogLosesThePerson() {
    PeopleScenes.Scene falls = PeopleScenes.fallen(true, 2.0);
    SyntheticClip.Label label = falls.clip().labels().get(0);
    PeopleHarness.Run run = run(falls, 1.0);
    report("fall/hog-like", run);
    assertEquals(1, run.events().size(), "one fallen event expected: " + run.events());
    EventAccumulator.ModelEvent e = run.events().get(0);
    assertEquals("fallen", e.type());
    assertEquals("t1", e.key());
    long first = run.firstAlarmFrame();
    assertTrue(Math.abs(first - label.startFrame()) <= 5, "first alarm at frame " + first + ", expected ~" + label.startFrame());
    // the alarm frames come from the fallback: the person is reported lying, from the foreground, where the scene draws them
    FrameResult r = run.results().stream().filter(x -> !x.alarms().isEmpty()).findFirst().orElseThrow();
    Detection lying = r.detections().stream().filter(d -> "t1".equals(d.trackId())).findFirst().orElseThrow();
    assertEquals("foreground", lying.attributes().getString("source"));
    assertEquals("lying", lying.attributes().getString("pose"));
    Detection truth = falls.truth().get((int) r.frameIndex()).get(0);
    assertTrue(truth.box().iou(lying.box()) > 0.5, "lying box " + lying.box() + " vs true " + truth.box());
    // the perception itself no longer reports the person while lying (HOG-like): no box-based path
    assertTrue(run.results().stream().filter(x -> x.frameIndex() >= label.startFrame())
        .flatMap(x -> x.detections().stream()).allMatch(d -> "foreground".equals(d.attributes().getString("source"))));
  }

  @Test
  void withoutTheFallbackHogLosesTheFall() {
    PeopleHarness.Run run = run(PeopleScenes.fallen(true, 2.0), 1.0, new JsonObject().put("pixelFallback", false));
    report("fall/hog-like/no-fallback", run);
    assertEquals(List.of(), run.events());
  }

  @Test
  void crouchRaisesNoAlarm() {
    PeopleHarness.Run run = run(PeopleScenes.fallen(false, 2.0), 1.0);
    report("crouch/hog-like", run);
    assertEquals(List.of(), run.events());
    assertTrue(run.results().stream().anyMatch(r -> !r.detections().isEmpty()), "no person seen at all");
  }

  @Test
  void crouchLostByAStricterDetectorIsNotTakenForAFall() {
    // a detector that also loses the crouching person (box 34x38): the track ends, the fallback searches,
    // but the crouching blob is not wider than tall, and the person standing up again cancels the search
    PeopleHarness.Run run = run(PeopleScenes.fallen(false, 2.0), 1.5);
    report("crouch/strict", run);
    assertEquals(List.of(), run.events());
    assertFalse(run.results().stream().flatMap(r -> r.detections().stream()).anyMatch(d -> "lying".equals(d.attributes().getString("pose"))),
        "crouch reported lying");
  }
}
