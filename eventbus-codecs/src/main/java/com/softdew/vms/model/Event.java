package com.softdew.vms.model;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/** An analytics event (seed §7 "Event Object"). */
public record Event(
    UUID eventId,
    UUID customerId,
    UUID cameraId,
    String eventType,
    double confidence,
    Instant timestamp,
    DetectionMetadata detectionMetadata,
    String clipUrl,
    Priority priority,
    Status status) implements JsonRecord {

  /** Lifecycle of an event; ESCALATED is the seed's "escalate to ticket" action made a state. */
  public enum Status { NEW, ACKNOWLEDGED, RESOLVED, FALSE_POSITIVE, ESCALATED }

  public Event {
    Objects.requireNonNull(eventId, "eventId");
    Objects.requireNonNull(customerId, "customerId");
    Objects.requireNonNull(cameraId, "cameraId");
    Objects.requireNonNull(eventType, "eventType");
    Objects.requireNonNull(timestamp, "timestamp");
    Objects.requireNonNull(priority, "priority");
    Objects.requireNonNull(status, "status");
    if (!(confidence >= 0.0 && confidence <= 1.0)) throw new InvalidFieldException("confidence", "must be in [0.0, 1.0]");
  }

  /** Box in normalised image coordinates (0..1), origin top-left. */
  public record BoundingBox(double x, double y, double width, double height) {
    public JsonObject toJson() {
      return new JsonObject().put("x", x).put("y", y).put("width", width).put("height", height);
    }

    public static BoundingBox fromJson(JsonObject j) {
      return new BoundingBox(Json.doubleValue(j, "x", 0, 1), Json.doubleValue(j, "y", 0, 1),
          Json.doubleValue(j, "width", 0, 1), Json.doubleValue(j, "height", 0, 1));
    }
  }

  /** What was detected, and the track that links detections across segments and cameras. */
  public record DetectionMetadata(BoundingBox boundingBox, String objectClass, UUID trackingId) {
    public JsonObject toJson() {
      JsonObject j = new JsonObject().put("objectClass", objectClass);
      if (boundingBox != null) j.put("boundingBox", boundingBox.toJson());
      if (trackingId != null) j.put("trackingId", trackingId.toString());
      return j;
    }

    public static DetectionMetadata fromJson(JsonObject j) {
      JsonObject box = j.getJsonObject("boundingBox");
      return new DetectionMetadata(box == null ? null : Json.nested("boundingBox", () -> BoundingBox.fromJson(box)),
          Json.optString(j, "objectClass"), Json.optUuid(j, "trackingId"));
    }
  }

  @Override
  public JsonObject toJson() {
    JsonObject j = new JsonObject()
        .put("eventId", eventId.toString()).put("customerId", customerId.toString())
        .put("cameraId", cameraId.toString()).put("eventType", eventType).put("confidence", confidence)
        .put("timestamp", timestamp.toString()).put("priority", priority.name()).put("status", status.name());
    if (detectionMetadata != null) j.put("detectionMetadata", detectionMetadata.toJson());
    if (clipUrl != null) j.put("clipUrl", clipUrl);
    return j;
  }

  public static Event fromJson(JsonObject j) {
    JsonObject dm = j.getJsonObject("detectionMetadata");
    return new Event(
        Json.uuid(j, "eventId"), Json.uuid(j, "customerId"), Json.uuid(j, "cameraId"),
        Json.string(j, "eventType"), Json.doubleValue(j, "confidence", 0, 1), Json.instant(j, "timestamp"),
        dm == null ? null : Json.nested("detectionMetadata", () -> DetectionMetadata.fromJson(dm)),
        Json.optString(j, "clipUrl"), Priority.parse("priority", j.getString("priority")),
        Json.enumValue(Status.class, "status", j.getString("status")));
  }

  /** A copy with another status (events are immutable values). */
  public Event withStatus(Status newStatus) {
    return new Event(eventId, customerId, cameraId, eventType, confidence, timestamp, detectionMetadata, clipUrl, priority, newStatus);
  }
}
