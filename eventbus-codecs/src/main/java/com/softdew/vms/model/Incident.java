package com.softdew.vms.model;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/** A watchdog incident (seed §9 "Incident Management"). customerId/cameraId are null for system-wide incidents. */
public record Incident(
    UUID incidentId,
    Instant timestamp,
    UUID customerId,
    UUID cameraId,
    String aiModel,
    Type incidentType,
    double actualValue,
    double thresholdValue,
    Severity severity) implements JsonRecord {

  public enum Type { LATENCY_BREACH, THROUGHPUT_DROP, SERVICE_FAILURE }

  public enum Severity { CRITICAL, HIGH, MEDIUM, LOW }

  public Incident {
    Objects.requireNonNull(incidentId, "incidentId");
    Objects.requireNonNull(timestamp, "timestamp");
    Objects.requireNonNull(incidentType, "incidentType");
    Objects.requireNonNull(severity, "severity");
  }

  @Override
  public JsonObject toJson() {
    JsonObject j = new JsonObject().put("incidentId", incidentId.toString()).put("timestamp", timestamp.toString())
        .put("incidentType", incidentType.name()).put("actualValue", actualValue)
        .put("thresholdValue", thresholdValue).put("severity", severity.name());
    if (customerId != null) j.put("customerId", customerId.toString());
    if (cameraId != null) j.put("cameraId", cameraId.toString());
    if (aiModel != null) j.put("aiModel", aiModel);
    return j;
  }

  public static Incident fromJson(JsonObject j) {
    return new Incident(
        Json.uuid(j, "incidentId"), Json.instant(j, "timestamp"), Json.optUuid(j, "customerId"),
        Json.optUuid(j, "cameraId"), Json.optString(j, "aiModel"),
        Json.enumValue(Type.class, "incidentType", j.getString("incidentType")),
        Json.doubleValue(j, "actualValue", -Double.MAX_VALUE, Double.MAX_VALUE),
        Json.doubleValue(j, "thresholdValue", -Double.MAX_VALUE, Double.MAX_VALUE),
        Json.enumValue(Severity.class, "severity", j.getString("severity")));
  }
}
