package com.softdew.vms.edge.ai.runtime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.softdew.vms.edge.ai.InferenceDevice;
import com.softdew.vms.edge.ai.ModelEnvironment;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.micrometer.backends.BackendRegistries;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens ONNX Runtime sessions for model files on one device and keeps them in a {@link ModelCache}.
 *
 * <p>On a CUDA device the session gets the CUDA execution provider ({@code addCUDA(ordinal)}) ahead of
 * the CPU one. The build ships the CPU-only {@code com.microsoft.onnxruntime:onnxruntime} jar, whose
 * {@code addCUDA} throws: the first such failure is logged once and every session (that one included)
 * is then opened on the CPU. A GPU deployment swaps the jar for
 * {@code com.microsoft.onnxruntime:onnxruntime_gpu} (same version, 642 MB, needs CUDA 12 + cuDNN 9 on
 * the host); nothing else changes. Intra-op threads come from {@code ai.threads}; inter-op is 1.
 *
 * <p>Sessions are keyed by file path, size and modification time (a replaced file is loaded anew),
 * sized by file size x {@link #MEMORY_FACTOR} (measured with cuMemGetInfo on a GPU). Opening a session
 * is blocking (file I/O, graph optimisation): call from a worker thread. {@link OrtSession#run} is
 * thread-safe, so one session serves every camera.
 */
public final class OnnxSessions implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OnnxSessions.class);
  /** Resident memory of a CPU session relative to its file (weights + arena, measured ~1.5-2.5x). */
  public static final double MEMORY_FACTOR = 2.0;
  private static final Map<String, OnnxSessions> SHARED = new HashMap<>();

  private static volatile GpuManager installedGpu;
  private static volatile MeterRegistry installedRegistry;

  private final OrtEnvironment env = OrtEnv.getUnchecked();
  private final InferenceDevice device;
  private final int threads;
  private final ModelCache<OrtSession> cache;
  private final GpuManager gpu;
  private final ThreadLocal<GpuPreprocess> gpuPreprocess = new ThreadLocal<>();
  private volatile String cudaFailure;
  private volatile String gpuPreprocessFailure;

  public OnnxSessions(InferenceDevice device, int threads, ModelCache<OrtSession> cache) {
    this(device, threads, cache, null);
  }

  private OnnxSessions(InferenceDevice device, int threads, ModelCache<OrtSession> cache, GpuManager gpu) {
    if (threads < 1) throw new IllegalArgumentException("threads must be >= 1");
    this.device = Objects.requireNonNull(device, "device");
    this.threads = threads;
    this.cache = Objects.requireNonNull(cache, "cache");
    this.gpu = gpu;
  }

  /**
   * Sessions on the GPU manager's preferred device with its budget (free memory measured with
   * cuMemGetInfo), CUDA preprocessing when that device is a GPU; settings {@code threads}.
   */
  public static OnnxSessions create(GpuManager gpu, MeterRegistry registryOrNull) {
    return create(gpu, gpu.preferred(), gpu.cpuThreads(), registryOrNull);
  }

  private static OnnxSessions create(GpuManager gpu, InferenceDevice d, int threads, MeterRegistry registryOrNull) {
    ModelCache<OrtSession> cache = new ModelCache<>("onnx", d, gpu.memoryBudgetBytes(d), d.isGpu() ? () -> gpu.freeMemory(d) : null,
        registryOrNull);
    return new OnnxSessions(d, threads, cache, gpu);
  }

  /**
   * Called once by the host at start: {@link #shared} then sizes caches with the manager's budgets,
   * measures GPU memory and preprocesses on the GPU, and registers metrics in {@code registryOrNull}.
   */
  public static void install(GpuManager gpu, MeterRegistry registryOrNull) {
    installedGpu = gpu;
    installedRegistry = registryOrNull;
  }

  /**
   * The process-wide sessions of a model environment's device and {@code threads} setting, so that
   * the shared detector and every user model share one cache per device. Metrics go to Vert.x's
   * default registry when metrics are enabled.
   */
  public static OnnxSessions shared(ModelEnvironment env) {
    int threads = (int) AiSettings.number(env.settings(), "threads", 2, 1, 64);
    InferenceDevice d = env.device() == null ? InferenceDevice.CPU : env.device();
    String key = d.kind() + ":" + d.ordinal() + ":" + threads;
    synchronized (SHARED) {
      return SHARED.computeIfAbsent(key, k -> {
        MeterRegistry reg = installedRegistry;
        if (reg == null) {
          try {
            reg = BackendRegistries.getDefaultNow();
          } catch (Throwable ignored) {
            // metrics not configured
          }
        }
        GpuManager g = installedGpu;
        if (g != null && g.devices().contains(d)) return create(g, d, threads, reg);
        long budget = d.isGpu() && d.memoryBytes() > 0 ? (long) (d.memoryBytes() * 0.8) : cpuBudget();
        return new OnnxSessions(d, threads, new ModelCache<>("onnx", d, budget, null, reg));
      });
    }
  }

  private static long cpuBudget() {
    long physical = 0;
    if (java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      physical = os.getTotalMemorySize();
    }
    return Math.max(512L << 20, physical / 4);
  }

  /**
   * A leased session of {@code model}, loaded on a miss. Close the lease after {@code run}; keep no
   * reference to the session beyond it (it may be evicted and closed). Blocking.
   */
  public ModelCache<OrtSession>.Lease open(Path model) throws Exception {
    Path p = model.toAbsolutePath().normalize();
    long size;
    long modified;
    try {
      size = Files.size(p);
      modified = Files.getLastModifiedTime(p).toMillis();
    } catch (IOException e) {
      throw new IllegalArgumentException("ONNX model " + p + " cannot be read: " + e.getMessage(), e);
    }
    String key = p + "#" + size + "@" + modified;
    return cache.acquire(key, (long) (size * MEMORY_FACTOR), () -> load(p));
  }

  private OrtSession load(Path p) throws OrtException {
    long t0 = System.nanoTime();
    if (device.isGpu() && cudaFailure == null) {
      try (OrtSession.SessionOptions o = options()) {
        o.addCUDA(device.ordinal());
        OrtSession s = env.createSession(p.toString(), o);
        log.info("ONNX {} loaded on cuda:{} in {} ms", p.getFileName(), device.ordinal(), (System.nanoTime() - t0) / 1_000_000);
        return s;
      } catch (Throwable t) {
        synchronized (this) {
          if (cudaFailure == null) {
            cudaFailure = String.valueOf(t.getMessage()).lines().findFirst().orElse(t.toString());
            log.warn("ONNX Runtime: CUDA execution provider unusable on cuda:{} ({}); ONNX sessions run on the CPU with {} threads"
                + " (deploy com.microsoft.onnxruntime:onnxruntime_gpu for CUDA)", device.ordinal(), cudaFailure, threads);
          }
        }
      }
    }
    try (OrtSession.SessionOptions o = options()) {
      OrtSession s = env.createSession(p.toString(), o);
      log.debug("ONNX {} loaded on the CPU in {} ms", p.getFileName(), (System.nanoTime() - t0) / 1_000_000);
      return s;
    }
  }

  private OrtSession.SessionOptions options() throws OrtException {
    OrtSession.SessionOptions o = new OrtSession.SessionOptions();
    o.setIntraOpNumThreads(threads);
    o.setInterOpNumThreads(1);
    o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
    return o;
  }

  /**
   * {@link Preprocess#letterboxNchw} where the sessions run: the CUDA kernel (one per calling thread)
   * when they run on a GPU of an installed/given {@link GpuManager}, else OpenCV on the CPU. A kernel
   * that cannot be built (no libnvrtc) is logged once and the CPU path used from then on.
   */
  public Preprocess.Batch letterboxNchw(java.util.List<com.softdew.vms.edge.ai.FrameView> frames, int size) {
    if (!gpuPreprocessing()) return Preprocess.letterboxNchw(frames, size);
    GpuPreprocess p = gpuPreprocess.get();
    if (p == null) {
      try {
        p = GpuPreprocess.create(gpu, device);
        gpuPreprocess.set(p);
      } catch (Throwable t) {
        synchronized (this) {
          if (gpuPreprocessFailure == null) {
            gpuPreprocessFailure = String.valueOf(t.getMessage()).lines().findFirst().orElse(t.toString());
            log.warn("GPU preprocessing unavailable on cuda:{} ({}); letterboxing on the CPU", device.ordinal(), gpuPreprocessFailure);
          }
        }
        return Preprocess.letterboxNchw(frames, size);
      }
    }
    return p.letterboxNchw(frames, size);
  }

  /** True when {@link #letterboxNchw} uses (or will try) the CUDA kernel. */
  public boolean gpuPreprocessing() {
    return gpu != null && effectiveDevice().isGpu() && gpuPreprocessFailure == null;
  }

  /** Where sessions run: the requested device, or the CPU after the CUDA provider failed. */
  public InferenceDevice effectiveDevice() {
    return device.isGpu() && cudaFailure == null ? device : InferenceDevice.CPU;
  }

  /** Why CUDA is not used for sessions of a GPU device (null when it is, or when the device is the CPU). */
  public String cudaFailure() {
    return cudaFailure;
  }

  public OrtEnvironment environment() {
    return env;
  }

  public int threads() {
    return threads;
  }

  public ModelCache<OrtSession> cache() {
    return cache;
  }

  @Override
  public void close() {
    cache.close();
  }
}
