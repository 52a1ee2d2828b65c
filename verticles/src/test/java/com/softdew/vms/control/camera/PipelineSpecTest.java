package com.softdew.vms.control.camera;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.edge.pipeline.CameraPipeline;
import com.softdew.vms.model.VideoJob;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** The supervisor's spec of a camera from its effective configuration: models, sub stream, main-stream recording. */
class PipelineSpecTest {
  private static final CameraService.ProbeTarget CAM = new CameraService.ProbeTarget("t1", "c1", "rtsp://cam/main", "u", "p", null, null,
      "rtsp://cam/sub");
  private static final VideoJob.SourceQuality Q = new VideoJob.SourceQuality("1920x1080", 4_000_000, 25, "h264");

  private static JsonObject effective(boolean record) {
    return new JsonObject()
        .put("models", new JsonObject().put("motion", new JsonObject().put("enabled", true).put("priority", "STANDARD")))
        .put("recording", new JsonObject().put("mainStream", record).put("segmentSeconds", 6));
  }

  @Test
  void noModelNoPipeline() {
    assertNull(PipelineSupervisorVerticle.spec(CAM, "rtsp://cam/sub", new JsonObject(), Q));
  }

  @Test
  void recordingOffByDefault() {
    CameraPipeline.Spec s = PipelineSupervisorVerticle.spec(CAM, "rtsp://cam/sub", effective(false), Q);
    assertFalse(s.recording());
    assertEquals("rtsp://cam/sub", s.url());
  }

  @Test
  void recordingTakesTheMainStream() {
    CameraPipeline.Spec s = PipelineSupervisorVerticle.spec(CAM, "rtsp://cam/sub", effective(true), Q);
    assertTrue(s.recording());
    assertEquals("rtsp://cam/main", s.recordUrl());
    assertEquals(6, s.recordSegmentSeconds());
    assertEquals("rtsp://cam/sub", s.url(), "analytics stay on the sub stream");
  }
}
