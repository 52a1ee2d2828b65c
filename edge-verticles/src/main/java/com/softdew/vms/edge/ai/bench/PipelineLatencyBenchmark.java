package com.softdew.vms.edge.ai.bench;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.edge.ai.InferenceDevice;
import com.softdew.vms.edge.ai.worker.AiWorkersVerticle;
import com.softdew.vms.edge.job.JobDispatcher;
import com.softdew.vms.edge.normalize.FrameNormalizer;
import com.softdew.vms.edge.pipeline.CameraPipeline;
import com.softdew.vms.edge.segment.SegmentStore;
import com.softdew.vms.model.DetectionResult;
import com.softdew.vms.model.Priority;
import com.softdew.vms.model.VideoJob;
import com.softdew.vms.platform.config.ConfigLoader;
import com.softdew.vms.platform.config.ConfigSchema;
import com.softdew.vms.platform.config.VmsConfig;
import com.softdew.vms.platform.store.KafkaClients;
import com.softdew.vms.platform.store.StoreKind;
import com.softdew.vms.platform.store.Stores;
import com.softdew.vms.platform.store.embedded.EmbeddedKafka;
import com.softdew.vms.sim.CameraSimulator;
import com.softdew.vms.sim.Codec;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * End-to-end latency of the AI workers (issue 7) in one JVM, for {@code scripts/bench/latency.sh}; a
 * benchmark, not a test, never a CI gate.
 *
 * <p>An embedded KRaft broker, {@code N} simulated cameras ({@link CameraSimulator}, sub stream 640x360
 * H.264 at 15 fps), one {@link CameraPipeline} per camera (RTSP ingest → 640x480 → 2 s segments, no
 * overlap, libopenh264 → {@link JobDispatcher} → priority topics) and one {@link AiWorkersVerticle}
 * (start-up keys {@code ai.*} of {@code conf/default.yaml}, {@code ai.threads} 2, CPU) running the models
 * the cameras enable. Cameras are split in quarters, one model (and so one priority class) per quarter:
 * {@code fire} (CRITICAL), {@code tampering} (HIGH), the MEDIUM model (default {@code missingObject}
 * configured MEDIUM; the seed's MEDIUM models, intrusion/crowd/tailgating/anpr, need the HOG perception or
 * OCR at 250–700 ms per frame on this machine, which alone would saturate it), {@code motion} (STANDARD).
 *
 * <p>Two close → result measures per {@link DetectionResult}:
 * <ul>
 *   <li><b>e2e</b>: the benchmark's own clock, from the moment the segment's close is announced on
 *       {@link Addresses#SEGMENT_WRITTEN} (file complete, before its jobs are sent) to the moment the
 *       result is consumed from {@link Addresses#TOPIC_DETECTIONS} (so Kafka both ways is included);</li>
 *   <li><b>field</b>: the worker's {@code latency.segmentCloseToResultMs}, from the segment's end (capture
 *       time of its first frame + duration, i.e. capture of the last frame + one interval: before the
 *       encoder flushes the file) to the result being handed to the producer.</li>
 * </ul>
 * Both are taken for the segments closed inside the measurement window (after the warm-up); after the
 * window the run waits up to {@code drain} seconds for their results; the ones still missing are
 * reported as missing (a run that falls behind shows it as missing results, not as good percentiles).
 *
 * <p>Usage: {@code PipelineLatencyBenchmark [cameras=16] [seconds=60] [warmup=15] [mediumModel=missingObject|none]
 * [mediaDir=sim-media] [drainSeconds=30]}. Prints lines {@code RESULT ...} (see {@link #main}).
 */
public final class PipelineLatencyBenchmark {
  private PipelineLatencyBenchmark() {}

  /** One camera class: the model its cameras enable and the priority its jobs carry. */
  record Lane(Priority priority, String model) {}

  /** What is measured for one segment of the window. */
  static final class Seg {
    final Priority priority;
    final long closedAtMs;
    final long endMs; // capture end (start + duration)
    volatile DetectionResult result;
    volatile long consumedAtMs;

    Seg(Priority priority, long closedAtMs, long endMs) {
      this.priority = priority;
      this.closedAtMs = closedAtMs;
      this.endMs = endMs;
    }
  }

  public static void main(String[] args) throws Exception {
    int cameras = args.length > 0 ? Integer.parseInt(args[0]) : 16;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
    int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 15;
    String medium = args.length > 3 ? args[3] : "missingObject";
    Path media = Path.of(args.length > 4 ? args[4] : "sim-media").toAbsolutePath();
    int drain = args.length > 5 ? Integer.parseInt(args[5]) : 30;
    if (cameras < 1 || seconds < 1 || warmup < 0 || drain < 0) throw new IllegalArgumentException("cameras >= 1, seconds >= 1");
    int code = 0;
    try {
      run(cameras, seconds, warmup, medium, media, drain);
    } catch (Exception e) {
      e.printStackTrace();
      code = 1;
    }
    System.out.flush();
    Runtime.getRuntime().halt(code); // broker and native threads: do not wait for a slow shutdown
  }

  static List<Lane> lanes(String medium) {
    List<Lane> l = new ArrayList<>();
    l.add(new Lane(Priority.CRITICAL, "fire"));
    l.add(new Lane(Priority.HIGH, "tampering"));
    if (!"none".equals(medium)) l.add(new Lane(Priority.MEDIUM, medium));
    l.add(new Lane(Priority.STANDARD, "motion"));
    return l;
  }

  /** Camera i's lane: consecutive blocks of cameras/lanes (the last lane takes the remainder). */
  static Lane laneOf(int i, int cameras, List<Lane> lanes) {
    int per = Math.max(1, cameras / lanes.size());
    return lanes.get(Math.min(lanes.size() - 1, i / per));
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(180, TimeUnit.SECONDS);
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }

  /** First of n consecutive free TCP ports (camera i listens on base + i). */
  static int freeRange(int n) throws Exception {
    java.util.Random rnd = new java.util.Random();
    for (int attempt = 0; attempt < 100; attempt++) {
      int base = 20_000 + rnd.nextInt(20_000);
      boolean ok = true;
      for (int i = 0; i < n && ok; i++) {
        try (ServerSocket s = new ServerSocket(base + i, 1, InetAddress.getByName("127.0.0.1"))) {
          s.setReuseAddress(true);
        } catch (java.io.IOException e) {
          ok = false;
        }
      }
      if (ok) return base;
    }
    throw new IllegalStateException("no " + n + " consecutive free ports");
  }

  static void run(int cameras, int seconds, int warmup, String medium, Path media, int drain) throws Exception {
    Path data = Files.createTempDirectory("vms-latency");
    List<Lane> lanes = lanes(medium);
    Vertx vertx = Vertx.vertx();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    System.err.printf("latency bench: %d cameras, %d s after %d s warm-up, lanes %s, data %s%n", cameras, seconds, warmup, lanes, data);
    EmbeddedKafka kafka = EmbeddedKafka.start(data.resolve("kafka"), freePort());
    VmsConfig cfg = new ConfigLoader(ConfigSchema.platform()).load(null, null, Map.of(), new Properties())
        .with(Map.of("data.dir", data.toString(), "kafka.bootstrapServers", kafka.bootstrapServers(),
            "ai.models", lanes.stream().map(Lane::model).distinct().toList(), "ai.threads", 2));
    Stores stores = await(Stores.open(vertx, cfg, EnumSet.of(StoreKind.KAFKA), registry));
    try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(new java.util.HashMap<>(stores.kafkaConfig()))) {
      admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(Addresses.TOPIC_DETECTIONS, 3, (short) 1))).all()
          .get(60, TimeUnit.SECONDS);
    }
    CameraSimulator sim = new CameraSimulator(vertx, media);
    List<CameraSimulator.Descriptor> cams = await(sim.start(cameras, Codec.H264, freeRange(cameras)));
    SegmentStore store = new SegmentStore(data);
    JobDispatcher dispatcher = await(JobDispatcher.create(vertx, stores, store, JobDispatcher.Options.defaults(), registry));
    AiWorkersVerticle workers = new AiWorkersVerticle(cfg, stores, "bench", registry, null, InferenceDevice.CPU);
    await(vertx.deployVerticle(workers));

    // camera UUID → lane; segments of the window by tenant/camera/seq
    Map<String, Lane> laneByCamera = new ConcurrentHashMap<>();
    Map<String, Seg> window = new ConcurrentHashMap<>();
    AtomicLong windowStart = new AtomicLong(Long.MAX_VALUE);
    AtomicLong windowEnd = new AtomicLong(Long.MAX_VALUE);
    AtomicLong lateOrUnknown = new AtomicLong();
    Map<Priority, AtomicLong> allClosed = new EnumMap<>(Priority.class);
    for (Priority p : Priority.values()) allClosed.put(p, new AtomicLong());
    String tenant = "bench";
    String tenantUuid = CameraPipeline.uuidOf("tenant", tenant).toString();

    vertx.eventBus().<JsonObject>consumer(Addresses.SEGMENT_WRITTEN, m -> {
      long now = System.currentTimeMillis();
      JsonObject b = m.body();
      String cam = CameraPipeline.uuidOf("camera", b.getString("cameraId")).toString();
      Lane lane = laneByCamera.get(cam);
      if (lane == null) return;
      allClosed.get(lane.priority()).incrementAndGet();
      if (now < windowStart.get() || now >= windowEnd.get()) return;
      window.put(tenantUuid + "/" + cam + "/" + b.getLong("seq"), new Seg(lane.priority(), now, Instant.parse(b.getString("end")).toEpochMilli()));
    });
    KafkaConsumer<String, Buffer> detections = KafkaClients.consumer(vertx, stores, "bench-detections", Map.of(), null);
    AtomicLong consumed = new AtomicLong();
    detections.handler(detectionHandler(window, lateOrUnknown, consumed));
    await(detections.subscribe(Set.of(Addresses.TOPIC_DETECTIONS)));

    List<CameraPipeline> pipelines = new ArrayList<>();
    long t0 = System.nanoTime();
    for (CameraSimulator.Descriptor c : cams) {
      Lane lane = laneOf(c.index(), cameras, lanes);
      String id = "cam-" + c.index();
      laneByCamera.put(CameraPipeline.uuidOf("camera", id).toString(), lane);
      CameraPipeline.Spec spec = new CameraPipeline.Spec(tenant, id, c.rtspSub(), c.user(), c.password(), Map.of(lane.model(), lane.priority()),
          new VideoJob.SourceQuality("640x360", 500_000, 15, "h264"), 2, 0.0, Map.of(), FrameNormalizer.Config.DEFAULT, 0, "none");
      pipelines.add(await(CameraPipeline.start(vertx, store, dispatcher, spec, registry)));
    }
    System.err.printf("latency bench: %d pipelines started in %d ms; warm-up %d s%n", cameras, (System.nanoTime() - t0) / 1_000_000, warmup);
    Thread progress = new Thread(() -> {
      try {
        while (true) {
          Thread.sleep(5000);
          System.out.printf(Locale.ROOT, "PROGRESS segments_closed=%d jobs_sent=%.0f ai_results=%.0f consumed=%d queued=%.0f decodes=%d "
                  + "decode_ms_mean=%.0f inference_ms_mean=%.0f ingest_frames=%.0f writer_dropped=%.0f%n",
              allClosed.values().stream().mapToLong(AtomicLong::get).sum(), count(registry, "vms.jobs.sent"), countAll(registry, "vms.ai.segments"),
              consumed.get(), registry.find("vms.ai.queue.depth").gauges().stream().mapToDouble(g -> g.value()).sum(),
              registry.find("vms.ai.decode").timers().stream().mapToLong(t -> t.count()).sum(),
              registry.find("vms.ai.decode").timers().stream().mapToDouble(t -> t.mean(TimeUnit.MILLISECONDS)).max().orElse(0),
              registry.find("vms.ai.inference").timers().stream().mapToDouble(t -> t.mean(TimeUnit.MILLISECONDS)).max().orElse(0),
              countAll(registry, "vms.ingest.frames.normalized"), countAll(registry, "vms.segment.frames.dropped"));
        }
      } catch (InterruptedException e) {
        // done
      }
    }, "latency-progress");
    progress.setDaemon(true);
    progress.start();
    Thread.sleep(warmup * 1000L);

    com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    double load0 = os.getSystemLoadAverage();
    long cpu0 = os.getProcessCpuTime();
    double sent0 = count(registry, "vms.jobs.sent");
    double frames0 = countAll(registry, "vms.ingest.frames.normalized");
    long w0 = System.nanoTime();
    windowStart.set(System.currentTimeMillis());
    windowEnd.set(windowStart.get() + seconds * 1000L);
    Thread.sleep(seconds * 1000L);
    double wall = (System.nanoTime() - w0) / 1e9;
    long cpu1 = os.getProcessCpuTime();
    double load1 = os.getSystemLoadAverage();
    double sent = count(registry, "vms.jobs.sent") - sent0;
    double fps = (countAll(registry, "vms.ingest.frames.normalized") - frames0) / wall;
    // drain: wait for the results of the window's segments (a segment closed at the window's end is dispatched a moment later)
    long drainStart = System.currentTimeMillis();
    long deadline = drainStart + drain * 1000L;
    Thread.sleep(500);
    while (System.currentTimeMillis() < deadline && window.values().stream().anyMatch(s -> s.result == null)) Thread.sleep(200);
    long drained = System.currentTimeMillis() - drainStart;

    double cpuPct = (cpu1 - cpu0) / 1e9 / wall * 100;
    int cores = os.getAvailableProcessors();
    System.out.printf(Locale.ROOT, "RESULT_RUN cameras=%d seconds=%.1f warmup=%d cores=%d cpu_pct_one_core=%.1f cpu_pct_machine=%.1f "
            + "load_start=%.2f load_end=%.2f ingest_fps=%.1f jobs_sent=%.0f segments_window=%d drain_ms=%d other_results=%d%n",
        cameras, wall, warmup, cores, cpuPct, cpuPct / cores, load0, load1, fps, sent, window.size(), drained, lateOrUnknown.get());
    for (Lane lane : lanes) {
      List<Seg> segs = window.values().stream().filter(s -> s.priority == lane.priority()).toList();
      List<Seg> done = segs.stream().filter(s -> s.result != null).toList();
      long[] e2e = sorted(done.stream().mapToLong(s -> s.consumedAtMs - s.closedAtMs));
      long[] field = sorted(done.stream().mapToLong(s -> s.result.latency().segmentCloseToResultMs()));
      long[] queue = sorted(done.stream().mapToLong(s -> s.result.latency().queueWaitMs()));
      long[] decode = sorted(done.stream().mapToLong(s -> s.result.latency().decodeMs()));
      long[] infer = sorted(done.stream().mapToLong(s -> s.result.latency().inferenceMs()));
      long[] flush = sorted(segs.stream().mapToLong(s -> s.closedAtMs - s.endMs)); // capture end → file closed
      long camsInLane = laneByCamera.values().stream().filter(l -> l.equals(lane)).count();
      System.out.printf(Locale.ROOT, "RESULT cameras=%d priority=%s model=%s lane_cameras=%d jobs=%d results=%d missing=%d "
              + "e2e_p50=%d e2e_p99=%d e2e_max=%d field_p50=%d field_p99=%d queue_p50=%d queue_p99=%d decode_p50=%d decode_p99=%d "
              + "infer_p50=%d infer_p99=%d close_lag_p50=%d close_lag_p99=%d%n",
          cameras, lane.priority(), lane.model(), camsInLane, segs.size(), done.size(), segs.size() - done.size(),
          pct(e2e, 50), pct(e2e, 99), pct(e2e, 100), pct(field, 50), pct(field, 99), pct(queue, 50), pct(queue, 99), pct(decode, 50),
          pct(decode, 99), pct(infer, 50), pct(infer, 99), pct(flush, 50), pct(flush, 99));
    }
    // what the stages counted (overflow is counted, never silent)
    System.out.printf(Locale.ROOT, "RESULT_COUNTERS cameras=%d writer_dropped=%.0f jobs_failed=%.0f ai_failed=%.0f ai_backpressure=%.0f "
            + "queue_rejected=%.0f queue_dropped=%.0f%n",
        cameras, countAll(registry, "vms.segment.frames.dropped"), countAll(registry, "vms.jobs.failed"), countAll(registry, "vms.ai.jobs.failed"),
        countAll(registry, "vms.ai.backpressure"), countAll(registry, "vms.ai.queue.rejected"), countAll(registry, "vms.ai.queue.dropped"));
    System.out.flush();

    // no graceful shutdown (broker, 2N codecs, consumers take minutes on a loaded box): main halts the JVM; the
    // broker's files go with the temporary directory
    progress.interrupt();
    pipelines.forEach(CameraPipeline::close);
    try (Stream<Path> walk = Files.walk(data)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (Exception ignored) {
      // the broker may still write: best effort
    }
  }

  static io.vertx.core.Handler<io.vertx.kafka.client.consumer.KafkaConsumerRecord<String, Buffer>> detectionHandler(Map<String, Seg> window,
      AtomicLong lateOrUnknown, AtomicLong consumed) {
    return r -> {
      long now = System.currentTimeMillis();
      consumed.incrementAndGet();
      DetectionResult d = DetectionResult.fromJson(new JsonObject(r.value()));
      Seg s = window.get(d.customerId() + "/" + d.cameraId() + "/" + d.segmentSequence());
      if (s == null) {
        lateOrUnknown.incrementAndGet(); // segments closed before (or after) the window
        return;
      }
      if (s.result == null) { // a duplicate (same jobId after a retry) keeps the first
        s.consumedAtMs = now;
        s.result = d;
      }
    };
  }

  static double count(SimpleMeterRegistry r, String name) {
    Counter c = r.find(name).counter();
    return c == null ? 0 : c.count();
  }

  static double countAll(SimpleMeterRegistry r, String name) {
    return r.find(name).counters().stream().mapToDouble(Counter::count).sum();
  }

  static long[] sorted(java.util.stream.LongStream s) {
    return s.sorted().toArray();
  }

  /** Nearest-rank percentile; -1 when there is no value. */
  static long pct(long[] sorted, int p) {
    if (sorted.length == 0) return -1;
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
  }
}
