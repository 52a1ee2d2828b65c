package com.softdew.vms.edge.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.edge.pipeline.CameraPipeline;
import com.softdew.vms.edge.segment.SegmentStore;
import com.softdew.vms.model.VideoJob;
import com.softdew.vms.sim.CameraSimulator;
import com.softdew.vms.sim.Codec;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CameraPipeline with recording on: the main stream is remuxed next to the analytics segments; off by default. */
class PipelineRecordingTest {

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @Test
  void specCarriesRecordingAndDefaultsToOff() {
    CameraPipeline.Spec off = new CameraPipeline.Spec("t", "c", "rtsp://h/sub", "u", "p", Map.of(), null, 5, 1.0);
    assertFalse(off.recording());
    assertFalse(off.toJson().containsKey("record"));
    assertFalse(CameraPipeline.Spec.fromJson(off.toJson(), "none").recording());
    CameraPipeline.Spec on = off.withRecording("rtsp://h/main", 6).withHwDecode("none");
    assertTrue(on.recording());
    CameraPipeline.Spec back = CameraPipeline.Spec.fromJson(on.toJson(), "none");
    assertEquals("rtsp://h/main", back.recordUrl());
    assertEquals(6, back.recordSegmentSeconds());
    assertEquals(on, back);
  }

  @Test
  void pipelineRecordsTheMainStream(@TempDir Path dir) throws Exception {
    Vertx vertx = Vertx.vertx();
    CameraSimulator sim = new CameraSimulator(vertx, Path.of(System.getProperty("user.dir")).getParent().resolve("sim-media"));
    CameraPipeline pipeline = null;
    try {
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      CameraSimulator.Descriptor cam = await(sim.start(1, Codec.H264, port)).get(0);
      List<JsonObject> recorded = new CopyOnWriteArrayList<>();
      vertx.eventBus().<JsonObject>consumer(MainStreamRecorder.SEGMENT_ADDRESS, m -> recorded.add(m.body()));
      CameraPipeline.Spec spec = new CameraPipeline.Spec("demo", "cam-1", cam.rtspSub(), cam.user(), cam.password(), Map.of(),
          new VideoJob.SourceQuality("640x360", 500_000, 15, "h264"), 2, 0.5).withRecording(cam.rtspMain(), 2);
      pipeline = await(CameraPipeline.start(vertx, new SegmentStore(dir), null, spec, null));
      long deadline = System.currentTimeMillis() + 20_000;
      while (recorded.isEmpty() && System.currentTimeMillis() < deadline) Thread.sleep(100);
      assertTrue(!recorded.isEmpty(), "a recording segment: " + pipeline.recorder().stats());
      JsonObject s = recorded.get(0);
      assertEquals("demo", s.getString("tenantId"));
      assertEquals("1280x720", s.getString("resolution"), "the main stream, not the analytics sub stream");
      Path file = Path.of(s.getString("path"));
      assertTrue(file.startsWith(dir.toAbsolutePath().normalize().resolve("recordings").resolve("demo").resolve("cam-1")), file.toString());
      assertEquals(s.getLong("bytes"), Files.size(file));
      CameraPipeline p = pipeline;
      pipeline = null;
      await(vertx.executeBlocking(() -> {
        p.close();
        return null;
      }));
      assertFalse(p.recorder().stats().encoderOpened());
    } finally {
      if (pipeline != null) pipeline.close();
      await(sim.stop());
      await(vertx.close());
    }
  }

  @Test
  void noRecorderWhenOff() {
    assertNull(new CameraPipeline.Spec("t", "c", "u", null, null, Map.of(), null, 5, 1.0).recordUrl());
  }
}
