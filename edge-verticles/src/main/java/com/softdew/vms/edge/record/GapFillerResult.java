package com.softdew.vms.edge.record;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What a {@link GapFiller} made of one {@link RecordingGap}.
 *
 * @param fillState "filled" (nothing left), "partial" (some footage came from the card, {@code remaining} did not),
 *                  "unfillable" (the card has nothing of it), "open" (the fill failed: camera unreachable, timeout,
 *                  queue full; the gap may be tried again) - the values of the index's {@code recording_gap.fill_state}
 * @param fillNote  why, for people (errors, what the card lacked)
 * @param segments  the segments written (source "sdcard"), in time order
 * @param remaining the spans of the gap still without footage, in time order (empty when filled)
 * @param attempts  how many times the camera was contacted (retries after errors included)
 */
public record GapFillerResult(RecordingGap gap, String fillState, String fillNote, List<RecordingSegment> segments,
    List<Span> remaining, int attempts, Instant started, Instant finished) {

  /** A time span [start, end). */
  public record Span(Instant start, Instant end) {
    public Duration duration() {
      return Duration.between(start, end);
    }

    public JsonObject toJson() {
      return new JsonObject().put("start", start.toString()).put("end", end.toString());
    }

    @Override
    public String toString() {
      return start + "→" + end + " (" + duration().toMillis() + " ms)";
    }
  }

  public GapFillerResult {
    segments = List.copyOf(segments);
    remaining = List.copyOf(remaining);
  }

  /** Length of the gap still without footage. */
  public Duration remainingDuration() {
    Duration d = Duration.ZERO;
    for (Span s : remaining) d = d.plus(s.duration());
    return d;
  }

  /**
   * {tenantId, cameraId, stream, start, end, reason (the gap's), fillState, fillNote, attempts, started, finished,
   * segmentIds: [...], remaining: [{start, end}]}: what the index needs to update the gap row.
   */
  public JsonObject toJson() {
    JsonArray ids = new JsonArray();
    for (RecordingSegment s : segments) ids.add(s.segmentId());
    JsonArray rem = new JsonArray();
    for (Span s : remaining) rem.add(s.toJson());
    return gap.toJson().put("fillState", fillState).put("fillNote", fillNote).put("attempts", attempts)
        .put("started", started.toString()).put("finished", finished.toString()).put("segmentIds", ids).put("remaining", rem);
  }
}
