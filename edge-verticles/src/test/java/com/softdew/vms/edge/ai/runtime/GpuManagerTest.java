package com.softdew.vms.edge.ai.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.softdew.vms.edge.ai.InferenceDevice;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class GpuManagerTest {
  private static boolean driverInstalled() {
    for (String dir : List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/cuda/lib64", "/usr/lib/wsl/lib")) {
      if (Files.exists(Path.of(dir, "libcuda.so.1"))) return true;
    }
    return false;
  }

  @Test
  void withoutDriverTheProbeFallsBackToTheCpuWithTheReason() {
    assumeFalse(driverInstalled(), "an NVIDIA driver is installed: the @Tag(\"gpu\") tests cover this host");
    SimpleMeterRegistry reg = new SimpleMeterRegistry();
    try (GpuManager m = GpuManager.probe(new JsonObject().put("threads", 3), reg)) {
      assertFalse(m.gpuAvailable());
      assertEquals(InferenceDevice.CPU, m.preferred());
      assertEquals(List.of(InferenceDevice.CPU), m.devices());
      assertEquals("libcuda.so.1 not found: no NVIDIA driver", m.fallbackReason());
      assertEquals("GPU: none usable (libcuda.so.1 not found: no NVIDIA driver); inference runs on the CPU with 3 threads", m.summary());
      assertEquals(0.0, reg.get("vms.gpu.available").gauge().value());
      assertTrue(reg.find("vms.gpu.memory.total").gauges().isEmpty());
      assertTrue(m.memoryBudgetBytes(InferenceDevice.CPU) >= 512L << 20);
      assertEquals(-1, m.freeMemory(InferenceDevice.CPU));
      assertThrows(IllegalStateException.class, () -> m.streams(InferenceDevice.CPU));
    }
    // a second probe in the same JVM (JCuda now throws NoClassDefFoundError) gives the same answer
    try (GpuManager again = GpuManager.probe(new JsonObject(), null)) {
      assertFalse(again.gpuAvailable());
      assertEquals("libcuda.so.1 not found: no NVIDIA driver", again.fallbackReason());
    }
  }

  @Test
  void disabledBySettingNeverTouchesCuda() {
    SimpleMeterRegistry reg = new SimpleMeterRegistry();
    try (GpuManager m = GpuManager.probe(new JsonObject().put("gpu.enabled", false), reg)) {
      assertFalse(m.gpuAvailable());
      assertEquals(InferenceDevice.CPU, m.preferred());
      assertEquals("disabled by ai.gpu.enabled=false", m.fallbackReason());
      assertEquals(0.0, reg.get("vms.gpu.available").gauge().value());
      assertEquals(2, m.cpuThreads());
    }
    // nested form of the same setting
    try (GpuManager m = GpuManager.probe(new JsonObject().put("gpu", new JsonObject().put("enabled", "false")), null)) {
      assertEquals("disabled by ai.gpu.enabled=false", m.fallbackReason());
    }
  }

  @Test
  void badSettingsNameTheKey() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> GpuManager.probe(new JsonObject().put("gpu.memoryBudgetMb", -5), null));
    assertTrue(e.getMessage().contains("ai.gpu.memoryBudgetMb"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> GpuManager.probe(new JsonObject().put("gpu.enabled", "maybe"), null));
    assertTrue(e.getMessage().contains("ai.gpu.enabled"), e.getMessage());
  }

  @Test
  void budgetOfAGpuFollowsTheSetting() {
    InferenceDevice gpu = new InferenceDevice("cuda", 0, "test", 10L << 30);
    try (GpuManager m = GpuManager.probe(new JsonObject().put("gpu.enabled", false).put("gpu.memoryBudgetMb", 2048), null)) {
      assertEquals(2048L << 20, m.memoryBudgetBytes(gpu));
    }
    try (GpuManager m = GpuManager.probe(new JsonObject().put("gpu.enabled", false), null)) {
      assertEquals((long) ((10L << 30) * 0.8), m.memoryBudgetBytes(gpu));
    }
  }

  @Test
  void explainsProbeFailures() {
    assertEquals("libcuda.so.1 not found: no NVIDIA driver",
        GpuManager.explain(new UnsatisfiedLinkError("Could not load libJCudaDriver: libcuda.so.1: cannot open shared object file")));
    assertTrue(GpuManager.explain(new NoClassDefFoundError("Could not initialize class jcuda.driver.JCudaDriver"))
        .startsWith("JCuda unusable after an earlier load failure"));
  }
}
