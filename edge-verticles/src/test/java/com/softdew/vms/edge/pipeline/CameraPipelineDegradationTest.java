package com.softdew.vms.edge.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.edge.job.JobDispatcher;
import com.softdew.vms.edge.normalize.FrameNormalizer;
import com.softdew.vms.edge.segment.SegmentStore;
import com.softdew.vms.model.Priority;
import com.softdew.vms.model.VideoJob;
import com.softdew.vms.platform.store.KafkaClients;
import com.softdew.vms.platform.store.StoreKind;
import com.softdew.vms.platform.store.Stores;
import com.softdew.vms.platform.testing.TestConfigs;
import com.softdew.vms.sim.CameraSimulator;
import com.softdew.vms.sim.Codec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Run-time degradation on a simulated camera whose sub stream (640x360, ~500 kbit/s) is below what
 * intrusion (480p, 1 Mbit/s; onDegraded=pause) and anpr (1080p, 3 Mbit/s; keep) need: both are
 * announced degraded with reasons, intrusion leaves the jobs while anpr stays, the jobs carry the
 * measured source quality; when the camera's sub stream switches to 1280x720 (~2 Mbit/s) intrusion
 * recovers (event, gauge back to 0) and is in the jobs again, anpr stays degraded. Also: with
 * {@code hwDecode auto} on this machine the camera decodes in software and says why.
 */
class CameraPipelineDegradationTest {
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

  static double gauge(SimpleMeterRegistry r, String model) {
    return r.find("vms.pipeline.degraded").tag("model", model).gauge().value();
  }

  @Test
  void degradedModelsWarnPauseAndRecover() throws Exception {
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
      JobDispatcher dispatcher = await(JobDispatcher.create(vertx, stores, new SegmentStore(dir), JobDispatcher.Options.defaults(), null));
      List<JsonObject> warnings = new CopyOnWriteArrayList<>();
      List<JsonObject> status = new CopyOnWriteArrayList<>();
      vertx.eventBus().<JsonObject>consumer(Addresses.PIPELINE_DEGRADED, m -> warnings.add(m.body()));
      vertx.eventBus().<JsonObject>consumer(Addresses.INGEST_CAMERA_STATUS, m -> status.add(m.body()));
      List<VideoJob> jobs = new CopyOnWriteArrayList<>();
      KafkaConsumer<String, Buffer> consumer = KafkaClients.consumer(vertx, stores, "test-degraded", Map.of(), null);
      consumer.handler(r -> jobs.add(VideoJob.fromJson(new JsonObject(r.value()))));
      await(consumer.subscribe(Addresses.TOPIC_VIDEO_JOBS_STANDARD));

      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      CameraPipeline.Spec spec = new CameraPipeline.Spec("shop", "door", cam.rtspSub(), cam.user(), cam.password(),
          Map.of("intrusion", Priority.MEDIUM, "anpr", Priority.MEDIUM), new VideoJob.SourceQuality("", 0, 0, ""), 2, 0.5,
          Map.of("intrusion", "pause", "anpr", "keep"), FrameNormalizer.Config.DEFAULT, 0, "auto");
      pipeline = await(CameraPipeline.start(vertx, new SegmentStore(dir), dispatcher, spec, registry));
      CameraPipeline p = pipeline;

      waitFor("both models degraded", 60_000, () -> warnings.stream().filter(w -> w.getBoolean("degraded")).count() >= 2);
      JsonObject intr = warnings.stream().filter(w -> "intrusion".equals(w.getString("model"))).findFirst().orElseThrow();
      JsonObject anpr = warnings.stream().filter(w -> "anpr".equals(w.getString("model"))).findFirst().orElseThrow();
      assertEquals("shop", intr.getString("tenantId"));
      assertEquals("door", intr.getString("cameraId"));
      assertEquals("pause", intr.getString("action"));
      assertEquals("keep", anpr.getString("action"));
      assertTrue(intr.getJsonArray("reasons").encode().contains("intrusion needs 480p, camera sends 640x360"), intr.encode());
      assertTrue(anpr.getJsonArray("reasons").encode().contains("anpr needs 1080p"), anpr.encode());
      assertEquals(1.0, gauge(registry, "intrusion"));
      assertEquals(1.0, gauge(registry, "anpr"));
      assertEquals(Map.of("anpr", Priority.MEDIUM), p.activeModels(), "intrusion paused, anpr kept");
      // jobs of segments closed before the verdict may still be arriving: wait for the first job without intrusion
      waitFor("a job while degraded", 30_000, () -> jobs.stream().anyMatch(j -> j.metadata().enabledModels().equals(List.of("anpr"))));
      VideoJob degradedJob = jobs.stream().filter(j -> j.metadata().enabledModels().equals(List.of("anpr"))).findFirst().get();
      VideoJob.SourceQuality q = degradedJob.metadata().sourceQuality();
      assertEquals("640x360", q.resolution());
      assertEquals("h264", q.codec());
      assertTrue(q.fps() > 10 && q.fps() < 20, "measured fps " + q.fps());
      assertTrue(q.bitrate() > 100_000 && q.bitrate() < 1_000_000, "measured bitrate " + q.bitrate());
      System.out.printf("sub stream measured: %s%n", q);

      // the camera's sub stream gets better: intrusion recovers
      await(cam.server().changeResolution("sub", 1280, 720));
      waitFor("intrusion recovered", 60_000, () -> warnings.stream()
          .anyMatch(w -> "intrusion".equals(w.getString("model")) && !w.getBoolean("degraded")));
      JsonObject rec = warnings.stream().filter(w -> "intrusion".equals(w.getString("model")) && !w.getBoolean("degraded")).findFirst().get();
      assertEquals(0, rec.getJsonArray("reasons").size());
      assertEquals(0.0, gauge(registry, "intrusion"));
      assertEquals(1.0, gauge(registry, "anpr"), "anpr still needs 1080p");
      // one camera key, one topic: jobs arrive in segment order
      java.util.function.Supplier<VideoJob> resumed = () -> {
        long lastPaused = jobs.stream().filter(j -> j.metadata().enabledModels().equals(List.of("anpr")))
            .mapToLong(VideoJob::segmentSequence).max().getAsLong();
        return jobs.stream().filter(j -> j.segmentSequence() > lastPaused).findFirst().orElse(null);
      };
      waitFor("a job after recovery", 30_000, () -> resumed.get() != null);
      VideoJob recovered = resumed.get();
      assertEquals(List.of("anpr", "intrusion"), recovered.metadata().enabledModels(), "the first job after the pause has intrusion again");
      assertEquals("1280x720", recovered.metadata().sourceQuality().resolution());
      System.out.printf("after the switch measured: %s; warnings %s%n", recovered.metadata().sourceQuality(), warnings);

      // hwDecode auto on this machine: software, with the reason, in the status event
      JsonObject up = status.stream().filter(s -> "UP".equals(s.getString("state"))).findFirst().orElseThrow();
      assertEquals("software", up.getString("decoder"));
      assertTrue(up.getString("decoderReason").contains("software fallback") && up.getString("decoderReason").contains("vaapi: ")
          && up.getString("decoderReason").contains("cuda: "), up.getString("decoderReason"));
      assertEquals(1.0, registry.find("vms.ingest.decoder").tag("decoder", "software").gauge().value());
      System.out.println("decoder: " + up.getString("decoderReason"));

      await(consumer.close());
      pipeline.close();
      pipeline = null;
      await(dispatcher.close());
      await(stores.close());
    } finally {
      if (pipeline != null) pipeline.close();
      await(sim.stop());
      await(vertx.close());
    }
  }
}
