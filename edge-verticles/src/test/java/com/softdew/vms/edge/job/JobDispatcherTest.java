package com.softdew.vms.edge.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.edge.segment.SegmentInfo;
import com.softdew.vms.edge.segment.SegmentStore;
import com.softdew.vms.edge.segment.SegmentWriter;
import com.softdew.vms.edge.segment.TestFrames;
import com.softdew.vms.model.Priority;
import com.softdew.vms.model.VideoJob;
import com.softdew.vms.model.VideoJob.SourceQuality;
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
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.consumer.OffsetAndMetadata;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Segments encoded for real, jobs produced to a real (in-JVM KRaft) broker and consumed back with
 * the seed's schema; fan-out to two consumer groups; a broker stop/start in the middle of the stream.
 */
class JobDispatcherTest {
  static final String TENANT = "7c0e4f3e-3c1d-4b8e-9a51-0f6f1a2b3c4d";
  static final String CAMERA = "1f2e3d4c-5b6a-4987-8abc-def012345678";
  static final SourceQuality SOURCE = new SourceQuality("1920x1080", 4_000_000, 25, "h264");
  /** fire CRITICAL, tampering HIGH, anpr MEDIUM, motion STANDARD. */
  static final JobDispatcher.CameraProfile PROFILE = JobDispatcher.CameraProfile.withDefaultPriorities(UUID.fromString(TENANT),
      UUID.fromString(CAMERA), List.of("fire", "tampering", "anpr", "motion"), SOURCE);

  @TempDir
  Path dir;
  Vertx vertx;
  EmbeddedKafka kafka;
  Stores stores;
  final List<AutoCloseable> toClose = new ArrayList<>();

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(90, TimeUnit.SECONDS);
  }

  static void waitFor(String what, long ms, BooleanSupplier cond) throws InterruptedException {
    long deadline = System.currentTimeMillis() + ms;
    while (!cond.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) throw new AssertionError("timed out waiting for " + what);
      Thread.sleep(20);
    }
  }

  /** Broker on a fixed port (so the clients reconnect to the same address after a restart), stores pointed at it. */
  void startKafka() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      port = s.getLocalPort();
    }
    vertx = Vertx.vertx();
    kafka = EmbeddedKafka.start(dir.resolve("kafka"), port);
    stores = await(Stores.open(vertx, TestConfigs.create(dir, Map.of("kafka.bootstrapServers", kafka.bootstrapServers())),
        EnumSet.of(StoreKind.KAFKA), null));
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : toClose) {
      try {
        c.close();
      } catch (Exception ignored) {
        // best effort
      }
    }
    if (stores != null) await(stores.close());
    if (kafka != null) kafka.close();
    if (vertx != null) await(vertx.close());
  }

  /** Encodes {@code frames} frames (15 fps) into segments of L/O and returns them once closed. */
  List<SegmentInfo> encode(int length, double overlap, int frames) throws Exception {
    List<SegmentInfo> closed = new CopyOnWriteArrayList<>();
    Instant t0 = Instant.parse("2026-03-01T10:00:00Z");
    try (SegmentWriter w = SegmentWriter.start(TENANT, CAMERA, SegmentWriter.Options.defaults().withLength(length, overlap),
        new SegmentStore(dir), closed::add, null)) {
      for (int i = 0; i < frames; i++) w.put(TestFrames.frame(TENANT, CAMERA, i, t0, 15));
    }
    return closed;
  }

  KafkaConsumer<String, Buffer> consumer(String group, List<KafkaConsumerRecord<String, Buffer>> into) throws Exception {
    KafkaConsumer<String, Buffer> c = KafkaClients.consumer(vertx, stores, group, Map.of(), null);
    c.handler(into::add);
    await(c.subscribe(new HashSet<>(JobDispatcher.TOPICS)));
    return c;
  }

  @Test
  void jobsOnPriorityTopicsInlineOrClaimCheck() throws Exception {
    startKafka();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    List<SegmentInfo> segments = encode(5, 1, 75 + 60); // segments 0 (75 frames), 1 (75), 2 (15, flushed)
    assertEquals(3, segments.size());
    SegmentStore store = new SegmentStore(dir);
    JobDispatcher inline = await(JobDispatcher.create(vertx, stores, store, JobDispatcher.Options.defaults(), registry));
    int small = (int) Math.min(segments.get(0).bytes(), segments.get(1).bytes()) - 1; // segments 0 and 1 are above it
    JobDispatcher claim = await(JobDispatcher.create(vertx, stores, store, JobDispatcher.Options.defaults().withInlineMaxBytes(small), null));

    List<KafkaConsumerRecord<String, Buffer>> got = new CopyOnWriteArrayList<>();
    KafkaConsumer<String, Buffer> consumer = consumer("test-schema", got);

    List<VideoJob> sentInline = new ArrayList<>();
    for (SegmentInfo s : segments) sentInline.addAll(await(inline.dispatch(s, PROFILE)));
    List<VideoJob> sentClaim = new ArrayList<>();
    for (SegmentInfo s : segments.subList(0, 2)) sentClaim.addAll(await(claim.dispatch(s, PROFILE)));
    assertEquals(12, sentInline.size(), "4 priority classes x 3 segments");
    assertEquals(8, sentClaim.size());

    waitFor("20 jobs consumed", 30_000, () -> got.size() >= 20);
    Map<UUID, VideoJob> byId = new HashMap<>();
    for (KafkaConsumerRecord<String, Buffer> r : got) {
      VideoJob j = VideoJob.fromJson(new JsonObject(r.value()));
      byId.put(j.jobId(), j);
      assertEquals(CAMERA, r.key(), "key = cameraId");
      assertEquals(Addresses.videoJobTopic(j.metadata().priority()), r.topic());
      Map<String, Priority> expected = Map.of("fire", Priority.CRITICAL, "tampering", Priority.HIGH, "anpr", Priority.MEDIUM,
          "motion", Priority.STANDARD);
      assertEquals(1, j.metadata().enabledModels().size(), "each job carries only its class's models " + j.metadata());
      assertEquals(j.metadata().priority(), expected.get(j.metadata().enabledModels().get(0)));
      assertEquals(UUID.fromString(TENANT), j.customerId());
      assertEquals(SOURCE, j.metadata().sourceQuality());
      assertEquals("640x480", j.metadata().resolution());
      SegmentInfo seg = segments.get((int) j.segmentSequence());
      assertEquals(seg.start(), j.timestamp());
      assertEquals(seg.frameCount(), j.metadata().frameCount());
      assertEquals(seg.duration().toMillis() / 1000.0, j.metadata().duration(), 0.001);
      assertEquals(seg.bitrate(), j.metadata().bitrate());
    }
    assertEquals(20, byId.size());
    for (VideoJob sent : sentInline) {
      VideoJob j = byId.get(sent.jobId());
      assertEquals(sent, j, "round trip through Kafka");
      assertNull(j.segmentUri());
      assertArrayEquals(Files.readAllBytes(segments.get((int) j.segmentSequence()).path()), j.videoSegment(), "inline = the file");
    }
    for (VideoJob sent : sentClaim) {
      VideoJob j = byId.get(sent.jobId());
      assertNull(j.videoSegment(), "above the inline limit: claim check");
      assertTrue(j.segmentUri().startsWith("vms-segment://" + TENANT + "/" + CAMERA + "/2026-03-01/"), j.segmentUri());
      assertEquals(segments.get((int) j.segmentSequence()).path(), store.resolve(URI.create(j.segmentUri())));
    }
    await(consumer.close());

    // an inline segment just under the default 1 MiB limit: the record (~1.37 MB) is above Kafka's default
    // 1 MiB limits, so it passes only because producer and topics were raised to maxRecordBytes
    try (Admin admin = Admin.create(new HashMap<>(stores.kafkaConfig()))) {
      ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, Addresses.TOPIC_VIDEO_JOBS_CRITICAL);
      Config cfg = admin.describeConfigs(List.of(res)).all().get(30, TimeUnit.SECONDS).get(res);
      assertEquals(Integer.toString(JobDispatcher.maxRecordBytes(1024 * 1024)), cfg.get("max.message.bytes").value());
    }
    Path big = store.path(TENANT, CAMERA, Instant.parse("2026-03-01T11:00:00Z"), 900);
    byte[] noise = new byte[1024 * 1024 - 10];
    new Random(1).nextBytes(noise);
    Files.createDirectories(big.getParent());
    Files.write(big, noise);
    SegmentInfo s0 = segments.get(0);
    SegmentInfo bigSeg = new SegmentInfo(TENANT, CAMERA, 900, s0.start(), s0.end(), 75, big, noise.length, noise.length * 8L / 5,
        "640x480", Instant.now());
    List<VideoJob> bigJobs = await(inline.dispatch(bigSeg, JobDispatcher.CameraProfile.withDefaultPriorities(UUID.fromString(TENANT),
        UUID.fromString(CAMERA), List.of("fire"), SOURCE)));
    assertArrayEquals(noise, bigJobs.get(0).videoSegment());

    Timer latency = registry.find("vms.jobs.latency").timer();
    System.out.printf("segments %s B; close->ack latency mean %.1f ms max %.1f ms over %d segments%n",
        segments.stream().map(SegmentInfo::bytes).toList(), latency.mean(TimeUnit.MILLISECONDS), latency.max(TimeUnit.MILLISECONDS),
        latency.count());
    await(inline.close());
    await(claim.close());
  }

  @Test
  void twoConsumerGroupsEachSeeEveryJobAndCommitAfterProcessing() throws Exception {
    startKafka();
    List<SegmentInfo> segments = encode(1, 0, 60); // four 1 s segments
    JobDispatcher d = await(JobDispatcher.create(vertx, stores, new SegmentStore(dir), JobDispatcher.Options.defaults(), null));
    JobDispatcher.CameraProfile profile = JobDispatcher.CameraProfile.withDefaultPriorities(UUID.fromString(TENANT),
        UUID.fromString(CAMERA), List.of("fire", "motion"), SOURCE);
    Set<UUID> sent = new HashSet<>();
    for (SegmentInfo s : segments) await(d.dispatch(s, profile)).forEach(j -> sent.add(j.jobId()));
    assertEquals(8, sent.size());

    Map<String, Set<UUID>> processed = new ConcurrentHashMap<>();
    List<KafkaConsumer<String, Buffer>> consumers = new ArrayList<>();
    for (String group : List.of("model-fire", "model-motion")) {
      KafkaConsumer<String, Buffer> c = KafkaClients.consumer(vertx, stores, group, Map.of(), null);
      Set<UUID> seen = ConcurrentHashMap.newKeySet();
      processed.put(group, seen);
      c.handler(r -> {
        VideoJob j = VideoJob.fromJson(new JsonObject(r.value()));
        // "process" off the event loop, then commit exactly this record (not the whole polled batch)
        vertx.executeBlocking(() -> {
          Thread.sleep(5);
          return j;
        }).compose(done -> c.commit(Map.of(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1, ""))))
            .onSuccess(v -> seen.add(j.jobId()));
      });
      await(c.subscribe(new HashSet<>(JobDispatcher.TOPICS)));
      consumers.add(c);
    }
    waitFor("both groups processed all jobs", 30_000, () -> processed.values().stream().allMatch(s -> s.size() == 8));
    assertEquals(sent, processed.get("model-fire"));
    assertEquals(sent, processed.get("model-motion"));
    for (KafkaConsumer<String, Buffer> c : consumers) await(c.close());

    // model-fire comes back: its commits hold, so it gets only what was produced since
    List<SegmentInfo> more = encode(1, 0, 15);
    Set<UUID> newer = new HashSet<>();
    for (SegmentInfo s : more) await(d.dispatch(s, profile)).forEach(j -> newer.add(j.jobId()));
    List<KafkaConsumerRecord<String, Buffer>> again = new CopyOnWriteArrayList<>();
    KafkaConsumer<String, Buffer> back = consumer("model-fire", again);
    waitFor("the new jobs", 30_000, () -> again.size() >= newer.size());
    Thread.sleep(500);
    Set<UUID> ids = new HashSet<>();
    for (KafkaConsumerRecord<String, Buffer> r : again) ids.add(VideoJob.fromJson(new JsonObject(r.value())).jobId());
    assertEquals(newer, ids, "no job processed and committed before is delivered again");
    await(back.close());
    await(d.close());
  }

  @Test
  void brokerRestartMidStreamLosesNoJob() throws Exception {
    startKafka();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    JobDispatcher d = await(JobDispatcher.create(vertx, stores, new SegmentStore(dir), JobDispatcher.Options.defaults(), registry));
    JobDispatcher.CameraProfile profile = JobDispatcher.CameraProfile.withDefaultPriorities(UUID.fromString(TENANT),
        UUID.fromString(CAMERA), List.of("fire"), SOURCE);
    Map<Long, Long> ackedAt = new ConcurrentHashMap<>();
    Map<Long, Throwable> failedSeq = new ConcurrentHashMap<>();
    List<SegmentInfo> closed = new CopyOnWriteArrayList<>();
    Instant t0 = Instant.parse("2026-03-01T10:00:00Z");
    SegmentWriter w = SegmentWriter.start(TENANT, CAMERA, SegmentWriter.Options.defaults().withLength(1, 0), new SegmentStore(dir), s -> {
      closed.add(s);
      d.dispatch(s, profile).onComplete(ar -> {
        if (ar.succeeded()) ackedAt.put(s.seq(), System.nanoTime());
        else failedSeq.put(s.seq(), ar.cause());
      });
    }, null);
    toClose.add(w);
    int frame = 0;
    for (; frame < 4 * 15; frame++) w.put(TestFrames.frame(TENANT, CAMERA, frame, t0, 15));
    waitFor("jobs of segments 0-2 acked", 20_000, () -> ackedAt.size() >= 3);
    Timer steady = registry.find("vms.jobs.latency").timer();
    System.out.printf("steady close->ack latency (1 s segments, inline): mean %.1f ms max %.1f ms over %d%n",
        steady.mean(TimeUnit.MILLISECONDS), steady.max(TimeUnit.MILLISECONDS), steady.count());

    long stopAt = System.nanoTime();
    kafka.close();
    long stoppedMs = (System.nanoTime() - stopAt) / 1_000_000;
    for (; frame < 10 * 15; frame++) w.put(TestFrames.frame(TENANT, CAMERA, frame, t0, 15)); // segments 3..8 close during the outage
    waitFor("segments closed during the outage", 20_000, () -> closed.size() >= 9);
    Thread.sleep(1500);
    Set<Long> duringOutage = new TreeSet<>();
    for (SegmentInfo s : closed) if (!ackedAt.containsKey(s.seq())) duringOutage.add(s.seq());
    assertTrue(duringOutage.size() >= 6, "jobs waiting while the broker is down: " + duringOutage);

    long restartAt = System.nanoTime();
    kafka = EmbeddedKafka.start(dir.resolve("kafka"), kafka.port());
    long restartedAt = System.nanoTime();
    for (; frame < 14 * 15; frame++) w.put(TestFrames.frame(TENANT, CAMERA, frame, t0, 15));
    w.close();
    int total = closed.size();
    waitFor("every job acked", 60_000, () -> ackedAt.size() + failedSeq.size() >= total);
    assertEquals(Map.of(), failedSeq, "no send failed");
    long recoveredAt = duringOutage.stream().mapToLong(ackedAt::get).max().orElseThrow();

    List<KafkaConsumerRecord<String, Buffer>> got = new CopyOnWriteArrayList<>();
    KafkaConsumer<String, Buffer> c = consumer("after-outage", got);
    waitFor("all segments consumed", 30_000, () -> got.stream().map(r -> VideoJob.fromJson(new JsonObject(r.value())).segmentSequence())
        .distinct().count() >= total);
    Thread.sleep(300);
    Set<UUID> ids = new HashSet<>();
    Set<Long> seqs = new TreeSet<>();
    for (KafkaConsumerRecord<String, Buffer> r : got) {
      VideoJob j = VideoJob.fromJson(new JsonObject(r.value()));
      ids.add(j.jobId());
      seqs.add(j.segmentSequence());
    }
    Set<Long> expected = new TreeSet<>();
    for (SegmentInfo s : closed) expected.add(s.seq());
    assertEquals(expected, seqs, "every segment, including those of the outage, reached Kafka");
    await(c.close());
    Timer latency = registry.find("vms.jobs.latency").timer();
    System.out.printf("outage: broker stop %d ms, restart %d ms, %d segments closed while down; outage jobs all acked %d ms after the "
            + "broker was back (%d ms after its restart began); %d records, %d distinct jobs (%d duplicates); latency max %.0f ms%n",
        stoppedMs, (restartedAt - restartAt) / 1_000_000, duringOutage.size(), (recoveredAt - restartedAt) / 1_000_000,
        (recoveredAt - restartAt) / 1_000_000, got.size(), ids.size(), got.size() - ids.size(), latency.max(TimeUnit.MILLISECONDS));
    assertNotNull(kafka);
    await(d.close());
  }
}
