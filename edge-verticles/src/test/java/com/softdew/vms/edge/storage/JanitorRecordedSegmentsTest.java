package com.softdew.vms.edge.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Segments recorded from the camera simulator by {@link MainStreamRecorder} are what the janitor deletes: the index
 * answers with the recorder's own records (path, bytes, sha256, as RecordingIndex stores them), so the recorder's
 * checksum and the janitor's must agree. The recorder keeps recording while the janitor deletes.
 */
class JanitorRecordedSegmentsTest {
  static Vertx vertx;
  static CameraSimulator sim;
  @TempDir Path data;

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(90, TimeUnit.SECONDS);
  }

  @BeforeAll
  static void setUp() {
    vertx = Vertx.vertx();
    sim = new CameraSimulator(vertx, Path.of(System.getProperty("user.dir")).getParent().resolve("sim-media"));
  }

  @AfterAll
  static void tearDown() throws Exception {
    await(sim.stop());
    await(vertx.close());
  }

  static void waitFor(java.util.function.BooleanSupplier c, Duration max) throws InterruptedException {
    long t0 = System.nanoTime();
    while (!c.getAsBoolean() && System.nanoTime() - t0 < max.toNanos()) Thread.sleep(50);
    assertTrue(c.getAsBoolean(), "condition not met within " + max);
  }

  @Test
  void recordedSegmentsAreDeletedByTheirIndexedChecksumWhileRecordingGoesOn() throws Exception {
    CameraSimulator.Descriptor cam = await(com.softdew.vms.sim.SimCameras.one(sim, Codec.H264));
    List<RecordingSegment> segs = Collections.synchronizedList(new ArrayList<>());
    MainStreamRecorder rec = new MainStreamRecorder(vertx, new SimpleMeterRegistry(), new MainStreamRecorder.Options().tenantId("t1")
        .cameraId("cam-1").url(cam.rtspMain()).credentials(cam.user(), cam.password()).dataDir(data).segmentLength(Duration.ofSeconds(1)),
        segs::add).start();
    try {
      waitFor(() -> segs.size() >= 6, Duration.ofSeconds(40));
      List<RecordingSegment> indexed;
      synchronized (segs) {
        indexed = List.copyOf(segs);
      }
      // the index: every closed segment is a row; the oldest four are past their age limit
      List<RecordingSegment> old = indexed.subList(0, 4);
      JsonArray cands = new JsonArray();
      for (RecordingSegment s : old) {
        cands.add(new JsonObject().put("tenantId", s.tenantId()).put("segmentId", s.segmentId()).put("path", s.path().toString())
            .put("sha256", s.sha256()).put("bytes", s.bytes()).put("reason", "age"));
      }
      vertx.eventBus().<JsonObject>consumer(Addresses.STORAGE_CANDIDATES, m -> m.reply(new JsonObject().put("indexedSegments", indexed.size())
          .put("indexedBytes", indexed.stream().mapToLong(RecordingSegment::bytes).sum()).put("candidates", cands)));
      List<JsonObject> reports = Collections.synchronizedList(new ArrayList<>());
      vertx.eventBus().<JsonObject>consumer(Addresses.STORAGE_DELETED, m -> {
        reports.add(m.body());
        m.reply(new JsonObject().put("ok", true));
      });
      VolumeJanitor j = new VolumeJanitor(new VolumeJanitor.Settings("edge-rec", data.resolve("recordings"), 1L << 40, 90, 80, 0, 10_000, 3, 0.5),
          new SimpleMeterRegistry());
      await(vertx.deployVerticle(j));
      VolumeJanitor.Round r = await(j.runOnce());
      assertEquals("ok", r.outcome(), r.toJson().encode());
      assertEquals(4, r.deletedFiles(), r.rejected().toString());
      for (RecordingSegment s : old) assertFalse(Files.exists(s.path()), "deleted " + s.path());
      for (RecordingSegment s : indexed.subList(4, indexed.size())) assertTrue(Files.exists(s.path()), "kept " + s.path());
      assertEquals(4, reports.get(0).getJsonArray("deleted").size());
      int before = segs.size();
      waitFor(() -> segs.size() >= before + 2, Duration.ofSeconds(20));
      assertEquals(0, rec.stats().writeErrors(), "recording went on: " + rec.stats());
    } finally {
      rec.close();
    }
  }
}
