package com.softdew.vms.edge.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.edge.ai.Alarm;
import com.softdew.vms.edge.ai.FrameResult;
import com.softdew.vms.edge.ai.worker.ModelWorkerVerticle;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the AI workers publish for the recorders: one trigger per alarm type per analysed segment (not per frame), and
 * the recorder's router takes it by the job's UUIDs.
 */
class AiRecordingTriggersTest {
  static final long T0 = Instant.parse("2026-11-27T12:00:00Z").toEpochMilli();

  static List<FrameResult> frames(String model, int n, int alarmFrom, int alarmTo, String... types) {
    List<FrameResult> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      List<Alarm> alarms = new ArrayList<>();
      if (i >= alarmFrom && i <= alarmTo) for (String t : types) alarms.add(new Alarm(t, null, null, 0.9, "test"));
      out.add(new FrameResult(model, i, T0 + i * 200L, alarms.size(), List.of(), alarms, false));
    }
    return out;
  }

  @Test
  void oneTriggerPerAlarmTypeSpanningItsFrames() {
    List<JsonObject> t = ModelWorkerVerticle.recordingTriggers("intrusion", "tenant-uuid", "camera-uuid", frames("intrusion", 25, 5, 20, "intrusion"));
    assertEquals(1, t.size(), "16 alarm frames, one message");
    JsonObject m = t.get(0);
    assertEquals("event", m.getString("kind"));
    assertEquals("intrusion", m.getString("eventType"));
    assertEquals(Instant.ofEpochMilli(T0 + 1000).toString(), m.getString("at"));
    assertEquals(Instant.ofEpochMilli(T0 + 4000).toString(), m.getString("until"));
    assertEquals("tenant-uuid", m.getString("tenantId"));
    assertEquals(2, ModelWorkerVerticle.recordingTriggers("tampering", "t", "c", frames("tampering", 10, 0, 9, "covered", "defocused")).size());
    assertTrue(ModelWorkerVerticle.recordingTriggers("fire", "t", "c", frames("fire", 25, 99, 99, "fire")).isEmpty(), "no alarm, no message");
    JsonObject motion = ModelWorkerVerticle.recordingTriggers("motion", "t", "c", frames("motion", 10, 2, 3, "motion")).get(0);
    assertEquals("motion", motion.getString("kind"));
    assertEquals("", motion.getString("eventType"));
  }

  @Test
  void theRecorderGateTakesTheWorkersMessage() {
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      ModeGate gate = new ModeGate(RecordingModes.parse("recording.main.modes", List.of("event"), 10, 10, List.of("intrusion"), List.of(), "UTC"),
          Duration.ofSeconds(20));
      AutoCloseable reg = RecordingTriggers.of(vertx).register("acme", "door", gate);
      // the worker knows the camera by the job's name-based UUIDs
      for (JsonObject m : ModelWorkerVerticle.recordingTriggers("intrusion", RecordingTriggers.uuidOf("tenant", "acme"),
          RecordingTriggers.uuidOf("camera", "door"), frames("intrusion", 25, 5, 20, "intrusion"))) {
        assertEquals(1, RecordingTriggers.of(vertx).deliver(m));
      }
      assertTrue(gate.at(Instant.ofEpochMilli(T0 + 1000 - 10_000)).wanted(), "pre-roll");
      assertTrue(gate.at(Instant.ofEpochMilli(T0 + 4000 + 9_999)).wanted(), "post-roll");
      reg.close();
    } catch (Exception e) {
      throw new RuntimeException(e);
    } finally {
      vertx.close();
    }
  }
}
