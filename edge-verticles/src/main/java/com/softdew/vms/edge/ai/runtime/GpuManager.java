package com.softdew.vms.edge.ai.runtime;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceComputeCapability;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuDeviceTotalMem;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuMemGetInfo;

import com.softdew.vms.edge.ai.InferenceDevice;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jcuda.CudaException;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the CUDA devices of this host once, at start, and says where inference runs.
 *
 * <p>Discovery goes through the JCuda driver API inside {@code try { } catch (Throwable)}: without an
 * NVIDIA driver {@code cuInit} throws {@link UnsatisfiedLinkError} (libcuda.so.1 missing) and every
 * later JCuda call {@link NoClassDefFoundError}, so nothing in JCuda is touched again after a failed
 * probe. The outcome is logged as exactly one line, either the devices found or why the CPU is used.
 *
 * <p>Settings ({@code ai.*}, keys without the prefix): {@code gpu.enabled} (false skips the probe),
 * {@code gpu.memoryBudgetMb} (0 = 80 % of each device's memory; the budget of the device's model
 * cache), {@code threads} (inference threads on the CPU). Metrics: {@code vms.gpu.available} (0/1),
 * and per device {@code vms.gpu.memory.total} / {@code vms.gpu.memory.free} (bytes, tag device).
 */
public final class GpuManager implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GpuManager.class);
  private static final long MIB = 1024L * 1024;
  private static volatile String firstFailure;

  /** One usable CUDA device with its retained primary context. */
  static final class Gpu {
    final InferenceDevice device;
    final CUdevice handle;
    final CUcontext context;
    final int ccMajor, ccMinor;
    volatile CudaStreams streams;

    Gpu(InferenceDevice device, CUdevice handle, CUcontext context, int ccMajor, int ccMinor) {
      this.device = device;
      this.handle = handle;
      this.context = context;
      this.ccMajor = ccMajor;
      this.ccMinor = ccMinor;
    }
  }

  private final Map<Integer, Gpu> gpus;
  private final List<InferenceDevice> devices;
  private final String fallbackReason;
  private final int cpuThreads;
  private final long budgetMb;
  private final String summary;
  private boolean closed;

  private GpuManager(Map<Integer, Gpu> gpus, String fallbackReason, int cpuThreads, long budgetMb) {
    this.gpus = gpus;
    this.fallbackReason = fallbackReason;
    this.cpuThreads = cpuThreads;
    this.budgetMb = budgetMb;
    List<InferenceDevice> d = new ArrayList<>();
    gpus.values().forEach(g -> d.add(g.device));
    d.add(InferenceDevice.CPU);
    this.devices = List.copyOf(d);
    if (gpus.isEmpty()) {
      summary = "GPU: none usable (" + fallbackReason + "); inference runs on the CPU with " + cpuThreads + " threads";
    } else {
      StringBuilder b = new StringBuilder("GPU: ").append(gpus.size()).append(" CUDA device(s):");
      for (Gpu g : gpus.values()) {
        b.append(String.format(Locale.ROOT, " [%d] %s %.1f GiB sm_%d%d;", g.device.ordinal(), g.device.name(),
            g.device.memoryBytes() / (1024.0 * MIB), g.ccMajor, g.ccMinor));
      }
      b.append(" inference runs on cuda:").append(devices.get(0).ordinal()).append(", model cache budget ")
          .append(memoryBudgetBytes(devices.get(0)) / MIB).append(" MiB");
      summary = b.toString();
    }
  }

  /**
   * Probes the host (never throws): settings {@code gpu.enabled}, {@code gpu.memoryBudgetMb},
   * {@code threads}; registers the gauges in {@code registryOrNull} when given; logs one line.
   */
  public static GpuManager probe(JsonObject aiSettings, MeterRegistry registryOrNull) {
    JsonObject s = aiSettings == null ? new JsonObject() : aiSettings;
    int threads = (int) AiSettings.number(s, "threads", 2, 1, 64);
    long budgetMb = AiSettings.number(s, "gpu.memoryBudgetMb", 0, 0, 1_048_576);
    Map<Integer, Gpu> found = new LinkedHashMap<>();
    String reason;
    if (!AiSettings.bool(s, "gpu.enabled", true)) {
      reason = "disabled by ai.gpu.enabled=false";
    } else {
      try {
        reason = discover(found);
      } catch (Throwable t) {
        found.clear();
        reason = explain(t);
        // after a failed native load JCuda only says NoClassDefFoundError: keep the first, real reason
        if (t instanceof NoClassDefFoundError && firstFailure != null) reason = firstFailure;
        else firstFailure = reason;
      }
    }
    GpuManager m = new GpuManager(found, found.isEmpty() ? reason : null, threads, budgetMb);
    log.info(m.summary);
    if (registryOrNull != null) m.registerGauges(registryOrNull);
    return m;
  }

  /** Fills {@code out}; returns the reason when it stays empty. */
  private static String discover(Map<Integer, Gpu> out) {
    JCudaDriver.setExceptionsEnabled(true);
    try {
      cuInit(0);
    } catch (CudaException e) {
      if (e.getMessage() != null && e.getMessage().contains(CUresult.stringFor(CUresult.CUDA_ERROR_NO_DEVICE))) {
        return "NVIDIA driver present but no CUDA device";
      }
      throw e;
    }
    int[] count = {0};
    cuDeviceGetCount(count);
    if (count[0] == 0) return "NVIDIA driver present but no CUDA device";
    StringBuilder skipped = new StringBuilder();
    for (int i = 0; i < count[0]; i++) {
      try {
        CUdevice dev = new CUdevice();
        cuDeviceGet(dev, i);
        byte[] name = new byte[256];
        cuDeviceGetName(name, name.length, dev);
        int len = 0;
        while (len < name.length && name[len] != 0) len++;
        long[] total = {0};
        cuDeviceTotalMem(total, dev);
        int[] major = {0}, minor = {0};
        cuDeviceComputeCapability(major, minor, dev);
        CUcontext ctx = new CUcontext();
        cuDevicePrimaryCtxRetain(ctx, dev);
        InferenceDevice d = new InferenceDevice("cuda", i, new String(name, 0, len, StandardCharsets.UTF_8), total[0]);
        out.put(i, new Gpu(d, dev, ctx, major[0], minor[0]));
      } catch (CudaException e) {
        skipped.append(" device ").append(i).append(": ").append(e.getMessage());
      }
    }
    return out.isEmpty() ? "no usable CUDA device:" + skipped : null;
  }

  /** One readable reason from whatever the probe threw. */
  static String explain(Throwable t) {
    StringBuilder all = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) all.append(' ').append(c.getMessage());
    String text = all.toString();
    if (text.contains("libcuda.so")) return "libcuda.so.1 not found: no NVIDIA driver";
    String first = String.valueOf(t.getMessage()).lines().findFirst().orElse("");
    if (first.length() > 160) first = first.substring(0, 160) + "...";
    if (t instanceof UnsatisfiedLinkError) return "JCuda native library not loadable: " + first;
    if (t instanceof NoClassDefFoundError) return "JCuda unusable after an earlier load failure: " + first;
    if (t instanceof CudaException) return "CUDA error: " + first;
    return t.getClass().getSimpleName() + ": " + first;
  }

  private void registerGauges(MeterRegistry r) {
    Gauge.builder("vms.gpu.available", this, m -> m.gpus.isEmpty() ? 0 : 1)
        .description("1 when inference uses a CUDA device, 0 when it runs on the CPU").register(r);
    for (Gpu g : gpus.values()) {
      String dev = String.valueOf(g.device.ordinal());
      Gauge.builder("vms.gpu.memory.total", g, x -> x.device.memoryBytes()).tag("device", dev).tag("name", g.device.name())
          .baseUnit("bytes").register(r);
      Gauge.builder("vms.gpu.memory.free", this, m -> m.freeMemory(g.device)).tag("device", dev).tag("name", g.device.name())
          .baseUnit("bytes").register(r);
    }
  }

  /** Every usable device, CUDA devices first (by ordinal), the CPU last (always present). */
  public List<InferenceDevice> devices() {
    return devices;
  }

  /** Where inference should run: the first CUDA device, else {@link InferenceDevice#CPU}. */
  public InferenceDevice preferred() {
    return devices.get(0);
  }

  /** Why the CPU is used ("libcuda.so.1 not found: no NVIDIA driver"...), null when a GPU is used. */
  public String fallbackReason() {
    return fallbackReason;
  }

  public boolean gpuAvailable() {
    return !gpus.isEmpty();
  }

  /** Inference threads for CPU sessions ({@code ai.threads}). */
  public int cpuThreads() {
    return cpuThreads;
  }

  /** The line logged at probe time. */
  public String summary() {
    return summary;
  }

  /**
   * Bytes the model cache of {@code device} may hold: {@code gpu.memoryBudgetMb} (or 80 % of the
   * device) for a GPU; for the CPU a quarter of physical memory (at least 512 MiB), since CPU sessions
   * live in native memory outside the Java heap.
   */
  public long memoryBudgetBytes(InferenceDevice device) {
    if (device.isGpu()) {
      return budgetMb > 0 ? budgetMb * MIB : (long) (device.memoryBytes() * 0.8);
    }
    long physical = 0;
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      physical = os.getTotalMemorySize();
    }
    return Math.max(512 * MIB, physical / 4);
  }

  /** Free device memory measured with cuMemGetInfo, -1 for the CPU or on error. */
  public long freeMemory(InferenceDevice device) {
    Gpu g = device.isGpu() ? gpus.get(device.ordinal()) : null;
    if (g == null) return -1;
    try {
      cuCtxSetCurrent(g.context);
      long[] free = {0}, total = {0};
      cuMemGetInfo(free, total);
      return free[0];
    } catch (Throwable t) {
      return -1;
    }
  }

  /** Makes the device's primary context current on the calling thread (GPU work on worker threads). */
  public void makeCurrent(InferenceDevice device) {
    cuCtxSetCurrent(gpu(device).context);
  }

  /** The device's prioritised CUDA streams, created on first use. IllegalStateException for the CPU. */
  public CudaStreams streams(InferenceDevice device) {
    Gpu g = gpu(device);
    CudaStreams s = g.streams;
    if (s == null) {
      synchronized (g) {
        if (g.streams == null) g.streams = CudaStreams.create(g.context);
        s = g.streams;
      }
    }
    return s;
  }

  private Gpu gpu(InferenceDevice device) {
    Gpu g = device.isGpu() ? gpus.get(device.ordinal()) : null;
    if (g == null) throw new IllegalStateException("not a CUDA device of this host: " + device);
    return g;
  }

  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    for (Gpu g : gpus.values()) {
      try {
        if (g.streams != null) g.streams.close();
        cuDevicePrimaryCtxRelease(g.handle);
      } catch (Throwable t) {
        log.warn("GPU {}: releasing the context failed: {}", g.device.ordinal(), t.toString());
      }
    }
  }
}
