package com.softdew.vms.edge.record;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Instant;

/**
 * One closed recording segment of a camera's main stream (remuxed, not re-encoded).
 *
 * @param start      capture time of the first packet (receive clock of the recorder, see docs/recording.md)
 * @param end        start + stream time covered by the file
 * @param bytes      file size
 * @param codec      FFmpeg codec name of the stream in the file (h264, hevc ...): the camera's own
 * @param resolution WIDTHxHEIGHT
 * @param sha256     lower-case hex SHA-256 of the file
 * @param path       the closed file (never a .part)
 * @param source     where it came from: "rtsp"
 */
public record RecordingSegment(String tenantId, String cameraId, Instant start, Instant end, long bytes, String codec,
    String resolution, String sha256, Path path, String source) {

  public JsonObject toJson() {
    return new JsonObject().put("tenantId", tenantId).put("cameraId", cameraId).put("start", start.toString())
        .put("end", end.toString()).put("bytes", bytes).put("codec", codec).put("resolution", resolution).put("sha256", sha256)
        .put("path", path.toString()).put("source", source);
  }
}
