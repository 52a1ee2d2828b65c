package com.softdew.vms.edge.ai;

import io.vertx.core.json.JsonObject;
import java.util.Objects;

/**
 * One thing a model or the shared perception found on a frame.
 *
 * @param objectClass "person", "vehicle", "fire", "smoke", "plate", "motion", "region"...
 * @param confidence  0..1
 * @param box         in pixels of the analysed (normalised) frame
 * @param trackId     stable across frames of one camera when the thing is tracked, else null
 * @param zone        name of the zone it is in, or null
 * @param attributes  model-specific facts (plate text, dwell seconds, speed...), never null
 */
public record Detection(String objectClass, double confidence, Box box, String trackId, String zone, JsonObject attributes) {
  public Detection {
    Objects.requireNonNull(objectClass, "objectClass");
    Objects.requireNonNull(box, "box");
    if (!(confidence >= 0 && confidence <= 1)) throw new IllegalArgumentException("confidence must be in [0,1], got " + confidence);
    attributes = attributes == null ? new JsonObject() : attributes;
  }

  public Detection(String objectClass, double confidence, Box box) {
    this(objectClass, confidence, box, null, null, null);
  }

  public Detection withTrack(String id) { return new Detection(objectClass, confidence, box, id, zone, attributes); }
  public Detection withZone(String z) { return new Detection(objectClass, confidence, box, trackId, z, attributes); }
  public Detection withBox(Box b) { return new Detection(objectClass, confidence, b, trackId, zone, attributes); }

  public JsonObject toJson() {
    JsonObject j = new JsonObject().put("class", objectClass).put("confidence", Math.round(confidence * 1000) / 1000.0).put("box", box.toJson());
    if (trackId != null) j.put("track", trackId);
    if (zone != null) j.put("zone", zone);
    if (!attributes.isEmpty()) j.put("attributes", attributes);
    return j;
  }
}
