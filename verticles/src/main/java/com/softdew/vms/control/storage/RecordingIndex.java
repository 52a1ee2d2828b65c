package com.softdew.vms.control.storage;

import com.softdew.vms.edge.record.RecordingGap;
import com.softdew.vms.edge.record.RecordingSegment;
import com.softdew.vms.platform.store.SqlDialect;
import com.softdew.vms.platform.store.TenantSql;
import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The recording index over SQL (tables {@code recording_segment}, {@code recording_gap} of migration V5). Every
 * call runs in a transaction bound to one tenant ({@link TenantSql#inTenant}), so row-level security filters
 * every row even where a query would forget its tenant condition. Writes are idempotent: the same segment id (or
 * gap start) twice leaves one row and the second call succeeds without changing anything.
 *
 * <p>A time range is one range scan on the index {@code (tenant_id, camera_id, stream, start_ms)}: a segment
 * overlaps [from, to) when {@code start_ms < to AND end_ms > from}; because a segment that started before
 * {@code from} may still overlap it, the scan starts at {@code from - MAX_SEGMENT_MS} and {@link #indexSegment}
 * refuses longer segments, so no overlapping segment is missed.
 */
public final class RecordingIndex implements RecordingCatalog {
  /** Longest segment the index accepts, and so the look-back of a range query. */
  public static final long MAX_SEGMENT_MS = Duration.ofMinutes(10).toMillis();
  /** Holes between adjacent segments up to one frame at 25 fps are not holes (timestamp rounding). */
  public static final long JOIN_TOLERANCE_MS = 40;

  static final String COLUMNS = "tenant_id, segment_id, camera_id, stream, start_ms, end_ms, bytes, codec, resolution, source,"
      + " trigger_kind, event_type, sha256, node_id, path, tier, object_key, local_present, protected, protect_reason, state";

  private final TenantSql sql;
  private final SqlDialect d;

  public RecordingIndex(TenantSql sql) {
    this.sql = sql;
    this.d = sql.dialect();
  }

  /** What an idempotent write did. */
  public enum Outcome {
    /** a new row */
    INSERTED,
    /** the row existed with the same content: nothing changed */
    DUPLICATE,
    /** the row existed with a different checksum, size or end: nothing changed, the caller should log it */
    CONFLICT
  }

  /** A reported gap with its fill state computed from present segments, and what is left of it within the query. */
  public record GapReport(GapRow gap, long coveredMs, List<GapRow> remaining) {}

  /** Union of segment spans over a window: recorded time, the rest, and the holes (adjacent within tolerance joined). */
  public record Coverage(long recordedMs, long gapMs, boolean contiguous, List<long[]> holes) {}

  // ------------------------------------------------------------------ writes

  private boolean postgres() {
    return "postgresql".equals(d.name());
  }

  private String params(int from, int n) {
    return IntStream.range(from, from + n).mapToObj(d::p).collect(Collectors.joining(", "));
  }

  /**
   * Adds one segment recorded on {@code nodeId}; the same {@link RecordingSegment#segmentId()} twice is one row.
   * Refuses (IllegalArgumentException naming the field) a segment longer than {@link #MAX_SEGMENT_MS}.
   */
  public Future<Outcome> indexSegment(String nodeId, RecordingSegment s) {
    long start = s.start().toEpochMilli();
    long end = s.end().toEpochMilli();
    if (end <= start) return Future.failedFuture(new IllegalArgumentException("end must be after start"));
    if (end - start > MAX_SEGMENT_MS) {
      return Future.failedFuture(new IllegalArgumentException("end: a segment may cover at most " + MAX_SEGMENT_MS + " ms, this one "
          + (end - start)));
    }
    List<Object> values = Arrays.asList(s.tenantId(), s.segmentId(), s.cameraId(), s.stream(), start, end, s.bytes(), s.codec(),
        s.resolution(), s.source(), s.trigger(), s.eventType(), s.sha256(), nodeId, s.path().toString(), "local", true, false, "",
        "present", System.currentTimeMillis());
    String cols = "tenant_id, segment_id, camera_id, stream, start_ms, end_ms, bytes, codec, resolution, source, trigger_kind, event_type,"
        + " sha256, node_id, path, tier, local_present, protected, protect_reason, state, indexed_ms";
    String text = postgres()
        ? "INSERT INTO recording_segment (" + cols + ") VALUES (" + params(1, values.size()) + ") ON CONFLICT DO NOTHING"
        : "IF NOT EXISTS (SELECT 1 FROM recording_segment WHERE tenant_id = " + d.p(1) + " AND segment_id = " + d.p(2) + ")"
            + " INSERT INTO recording_segment (" + cols + ") VALUES (" + params(1, values.size()) + ")";
    return sql.inTenant(s.tenantId(), c -> c.preparedQuery(text).execute(Tuple.from(values))
            .compose(rs -> rs.rowCount() == 1 ? Future.succeededFuture(Outcome.INSERTED) : compare(c, s, start, end)))
        // a concurrent insert of the same id (two control nodes got the same resend) lost the race: the row is there
        .recover(e -> isDuplicate(e) ? Future.succeededFuture(Outcome.DUPLICATE) : Future.failedFuture(e));
  }

  private Future<Outcome> compare(SqlConnection c, RecordingSegment s, long start, long end) {
    return c.preparedQuery("SELECT sha256, bytes, end_ms FROM recording_segment WHERE tenant_id = " + d.p(1) + " AND segment_id = " + d.p(2))
        .execute(Tuple.of(s.tenantId(), s.segmentId())).map(rows -> {
          if (rows.size() == 0) return Outcome.DUPLICATE;
          Row r = rows.iterator().next();
          boolean same = r.getString(0).equals(s.sha256()) && r.getLong(1) == s.bytes() && r.getLong(2) == end;
          return same ? Outcome.DUPLICATE : Outcome.CONFLICT;
        });
  }

  static boolean isDuplicate(Throwable e) {
    String m = String.valueOf(e.getMessage()).toLowerCase();
    return m.contains("duplicate") || m.contains("unique") || m.contains("primary key");
  }

  /** Records a reported gap; idempotent on (tenant, camera, stream, start). */
  public Future<Outcome> recordGap(RecordingGap g) {
    long start = g.start().toEpochMilli();
    long end = g.end().toEpochMilli();
    if (end <= start) return Future.failedFuture(new IllegalArgumentException("end must be after start"));
    String reason = g.reason() == null ? "" : g.reason().length() > 500 ? g.reason().substring(0, 500) : g.reason();
    List<Object> values = Arrays.asList(g.tenantId(), g.cameraId(), g.stream(), start, end, reason, "open", "");
    String cols = "tenant_id, camera_id, stream, start_ms, end_ms, reason, fill_state, fill_note";
    String text = postgres()
        ? "INSERT INTO recording_gap (" + cols + ") VALUES (" + params(1, values.size()) + ") ON CONFLICT DO NOTHING"
        : "IF NOT EXISTS (SELECT 1 FROM recording_gap WHERE tenant_id = " + d.p(1) + " AND camera_id = " + d.p(2) + " AND stream = "
            + d.p(3) + " AND start_ms = " + d.p(4) + ") INSERT INTO recording_gap (" + cols + ") VALUES (" + params(1, values.size()) + ")";
    return sql.inTenant(g.tenantId(), c -> c.preparedQuery(text).execute(Tuple.from(values))
            .map(rs -> rs.rowCount() == 1 ? Outcome.INSERTED : Outcome.DUPLICATE))
        .recover(e -> isDuplicate(e) ? Future.succeededFuture(Outcome.DUPLICATE) : Future.failedFuture(e));
  }

  /**
   * What the SD-card gap filler concluded about a gap ("unfillable": the camera had nothing; "filled"/"partial" are
   * informative, the index computes them from present segments anyway). False when no such gap is indexed.
   */
  public Future<Boolean> markGapFill(String tenantId, String cameraId, String stream, Instant gapStart, String fillState, String note) {
    String n = note == null ? "" : note.length() > 500 ? note.substring(0, 500) : note;
    return sql.inTenant(tenantId, c -> c.preparedQuery("UPDATE recording_gap SET fill_state = " + d.p(1) + ", fill_note = " + d.p(2)
            + " WHERE tenant_id = " + d.p(3) + " AND camera_id = " + d.p(4) + " AND stream = " + d.p(5) + " AND start_ms = " + d.p(6))
        .execute(Tuple.from(Arrays.asList(fillState, n, tenantId, cameraId, stream, gapStart.toEpochMilli()))))
        .map(rs -> rs.rowCount() > 0);
  }

  /** The segment's copy in {@code tier} is at {@code objectKey}; false when the tenant has no such segment. Idempotent. */
  public Future<Boolean> markUploaded(String tenantId, String segmentId, String tier, String objectKey) {
    return sql.inTenant(tenantId, c -> c.preparedQuery("UPDATE recording_segment SET tier = " + d.p(1) + ", object_key = " + d.p(2)
            + " WHERE tenant_id = " + d.p(3) + " AND segment_id = " + d.p(4))
        .execute(Tuple.of(tier, objectKey, tenantId, segmentId)))
        .map(rs -> rs.rowCount() > 0);
  }

  /** The local file is gone (edge buffer eviction); the row stays, playback uses the cloud copy. Idempotent. */
  public Future<Boolean> markLocalEvicted(String tenantId, String segmentId) {
    return sql.inTenant(tenantId, c -> c.preparedQuery("UPDATE recording_segment SET local_present = " + d.p(1)
            + " WHERE tenant_id = " + d.p(2) + " AND segment_id = " + d.p(3))
        .execute(Tuple.of(false, tenantId, segmentId)))
        .map(rs -> rs.rowCount() > 0);
  }

  @Override
  public Future<Integer> protect(String tenantId, String cameraId, Instant from, Instant to, String reason) {
    return setProtected(tenantId, cameraId, from, to, true, reason == null ? "" : reason.length() > 200 ? reason.substring(0, 200) : reason);
  }

  /** Lifts the protection of the present segments overlapping [from, to) (both streams); returns how many. */
  public Future<Integer> unprotect(String tenantId, String cameraId, Instant from, Instant to) {
    return setProtected(tenantId, cameraId, from, to, false, "");
  }

  private Future<Integer> setProtected(String tenantId, String cameraId, Instant from, Instant to, boolean on, String reason) {
    long f = from.toEpochMilli();
    long t = to.toEpochMilli();
    // both streams: the index (tenant, camera, stream, start_ms) still serves it as two ranges (skip scan) or a
    // camera-prefix scan; protection is rare
    return sql.inTenant(tenantId, c -> c.preparedQuery("UPDATE recording_segment SET protected = " + d.p(1) + ", protect_reason = " + d.p(2)
            + " WHERE tenant_id = " + d.p(3) + " AND camera_id = " + d.p(4) + " AND stream IN ('main', 'sub') AND start_ms >= " + d.p(5)
            + " AND start_ms < " + d.p(6) + " AND end_ms > " + d.p(7) + " AND state = 'present'")
        .execute(Tuple.from(Arrays.asList(on, reason, tenantId, cameraId, f - MAX_SEGMENT_MS, t, f))))
        .map(rs -> rs.rowCount());
  }

  // ------------------------------------------------------------------ reads

  static SegmentRow row(Row r) {
    return new SegmentRow(r.getString("tenant_id"), r.getString("segment_id"), r.getString("camera_id"), r.getString("stream"),
        Instant.ofEpochMilli(r.getLong("start_ms")), Instant.ofEpochMilli(r.getLong("end_ms")), r.getLong("bytes"), r.getString("codec"),
        r.getString("resolution"), r.getString("source"), r.getString("trigger_kind"), r.getString("event_type"), r.getString("sha256"),
        r.getString("node_id"), r.getString("path"), r.getString("tier"), r.getString("object_key"), r.getBoolean("local_present"),
        r.getBoolean("protected"), r.getString("protect_reason"), r.getString("state"));
  }

  @Override
  public Future<List<SegmentRow>> segments(String tenantId, String cameraId, String stream, Instant from, Instant to) {
    return segments(tenantId, cameraId, stream, from, to, Integer.MAX_VALUE);
  }

  /**
   * At most {@code limit} present segments of a stream overlapping [from, to), by start: one range scan
   * {@code start_ms >= from - MAX_SEGMENT_MS AND start_ms < to}, filtered by {@code end_ms > from}.
   */
  public Future<List<SegmentRow>> segments(String tenantId, String cameraId, String stream, Instant from, Instant to, int limit) {
    long f = from.toEpochMilli();
    long t = to.toEpochMilli();
    String text = "SELECT " + COLUMNS + " FROM recording_segment WHERE tenant_id = " + d.p(1) + " AND camera_id = " + d.p(2)
        + " AND stream = " + d.p(3) + " AND start_ms >= " + d.p(4) + " AND start_ms < " + d.p(5) + " AND end_ms > " + d.p(6)
        + " AND state = 'present' ORDER BY start_ms, segment_id" + (limit == Integer.MAX_VALUE ? "" : d.page(limit, 0));
    return sql.inTenant(tenantId, c -> c.preparedQuery(text)
            .execute(Tuple.from(Arrays.asList(tenantId, cameraId, stream, f - MAX_SEGMENT_MS, t, f))))
        .map(rows -> {
          List<SegmentRow> out = new ArrayList<>(rows.size());
          for (Row r : rows) out.add(row(r));
          return out;
        });
  }

  @Override
  public Future<SegmentRow> segment(String tenantId, String segmentId) {
    return sql.inTenant(tenantId, c -> c.preparedQuery("SELECT " + COLUMNS + " FROM recording_segment WHERE tenant_id = " + d.p(1)
            + " AND segment_id = " + d.p(2)).execute(Tuple.of(tenantId, segmentId)))
        .map(rows -> rows.size() == 0 ? null : row(rows.iterator().next()));
  }

  @Override
  public Future<List<GapRow>> gaps(String tenantId, String cameraId, String stream, Instant from, Instant to) {
    return gapReports(tenantId, cameraId, stream, from, to).map(reports -> {
      List<GapRow> out = new ArrayList<>();
      for (GapReport g : reports) out.addAll(g.remaining());
      return out;
    });
  }

  /**
   * The reported gaps overlapping [from, to), each with its fill state computed over the whole gap ("open": no
   * present segment inside it, "partial", "filled"; "unfillable" when the gap filler said so and nothing covers
   * it) and the spans still without footage, clipped to [from, to). One query: gaps joined with the present
   * segments of the same stream that overlap them (same look-back bound as {@link #segments}).
   */
  public Future<List<GapReport>> gapReports(String tenantId, String cameraId, String stream, Instant from, Instant to) {
    long f = from.toEpochMilli();
    long t = to.toEpochMilli();
    String text = "SELECT g.start_ms, g.end_ms, g.reason, g.fill_state, g.fill_note, s.start_ms, s.end_ms FROM recording_gap g"
        + " LEFT JOIN recording_segment s ON s.tenant_id = g.tenant_id AND s.camera_id = g.camera_id AND s.stream = g.stream"
        + " AND s.start_ms >= g.start_ms - " + MAX_SEGMENT_MS + " AND s.start_ms < g.end_ms AND s.end_ms > g.start_ms AND s.state = 'present'"
        + " WHERE g.tenant_id = " + d.p(1) + " AND g.camera_id = " + d.p(2) + " AND g.stream = " + d.p(3)
        + " AND g.start_ms < " + d.p(4) + " AND g.end_ms > " + d.p(5) + " ORDER BY g.start_ms, s.start_ms";
    return sql.inTenant(tenantId, c -> c.preparedQuery(text).execute(Tuple.from(Arrays.asList(tenantId, cameraId, stream, t, f))))
        .map(rows -> {
          Map<Long, List<Row>> byGap = new LinkedHashMap<>();
          for (Row r : rows) byGap.computeIfAbsent(r.getLong(0), k -> new ArrayList<>()).add(r);
          List<GapReport> out = new ArrayList<>();
          for (List<Row> g : byGap.values()) {
            Row first = g.get(0);
            long gs = first.getLong(0);
            long ge = first.getLong(1);
            List<long[]> cover = new ArrayList<>();
            for (Row r : g) if (r.getLong(5) != null) cover.add(new long[] {r.getLong(5), r.getLong(6)});
            List<long[]> left = subtract(gs, ge, cover);
            long leftMs = left.stream().mapToLong(x -> x[1] - x[0]).sum();
            long covered = (ge - gs) - leftMs;
            String state = leftMs == 0 ? "filled" : covered == 0 ? ("unfillable".equals(first.getString(3)) ? "unfillable" : "open") : "partial";
            GapRow whole = new GapRow(tenantId, cameraId, stream, Instant.ofEpochMilli(gs), Instant.ofEpochMilli(ge), first.getString(2), state,
                first.getString(4));
            List<GapRow> remaining = new ArrayList<>();
            for (long[] span : left) {
              long a = Math.max(span[0], f);
              long b = Math.min(span[1], t);
              if (b > a) {
                remaining.add(new GapRow(tenantId, cameraId, stream, Instant.ofEpochMilli(a), Instant.ofEpochMilli(b), first.getString(2), state,
                    first.getString(4)));
              }
            }
            out.add(new GapReport(whole, covered, remaining));
          }
          return out;
        });
  }

  /** [start, end) minus the union of {@code cover} spans, as ordered disjoint spans. */
  static List<long[]> subtract(long start, long end, List<long[]> cover) {
    List<long[]> sorted = new ArrayList<>(cover);
    sorted.sort((x, y) -> Long.compare(x[0], y[0]));
    List<long[]> out = new ArrayList<>();
    long cur = start;
    for (long[] c : sorted) {
      if (c[1] <= cur) continue;
      if (c[0] >= end) break;
      if (c[0] > cur) out.add(new long[] {cur, c[0]});
      cur = Math.max(cur, c[1]);
      if (cur >= end) break;
    }
    if (cur < end) out.add(new long[] {cur, end});
    return out;
  }

  /**
   * Coverage of [from, to) by {@code segments} (any order): recorded time (exact union), the rest, and the holes;
   * a hole of at most {@link #JOIN_TOLERANCE_MS} between two segments is rounding, not missing footage, and is
   * neither listed nor breaks contiguity (it still counts in gapMs).
   */
  public static Coverage coverage(List<SegmentRow> segments, Instant from, Instant to, int maxHoles) {
    long f = from.toEpochMilli();
    long t = to.toEpochMilli();
    List<long[]> spans = new ArrayList<>();
    for (SegmentRow s : segments) spans.add(new long[] {s.start().toEpochMilli(), s.end().toEpochMilli()});
    List<long[]> left = subtract(f, t, spans);
    long gapMs = left.stream().mapToLong(x -> x[1] - x[0]).sum();
    List<long[]> holes = new ArrayList<>();
    boolean contiguous = true;
    for (long[] h : left) {
      boolean inner = h[0] > f && h[1] < t;
      if (inner && h[1] - h[0] <= JOIN_TOLERANCE_MS) continue;
      contiguous = false;
      if (holes.size() < maxHoles) holes.add(h);
    }
    return new Coverage((t - f) - gapMs, gapMs, contiguous, holes);
  }
}
