package com.softdew.vms.edge.ai.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtSession;
import com.softdew.vms.edge.ai.FrameView;
import com.softdew.vms.edge.ai.InferenceDevice;
import com.softdew.vms.edge.ai.ModelEnvironment;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxSessionsTest {
  @TempDir Path dir;

  @Test
  void cudaDeviceWithTheCpuOnlyRuntimeFallsBackToTheCpuCleanly() throws Exception {
    // the build ships the CPU onnxruntime jar: addCUDA must fail and the session must still open, on the CPU
    InferenceDevice fakeGpu = new InferenceDevice("cuda", 0, "pretend", 8L << 30);
    SimpleMeterRegistry reg = new SimpleMeterRegistry();
    try (OnnxSessions s = new OnnxSessions(fakeGpu, 1, new ModelCache<>("onnx", fakeGpu, 1L << 30, null, reg))) {
      Path model = TinyOnnx.write(dir.resolve("m.onnx"), 64, 8, OnnxYoloDetectorTest.COLOURS, true, false, null);
      try (ModelCache<OrtSession>.Lease l = s.open(model)) {
        assertEquals(1, l.value().getNumInputs());
      }
      assertNotNull(s.cudaFailure());
      assertEquals(InferenceDevice.CPU, s.effectiveDevice());
      YoloNetwork net = new YoloNetwork(s, model, 64, OnnxYoloDetectorTest.LABELS, 8, "test");
      try (FrameView f = OnnxYoloDetectorTest.frame(0, new int[] {120, 80, 255, 0, 0})) {
        assertEquals("person", net.detect(List.of(f), 0.5f, 0.45f).get(0).get(0).label());
      }
    }
  }

  @Test
  void sessionsAreCachedPerFileVersionAndEvictedWhenIdle() throws Exception {
    Path a = TinyOnnx.write(dir.resolve("a.onnx"), 64, 8, OnnxYoloDetectorTest.COLOURS, true, false, null);
    Path b = TinyOnnx.write(dir.resolve("b.onnx"), 32, 8, OnnxYoloDetectorTest.COLOURS, true, false, null);
    long size = Files.size(a);
    // room for one session of a (2 x file size) but not for a and b together
    ModelCache<OrtSession> cache = new ModelCache<>("onnx", InferenceDevice.CPU, (long) (size * OnnxSessions.MEMORY_FACTOR * 1.5), null, null);
    try (OnnxSessions s = new OnnxSessions(InferenceDevice.CPU, 1, cache)) {
      assertNull(s.cudaFailure());
      OrtSession first;
      try (ModelCache<OrtSession>.Lease l = s.open(a)) {
        first = l.value();
      }
      try (ModelCache<OrtSession>.Lease l = s.open(dir.resolve("./a.onnx"))) {
        assertSame(first, l.value());
      }
      assertEquals(1, cache.hits());
      try (ModelCache<OrtSession>.Lease l = s.open(b)) {
        assertEquals(1, l.value().getNumInputs());
      }
      assertEquals(1, cache.evictions());
      assertEquals(1, cache.keys().size());
      assertTrue(cache.keys().get(0).contains("b.onnx"));
      // a replaced file is a new session
      Files.setLastModifiedTime(b, FileTime.fromMillis(Files.getLastModifiedTime(b).toMillis() + 5000));
      OrtSession again;
      try (ModelCache<OrtSession>.Lease l = s.open(b)) {
        again = l.value();
      }
      assertEquals(3, cache.misses()); // a, b, b replaced
      assertNotSame(first, again);
      assertThrows(IllegalArgumentException.class, () -> s.open(dir.resolve("none.onnx")));
    }
  }

  @Test
  void sharedSessionsAreOnePerDeviceAndThreads() {
    ModelEnvironment e1 = new ModelEnvironment(new JsonObject().put("threads", 1), dir, InferenceDevice.CPU);
    ModelEnvironment e2 = new ModelEnvironment(new JsonObject().put("threads", 1).put("other", true), dir, InferenceDevice.CPU);
    ModelEnvironment e3 = new ModelEnvironment(new JsonObject().put("threads", 2), dir, InferenceDevice.CPU);
    assertSame(OnnxSessions.shared(e1), OnnxSessions.shared(e2));
    assertNotSame(OnnxSessions.shared(e1), OnnxSessions.shared(e3));
  }
}
