package com.softdew.vms.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class DetectionResultTest {
  static DetectionResult sample() {
    JsonArray frames = new JsonArray()
        .add(new JsonObject().put("frame", 0).put("ptsMs", 1_772_359_200_000L).put("count", 1)
            .put("detections", new JsonArray().add(new JsonObject().put("class", "person").put("confidence", 0.8)
                .put("box", new JsonArray().add(1).add(2).add(30).add(60)).put("track", "t1").put("zone", "door")))
            .put("alarms", new JsonArray().add(new JsonObject().put("type", "intrusion").put("zone", "door").put("confidence", 0.8))))
        .add(new JsonObject().put("frame", 1).put("ptsMs", 1_772_359_200_067L).put("count", 0).put("detections", new JsonArray()));
    return new DetectionResult(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), "intrusion", 42,
        Instant.parse("2026-03-01T10:00:00Z"), Priority.MEDIUM, frames, new DetectionResult.Latency(3, 40, 12, 5, 61, 90), "node-1", "cpu");
  }

  @Test
  void roundTrip() {
    DetectionResult r = sample();
    DetectionResult back = DetectionResult.fromJson(new JsonObject(r.toJson().encode()));
    assertEquals(r, back);
    assertEquals(2, back.frameCount());
    assertEquals("door", back.frames().getJsonObject(0).getJsonArray("detections").getJsonObject(0).getString("zone"));
  }

  @Test
  void badFieldsAreNamed() {
    JsonObject j = sample().toJson();
    j.put("customerId", "nope");
    assertEquals("customerId", assertThrows(InvalidFieldException.class, () -> DetectionResult.fromJson(j)).field());

    JsonObject k = sample().toJson();
    k.getJsonObject("latency").put("decodeMs", -1);
    assertEquals("latency.decodeMs", assertThrows(InvalidFieldException.class, () -> DetectionResult.fromJson(k)).field());

    JsonObject f = sample().toJson();
    f.getJsonArray("frames").getJsonObject(1).remove("ptsMs");
    assertEquals("frames[1].ptsMs", assertThrows(InvalidFieldException.class, () -> DetectionResult.fromJson(f)).field());

    JsonObject p = sample().toJson().put("priority", "URGENT");
    assertEquals("priority", assertThrows(InvalidFieldException.class, () -> DetectionResult.fromJson(p)).field());
  }
}
