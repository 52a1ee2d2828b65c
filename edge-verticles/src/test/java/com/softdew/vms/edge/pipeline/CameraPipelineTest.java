package com.softdew.vms.edge.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.edge.job.JobDispatcher;
import com.softdew.vms.edge.segment.SegmentStore;
import com.softdew.vms.model.Priority;
import com.softdew.vms.model.VideoJob;
import com.softdew.vms.platform.store.KafkaClients;
import com.softdew.vms.platform.store.StoreKind;
import com.softdew.vms.platform.store.Stores;
import com.softdew.vms.platform.testing.TestConfigs;
import com.softdew.vms.sim.CameraSimulator;
import com.softdew.vms.sim.Codec;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The edge pipeline end to end on one simulated camera: RTSP ingest → 640x480 frames → 2 s segments
 * with 0.5 s overlap encoded as H.264 → VideoJobs on the standard topic (motion is a STANDARD model),
 * consumed back from the embedded Kafka and parsed with the seed's schema.
 */
class CameraPipelineTest {
  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @Test
  void cameraToJobsOnKafka(@TempDir Path dir) throws Exception {
    Vertx vertx = Vertx.vertx();
    CameraSimulator sim = new CameraSimulator(vertx, Path.of(System.getProperty("user.dir")).getParent().resolve("sim-media"));
    CameraPipeline pipeline = null;
    try {
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      CameraSimulator.Descriptor cam = await(sim.start(1, Codec.H264, port)).get(0);
      Stores stores = await(Stores.open(vertx, TestConfigs.create(dir, Map.of()), EnumSet.of(StoreKind.KAFKA), null));
      SegmentStore store = new SegmentStore(dir);
      JobDispatcher dispatcher = await(JobDispatcher.create(vertx, stores, store, JobDispatcher.Options.defaults(), null));
      List<JsonObject> status = new CopyOnWriteArrayList<>();
      List<JsonObject> segments = new CopyOnWriteArrayList<>();
      vertx.eventBus().<JsonObject>consumer(Addresses.INGEST_CAMERA_STATUS, m -> status.add(m.body()));
      vertx.eventBus().<JsonObject>consumer(Addresses.SEGMENT_WRITTEN, m -> segments.add(m.body()));

      long t0 = System.nanoTime();
      pipeline = await(CameraPipeline.start(vertx, store, dispatcher, new CameraPipeline.Spec("demo", "cam-1", cam.rtspSub(), cam.user(),
          cam.password(), Map.of("motion", Priority.STANDARD), new VideoJob.SourceQuality("640x360", 500_000, 15, "h264"), 2, 0.5), null));

      List<VideoJob> jobs = new CopyOnWriteArrayList<>();
      KafkaConsumer<String, Buffer> consumer = KafkaClients.consumer(vertx, stores, "test-motion", Map.of(), null);
      consumer.handler(r -> jobs.add(VideoJob.fromJson(new JsonObject(r.value()))));
      await(consumer.subscribe(Addresses.TOPIC_VIDEO_JOBS_STANDARD));
      long deadline = System.currentTimeMillis() + 30_000;
      while ((jobs.size() < 2 || segments.size() < 2) && System.currentTimeMillis() < deadline) Thread.sleep(100);
      System.out.printf("first two jobs on Kafka %d ms after the pipeline started%n", (System.nanoTime() - t0) / 1_000_000);

      assertTrue(status.stream().anyMatch(s -> "UP".equals(s.getString("state"))), status.toString());
      assertTrue(jobs.size() >= 2, "jobs: " + jobs.size() + ", segments: " + segments);
      VideoJob j = jobs.get(0);
      assertEquals(CameraPipeline.uuidOf("camera", "cam-1"), j.cameraId());
      assertEquals(CameraPipeline.uuidOf("tenant", "demo"), j.customerId());
      assertEquals(List.of("motion"), j.metadata().enabledModels());
      assertEquals(Priority.STANDARD, j.metadata().priority());
      assertEquals("640x480", j.metadata().resolution());
      assertTrue(j.metadata().frameCount() > 0 && j.metadata().frameCount() <= 30, "the first window may be partial (windows are aligned)");
      assertEquals(30, jobs.get(1).metadata().frameCount(), "a whole window: 2 s at 15 fps");
      assertNotNull(j.videoSegment(), "a 2 s segment travels inline");
      assertEquals(jobs.get(0).segmentSequence() + 1, jobs.get(1).segmentSequence());
      // consecutive segments overlap by 0.5 s: the second starts 1.5 s after the first
      JsonObject s0 = segments.get(0);
      JsonObject s1 = segments.get(1);
      long gap = java.time.Duration.between(java.time.Instant.parse(s0.getString("start")), java.time.Instant.parse(s1.getString("start"))).toMillis();
      assertTrue(Math.abs(gap - 1500) < 100, "segment starts 1.5 s apart, got " + gap + " ms");
      assertTrue(Files.size(Path.of(s0.getString("path"))) > 1000);
      await(consumer.close());
      pipeline.close();
      pipeline = null;
      await(dispatcher.close()); // the producer goes before the broker it talks to
      await(stores.close());
    } finally {
      if (pipeline != null) pipeline.close();
      await(sim.stop());
      await(vertx.close());
    }
  }
}
