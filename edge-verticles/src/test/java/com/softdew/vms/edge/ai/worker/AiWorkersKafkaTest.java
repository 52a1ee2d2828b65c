package com.softdew.vms.edge.ai.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.edge.job.JobDispatcher;
import com.softdew.vms.edge.normalize.NormalizedFrame;
import com.softdew.vms.edge.segment.SegmentInfo;
import com.softdew.vms.edge.segment.SegmentStore;
import com.softdew.vms.edge.segment.SegmentWriter;
import com.softdew.vms.model.DetectionResult;
import com.softdew.vms.model.Priority;
import com.softdew.vms.model.VideoJob;
import com.softdew.vms.model.VideoJob.SourceQuality;
import com.softdew.vms.platform.config.VmsConfig;
import com.softdew.vms.platform.store.KafkaClients;
import com.softdew.vms.platform.store.StoreKind;
import com.softdew.vms.platform.store.Stores;
import com.softdew.vms.platform.store.embedded.EmbeddedKafka;
import com.softdew.vms.platform.testing.TestConfigs;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real H.264 segments (SegmentWriter), jobs produced by the JobDispatcher (inline and claim check) to an
 * in-JVM broker, consumed by the AI workers of two test models (groups vms-model-test-bright and
 * vms-model-test-dark), detections read back from vms-detections.
 */
class AiWorkersKafkaTest {
  static final String TENANT = "7c0e4f3e-3c1d-4b8e-9a51-0f6f1a2b3c4d";
  static final String CAM_A = "1f2e3d4c-5b6a-4987-8abc-def012345678";
  static final String CAM_B = "2a2e3d4c-5b6a-4987-8abc-def012345679";
  static final SourceQuality SOURCE = new SourceQuality("1920x1080", 4_000_000, 25, "h264");
  static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

  @TempDir
  Path dir;
  Vertx vertx;
  EmbeddedKafka kafka;
  Stores stores;
  VmsConfig cfg;
  final List<JobDispatcher> dispatchers = new ArrayList<>();

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
  }

  static void waitFor(String what, long ms, BooleanSupplier cond) throws InterruptedException {
    long deadline = System.currentTimeMillis() + ms;
    while (!cond.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) throw new AssertionError("timed out waiting for " + what);
      Thread.sleep(20);
    }
  }

  @AfterEach
  void tearDown() throws Exception {
    for (JobDispatcher d : dispatchers) await(d.close());
    if (vertx != null) {
      for (String id : vertx.deploymentIDs()) {
        try {
          await(vertx.undeploy(id));
        } catch (Exception ignored) {
          // a child undeployed with its parent
        }
      }
    }
    if (stores != null) await(stores.close());
    if (kafka != null) kafka.close();
    if (vertx != null) await(vertx.close());
  }

  /** Encodes frames [from, to) of a camera into 1 s segments numbered from from/15. */
  List<SegmentInfo> encode(String camera, int from, int to) throws Exception {
    List<SegmentInfo> closed = new CopyOnWriteArrayList<>();
    try (SegmentWriter w = SegmentWriter.start(TENANT, camera, SegmentWriter.Options.defaults().withLength(1, 0), new SegmentStore(dir),
        closed::add, null)) {
      for (int i = from; i < to; i++) {
        w.put(new NormalizedFrame(TENANT, camera, i, T0.plusNanos(i * 1_000_000_000L / 15), "rtcp", 640, 480, BlobFrames.frame(i, 640, 480)));
      }
    }
    return closed;
  }

  SimpleMeterRegistry registry;

  AiWorkersVerticle deployWorkers(VmsConfig c) throws Exception {
    registry = new SimpleMeterRegistry();
    AiWorkersVerticle v = new AiWorkersVerticle(c, stores, "node-test", registry, null, null);
    await(vertx.deployVerticle(v));
    return v;
  }

  /** A stand-in for the config service: zones for test-bright on camera A, a huge minimum area for test-bright on camera B. */
  void configService() {
    vertx.eventBus().<JsonObject>consumer(Addresses.CONFIG_SERVICE, m -> {
      JsonObject b = m.body();
      assertEquals("effective", b.getString("action"));
      assertEquals(TENANT, b.getString("customerId"));
      JsonObject models = new JsonObject();
      if (CAM_A.equals(b.getString("cameraId"))) {
        models.put("test-bright", new JsonObject().put("zones", new JsonArray().add("left=0,0;960,0;960,1080;0,1080")));
      } else {
        models.put("test-bright", new JsonObject().put("params", new JsonObject().put("minAreaPx", 500_000)));
      }
      m.reply(new JsonObject().put("effective", new JsonObject().put("models", models)));
    });
  }

  void start() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      port = s.getLocalPort();
    }
    vertx = Vertx.vertx();
    kafka = EmbeddedKafka.start(dir.resolve("kafka"), port);
    cfg = TestConfigs.create(dir, Map.of("kafka.bootstrapServers", kafka.bootstrapServers(), "ai.models", List.of("test-bright", "test-dark"),
        "ai.batch.maxDelayMs", 5));
    stores = await(Stores.open(vertx, cfg, EnumSet.of(StoreKind.KAFKA), null));
    configService();
  }

  List<DetectionResult> detections() throws Exception {
    List<DetectionResult> got = new CopyOnWriteArrayList<>();
    KafkaConsumer<String, Buffer> detections = KafkaClients.consumer(vertx, stores, "test-detections", Map.of(), null);
    detections.handler(r -> {
      DetectionResult d = DetectionResult.fromJson(new JsonObject(r.value()));
      assertEquals(d.cameraId().toString(), r.key(), "key = cameraId");
      got.add(d);
    });
    await(detections.subscribe(Set.of(Addresses.TOPIC_DETECTIONS)));
    return got;
  }

  @Test
  void backpressurePausesAndResumesWithoutLoss() throws Exception {
    start();
    JobDispatcher inline = await(JobDispatcher.create(vertx, stores, new SegmentStore(dir), JobDispatcher.Options.defaults(), null));
    dispatchers.add(inline);
    JobDispatcher.CameraProfile brightOnly = new JobDispatcher.CameraProfile(UUID.fromString(TENANT), UUID.fromString(CAM_B),
        Map.of("test-bright", Priority.HIGH), SOURCE);
    List<DetectionResult> got = detections();
    // ---- backpressure: queues of 1 job; four jobs waiting in Kafka arrive together, the scheduler refuses some,
    // their partition is paused and resumed when drained; every job still gets its result
    List<SegmentInfo> b3 = encode(CAM_B, 0, 60);
    assertEquals(4, b3.size());
    List<UUID> burst = new ArrayList<>();
    for (SegmentInfo s : b3) burst.add(await(inline.dispatch(s, brightOnly)).get(0).jobId());
    AiWorkersVerticle tight = deployWorkers(cfg.with(Map.of("ai.queue.capacity", 1, "ai.batch.maxDelayMs", 200, "ai.batch.maxSize", 8)));
    waitFor("the burst analysed", 120_000, () -> got.stream().map(DetectionResult::jobId).filter(burst::contains).distinct().count() == 4);
    assertTrue(registry.find("vms.ai.backpressure").tag("model", "test-bright").counter().count() >= 1, "the scheduler refused work");
    assertTrue(registry.find("vms.ai.queue.rejected").tag("model", "test-bright").counters().stream()
        .mapToDouble(io.micrometer.core.instrument.Counter::count).sum() >= 1);
    assertEquals(4, got.stream().filter(d -> burst.contains(d.jobId())).count(), "one result per job");
    assertNotNull(tight.host());
  }

  @Test
  void twoModelGroupsAnalyseJobsOnceDecodedAndRestartLosesNothing() throws Exception {
    start();

    List<SegmentInfo> a = encode(CAM_A, 0, 30); // segments 0 and 1 (15 frames each)
    List<SegmentInfo> b = encode(CAM_B, 0, 30);
    assertEquals(2, a.size());
    SegmentStore store = new SegmentStore(dir);
    JobDispatcher inline = await(JobDispatcher.create(vertx, stores, store, JobDispatcher.Options.defaults(), null));
    JobDispatcher claim = await(JobDispatcher.create(vertx, stores, store, JobDispatcher.Options.defaults().withInlineMaxBytes(0), null));
    dispatchers.add(inline);
    dispatchers.add(claim);
    JobDispatcher.CameraProfile both = new JobDispatcher.CameraProfile(UUID.fromString(TENANT), UUID.fromString(CAM_A),
        Map.of("test-bright", Priority.MEDIUM, "test-dark", Priority.MEDIUM), SOURCE);
    JobDispatcher.CameraProfile brightOnly = new JobDispatcher.CameraProfile(UUID.fromString(TENANT), UUID.fromString(CAM_B),
        Map.of("test-bright", Priority.HIGH), SOURCE);

    List<DetectionResult> got = new CopyOnWriteArrayList<>();
    KafkaConsumer<String, Buffer> detections = KafkaClients.consumer(vertx, stores, "test-detections", Map.of(), null);
    detections.handler(r -> {
      DetectionResult d = DetectionResult.fromJson(new JsonObject(r.value()));
      assertEquals(d.cameraId().toString(), r.key(), "key = cameraId");
      got.add(d);
    });
    await(detections.subscribe(Set.of(Addresses.TOPIC_DETECTIONS)));

    AiWorkersVerticle workers = deployWorkers(cfg);
    List<VideoJob> jobsA = new ArrayList<>(await(inline.dispatch(a.get(0), both)));
    jobsA.addAll(await(claim.dispatch(a.get(1), both)));
    VideoJob jobB = await(inline.dispatch(b.get(0), brightOnly)).get(0);
    assertEquals(2, jobsA.size(), "one job per segment: both models share the MEDIUM class");
    assertNull(jobsA.get(1).videoSegment(), "segment 1 of camera A travels as a claim check");

    waitFor("5 results (2 jobs x 2 models on A, 1 job x bright on B)", 120_000, () -> got.size() >= 5);
    Thread.sleep(500);
    assertEquals(5, got.size(), "nothing else: " + got.stream().map(d -> d.model() + "/" + d.cameraId()).toList());
    for (VideoJob j : jobsA) {
      for (String model : List.of("test-bright", "test-dark")) {
        DetectionResult d = got.stream().filter(x -> x.jobId().equals(j.jobId()) && x.model().equals(model)).findFirst().orElseThrow();
        assertEquals(UUID.fromString(TENANT), d.customerId());
        assertEquals(UUID.fromString(CAM_A), d.cameraId());
        assertEquals(j.segmentSequence(), d.segmentSequence());
        assertEquals(j.timestamp(), d.segmentStart());
        assertEquals(Priority.MEDIUM, d.priority());
        assertEquals("node-test", d.node());
        assertEquals("cpu", d.device());
        assertEquals(j.metadata().frameCount(), d.frameCount(), "one entry per decoded frame");
        for (int i = 0; i < d.frameCount(); i++) {
          JsonObject f = d.frames().getJsonObject(i);
          long k = j.segmentSequence() * 15 + f.getLong("frame"); // frame number in the camera stream
          assertEquals(T0.toEpochMilli() + k * 1000.0 / 15, f.getLong("ptsMs"), 2.0, "capture time of frame " + k);
          assertEquals(1, f.getInteger("count"), model + " frame " + k + ": " + f);
          JsonObject det = f.getJsonArray("detections").getJsonObject(0);
          JsonArray box = det.getJsonArray("box");
          if (model.equals("test-bright")) {
            assertEquals(20 + 4 * k, box.getInteger(0), 3, "white box x on frame " + k + ": " + box);
            assertEquals(100, box.getInteger(1), 3);
            assertEquals(80, box.getInteger(2), 4);
            assertEquals(60, box.getInteger(3), 4);
            assertEquals("left", det.getString("zone"), "zone from the config service, source pixels mapped to the frame");
            assertEquals("left", f.getJsonArray("alarms").getJsonObject(0).getString("zone"));
          } else {
            assertEquals(400, box.getInteger(0), 3);
            assertEquals(250, box.getInteger(1), 3);
            assertNull(det.getString("zone"));
          }
        }
        assertTrue(d.latency().totalMs() >= d.latency().inferenceMs());
      }
    }
    List<DetectionResult> forB = got.stream().filter(x -> x.jobId().equals(jobB.jobId())).toList();
    assertEquals(1, forB.size(), "camera B's job does not enable test-dark: no result for it");
    assertEquals("test-bright", forB.get(0).model());
    assertEquals(15, forB.get(0).frameCount());
    assertTrue(forB.get(0).frames().stream().allMatch(o -> ((JsonObject) o).getInteger("count") == 0),
        "camera B's minAreaPx from the config service (500000) filters the 4800 px blob");
    assertEquals(3, workers.decodeCache().decodes(), "three segments, each decoded once for both models");
    assertEquals(2, workers.decodeCache().hits(), "the second model of each camera-A job found it decoded");
    assertNotNull(workers.host().model("test-dark"));
    assertEquals(3, registry.find("vms.ai.segments").tag("model", "test-bright").counter().count());
    assertEquals(2, registry.find("vms.ai.segments").tag("model", "test-dark").counter().count());
    assertEquals(1, registry.find("vms.ai.jobs.skipped").tag("model", "test-dark").counter().count(), "camera B's job, acknowledged unread");
    assertEquals(2, registry.find("vms.ai.latency").tags("model", "test-bright", "priority", "MEDIUM").timer().count());
    assertEquals(1, registry.find("vms.ai.latency").tags("model", "test-bright", "priority", "HIGH").timer().count());
    assertEquals(0, registry.find("vms.ai.config.fallback").counter().count(), "the config service answered");

    // ---- a worker stopped before it finished a job: the job is analysed again after the restart
    await(vertx.undeploy(workers.deploymentID()));
    AiWorkersVerticle slow = deployWorkers(cfg.with(Map.of("ai.batch.maxDelayMs", 5000, "ai.batch.maxSize", 8)));
    List<SegmentInfo> b2 = encode(CAM_B, 30, 45);
    VideoJob late = await(inline.dispatch(b2.get(0), brightOnly)).get(0);
    waitFor("the job queued in the scheduler", 60_000, () -> slow.scheduler().depth("test-bright") == 1);
    await(vertx.undeploy(slow.deploymentID())); // the queued job is dropped, its offset not committed
    Thread.sleep(1000);
    assertEquals(5, got.size(), "no result for the dropped job");
    // the restart is a worker node (role wiring): EdgeRoleVerticle(WORKER) deploys the AI workers for ai.models
    com.softdew.vms.edge.EdgeRoleVerticle node = new com.softdew.vms.edge.EdgeRoleVerticle(com.softdew.vms.platform.launch.Role.WORKER, cfg);
    await(vertx.deployVerticle(node));
    AiWorkersVerticle back = node.aiWorkers();
    assertEquals(List.of("test-bright", "test-dark"), back.workers().stream().map(ModelWorkerVerticle::model).toList());
    waitFor("the dropped job analysed after the restart", 120_000, () -> got.stream().anyMatch(x -> x.jobId().equals(late.jobId())));
    Thread.sleep(1500);
    assertEquals(6, got.size(), "earlier jobs were committed and are not analysed again: "
        + got.stream().map(d -> d.jobId() + "/" + d.model()).toList());
    assertEquals(6, got.stream().map(d -> d.jobId() + "/" + d.model()).distinct().count());
    await(detections.close());
    System.out.printf("AI workers: first 5 results latency (ms) total %s, decode %s, inference %s, segment close->result %s%n",
        got.subList(0, 5).stream().map(d -> d.latency().totalMs()).toList(), got.subList(0, 5).stream().map(d -> d.latency().decodeMs()).toList(),
        got.subList(0, 5).stream().map(d -> d.latency().inferenceMs()).toList(),
        got.subList(0, 5).stream().map(d -> d.latency().segmentCloseToResultMs()).toList());
    assertNotNull(back.host());
    await(vertx.undeploy(node.deploymentID()));
    assertEquals(0, back.host().sessionCount(), "sessions closed on undeploy");

  }
}
