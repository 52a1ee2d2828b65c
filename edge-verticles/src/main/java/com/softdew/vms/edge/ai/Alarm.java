package com.softdew.vms.edge.ai;

import io.vertx.core.json.JsonObject;
import java.util.Objects;

/**
 * The model's event condition holds on this frame (e.g. a person has dwelt in zone "door" longer than
 * the threshold, the view is covered, fire is growing). Consecutive alarm frames of the same
 * (type, zone, key) become one event ({@link EventAccumulator}); the event engine (control plane)
 * merges them further across segments and cameras.
 *
 * @param type       event type, usually the model id ("intrusion", "fire", "tampering"...)
 * @param zone       zone name or null
 * @param key        what distinguishes two simultaneous alarms of the same type and zone (a track id,
 *                   a tamper kind "covered"/"defocused"...), or null
 * @param confidence 0..1
 * @param reason     one line a human can read ("person t3 in zone door for 4.2 s > 3 s")
 */
public record Alarm(String type, String zone, String key, double confidence, String reason) {
  public Alarm {
    Objects.requireNonNull(type, "type");
    if (!(confidence >= 0 && confidence <= 1)) throw new IllegalArgumentException("confidence must be in [0,1], got " + confidence);
  }

  public JsonObject toJson() {
    JsonObject j = new JsonObject().put("type", type).put("confidence", Math.round(confidence * 1000) / 1000.0);
    if (zone != null) j.put("zone", zone);
    if (key != null) j.put("key", key);
    if (reason != null) j.put("reason", reason);
    return j;
  }
}
