package com.softdew.vms.edge.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.edge.segment.SegmentInfo;
import com.softdew.vms.edge.segment.SegmentStore;
import com.softdew.vms.edge.segment.SegmentWriter;
import com.softdew.vms.edge.segment.TestFrames;
import com.softdew.vms.model.Priority;
import com.softdew.vms.model.VideoJob;
import com.softdew.vms.platform.store.KafkaClients;
import com.softdew.vms.platform.store.StoreKind;
import com.softdew.vms.platform.store.Stores;
import com.softdew.vms.platform.testing.TestConfigs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker really crashes: it runs in its own JVM ({@link KafkaBrokerProcess}) and is killed with
 * SIGKILL mid-stream, stays away longer than the producer's delivery timeout (so the Kafka client gives
 * the jobs up and the dispatcher's own bounded retries must carry them), and is restarted on the same
 * data directory and port. Every segment's jobs reach both priority topics; resends repeat the jobId.
 */
class JobDispatcherCrashTest {
  static final String TENANT = "7c0e4f3e-3c1d-4b8e-9a51-0f6f1a2b3c4d";
  static final String CAMERA = "1f2e3d4c-5b6a-4987-8abc-def012345678";

  @TempDir Path dir;

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(90, TimeUnit.SECONDS);
  }

  static void waitFor(String what, long ms, BooleanSupplier cond) throws InterruptedException {
    long deadline = System.currentTimeMillis() + ms;
    while (!cond.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) throw new AssertionError("timed out waiting for " + what);
      Thread.sleep(50);
    }
  }

  @Test
  void brokerKilledAndRestartedLosesNoJob() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      port = s.getLocalPort();
    }
    Path data = dir.resolve("kafka");
    Process broker = KafkaBrokerProcess.start(data, port, dir.resolve("broker-1.log"));
    Vertx vertx = Vertx.vertx();
    SegmentWriter w = null;
    try {
      Stores stores = await(Stores.open(vertx, TestConfigs.create(dir, Map.of("kafka.bootstrapServers", "127.0.0.1:" + port)),
          EnumSet.of(StoreKind.KAFKA), null));
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      // the client gives a send up after 10 s; the dispatcher sends it again (same jobIds) up to 30 times
      JobDispatcher d = await(JobDispatcher.create(vertx, stores, new SegmentStore(dir), JobDispatcher.Options.defaults()
          .withRetries(10_000, 30, 500), registry));
      JobDispatcher.CameraProfile profile = JobDispatcher.CameraProfile.withDefaultPriorities(UUID.fromString(TENANT),
          UUID.fromString(CAMERA), List.of("fire", "motion"), new VideoJob.SourceQuality("1920x1080", 4_000_000, 25, "h264"));
      Map<Long, List<VideoJob>> acked = new ConcurrentHashMap<>();
      Map<Long, Throwable> failed = new ConcurrentHashMap<>();
      List<SegmentInfo> closed = new CopyOnWriteArrayList<>();
      Instant t0 = Instant.parse("2026-03-01T10:00:00Z");
      w = SegmentWriter.start(TENANT, CAMERA, SegmentWriter.Options.defaults().withLength(1, 0), new SegmentStore(dir), s -> {
        closed.add(s);
        d.dispatch(s, profile).onComplete(ar -> {
          if (ar.succeeded()) acked.put(s.seq(), ar.result());
          else failed.put(s.seq(), ar.cause());
        });
      }, null);
      int frame = 0;
      for (; frame < 4 * 15; frame++) w.put(TestFrames.frame(TENANT, CAMERA, frame, t0, 15));
      waitFor("segments 0-2 acknowledged", 30_000, () -> acked.size() >= 3);

      long killAt = System.nanoTime();
      broker.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      for (; frame < 10 * 15; frame++) w.put(TestFrames.frame(TENANT, CAMERA, frame, t0, 15)); // segments close while it is dead
      waitFor("segments closed during the outage", 30_000, () -> closed.size() >= 9);
      // stay down until the client gave sends up and the dispatcher retried them
      waitFor("a retry by the dispatcher", 60_000, () -> registry.find("vms.jobs.retried").counter().count() > 0);
      Set<Long> outage = new TreeSet<>();
      for (SegmentInfo s : closed) if (!acked.containsKey(s.seq())) outage.add(s.seq());
      assertTrue(outage.size() >= 6, "segments waiting while the broker is dead: " + outage);
      assertEquals(Map.of(), failed, "nothing given up while the broker is dead");

      long restartAt = System.nanoTime();
      broker = KafkaBrokerProcess.start(data, port, dir.resolve("broker-2.log"));
      long upAt = System.nanoTime();
      for (; frame < 14 * 15; frame++) w.put(TestFrames.frame(TENANT, CAMERA, frame, t0, 15));
      w.close();
      w = null;
      int total = closed.size();
      waitFor("every segment acknowledged", 120_000, () -> acked.size() + failed.size() >= total);
      assertEquals(Map.of(), failed, "no segment given up");
      long recovered = System.nanoTime();

      List<KafkaConsumerRecord<String, Buffer>> got = new CopyOnWriteArrayList<>();
      KafkaConsumer<String, Buffer> c = KafkaClients.consumer(vertx, stores, "after-crash", Map.of(), null);
      c.handler(got::add);
      await(c.subscribe(new HashSet<>(JobDispatcher.TOPICS)));
      waitFor("2 jobs of every segment consumed", 60_000, () -> got.stream().map(r -> VideoJob.fromJson(new JsonObject(r.value())).jobId())
          .distinct().count() >= 2L * total);
      Thread.sleep(300);
      Map<Priority, Set<Long>> seqs = new HashMap<>();
      Set<UUID> ids = new HashSet<>();
      for (KafkaConsumerRecord<String, Buffer> r : got) {
        VideoJob j = VideoJob.fromJson(new JsonObject(r.value()));
        ids.add(j.jobId());
        seqs.computeIfAbsent(j.metadata().priority(), k -> new TreeSet<>()).add(j.segmentSequence());
      }
      Set<Long> expected = new TreeSet<>();
      for (SegmentInfo s : closed) expected.add(s.seq());
      assertEquals(expected, seqs.get(Priority.CRITICAL), "every segment on the critical topic");
      assertEquals(expected, seqs.get(Priority.STANDARD), "every segment on the standard topic");
      Set<UUID> sentIds = new HashSet<>();
      acked.values().forEach(l -> l.forEach(j -> sentIds.add(j.jobId())));
      assertEquals(sentIds, ids, "the jobIds on Kafka are those the dispatcher reported (a resend repeats the id)");
      await(c.close());
      System.out.printf("crash: %d segments closed while the broker was dead (%d ms until restart began), restart %d ms, all acked %d ms after "
              + "the restart; dispatcher retries %.0f; %d records, %d distinct jobs (%d duplicates)%n", outage.size(),
          (restartAt - killAt) / 1_000_000, (upAt - restartAt) / 1_000_000, (recovered - upAt) / 1_000_000,
          registry.find("vms.jobs.retried").counter().count(), got.size(), ids.size(), got.size() - ids.size());
      await(d.close());
      await(stores.close());
    } finally {
      if (w != null) w.close();
      broker.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      await(vertx.close());
    }
  }
}
