package com.softdew.vms.edge.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.edge.record.MainStreamRecorder;
import com.softdew.vms.edge.record.RecordingSegment;
import com.softdew.vms.sim.CameraSimulator;
import com.softdew.vms.sim.Codec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * A real full disk (opt-in, it needs a small file system mounted by root, e.g.
 * {@code mount -t tmpfs -o size=4m tmpfs /tmp/vms-full} then {@code -Dstorage.tmpfs=/tmp/vms-full}): the recorder
 * writes into it until the disk is full (ENOSPC: write errors, segments abandoned, the session stays up), the janitor
 * (capacity = the file system's size) deletes oldest segments down to the low-water mark, and recording resumes on
 * the same session. The index here is a bus consumer holding the recorder's segment records, answering oldest first
 * like the planner's pressure phase (the real planner is RetentionEndToEndTest's).
 */
@EnabledIfSystemProperty(named = "storage.tmpfs", matches = ".+")
class JanitorFullDiskTest {

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(90, TimeUnit.SECONDS);
  }

  static void waitFor(java.util.function.BooleanSupplier c, Duration max) throws InterruptedException {
    long t0 = System.nanoTime();
    while (!c.getAsBoolean() && System.nanoTime() - t0 < max.toNanos()) Thread.sleep(100);
    assertTrue(c.getAsBoolean(), "condition not met within " + max);
  }

  @Test
  void aFullDiskIsCleanedAndRecordingResumes() throws Exception {
    Path data = Files.createTempDirectory(Path.of(System.getProperty("storage.tmpfs")), "data");
    Vertx vertx = Vertx.vertx();
    CameraSimulator sim = new CameraSimulator(vertx, Path.of(System.getProperty("user.dir")).getParent().resolve("sim-media"));
    Map<String, RecordingSegment> index = new LinkedHashMap<>(); // segmentId → record, oldest first
    try {
      CameraSimulator.Descriptor cam = await(com.softdew.vms.sim.SimCameras.one(sim, Codec.H264));
      vertx.eventBus().<JsonObject>consumer(Addresses.STORAGE_CANDIDATES, m -> {
        long want = m.body().getLong("bytesToFree");
        JsonArray c = new JsonArray();
        long planned = 0;
        synchronized (index) {
          for (RecordingSegment s : index.values()) {
            if (planned >= want) break;
            c.add(new JsonObject().put("tenantId", s.tenantId()).put("segmentId", s.segmentId()).put("path", s.path().toString())
                .put("sha256", s.sha256()).put("bytes", s.bytes()).put("reason", "pressure"));
            planned += s.bytes();
          }
          m.reply(new JsonObject().put("indexedSegments", index.size()).put("candidates", c));
        }
      });
      vertx.eventBus().<JsonObject>consumer(Addresses.STORAGE_DELETED, m -> {
        synchronized (index) {
          for (Object o : m.body().getJsonArray("deleted")) index.remove(((JsonObject) o).getString("segmentId"));
        }
        m.reply(new JsonObject().put("ok", true));
      });
      List<RecordingSegment> all = new ArrayList<>();
      MainStreamRecorder rec = new MainStreamRecorder(vertx, new SimpleMeterRegistry(), new MainStreamRecorder.Options().tenantId("t1")
          .cameraId("cam-1").url(cam.rtspMain()).credentials(cam.user(), cam.password()).dataDir(data).segmentLength(Duration.ofSeconds(1)),
          s -> {
            synchronized (index) {
              index.put(s.segmentId(), s);
              all.add(s);
            }
          }).start();
      try {
        waitFor(() -> rec.stats().writeErrors() > 0, Duration.ofSeconds(120));
        long errorsAtFull = rec.stats().writeErrors();
        int segmentsAtFull;
        synchronized (index) {
          segmentsAtFull = all.size();
        }
        VolumeJanitor j = new VolumeJanitor(new VolumeJanitor.Settings("edge-full", data.resolve("recordings"), 0, 90, 50, 0, 10_000, 3, 0.5),
            new SimpleMeterRegistry());
        await(vertx.deployVerticle(j));
        Instant cleaned = Instant.now();
        VolumeJanitor.Round r = await(j.runOnce());
        System.out.println("full disk: " + segmentsAtFull + " segments, " + errorsAtFull + " write errors when full; round " + r.toJson().encode());
        assertEquals("ok", r.outcome(), r.toJson().encode());
        assertTrue(r.usedBefore() > r.capacityBytes() * 90 / 100, "the disk was full");
        assertTrue(r.usedAfter() <= r.capacityBytes() * 50 / 100 + 1_000_000, "down to about the low-water mark: " + r.toJson().encode());
        assertTrue(r.deletedFiles() > 0);
        // recording goes on: new complete segments after the cleanup, on the same session
        waitFor(() -> {
          synchronized (index) {
            return all.stream().anyMatch(s -> s.start().isAfter(cleaned));
          }
        }, Duration.ofSeconds(30));
        assertEquals(1, rec.stats().sessions(), "the recorder never reconnected: " + rec.stats());
        System.out.println("full disk: recorder after the cleanup " + rec.stats());
      } finally {
        rec.close();
      }
    } finally {
      await(sim.stop());
      await(vertx.close());
    }
  }
}
