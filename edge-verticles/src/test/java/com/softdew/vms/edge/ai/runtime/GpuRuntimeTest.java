package com.softdew.vms.edge.ai.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.edge.ai.FrameView;
import com.softdew.vms.edge.ai.InferenceDevice;
import com.softdew.vms.model.Priority;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs only where a CUDA device exists: {@code mvn -pl edge-verticles -am test -Dgroups=gpu
 * -Dtest='GpuRuntimeTest' -Dsurefire.failIfNoSpecifiedTests=false}. Never run on the development
 * machines of this project (no GPU): everything here is unverified until a GPU host runs it.
 */
@Tag("gpu")
class GpuRuntimeTest {
  @TempDir Path dir;

  @Test
  void probeFindsTheDeviceAndItsMemory() {
    SimpleMeterRegistry reg = new SimpleMeterRegistry();
    try (GpuManager m = GpuManager.probe(new JsonObject(), reg)) {
      assertTrue(m.gpuAvailable(), m.summary());
      InferenceDevice d = m.preferred();
      assertTrue(d.isGpu());
      assertTrue(d.memoryBytes() > 0);
      assertEquals(1.0, reg.get("vms.gpu.available").gauge().value());
      assertTrue(reg.get("vms.gpu.memory.free").tag("device", String.valueOf(d.ordinal())).gauge().value() > 0);
      assertTrue(m.freeMemory(d) > 0 && m.freeMemory(d) <= d.memoryBytes());
      assertEquals(InferenceDevice.CPU, m.devices().get(m.devices().size() - 1));
    }
  }

  @Test
  void criticalWorkGetsTheHighestPriorityStream() {
    try (GpuManager m = GpuManager.probe(new JsonObject(), null)) {
      CudaStreams s = m.streams(m.preferred());
      assertTrue(s.greatestPriority() <= s.leastPriority()); // numerically lower = higher priority
      assertSame(s.forPriority(Priority.CRITICAL), s.forPriority(Priority.HIGH));
      assertNotSame(s.forPriority(Priority.CRITICAL), s.forPriority(Priority.STANDARD));
      assertSame(s, m.streams(m.preferred()));
    }
  }

  @Test
  void gpuLetterboxMatchesOpenCv() {
    try (GpuManager m = GpuManager.probe(new JsonObject(), null); GpuPreprocess gpu = GpuPreprocess.create(m, m.preferred())) {
      java.util.Random rnd = new java.util.Random(7);
      int[][] sizes = {{320, 240}, {100, 200}, {64, 64}, {1280, 720}};
      for (int[] wh : sizes) {
        byte[] px = new byte[wh[0] * wh[1] * 3];
        rnd.nextBytes(px);
        try (FrameView f = Frames.view(0, wh[0], wh[1], px)) {
          Preprocess.Batch cpu = Preprocess.letterboxNchw(List.of(f), 64);
          Preprocess.Batch g = gpu.priority(Priority.CRITICAL).letterboxNchw(List.of(f), 64);
          assertEquals(cpu.geometries(), g.geometries());
          float worst = 0;
          for (int i = 0; i < cpu.data().length; i++) worst = Math.max(worst, Math.abs(cpu.data()[i] - g.data()[i]));
          assertTrue(worst <= 2.5f / 255, wh[0] + "x" + wh[1] + ": largest difference " + worst * 255 + "/255");
        }
      }
    }
  }

  @Test
  void onnxSessionsUseCudaOrFallBackCleanly() throws Exception {
    SimpleMeterRegistry reg = new SimpleMeterRegistry();
    try (GpuManager m = GpuManager.probe(new JsonObject().put("threads", 1), reg); OnnxSessions sessions = OnnxSessions.create(m, reg)) {
      Path model = TinyOnnx.write(dir.resolve("blobs.onnx"), 64, 8, OnnxYoloDetectorTest.COLOURS, true, false, null);
      YoloNetwork net = new YoloNetwork(sessions, model, 64, OnnxYoloDetectorTest.LABELS, 8, "test");
      // the CPU onnxruntime jar has no CUDA provider: then the fallback reason is set and sessions run on the CPU
      assertTrue(sessions.effectiveDevice().isGpu() || sessions.cudaFailure() != null);
      if (!sessions.effectiveDevice().isGpu()) assertNotNull(sessions.cudaFailure());
      try (FrameView f = OnnxYoloDetectorTest.frame(0, new int[] {120, 80, 255, 0, 0})) {
        List<List<YoloNetwork.Found>> out = net.detect(List.of(f), 0.5f, 0.45f);
        assertEquals(1, out.get(0).size());
        OnnxYoloDetectorTest.assertBox(out.get(0).get(0).box(), 120, 80, 40, 40);
      }
      assertTrue(sessions.cache().residentBytes() > 0);
    }
  }
}
