package com.softdew.vms.edge.ai.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.edge.ai.Box;
import com.softdew.vms.edge.ai.Detection;
import com.softdew.vms.edge.ai.FrameView;
import com.softdew.vms.edge.ai.InferenceDevice;
import com.softdew.vms.edge.ai.ModelEnvironment;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ONNX detector end to end on a real ONNX Runtime session: a tiny colour-blob network written by
 * {@link TinyOnnx} (red = person, green = dog, blue = car), frames letterboxed into its 64x64 input.
 * A 320x240 frame maps to 64x48 (scale 0.2) with 8-pixel bars above and below; grid cells are 8x8
 * network pixels = 40x40 frame pixels, so a 40x40 square on a cell boundary is one cell.
 */
class OnnxYoloDetectorTest {
  static final float[][] COLOURS = {{1, -1, -1}, {-1, 1, -1}, {-1, -1, 1}};
  static final List<String> LABELS = List.of("person", "dog", "car");

  @TempDir Path dir;

  static ModelEnvironment env(Path model, Object classes) {
    JsonObject s = new JsonObject().put("detector.onnxPath", model.toString()).put("detector.inputSize", 64).put("threads", 1)
        .put("detector.confidence", 0.5);
    if (classes != null) s.put("detector.classes", classes);
    return new ModelEnvironment(s, Path.of("target"), InferenceDevice.CPU);
  }

  /** Grey picture with 40x40 squares: {x, y, r, g, b} each. */
  static FrameView frame(long i, int[]... squares) {
    byte[] px = Frames.canvas(320, 240, 128, 128, 128);
    for (int[] q : squares) Frames.fill(px, 320, q[0], q[1], 40, 40, q[2], q[3], q[4]);
    return Frames.view(i, 320, 240, px);
  }

  static void assertBox(Box b, double x, double y, double w, double h) {
    assertEquals(x, b.x(), 1.0, b.toString());
    assertEquals(y, b.y(), 1.0, b.toString());
    assertEquals(w, b.w(), 1.0, b.toString());
    assertEquals(h, b.h(), 1.0, b.toString());
  }

  @Test
  void findsPeopleAndVehiclesOnPixelsAndMapsBoxesBackThroughTheLetterbox() throws Exception {
    Path model = TinyOnnx.write(dir.resolve("blobs-v8.onnx"), 64, 8, COLOURS, true, false, null);
    OnnxYoloDetector det = new OnnxYoloDetector(env(model, new JsonArray(LABELS)));
    assertTrue(det.network().dynamicBatch());
    assertEquals(YoloDecoder.Layout.CHANNELS_FIRST, det.network().format().layout());
    assertEquals(64, det.network().format().anchors());
    assertEquals("onnx:blobs-v8/cpu", det.describe());
    // red at network cell (3,3) -> frame (120,80); blue at cell (5,4) -> frame (200,120); green (a dog) at (0,160)
    try (FrameView f = frame(0, new int[] {120, 80, 255, 0, 0}, new int[] {200, 120, 0, 0, 255}, new int[] {0, 160, 0, 255, 0})) {
      List<List<Detection>> out = det.detect(List.of(f));
      assertEquals(1, out.size());
      List<Detection> ds = out.get(0);
      assertEquals(2, ds.size(), ds.toString()); // the dog is neither person nor vehicle
      Detection person = ds.stream().filter(d -> d.objectClass().equals("person")).findFirst().orElseThrow();
      assertBox(person.box(), 120, 80, 40, 40);
      assertTrue(person.confidence() > 0.9, person.toString());
      assertEquals("person", person.attributes().getString("class"));
      Detection car = ds.stream().filter(d -> d.objectClass().equals("vehicle")).findFirst().orElseThrow();
      assertBox(car.box(), 200, 120, 40, 40);
      assertEquals("car", car.attributes().getString("class"));
    }
    // nothing on an empty grey frame
    try (FrameView f = frame(1)) {
      assertTrue(det.detect(List.of(f)).get(0).isEmpty());
    }
  }

  @Test
  void batchOfFramesRunsTogetherAndKeepsEachFramesOwnDetections() throws Exception {
    Path model = TinyOnnx.write(dir.resolve("blobs-batch.onnx"), 64, 8, COLOURS, true, false, null);
    OnnxYoloDetector det = new OnnxYoloDetector(env(model, new JsonArray(LABELS)));
    List<FrameView> frames = new ArrayList<>();
    for (int i = 0; i < 5; i++) frames.add(frame(i, new int[] {40 * i, 40, 255, 0, 0}));
    try {
      long hitsBefore = (long) det.network().sessions().cache().hits();
      List<List<Detection>> out = det.detect(frames); // batch.maxSize defaults to 8: one run for all five
      assertEquals(1, (long) det.network().sessions().cache().hits() - hitsBefore, "one session run for five frames");
      assertEquals(5, out.size());
      for (int i = 0; i < 5; i++) {
        assertEquals(1, out.get(i).size(), "frame " + i + ": " + out.get(i));
        assertBox(out.get(i).get(0).box(), 40 * i, 40, 40, 40);
      }
    } finally {
      frames.forEach(FrameView::close);
    }
  }

  @Test
  void fixedBatchYolov5LayoutWithNamesInTheFile() throws Exception {
    Path model = TinyOnnx.write(dir.resolve("blobs-v5.onnx"), 64, 8, COLOURS, false, true, Map.of(0, "person", 1, "dog", 2, "truck"));
    // configured classes of the wrong length (the conf default lists 6): the names stored in the file win
    OnnxYoloDetector det = new OnnxYoloDetector(env(model, new JsonArray(List.of("person", "bicycle", "car", "motorcycle", "bus", "truck"))));
    assertFalse(det.network().dynamicBatch());
    assertEquals(YoloDecoder.Layout.ANCHORS_LAST, det.network().format().layout());
    assertEquals(List.of("person", "dog", "truck"), det.network().labels());
    try (FrameView a = frame(0, new int[] {0, 0, 0, 0, 255}); FrameView b = frame(1, new int[] {280, 200, 255, 0, 0})) {
      List<List<Detection>> out = det.detect(List.of(a, b)); // batch 1: two runs
      assertEquals("vehicle", out.get(0).get(0).objectClass());
      assertEquals("truck", out.get(0).get(0).attributes().getString("class"));
      assertBox(out.get(0).get(0).box(), 0, 0, 40, 40);
      assertEquals("person", out.get(1).get(0).objectClass());
      assertBox(out.get(1).get(0).box(), 280, 200, 40, 40);
    }
  }

  @Test
  void settingsErrorsNameTheSetting() throws Exception {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new OnnxYoloDetector(new ModelEnvironment(new JsonObject(), Path.of("target"), InferenceDevice.CPU)));
    assertTrue(e.getMessage().contains("ai.detector.onnxPath"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new OnnxYoloDetector(env(dir.resolve("missing.onnx"), null)));
    assertTrue(e.getMessage().contains("ai.detector.onnxPath") && e.getMessage().contains("does not exist"), e.getMessage());
    Path model = TinyOnnx.write(dir.resolve("three.onnx"), 64, 8, COLOURS, true, false, null);
    e = assertThrows(IllegalArgumentException.class, () -> new OnnxYoloDetector(env(model, new JsonArray(List.of("a", "b")))));
    assertTrue(e.getMessage().contains("2 class names") && e.getMessage().contains("3 classes"), e.getMessage());
    java.nio.file.Files.writeString(dir.resolve("junk.onnx"), "not a model");
    IllegalStateException bad = assertThrows(IllegalStateException.class, () -> new OnnxYoloDetector(env(dir.resolve("junk.onnx"), null)));
    assertTrue(bad.getMessage().contains("junk.onnx"), bad.getMessage());
  }
}
