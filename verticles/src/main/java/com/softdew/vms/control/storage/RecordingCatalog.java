package com.softdew.vms.control.storage;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;

/**
 * What playback, export and clips need from the recording index; implemented by {@code RecordingIndex} over
 * SQL. Every call is bound to one tenant (row-level security): another tenant's segment is "not found".
 */
public interface RecordingCatalog {

  /** Present segments of a camera stream overlapping [from, to), ordered by start. */
  Future<List<SegmentRow>> segments(String tenantId, String cameraId, String stream, Instant from, Instant to);

  /** One segment by id, or a null result when the tenant has no such segment. */
  Future<SegmentRow> segment(String tenantId, String segmentId);

  /**
   * Spans of [from, to) without footage: reported gaps minus present segments (what is left after SD-card
   * filling), ordered by start.
   */
  Future<List<GapRow>> gaps(String tenantId, String cameraId, String stream, Instant from, Instant to);

  /** Marks the segments overlapping [from, to) protected (export, escalation): retention never deletes them. */
  Future<Integer> protect(String tenantId, String cameraId, Instant from, Instant to, String reason);
}
