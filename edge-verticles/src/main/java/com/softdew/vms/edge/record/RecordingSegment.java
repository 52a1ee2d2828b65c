package com.softdew.vms.edge.record;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Instant;

/**
 * One closed recording segment of a camera stream (remuxed, not re-encoded).
 *
 * @param stream     which camera stream: "main" or "sub"
 * @param start      capture time of the first packet (receive clock of the recorder, see docs/recording.md)
 * @param end        start + stream time covered by the file
 * @param bytes      file size
 * @param codec      FFmpeg codec name of the stream in the file (h264, hevc ...): the camera's own
 * @param resolution WIDTHxHEIGHT
 * @param sha256     lower-case hex SHA-256 of the file
 * @param path       the closed file (never a .part), absolute on the node that wrote it
 * @param source     where it came from: "rtsp" (recorded live by us) or "sdcard" (filled from the camera's own
 *                   recording, ONVIF Profile G)
 * @param trigger    why it was recorded: "continuous", "motion", "event", "schedule" (a combination records
 *                   under the first mode that wanted it, in that order)
 * @param eventType  the event type that triggered an "event" segment, else ""
 */
public record RecordingSegment(String tenantId, String cameraId, String stream, Instant start, Instant end, long bytes,
    String codec, String resolution, String sha256, Path path, String source, String trigger, String eventType) {

  public RecordingSegment {
    if (stream == null || stream.isEmpty()) stream = "main";
    if (trigger == null || trigger.isEmpty()) trigger = "continuous";
    if (eventType == null) eventType = "";
  }

  /** A continuous main-stream segment recorded live (the only kind before recording modes existed). */
  public RecordingSegment(String tenantId, String cameraId, Instant start, Instant end, long bytes, String codec,
      String resolution, String sha256, Path path, String source) {
    this(tenantId, cameraId, "main", start, end, bytes, codec, resolution, sha256, path, source, "continuous", "");
  }

  /**
   * Stable identity, the same on every resend (the index is idempotent on it):
   * {@code <cameraId>.<stream>.<startEpochMs>.<source>}.
   */
  public String segmentId() {
    return cameraId + "." + stream + "." + start.toEpochMilli() + "." + source;
  }

  public JsonObject toJson() {
    return new JsonObject().put("segmentId", segmentId()).put("tenantId", tenantId).put("cameraId", cameraId)
        .put("stream", stream).put("start", start.toString()).put("end", end.toString()).put("bytes", bytes)
        .put("codec", codec).put("resolution", resolution).put("sha256", sha256).put("path", path.toString())
        .put("source", source).put("trigger", trigger).put("eventType", eventType);
  }

  public static RecordingSegment fromJson(JsonObject j) {
    return new RecordingSegment(j.getString("tenantId"), j.getString("cameraId"), j.getString("stream", "main"),
        Instant.parse(j.getString("start")), Instant.parse(j.getString("end")), j.getLong("bytes", 0L),
        j.getString("codec", ""), j.getString("resolution", ""), j.getString("sha256", ""), Path.of(j.getString("path")),
        j.getString("source", "rtsp"), j.getString("trigger", "continuous"), j.getString("eventType", ""));
  }
}
