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
          new VideoJob.SourceQuality("640x360", 500_000, 15, "h264"), 2, 0.5)
          .withRecording(new CameraPipeline.Recording(cam.rtspMain(), List.of("continuous"), cam.rtspSub(), List.of("continuous"), 2, 10, 10,
              List.of(), List.of(), "UTC"));
      pipeline = await(CameraPipeline.start(vertx, new SegmentStore(dir), null, spec, null));
      assertNull(pipeline.loop(), "recording only (no model): no analytics ingest, no decode");
      long deadline = System.currentTimeMillis() + 20_000;
      while (recorded.stream().map(j -> j.getString("stream")).distinct().count() < 2 && System.currentTimeMillis() < deadline) Thread.sleep(100);
      assertTrue(recorded.stream().anyMatch(j -> "sub".equals(j.getString("stream"))), "a sub-stream segment: " + pipeline.subRecorder().stats());
      JsonObject sub = recorded.stream().filter(j -> "sub".equals(j.getString("stream"))).findFirst().orElseThrow();
      assertEquals("640x360", sub.getString("resolution"));
      assertTrue(Path.of(sub.getString("path")).startsWith(dir.toAbsolutePath().normalize().resolve("recordings/demo/cam-1/sub")), sub.encode());
      JsonObject s = recorded.stream().filter(j -> "main".equals(j.getString("stream"))).findFirst().orElseThrow();
      assertEquals("demo", s.getString("tenantId"));
      assertEquals("1280x720", s.getString("resolution"), "the main stream, not the analytics sub stream");
      Path file = Path.of(s.getString("path"));
      assertTrue(file.startsWith(dir.toAbsolutePath().normalize().resolve("recordings").resolve("demo").resolve("cam-1").resolve("main")),
          file.toString());
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
  void specCarriesModesPerStreamAndReadsTheFormBeforeModes() {
    CameraPipeline.Recording r = new CameraPipeline.Recording("rtsp://h/main", List.of("event"), "rtsp://h/sub", List.of("continuous"), 6, 15,
        20, List.of("fire"), List.of("MON-FRI 08:00-18:00"), "Europe/Berlin");
    CameraPipeline.Spec on = new CameraPipeline.Spec("t", "c", "rtsp://h/sub", "u", "p", Map.of(), null, 5, 1.0).withRecording(r)
        .withOnvifUrl("http://h/onvif/device_service").withHwDecode("none");
    CameraPipeline.Spec back = CameraPipeline.Spec.fromJson(on.toJson(), "none");
    assertEquals(on, back);
    assertEquals(RecordingModes.Mode.EVENT, back.recorders().modes("main").modes().iterator().next());
    assertEquals("http://h/onvif/device_service", back.onvifUrl());
    // a spec sent by a control plane before modes existed: {record: {url, segmentSeconds}} = continuous main
    JsonObject old = new CameraPipeline.Spec("t", "c", "rtsp://h/sub", "u", "p", Map.of(), null, 5, 1.0).toJson()
        .put("record", new JsonObject().put("url", "rtsp://h/main").put("segmentSeconds", 4));
    CameraPipeline.Recording legacy = CameraPipeline.Spec.fromJson(old, "none").recorders();
    assertEquals("rtsp://h/main", legacy.mainUrl());
    assertEquals(List.of("continuous"), legacy.mainModes());
    assertNull(legacy.subUrl());
    assertEquals(4, legacy.segmentSeconds());
  }

  @Test
  void noRecorderWhenOff() {
    assertNull(new CameraPipeline.Spec("t", "c", "u", null, null, Map.of(), null, 5, 1.0).recordUrl());
  }
}
