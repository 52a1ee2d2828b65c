package com.softdew.vms.control.storage;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * One row of the recording index (table {@code recording_segment}, migration V5).
 *
 * @param path         absolute path of the file on {@code nodeId}
 * @param tier         where the authoritative copy is: "local" (the recording node's volume) or "cloud"
 * @param objectKey    key in the cloud tier once uploaded, else null
 * @param localPresent whether the local file still exists (false after edge-buffer eviction or retention)
 * @param state        "present" or "deleted" (by retention; the row is kept as the audit of what was deleted)
 */
public record SegmentRow(String tenantId, String segmentId, String cameraId, String stream, Instant start, Instant end,
    long bytes, String codec, String resolution, String source, String trigger, String eventType, String sha256,
    String nodeId, String path, String tier, String objectKey, boolean localPresent, boolean protectedFlag,
    String protectReason, String state) {

  public JsonObject toJson() {
    return new JsonObject().put("segmentId", segmentId).put("cameraId", cameraId).put("stream", stream)
        .put("start", start.toString()).put("end", end.toString()).put("bytes", bytes).put("codec", codec)
        .put("resolution", resolution).put("source", source).put("trigger", trigger).put("eventType", eventType)
        .put("sha256", sha256).put("nodeId", nodeId).put("tier", tier).put("objectKey", objectKey)
        .put("localPresent", localPresent).put("protected", protectedFlag).put("protectReason", protectReason)
        .put("state", state);
  }
}
