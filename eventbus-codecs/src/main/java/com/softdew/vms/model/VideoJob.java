package com.softdew.vms.model;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * A segment to analyse (seed §6 "VideoJob Object Structure"). The encoded segment travels inline
 * ({@code videoSegment}) up to a configured size; above it, {@code segmentUri} names the segment in
 * the segment store (claim check) and {@code videoSegment} is null. Exactly one of the two is set.
 */
public record VideoJob(
    UUID jobId,
    UUID customerId,
    UUID cameraId,
    long segmentSequence,
    Instant timestamp,
    byte[] videoSegment,
    String segmentUri,
    Metadata metadata) implements JsonRecord {

  public VideoJob {
    Objects.requireNonNull(jobId, "jobId");
    Objects.requireNonNull(customerId, "customerId");
    Objects.requireNonNull(cameraId, "cameraId");
    Objects.requireNonNull(timestamp, "timestamp");
    Objects.requireNonNull(metadata, "metadata");
    if ((videoSegment == null) == (segmentUri == null)) {
      throw new InvalidFieldException("videoSegment", "exactly one of videoSegment and segmentUri must be set");
    }
    if (segmentSequence < 0) throw new InvalidFieldException("segmentSequence", "must be >= 0");
  }

  /** Job metadata: what the segment is and which models should see it. */
  public record Metadata(
      String resolution, long bitrate, double duration, int frameCount, List<String> enabledModels,
      Priority priority, SourceQuality sourceQuality) {
    public Metadata {
      enabledModels = List.copyOf(enabledModels);
      Objects.requireNonNull(priority, "priority");
      Objects.requireNonNull(sourceQuality, "sourceQuality");
    }

    public JsonObject toJson() {
      return new JsonObject()
          .put("resolution", resolution).put("bitrate", bitrate).put("duration", duration)
          .put("frameCount", frameCount).put("enabledModels", new JsonArray(enabledModels))
          .put("priority", priority.name()).put("sourceQuality", sourceQuality.toJson());
    }

    public static Metadata fromJson(JsonObject j) {
      return new Metadata(
          Json.string(j, "resolution"),
          Json.longValue(j, "bitrate", 0, Long.MAX_VALUE),
          Json.doubleValue(j, "duration", 0, 3600),
          (int) Json.longValue(j, "frameCount", 0, Integer.MAX_VALUE),
          Json.strings(j, "enabledModels"),
          Priority.parse("priority", j.getString("priority")),
          Json.nested("sourceQuality", () -> SourceQuality.fromJson(Json.object(j, "sourceQuality"))));
    }
  }

  /** What the camera stream delivered (before normalisation). */
  public record SourceQuality(String resolution, long bitrate, double fps, String codec) {
    public JsonObject toJson() {
      return new JsonObject().put("resolution", resolution).put("bitrate", bitrate).put("fps", fps).put("codec", codec);
    }

    public static SourceQuality fromJson(JsonObject j) {
      return new SourceQuality(
          Json.string(j, "resolution"), Json.longValue(j, "bitrate", 0, Long.MAX_VALUE),
          Json.doubleValue(j, "fps", 0, 1000), Json.string(j, "codec"));
    }
  }

  @Override
  public JsonObject toJson() {
    JsonObject j = new JsonObject()
        .put("jobId", jobId.toString()).put("customerId", customerId.toString())
        .put("cameraId", cameraId.toString()).put("segmentSequence", segmentSequence)
        .put("timestamp", timestamp.toString()).put("metadata", metadata.toJson());
    if (videoSegment != null) j.put("videoSegment", Base64.getEncoder().encodeToString(videoSegment));
    if (segmentUri != null) j.put("segmentUri", segmentUri);
    return j;
  }

  public static VideoJob fromJson(JsonObject j) {
    return new VideoJob(
        Json.uuid(j, "jobId"), Json.uuid(j, "customerId"), Json.uuid(j, "cameraId"),
        Json.longValue(j, "segmentSequence", 0, Long.MAX_VALUE), Json.instant(j, "timestamp"),
        Json.optBytes(j, "videoSegment"), Json.optString(j, "segmentUri"),
        Json.nested("metadata", () -> Metadata.fromJson(Json.object(j, "metadata"))));
  }

  // records compare arrays by identity; a job is equal to its round-tripped copy
  @Override
  public boolean equals(Object o) {
    return o instanceof VideoJob v && jobId.equals(v.jobId) && customerId.equals(v.customerId)
        && cameraId.equals(v.cameraId) && segmentSequence == v.segmentSequence
        && timestamp.equals(v.timestamp) && Arrays.equals(videoSegment, v.videoSegment)
        && Objects.equals(segmentUri, v.segmentUri) && metadata.equals(v.metadata);
  }

  @Override
  public int hashCode() {
    return Objects.hash(jobId, customerId, cameraId, segmentSequence, timestamp, Arrays.hashCode(videoSegment), segmentUri, metadata);
  }

  @Override
  public String toString() {
    return "VideoJob[" + jobId + " camera=" + cameraId + " seq=" + segmentSequence + " at " + timestamp
        + (videoSegment != null ? " inline " + videoSegment.length + " B" : " uri " + segmentUri) + "]";
  }
}
