package com.softdew.vms.control.camera;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.edge.pipeline.CameraPipeline;
import com.softdew.vms.edge.record.RecordingModes;
import com.softdew.vms.model.VideoJob;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.ZoneId;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The supervisor's spec of a camera from its effective configuration: models, sub stream, recording modes, ONVIF URL. */
class PipelineSpecTest {
  private static final CameraService.ProbeTarget CAM = new CameraService.ProbeTarget("t1", "c1", "rtsp://cam/main", "u", "p", null,
      "http://cam/onvif/device_service", "rtsp://cam/sub");
  private static final VideoJob.SourceQuality Q = new VideoJob.SourceQuality("1920x1080", 4_000_000, 25, "h264");

  private static JsonObject effective(boolean record) {
    return new JsonObject()
        .put("models", new JsonObject().put("motion", new JsonObject().put("enabled", true).put("priority", "STANDARD")))
        .put("recording", new JsonObject().put("mainStream", record).put("segmentSeconds", 6));
  }

  /** The nested form ConfigService.effective produces for the recording.* keys. */
  private static JsonObject recording(boolean models, JsonObject rec) {
    JsonObject e = new JsonObject().put("recording", rec);
    if (models) e.put("models", new JsonObject().put("fire", new JsonObject().put("enabled", true).put("priority", "CRITICAL")));
    return e;
  }

  @Test
  void noModelNoPipeline() {
    assertNull(PipelineSupervisorVerticle.spec(CAM, "rtsp://cam/sub", new JsonObject(), Q));
  }

  @Test
  void recordingOffByDefault() {
    CameraPipeline.Spec s = PipelineSupervisorVerticle.spec(CAM, "rtsp://cam/sub", effective(false), Q);
    assertFalse(s.recording());
    assertFalse(s.recorders().on());
    assertEquals("rtsp://cam/sub", s.url());
  }

  @Test
  void recordingTakesTheMainStream() {
    CameraPipeline.Spec s = PipelineSupervisorVerticle.spec(CAM, "rtsp://cam/sub", effective(true), Q);
    assertTrue(s.recording());
    assertEquals("rtsp://cam/main", s.recordUrl());
    assertEquals(6, s.recordSegmentSeconds());
    assertEquals(List.of("continuous"), s.recorders().mainModes(), "the default of recording.main.modes");
    assertEquals("rtsp://cam/sub", s.url(), "analytics stay on the sub stream");
    assertEquals("http://cam/onvif/device_service", s.onvifUrl(), "for the SD-card gap filler");
  }

  @Test
  void modesPerStreamRollsEventTypesScheduleAndTenantTimeZone() {
    JsonObject rec = new JsonObject().put("mainStream", true).put("segmentSeconds", 8)
        .put("main", new JsonObject().put("modes", new JsonArray().add("event").add("schedule")))
        .put("sub", new JsonObject().put("enabled", true).put("modes", List.of("continuous"))) // a java List, as defaults are
        .put("preRollSeconds", 15).put("postRollSeconds", 30).put("eventTypes", new JsonArray().add("fire").add("intrusion"))
        .put("schedule", new JsonArray().add("MON-FRI 08:00-18:00").add("SAT 00:00-24:00"));
    CameraPipeline.Spec s = PipelineSupervisorVerticle.spec(CAM, "rtsp://cam/sub", recording(true, rec), Q, "Europe/Berlin");
    CameraPipeline.Recording r = s.recorders();
    assertEquals("rtsp://cam/main", r.mainUrl());
    assertEquals("rtsp://cam/sub", r.subUrl());
    assertEquals(List.of("event", "schedule"), r.mainModes());
    assertEquals(List.of("continuous"), r.subModes());
    assertEquals(8, r.segmentSeconds());
    assertEquals("Europe/Berlin", r.timeZone());
    RecordingModes main = r.modes("main");
    assertEquals(Set.of(RecordingModes.Mode.EVENT, RecordingModes.Mode.SCHEDULE), main.modes());
    assertEquals(15, main.preRoll().toSeconds());
    assertEquals(30, main.postRoll().toSeconds());
    assertEquals(Set.of("fire", "intrusion"), main.eventTypes());
    assertEquals(ZoneId.of("Europe/Berlin"), main.schedule().zone());
    assertEquals(2, main.schedule().entries().size());
    assertEquals(Set.of(RecordingModes.Mode.CONTINUOUS), r.modes("sub").modes());
    // the spec travels to the agent as JSON
    CameraPipeline.Spec back = CameraPipeline.Spec.fromJson(s.toJson(), "auto");
    assertEquals(s.recorders(), back.recorders());
    assertEquals(s.onvifUrl(), back.onvifUrl());
  }

  @Test
  void aRecordingOnlyCameraGetsAPipeline() {
    JsonObject rec = new JsonObject().put("mainStream", true);
    CameraPipeline.Spec s = PipelineSupervisorVerticle.spec(CAM, "rtsp://cam/sub", recording(false, rec), Q, null);
    assertNotNull(s, "recording without any model");
    assertTrue(s.enabledModels().isEmpty());
    assertEquals("UTC", s.recorders().timeZone(), "no tenant time zone: UTC");
  }

  @Test
  void invalidValuesLeaveTheStreamUnrecordedAndEmptyModesMeanNever() {
    JsonObject bad = new JsonObject().put("mainStream", true).put("main", new JsonObject().put("modes", List.of("schedule")))
        .put("schedule", List.of("MON-FRI 18:00-08:00")).put("sub", new JsonObject().put("enabled", true));
    CameraPipeline.Spec s = PipelineSupervisorVerticle.spec(CAM, "rtsp://cam/sub", recording(true, bad), Q, "UTC");
    assertNull(s.recorders().mainUrl(), "main left out: the schedule entry is invalid");
    assertEquals("rtsp://cam/sub", s.recorders().subUrl(), "the sub stream (continuous) still records");
    JsonObject never = new JsonObject().put("mainStream", true).put("main", new JsonObject().put("modes", List.of()));
    assertNull(PipelineSupervisorVerticle.spec(CAM, "rtsp://cam/sub", recording(false, never), Q, "UTC"), "nothing to record, no model");
    JsonObject zone = new JsonObject().put("mainStream", true).put("main", new JsonObject().put("modes", List.of("schedule")))
        .put("schedule", List.of("DAILY 00:00-24:00"));
    assertNull(PipelineSupervisorVerticle.spec(CAM, "rtsp://cam/sub", recording(true, zone), Q, "Nowhere/Atlantis").recorders().mainUrl(),
        "an unknown tenant time zone is an error for a schedule");
    JsonObject cont = new JsonObject().put("mainStream", true);
    assertNotNull(PipelineSupervisorVerticle.spec(CAM, "rtsp://cam/sub", recording(true, cont), Q, "Nowhere/Atlantis").recorders().mainUrl(),
        "but does not stop continuous recording");
  }
}
