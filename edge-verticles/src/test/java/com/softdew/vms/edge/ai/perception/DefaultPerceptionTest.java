package com.softdew.vms.edge.ai.perception;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.FILLED;
import static org.bytedeco.opencv.global.opencv_imgproc.rectangle;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.edge.ai.Box;
import com.softdew.vms.edge.ai.CameraContext;
import com.softdew.vms.edge.ai.Detection;
import com.softdew.vms.edge.ai.FrameGeometry;
import com.softdew.vms.edge.ai.FrameView;
import com.softdew.vms.edge.ai.InferenceDevice;
import com.softdew.vms.edge.ai.ModelEnvironment;
import com.softdew.vms.edge.ai.Perception;
import com.softdew.vms.edge.ai.scenes.SyntheticClip;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.Test;

class DefaultPerceptionTest {
  static CameraContext camera(String tenant, String id) {
    return new CameraContext(tenant, id, List.of(), new JsonObject(), FrameGeometry.identity(160, 120), 10);
  }

  /** 160x120 frames: a block moves 4 px per frame during frames [10, 20), the picture is still otherwise. */
  static List<FrameView> blockClip(int n) {
    List<FrameView> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int x = 20 + 4 * Math.max(0, Math.min(i, 20) - 10);
      try (Mat m = new Mat(120, 160, CV_8UC3, new Scalar(90, 90, 90, 0)); Point a = new Point(x, 40); Point b = new Point(x + 16, 90);
          Scalar c = new Scalar(230, 230, 230, 0)) {
        rectangle(m, a, b, c, FILLED, 8, 0);
        out.add(new FrameView(i, i * 100L, 160, 120, SyntheticClip.rgbOf(m)));
      }
    }
    return out;
  }

  static Detection blockAt(long i) {
    int x = 20 + 4 * (int) Math.max(0, Math.min(i, 20) - 10);
    return new Detection("person", 0.9, new Box(x, 40, 16, 50));
  }

  @Test
  void gatingSkipsStillFramesButEveryFrameGetsTracks() {
    ScriptedDetector det = new ScriptedDetector(i -> List.of(blockAt(i)));
    SimpleMeterRegistry reg = new SimpleMeterRegistry();
    // refresh every 2 s so that the still part is mostly skipped
    DefaultPerception.Options o = new DefaultPerception.Options(true, 2000, 8, MotionGate.Options.defaults(), IouTracker.Options.defaults());
    List<FrameView> frames = blockClip(40);
    try (DefaultPerception p = new DefaultPerception(det, o, reg)) {
      p.annotate(List.of(new Perception.CameraFrames(camera("acme", "cam1"), frames.subList(0, 20))));
      p.annotate(List.of(new Perception.CameraFrames(camera("acme", "cam1"), frames.subList(20, 40))));
      for (FrameView f : frames) assertNotNull(f.objects(), "frame " + f.index());
      // moving frames 11..20 and the refreshes are detected, the rest gated: far fewer detector frames than 40
      assertTrue(det.frames() >= 10 && det.frames() <= 16, "detector saw " + det.frames());
      assertEquals(det.frames(), reg.get("vms.ai.perception.frames").tag("result", "detected").counter().count(), 0);
      assertEquals(40 - det.frames(), reg.get("vms.ai.perception.frames").tag("result", "gated").counter().count(), 0);
      // the block keeps one id across detected and gated frames, and the box stays where it is
      for (int i = 2; i < 40; i++) {
        List<Detection> objs = frames.get(i).objects();
        assertEquals(1, objs.size(), "frame " + i);
        assertEquals("t1", objs.get(0).trackId());
        assertEquals(blockAt(i).box().x(), objs.get(0).box().x(), 6, "frame " + i);
      }
    }
    frames.forEach(FrameView::close);
  }

  @Test
  void overlapFramesKeepTheirFirstTracksAndBatchesSpanCameras() {
    ScriptedDetector det = new ScriptedDetector(i -> List.of(blockAt(i)));
    List<FrameView> a = blockClip(30), b = blockClip(30);
    try (DefaultPerception p = new DefaultPerception(det, DefaultPerception.Options.defaults().withMotionGating(false), new SimpleMeterRegistry())) {
      p.annotate(List.of(new Perception.CameraFrames(camera("acme", "cam1"), a.subList(0, 20)),
          new Perception.CameraFrames(camera("other", "cam1"), b.subList(0, 20))));
      assertEquals(1, det.calls(), "one detector call for both cameras");
      // segment 2 starts with 5 frames of overlap: new FrameView objects with the same pts
      List<FrameView> again = blockClip(30).subList(15, 30);
      p.annotate(List.of(new Perception.CameraFrames(camera("acme", "cam1"), again)));
      for (int i = 0; i < 5; i++) assertEquals(a.get(15 + i).objects(), again.get(i).objects(), "overlap frame " + (15 + i));
      for (FrameView f : again.subList(5, 15)) assertEquals("t1", f.objects().get(0).trackId());
      // tenants are separate cameras: same camera id, own tracks
      assertEquals("t1", b.get(19).objects().get(0).trackId());
    }
  }

  @Test
  void cameraStatesAreBoundedAndEvictionCounted() {
    SimpleMeterRegistry reg = new SimpleMeterRegistry();
    ScriptedDetector det = new ScriptedDetector(i -> List.of());
    try (DefaultPerception p = new DefaultPerception(det, DefaultPerception.Options.defaults().withMaxCameras(2), reg)) {
      for (int c = 0; c < 5; c++) {
        List<FrameView> f = blockClip(1);
        p.annotate(List.of(new Perception.CameraFrames(camera("acme", "cam" + c), f)));
      }
      assertEquals(2, p.cameraCount());
      assertEquals(3, reg.get("vms.ai.perception.cameras.evicted").counter().count(), 0);
    }
  }

  @Test
  void factoryPicksHogAndNamesTheMissingOnnxClass() {
    ModelEnvironment hog = new ModelEnvironment(new JsonObject().put("detector.kind", "hog"), Path.of("target"), InferenceDevice.CPU);
    try (Perception p = Perceptions.create(hog)) {
      assertTrue(p.describe().startsWith("hog/cpu"), p.describe());
    }
    ModelEnvironment onnx = new ModelEnvironment(new JsonObject().put("detector.kind", "onnx"), Path.of("target"), InferenceDevice.CPU);
    boolean present;
    try {
      Class.forName(Perceptions.ONNX_DETECTOR);
      present = true;
    } catch (ClassNotFoundException e) {
      present = false;
    }
    if (!present) {
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> Perceptions.create(onnx));
      assertTrue(e.getMessage().contains(Perceptions.ONNX_DETECTOR), e.getMessage());
    }
    ModelEnvironment bad = new ModelEnvironment(new JsonObject().put("detector.kind", "sift"), Path.of("target"), InferenceDevice.CPU);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Perceptions.create(bad));
    assertTrue(e.getMessage().contains("sift"), e.getMessage());
  }
}
